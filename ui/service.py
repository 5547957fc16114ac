"""The one object the API and the Gradio app share: the pipeline, its model, and a bounded work queue."""
from __future__ import annotations

import hmac
import os
import tempfile
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kabar.pipeline import Pipeline, Result
from news.errors import ConfigError, KabarError
from news.read import Document, replace_surrogates
from news.split import split_paragraph
from translate import budget as work
from translate import metrics
from translate.budget import WorkBudget, WorkCancelled
from ui import metrics as service_metrics
from ui.tempfiles import DEFAULT_KEEP_SECONDS, Sweeper, private_folder

DEFAULT_MAX_CHARS = 20_000
DEFAULT_MAX_QUEUE = 16
DEFAULT_DEADLINE = 120.0  # seconds one request may take before the client gets 504
# Quality from corrections on the server (GET /api/quality, the Evaluate tab): the newest sentences of the period
# only, and fewer resamples than kabar eval postedits (which reads every sentence, 1,000 resamples).
MAX_QUALITY_SENTENCES = 5_000
QUALITY_BOOTSTRAP = 200
DEFAULT_WORKERS = 1  # model work runs one request at a time on 2 cores; the rest wait in the queue
# Text translation requests waiting together are translated together (translate_texts): at most this many
# sentences in one call to the model, which batches them by length over its replicas. $KABAR_GROUP_SENTENCES
# sets it; 0 translates each request alone (as before grouping; bench/serve.py compares the two).
MAX_GROUP_SENTENCES = 64
ENV_GROUP_SENTENCES = "KABAR_GROUP_SENTENCES"
ENV_API_KEYS = "KABAR_API_KEYS"
ENV_MAX_CHARS = "KABAR_MAX_CHARS"
ENV_TMP = "KABAR_TMP"
ENV_KEEP_FILES = "KABAR_KEEP_FILES"
ENV_MAX_QUEUE = "KABAR_MAX_QUEUE"
ENV_DEADLINE = "KABAR_DEADLINE"
ENV_ALLOW_PRIVATE_URLS = "KABAR_ALLOW_PRIVATE_URLS"
MAX_URL_CHARS = 2048


class Busy(KabarError):
    """The work queue is full; the client should retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, queue: int = DEFAULT_MAX_QUEUE):
        self.retry_after = retry_after
        super().__init__(f"Server busy: {queue} requests already waiting; retry in {retry_after} s.")


class TooLarge(KabarError):
    """A request carries more text than the configured maximum."""


class DeadlineExceeded(KabarError):
    """A request's work ran past the server's deadline (answered 504)."""


class NoArchive(KabarError):
    """Search asked of a server that has no archive, or whose archive does not exist yet."""


class MemoryClosed(KabarError):
    """A client asked to read or write the translation memory on a server that does not allow it (403)."""


def parse_keys(text: str) -> list[tuple[str, str]]:
    """``KABAR_API_KEYS``: comma-separated keys, each ``KEY`` or ``NAME:KEY`` (a name of letters, digits, ``._@-``,
    at most 64); an unnamed key is called ``key1``, ``key2`` … by its position."""
    out = []
    for n, item in enumerate((k.strip() for k in text.split(",") if k.strip()), 1):
        name, sep, key = item.partition(":")
        if sep and key and 0 < len(name) <= 64 and all(c.isascii() and (c.isalnum() or c in "._@-") for c in name):
            out.append((name, key))
        else:
            out.append((f"key{n}", item))
    return out


class NotAnUpload(KabarError):
    """A file path from a client that is not a file inside the server's own temp folder."""


@dataclass(eq=False)  # a job is itself: found in and removed from the queue by identity
class _Job:
    """One request's sentences waiting to be translated with whatever else is waiting."""

    sentences: list[str]
    budget: WorkBudget | None = None  # the request's own: a job whose request has stopped is dropped
    done: threading.Event = field(default_factory=threading.Event)
    result: list[str] | None = None
    error: BaseException | None = None


class FairSlots:
    """A counting semaphore served in arrival order: the request that has waited longest gets the next free
    slot (``threading.Semaphore`` wakes any waiter, so a steady stream of requests could starve one)."""

    def __init__(self, count: int):
        self._free = count
        self._queue: deque = deque()
        self._cond = threading.Condition()

    def acquire(self, *, timeout: float | None = None, abort=None) -> bool:
        """Wait for a slot, at most ``timeout`` seconds; False on time-out, or as soon as ``abort()`` is true
        (checked whenever :meth:`wake` or :meth:`release` is called)."""
        me = object()
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._queue.append(me)
            try:
                while True:
                    if abort is not None and abort():
                        return False
                    if self._free > 0 and self._queue[0] is me:
                        self._free -= 1
                        return True
                    left = None if end is None else end - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(left)
            finally:
                self._queue.remove(me)
                self._cond.notify_all()  # the next in line may go now

    def release(self) -> None:
        with self._cond:
            self._free += 1
            self._cond.notify_all()

    def wake(self) -> None:
        """Let every waiter look at its ``abort`` condition again."""
        with self._cond:
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @property
    def free(self) -> int:
        return self._free


@dataclass
class Stats:
    """What the model-info panel shows."""

    requests: int = 0
    last_seconds: float = 0.0
    last_route: str = ""
    started: float = field(default_factory=time.time)


def _sentences_by_line(text: str) -> list[list[str]]:
    """The sentences of each line of ``text`` (line breaks are kept in what is translated from them)."""
    return [split_paragraph(line) for line in text.split("\n")]


class KabarService:
    """Process articles and translate text for every surface, with limits and a bounded queue."""

    def __init__(self, pipeline: Pipeline, *, max_chars: int | None = None, max_queue: int | None = None,
                 workers: int = DEFAULT_WORKERS, api_keys: str | None = None, qe=None,
                 temp_dir: str | Path | None = None, deadline: float | None = None,
                 allow_private_urls: bool | None = None, fetch_settings=None, keep_files: float | None = None,
                 suggestions: bool = False, archive: str | Path | None = None):
        self.pipeline = pipeline
        # kabar serve --archive DIR: the output folder of kabar run/watch searched by /api/search and the Search tab
        self.archive_dir = Path(archive) if archive else None
        self._archive = None
        self._archive_lock = threading.Lock()
        self.suggestions = suggestions  # LibreTranslate's POST /suggest writes to the memory (kabar serve --suggestions)
        if allow_private_urls is None:
            allow_private_urls = os.environ.get(ENV_ALLOW_PRIVATE_URLS, "").lower() in ("1", "true", "yes")
        self.allow_private_urls = allow_private_urls
        self._fetch_settings = fetch_settings
        self._fetcher = None
        self._fetcher_lock = threading.Lock()
        self.deadline = float(deadline or os.environ.get(ENV_DEADLINE) or DEFAULT_DEADLINE)
        # Private to this server (ui/tempfiles.py): a fresh mkdtemp folder unless --temp-dir / $KABAR_TMP names one.
        self.temp_dir, fresh = private_folder(temp_dir or os.environ.get(ENV_TMP) or None)
        keep = float(keep_files or os.environ.get(ENV_KEEP_FILES) or DEFAULT_KEEP_SECONDS)
        self.sweeper = Sweeper(self.temp_dir, keep, remove_root=fresh)
        self.max_chars = int(max_chars or os.environ.get(ENV_MAX_CHARS) or DEFAULT_MAX_CHARS)
        keys = api_keys if api_keys is not None else os.environ.get(ENV_API_KEYS, "")
        self.key_names = parse_keys(keys)  # [(name, key)]: "sari:KEY" is named sari; a bare KEY is "key1", "key2" …
        self.api_keys = tuple(key for _, key in self.key_names)
        self._signed_in: dict[str, str] = {}  # UI user name -> the name of the key it signed in with
        self.workers = workers
        self._slots = FairSlots(workers)
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self.max_queue = int(max_queue or os.environ.get(ENV_MAX_QUEUE) or DEFAULT_MAX_QUEUE)
        self.stats = Stats()
        self.qe = qe
        self._pending: list[_Job] = []  # translate_texts requests not yet translated, oldest first
        group = os.environ.get(ENV_GROUP_SENTENCES, "").strip()
        self.group_sentences = int(group) if group.isdigit() else MAX_GROUP_SENTENCES
        self._pending_lock = threading.Lock()

    # -- limits -------------------------------------------------------------------------------------
    @property
    def queued(self) -> int:
        """Requests waiting for a work slot now."""
        return self._waiting

    @property
    def working(self) -> int:
        """Work slots in use now."""
        return self.workers - self._slots.free

    @property
    def saturated(self) -> bool:
        """True when the next request needing the model would be refused (the queue is full)."""
        return self._waiting >= self.max_queue

    def check_size(self, *texts: str) -> None:
        """Raise :class:`TooLarge` if the texts together exceed ``max_chars``."""
        total = sum(len(t) for t in texts)
        if total > self.max_chars:
            metrics.reject("too-large")
            raise TooLarge(f"Request has {total} characters; the limit is {self.max_chars} "
                           f"(set {ENV_MAX_CHARS} to change it). Split the text or use the batch CLI.")

    @property
    def upload_dir(self) -> Path:
        """Where Gradio stores uploads: a folder inside ``temp_dir``."""
        return self.temp_dir / "uploads"

    def own_file(self, path: str | Path) -> Path:
        """``path`` resolved, if it is a regular file inside ``temp_dir``; else :class:`NotAnUpload`.

        Every file path a client sends (a Gradio upload, a hypothesis file) goes through here, so a
        crafted path (``/etc/passwd``, ``../../x``, a symlink out) never reaches a reader.
        """
        name = Path(str(path)).name
        try:
            resolved = Path(path).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            raise NotAnUpload(f"{name}: not a file uploaded to this server") from None
        if not resolved.is_relative_to(self.temp_dir) or not resolved.is_file():
            raise NotAnUpload(f"{name}: not a file uploaded to this server")
        return resolved

    async def run(self, fn, *args, **kwargs):
        """Run ``fn`` in a worker thread (never on the event loop), bounded by the request deadline.

        The work gets a :class:`~translate.budget.WorkBudget` with the same deadline: when the client is answered
        504, the work stops at its next batch boundary and gives its work slot back (it is not left running)."""
        import asyncio
        import functools

        from starlette.concurrency import run_in_threadpool

        budget = WorkBudget(seconds=self.deadline, what="this request")

        def bounded():
            with work.using(budget):
                return fn(*args, **kwargs)

        try:
            return await asyncio.wait_for(run_in_threadpool(functools.partial(bounded)), self.deadline)
        except (asyncio.TimeoutError, WorkCancelled):
            budget.cancel()
            metrics.reject("deadline")
            raise DeadlineExceeded(f"The request took longer than the server's deadline ({self.deadline:g} s; "
                                   f"{ENV_DEADLINE} sets it). Send less text a request.") from None

    @contextmanager
    def bounded(self, chars: int, what: str = "this request"):
        """The work of ``chars`` characters of a request's text: at most ``WORK_RATIO`` times that many characters
        through the model, and stopped at the server's deadline. Inside :meth:`run` the request's own budget is
        allowed them; elsewhere (Gradio's callbacks) a budget is made here."""
        budget = work.current()
        if not isinstance(budget, WorkBudget):
            budget = WorkBudget(seconds=self.deadline, what=what)
        budget.allow(chars)
        with work.using(budget):
            yield budget

    def work_dir(self, prefix: str) -> Path:
        """A fresh folder for one job's files, always inside ``temp_dir`` (old files there are swept first)."""
        self.sweeper.maybe_sweep()
        self.temp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # removed by hand while serving: made again
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.temp_dir))

    def key_ok(self, key: str | None) -> bool:
        """True when no keys are configured, or ``key`` matches one (compared in constant time)."""
        return not self.api_keys or self.key_name(key) is not None

    def key_name(self, key: str | None) -> str | None:
        """The name of the configured key ``key`` is (compared in constant time, every key), or None."""
        if not key or not isinstance(key, str):
            return None
        given = key.encode("utf-8", "surrogatepass")  # a lone surrogate is a wrong key, not a crash
        found = None
        for name, k in self.key_names:
            if hmac.compare_digest(given, k.encode("utf-8", "surrogatepass")) and found is None:
                found = name
        return found

    def sign_in(self, user: str, password: str) -> bool:
        """Gradio's sign-in: any user name, a key as the password; the key's name is remembered for the user
        (it is the editor recorded for the UI's corrections)."""
        name = self.key_name(password)
        if name is not None:
            self._signed_in[str(user)[:100]] = name
        return name is not None

    def editor(self, *, key: str | None = None, user: str | None = None, given: str | None = None) -> str | None:
        """Who a correction is recorded under: with API keys, the name of the key the client used (what the
        client says is ignored); without keys, the name the client gives."""
        if not self.api_keys:
            return given
        if key is not None:
            return self.key_name(key)
        return self._signed_in.get(str(user)[:100]) if user is not None else None

    def require_memory_access(self) -> None:
        """Refuse clients' reads and writes of the translation memory unless the operator allowed them
        (``kabar serve --suggestions``)."""
        if not self.suggestions:
            raise MemoryClosed("Corrections are disabled on this server: the operator opens the translation memory "
                               "to clients with kabar serve --suggestions.")

    def _acquire(self, abort=None) -> bool:
        """Wait in line for a work slot (bounded queue, arrival order) until the request's deadline; False when
        ``abort()`` came true first. A request whose deadline passes while it waits raises :class:`WorkCancelled`."""
        budget = work.current()
        with self._waiting_lock:
            if self._waiting >= self.max_queue:
                metrics.reject("busy")
                raise Busy(retry_after=5, queue=self.max_queue)
            self._waiting += 1
        try:
            if budget is not None:
                budget.check()
            got = self._slots.acquire(timeout=budget.seconds_left() if budget is not None else None, abort=abort)
        finally:
            with self._waiting_lock:
                self._waiting -= 1
        if not got and (abort is None or not abort()):
            if budget is not None:
                budget.check()  # the wait ended at the deadline
            raise WorkCancelled("The request's deadline passed while it waited for the model.")
        return got

    @contextmanager
    def slot(self, route: str):
        """Wait for a work slot (bounded queue, arrival order, at most until the deadline), time the work,
        record it."""
        self._acquire()
        start = time.perf_counter()
        try:
            yield
        finally:
            self._release(route, start)

    def _release(self, route: str, start: float) -> None:
        self._slots.release()
        self.stats.requests += 1
        self.stats.last_seconds = time.perf_counter() - start
        self.stats.last_route = route

    @property
    def fetcher(self):
        """The server's one fetcher: guarded (public addresses only) unless the operator allowed private ones."""
        with self._fetcher_lock:
            if self._fetcher is None:
                from news.fetch import Fetcher, FetchSettings

                settings = self._fetch_settings or FetchSettings()
                settings.allow_private = self.allow_private_urls
                # a page fetch ends well inside the request's deadline, so no fetch outlives its request
                settings.page_deadline = min(settings.page_deadline, self.deadline / 2)
                self._fetcher = Fetcher(settings)
            return self._fetcher

    # -- work ---------------------------------------------------------------------------------------
    def process(self, text: str, *, title: str | None = None, article_id: str = "request",
                route: str = "process", source_lang: str | None = None, summary_length: str | int | None = None,
                summarizer: str | None = None, glossary=None) -> Result:
        """Run the whole pipeline on one pasted article; ``source_lang`` (auto/id/en), ``summary_length``
        (auto, N, 20%) and ``summarizer`` (learned, textrank, lead) override the server's defaults for this
        request only."""
        self.check_size(text)
        text, title = replace_surrogates(text), replace_surrogates(title) if title else title
        return self._process(Document(article_id, route, text=text, title=title), route, source_lang, summary_length,
                             summarizer, glossary)

    def process_url(self, url: str, *, route: str = "process", source_lang: str | None = None,
                    summary_length: str | int | None = None, summarizer: str | None = None, glossary=None) -> Result:
        """Fetch an article page (public addresses only, unless allowed), then run the whole pipeline on it.

        A page that cannot be fetched or holds no article is a result with status ``error`` naming why.
        """
        from news.read import read_url, url_id

        url = replace_surrogates(url.strip())
        if len(url) > MAX_URL_CHARS:
            metrics.reject("too-large")
            raise TooLarge(f"The URL has {len(url)} characters; the limit is {MAX_URL_CHARS}.")
        doc = read_url(url, fetcher=self.fetcher, doc_id=url_id(url))
        if doc.ok:
            self.check_size(doc.text)
        else:
            service_metrics.fetch_error(doc.error_kind)
        return self._process(doc, route, source_lang, summary_length, summarizer, glossary)

    def summarizer(self, name: str | None):
        """The server's summarizer, or the one called ``name`` (learned, textrank, lead) for one request."""
        from summarize import SUMMARIZERS

        if name in (None, "", self.pipeline.summarizer.name):
            return self.pipeline.summarizer
        if name not in SUMMARIZERS:
            raise ConfigError(f"Unknown summarizer {str(name)[:40]!r}: choose one of {', '.join(SUMMARIZERS)}.")
        return SUMMARIZERS[name]()

    def _process(self, doc: Document, route: str, source_lang: str | None, summary_length,
                 summarizer: str | None = None, glossary=None) -> Result:
        pipeline = self.pipeline
        chosen = self.summarizer(summarizer)
        if (source_lang not in (None, pipeline.source_lang) or summary_length not in (None, "")
                or chosen is not pipeline.summarizer or glossary is not None):
            pipeline = Pipeline(pipeline._translator, load_translator=pipeline._load_translator,
                                summarizer=chosen, qe=pipeline.qe, memory=pipeline.memory,
                                glossary=pipeline.glossary if glossary is None else glossary,
                                source_lang=source_lang or pipeline.source_lang,
                                summary_length=summary_length if summary_length not in (None, "") else "auto",
                                record=pipeline.record)
            if summary_length in (None, ""):  # only the summarizer or language changed: the server's length
                pipeline.summary_n, pipeline.summary_ratio = self.pipeline.summary_n, self.pipeline.summary_ratio
        with self.bounded(len(doc.text or "")), self.slot(route):
            return pipeline.process(doc)

    # -- the translation memory -------------------------------------------------------------------------
    @property
    def memory(self):
        """The server's translation memory (None when it was started with --no-tm)."""
        return self.pipeline.memory

    def _memory_or_error(self):
        if self.memory is None:
            raise ConfigError("This server keeps no translation memory (it was started with --no-tm).")
        return self.memory

    def correct(self, source: str, english: str, *, machine: str | None = None, editor: str | None = None,
                origin: str = "correction"):
        """Remember ``english`` as the translation of ``source`` (an editor's correction or a suggestion); the
        next run of any article holding that sentence uses it, marked human."""
        return self._memory_or_error().add(replace_surrogates(source), replace_surrogates(english),
                                           machine=replace_surrogates(machine) if machine else None,
                                           editor=replace_surrogates(editor) if editor else None, origin=origin)

    def corrections(self, offset: int = 0, limit: int = 100, after: str | None = None) -> tuple[int, list, str | None]:
        """(how many entries in all, up to ``limit`` entries from ``offset`` or after the cursor ``after``, oldest
        first, the cursor of the next page). A read of the memory waits for a work slot like any other request."""
        memory = self._memory_or_error()
        with self.slot("api/corrections"):
            return memory.page(offset=offset, limit=limit, after=after)

    def quality(self, date_from: str | None = None, date_to: str | None = None) -> dict:
        """Quality from corrections over a period (eval.postedits): the newest ``MAX_QUALITY_SENTENCES`` translated
        sentences of it, ``QUALITY_BOOTSTRAP`` resamples for the intervals; read in a work slot like any request."""
        from eval.postedits import check_period, collect, report

        self.require_memory_access()
        memory = self._memory_or_error()
        start, end = check_period(date_from, date_to)
        with self.slot("api/quality"):
            sentences = collect(memory, start, end, newest=MAX_QUALITY_SENTENCES + 1)
            sampled = len(sentences) > MAX_QUALITY_SENTENCES
            result = report(sentences[-MAX_QUALITY_SENTENCES:], start=start, end=end,
                            n_bootstrap=QUALITY_BOOTSTRAP)
        result["limited_to_newest"] = MAX_QUALITY_SENTENCES if sampled else None
        return result

    # -- the archive ----------------------------------------------------------------------------------
    def archive(self):
        """The archive searched (opened on first use: ``kabar watch`` may create it after the server starts)."""
        from kabar.archive import Archive

        if self.archive_dir is None:
            raise NoArchive("This server has no archive to search: start it with kabar serve --archive DIR, "
                            "DIR being the output folder of kabar run or kabar watch.")
        if self._archive is None:
            from kabar.archive import archive_path

            try:
                self._archive = Archive(self.archive_dir, create=False)
            except ConfigError as exc:
                if archive_path(self.archive_dir).is_file():
                    raise NoArchive(str(exc)) from None  # not an archive: said as it is
                raise NoArchive("The archive is empty: nothing has been processed into it yet (kabar run or kabar "
                                "watch with --out on the folder this server was started with).") from None
        return self._archive

    def search(self, text: str, **options):
        """The hits of one query (a worker thread's work: the query is embedded). One search at a time: the
        archive's SQLite connection and the e5 model are shared."""
        from kabar.search import make_query, search

        q = make_query(replace_surrogates(str(text or "")), **options)
        with self._archive_lock:
            archive = self.archive()
            with service_metrics.SEARCH_SECONDS.time():
                hits = search(archive, q)
            return hits, len(archive)

    def archive_size(self) -> int | None:
        """Articles in the archive searched (None without one, or while it is busy or not there yet)."""
        if self.archive_dir is None or not self._archive_lock.acquire(timeout=1):
            return None
        try:
            return len(self.archive())
        except KabarError:
            return None
        finally:
            self._archive_lock.release()

    def outlets(self) -> list[str]:
        """The archive's outlets, most articles first (empty when there is no archive yet)."""
        with self._archive_lock:
            try:
                return self.archive().outlets()
            except NoArchive:
                return []

    def translate_texts(self, texts: list[str], *, route: str = "translate") -> list[str]:
        """Translate each text sentence by sentence, keeping its line breaks; one output per input.

        The translation memory answers first: a whole line it knows (a LibreTranslate suggestion is stored for
        the whole text sent), then each sentence it knows; only the rest goes to the model."""
        self.check_size(*texts)
        texts = [replace_surrogates(t) for t in texts]
        lines = [t.split("\n") for t in texts]
        pieces = [_sentences_by_line(t) for t in texts]
        known: dict[str, str] = {}
        if self.memory is not None:
            known = self.memory.lookup([line for doc in lines for line in doc]
                                       + [s for doc in pieces for line in doc for s in line])
        flat = [s for doc, sents in zip(lines, pieces) for raw, line in zip(doc, sents) if raw not in known
                for s in line if s not in known]
        with self.bounded(sum(map(len, texts))):
            done = iter(self._translate_grouped(flat, route)) if flat else iter(())
        return ["\n".join(known[raw] if raw in known else " ".join(known[s] if s in known else next(done) for s in line)
                          for raw, line in zip(doc, sents))
                for doc, sents in zip(lines, pieces)]

    def _translate_grouped(self, sentences: list[str], route: str) -> list[str]:
        """Translate ``sentences`` together with those of every other request waiting at the same moment.

        Each request queues its job (charged to its own work budget), then waits in line for a work slot (the
        same bounded queue as all model work). Whoever gets the slot translates the oldest waiting jobs in one
        call, up to ``group_sentences`` sentences (always at least one job), hands each job its part, and goes on
        with the next oldest until its own job is done. A request whose job another slot holder took stops
        waiting for the slot as soon as its part is there; a job whose request has stopped (deadline, client
        gone) is dropped instead of translated. With many clients sending short texts at once, the model sees
        full batches instead of one short text at a time.
        """
        budget = work.current()
        if budget is not None:
            budget.charge(sum(map(len, sentences)), "a translation")
        job = _Job(list(sentences), budget=budget if isinstance(budget, WorkBudget) else None)
        with self._pending_lock:
            self._pending.append(job)
        try:
            if self._acquire(abort=job.done.is_set):
                start = time.perf_counter()
                try:
                    # The oldest jobs go first, so this job may not be in the first group: go on until it is done.
                    # If another slot holder has already taken it, it is being translated now: wait below.
                    while not job.done.is_set():
                        with self._pending_lock:
                            if job not in self._pending:
                                break
                            group = self._next_group()
                        if group:
                            self._translate_group(group)
                finally:
                    self._release(route, start)
        finally:
            with self._pending_lock:  # refused by a full queue or stopped: never translated later for nobody
                queued = job in self._pending
                if queued:
                    self._pending.remove(job)
        if not queued and not job.done.wait(budget.seconds_left() if budget is not None else None):
            raise WorkCancelled("The request's deadline passed while its sentences were being translated.")
        if job.error is not None:
            raise job.error
        return job.result

    def _next_group(self) -> list[_Job]:
        """The oldest waiting jobs, up to ``group_sentences`` sentences (at least one job); jobs whose requests
        have stopped are dropped on the way (called with ``_pending_lock`` held)."""
        group: list[_Job] = []
        size = 0
        while self._pending and (not group or size + len(self._pending[0].sentences) <= self.group_sentences):
            job = self._pending.pop(0)
            if job.budget is not None and job.budget.cancelled:
                job.error = WorkCancelled("The request stopped before its sentences were translated.")
                job.done.set()
                continue
            group.append(job)
            size += len(job.sentences)
        return group

    def _translate_group(self, group: list[_Job]) -> None:
        """One call to the model for ``group``'s sentences; each job gets its part, or the error. The call stops at
        a batch boundary only once every request of the group has stopped."""
        service_metrics.GROUPS.observe(len(group))
        service_metrics.GROUP_SENTENCES.observe(sum(len(j.sentences) for j in group))
        try:
            with work.using(work.GroupBudget(j.budget for j in group)):
                out = self.pipeline.translator.translate([s for j in group for s in j.sentences])
            for j in group:
                j.result, out = out[:len(j.sentences)], out[len(j.sentences):]
        except BaseException as exc:  # every request of the group gets the error, none hangs
            for j in group:
                j.error = exc
            if not isinstance(exc, Exception):  # KeyboardInterrupt and the like stop the holder too
                raise
        finally:
            for j in group:
                j.done.set()
            self._slots.wake()  # a request waiting in line whose job is done now returns without the slot

    def alternatives(self, texts: list[str], n: int, *, route: str = "translate") -> list[list[str]]:
        """Up to ``n`` alternative English versions of each text besides its translation (LibreTranslate's
        ``alternatives``): the k-th alternative takes each sentence's k-th best translation where it has one."""
        self.check_size(*texts)
        out = []
        with self.bounded(sum(map(len, texts))), self.slot(route):
            pieces = [_sentences_by_line(replace_surrogates(text)) for text in texts]
            flat = [s for lines in pieces for line in lines for s in line]
            # one n-best call for every sentence of every text (5,000 short texts were 5,000 calls)
            best = iter(self.pipeline.translator.translate_nbest(flat, n + 1) if flat else [])
            for lines in pieces:
                nbest = [[next(best) for _ in line] for line in lines]
                versions = ["\n".join(" ".join(h[min(k, len(h) - 1)] for h in line) for line in nbest)
                            for k in range(n + 1)]
                out.append([v for v in dict.fromkeys(versions[1:]) if v != versions[0]][:n])
        return out

    def summarize(self, text: str, *, sentences: int | str | None = "auto", summarizer: str | None = None) -> dict:
        """The extractive summary of one text in its own language: ``lang``, ``summary`` and ``indices``."""
        from news.article import clean_and_split
        from news.config import DEFAULT_SUMMARY_SENTENCES
        from news.detect import detect
        from summarize.base import choose, parse_length

        self.check_size(text)
        n, ratio = parse_length(sentences, DEFAULT_SUMMARY_SENTENCES)
        cleaned, found = clean_and_split(replace_surrogates(text))
        lang = detect(cleaned.text).lang
        chosen = choose(self.summarizer(summarizer), found, "en" if lang == "en" else "id", n=n, ratio=ratio,
                        fallback=DEFAULT_SUMMARY_SENTENCES)
        return {"lang": lang, "summary": [found[i] for i in chosen], "indices": chosen}

    def detect_many(self, texts: list[str]) -> list:
        """Language guesses for each text (CPU work: callers run it in a worker thread)."""
        from news.detect import detect

        self.check_size(*texts)
        return [detect(replace_surrogates(t)) for t in texts]

    def info(self) -> dict:
        """Model, engine and timing facts for the model-info panel and /health."""
        translator = self.pipeline._translator
        info = getattr(translator, "info", None)
        return {"model": info.model if info else None, "engine": info.engine if info else None,
                "device": info.device if info else None, "compute_type": info.compute_type if info else None,
                "beam_size": info.beam_size if info else None, "loaded": info is not None,
                "requests": self.stats.requests, "last_request_seconds": round(self.stats.last_seconds, 4),
                "last_route": self.stats.last_route, "max_chars": self.max_chars,
                "api_keys_required": bool(self.api_keys)}
