"""The end-to-end path: read → clean → detect → split → translate → summarize, one :class:`Result` an article.

Sentences of many articles are translated in one call so the engine can batch them; a failure in
that call is retried article by article, so one bad article never costs the others their results.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from news import config
from news.clean import Removal, clean
from news.config import DEFAULT_SUMMARY_LENGTH, DEFAULT_SUMMARY_SENTENCES
from news.detect import detect, detect_paragraphs
from news.errors import KabarError, choices_error
from news.read import Document
from news.split import split_paragraphs
from summarize import SUMMARIZERS
from summarize.base import choose, parse_length
from translate.budget import WorkCancelled

log = logging.getLogger(__name__)

TRANSLATABLE = ("id", "ms")  # Malay is close enough for an Indonesian model, with a warning
PASSTHROUGH = ("en",)
NO_TEXT = ("und", "zxx")
SOURCE_LANGS = ("auto", "id", "en")
_ROOT = Path(__file__).resolve().parent.parent
# Everything whose code shapes a result; a change to any of these files retires cached article results.
_RESULT_CODE = ("news", "translate", "summarize", "eval/qe.py", "eval/checks.py", "eval/check_stats.json",
                "kabar/pipeline.py")


@lru_cache(maxsize=4)
def code_fingerprint(root: Path = _ROOT) -> str:
    """A hash of the source of every stage that shapes a result under ``root`` (and of py3langid's model file)."""
    digest = hashlib.blake2b(digest_size=16)
    for name in _RESULT_CODE:
        path = root / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and file.suffix in (".py", ".txt", ".json") and "__pycache__" not in file.parts:
                digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    try:
        from py3langid.langid import MODEL_DIR, MODEL_FILE

        stat = (Path(MODEL_DIR) / MODEL_FILE).stat()
        digest.update(f"langid:{stat.st_size}".encode())
    except (ImportError, OSError):
        pass
    return digest.hexdigest()


def _settings_of(component) -> dict:
    """The plain settings of a summarizer or QE model (numbers, strings, flags), for cache keys."""
    if component is None:
        return {}
    simple = {k: v for k, v in sorted(vars(component).items()) if isinstance(v, (int, float, str, bool))}
    return {"class": type(component).__name__, **simple}


# The shape each optional field of a stored result must have (checked when a results.jsonl line is read back).
_SHAPES = {**dict.fromkeys(("title", "date", "dateline", "url", "author", "outlet", "lang", "model", "engine",
                            "glossary", "title_source", "title_origin"), "a string"),
           "lang_confidence": "a number", "timings": "an object",
           **dict.fromkeys(("sentences", "sentence_lang", "translation", "summary_src", "summary_en", "errors",
                            "origin"), "a list of strings"),
           **dict.fromkeys(("paragraph_of", "summary_indices", "flagged", "repaired"), "a list of integers"),
           **dict.fromkeys(("quality", "checks", "removed", "terms"), "a list")}


def _fits(value, kind: str) -> bool:
    if kind == "a string":
        return isinstance(value, str)
    if kind == "a number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "an object":
        return isinstance(value, dict)
    if not isinstance(value, list):
        return False
    if kind == "a list of strings":
        return all(isinstance(v, str) for v in value)
    if kind == "a list of integers":
        return all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return True


@dataclass(frozen=True)
class Result:
    """Everything Kabar made of one article; ``translation[i]`` is the English of ``sentences[i]``."""

    id: str
    source: str
    status: str  # "ok", "error" (not processed) or "skipped" (language Kabar does not translate)
    title: str | None = None  # the headline in English (translated; an English article's own; else a short lead)
    title_source: str | None = None  # the headline as the article gave it (None: it had none)
    title_origin: str | None = None  # how the English headline was made: machine, human (memory), source, lead
    date: str | None = None
    dateline: str | None = None
    url: str | None = None  # where the article lives on the web (canonical URL), for pages and feed items
    author: str | None = None
    outlet: str | None = None  # the publication, where the input names it (a page's site name, a JSONL outlet)
    lang: str | None = None
    lang_confidence: float = 0.0
    sentences: tuple[str, ...] = ()
    paragraph_of: tuple[int, ...] = ()
    sentence_lang: tuple[str, ...] = ()
    translation: tuple[str, ...] = ()
    summary_indices: tuple[int, ...] = ()
    summary_src: tuple[str, ...] = ()
    summary_en: tuple[str, ...] = ()
    model: str | None = None
    engine: str | None = None
    quality: tuple = ()  # per sentence: QE cosine for translated sentences, None otherwise (empty: QE off)
    flagged: tuple[int, ...] = ()  # sentences whose translation QE marks as likely bad
    checks: tuple = ()  # per sentence: a list of {"check", "reason"} (eval.checks); empty lists where all passed
    repaired: tuple[int, ...] = ()  # sentences decoded again because their first translation looped
    origin: tuple[str, ...] = ()  # per sentence: "machine", "human" (the translation memory) or "source" (copied)
    terms: tuple = ()  # per sentence: the glossary terms placed, [{"term", "english", "how"}]; empty lists elsewhere
    glossary: str | None = None  # fingerprint of the glossary the English was made with ("" none)
    errors: tuple[str, ...] = ()
    removed: tuple[Removal, ...] = ()
    timings: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the article was processed (translated or passed through)."""
        return self.status == "ok"

    def paragraphs(self, texts: Sequence[str] | None = None) -> list[str]:
        """Join ``texts`` (default: the source sentences) back into the article's paragraphs."""
        texts = self.sentences if texts is None else texts
        out: list[list[str]] = []
        last = None
        for p, text in zip(self.paragraph_of, texts):
            if p != last:
                out.append([])
                last = p
            out[-1].append(text)
        return [" ".join(x) for x in out]

    def to_dict(self) -> dict:
        """A JSON-ready dict (lists instead of tuples)."""
        data = {}
        for name in self.__dataclass_fields__:  # one level deep: dataclasses.asdict deep-copies every string
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [asdict(v) if isinstance(v, Removal) else v for v in value]
            elif isinstance(value, dict):
                value = dict(value)
            data[name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        """Rebuild a result from :meth:`to_dict` output (for resume and for readers of results.jsonl).

        Raises ValueError naming the first field of the wrong shape (a hand-edited or foreign line)."""
        if not isinstance(data, dict):
            raise ValueError(f"a result is a JSON object, not {type(data).__name__}")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("id", "source", "status"):
            if not isinstance(known.get(name), str):
                raise ValueError(f"field {name!r} must be a string")
        for name, kind in _SHAPES.items():
            value = known.get(name)
            if value is not None and not _fits(value, kind):
                raise ValueError(f"field {name!r} must be {kind}")
        for key, value in known.items():
            if isinstance(value, list):
                known[key] = tuple(Removal(**v) if isinstance(v, dict) else v for v in value)
        return cls(**known)


@dataclass
class _Prepared:
    doc: Document
    fields: dict
    to_translate: list[int]
    timings: dict
    human: dict[int, str] = field(default_factory=dict)  # sentence index -> the translation memory's English
    title: str | None = None  # the headline to translate (an Indonesian article's)
    title_en: str | None = None
    title_origin: str | None = None

    def texts(self) -> list[str]:
        """What goes to the model for this article: its sentences to translate, then its headline if needed."""
        out = [self.fields["sentences"][i] for i in self.to_translate]
        return out + [self.title] if self.title and self.title_en is None else out


class Pipeline:
    """Turn documents into results with one translator (loaded on first need) and one summarizer."""

    def __init__(self, translator=None, *, load_translator: Callable[[], object] | None = None,
                 summarizer=None, summary_length: int | float | str | None = DEFAULT_SUMMARY_LENGTH,
                 source_lang: str = "auto", qe=None, article_cache=None, memory=None, glossary=None,
                 record: bool = False):
        if source_lang not in SOURCE_LANGS:
            raise choices_error("source language", source_lang, SOURCE_LANGS)
        self._translator = translator
        self._load_translator = load_translator
        self.summarizer = summarizer or SUMMARIZERS[config.DEFAULT_SUMMARIZER]()  # the one default (news/config.py)
        self.summary_n, self.summary_ratio = parse_length(summary_length, DEFAULT_SUMMARY_SENTENCES)
        self.source_lang = source_lang
        self.qe = qe
        self.article_cache = article_cache  # kabar.store.ArticleCache: finished results reused across runs
        self.articles_reused = 0
        self.memory = memory  # translate.memory.TranslationMemory: editors' corrections, taken before the model
        self.glossary = glossary if glossary else None  # translate.glossary.Glossary: terms the English must use
        self.memory_hits = 0
        # record every machine-translated sentence beside the memory, for quality from corrections (eval.postedits)
        self.record = record
        self._record_failed = False

    @property
    def translator(self):
        """The translator, loaded on first use (an all-English batch never loads a model)."""
        if self._translator is None:
            if self._load_translator is None:
                raise KabarError("No translator was given to the pipeline.")
            self._translator = self._load_translator()
        return self._translator

    def process(self, doc: Document) -> Result:
        """Process one document."""
        return self.process_many([doc])[0]

    def article_key(self, doc: Document) -> str:
        """The article cache key: the text and title, and every setting and piece of code that shapes the result."""
        parts = [code_fingerprint(), list(self.translator.info.cache_key), self.source_lang, self.summary_n,
                 self.summary_ratio, _settings_of(self.summarizer), _settings_of(self.qe),
                 self.glossary.fingerprint if self.glossary else "", doc.title, doc.date, doc.text]
        return hashlib.blake2b(json.dumps(parts, ensure_ascii=False).encode("utf-8"), digest_size=20).hexdigest()

    def process_many(self, docs: Sequence[Document]) -> list[Result]:
        """Process documents, translating all their sentences in one batched call.

        With an article cache, an article processed before with the same settings and code is
        answered from it; the new results that succeeded are stored there in one transaction.
        """
        if self.article_cache is None:
            results = self._process_many(docs)
            self._record(results)
            return results
        start = time.perf_counter()
        keys = [self.article_key(doc) if doc.ok else None for doc in docs]
        known = self.article_cache.get_many([k for k in keys if k])
        lookup = {"cache": round((time.perf_counter() - start) / max(1, len(docs)), 6)}
        cached: dict[int, Result] = {}
        for i, (doc, key) in enumerate(zip(docs, keys)):
            if key in known:
                try:
                    result = with_outlet(Result.from_dict(dict(known[key], id=doc.id, source=doc.source, url=doc.url,
                                                               author=doc.author, outlet=doc.outlet,
                                                               timings=dict(lookup))))
                except (TypeError, ValueError, AttributeError):
                    continue  # a damaged or foreign row is a cache miss: the article is processed again
                if self._memory_agrees(result):
                    cached[i] = result
        todo = [doc for i, doc in enumerate(docs) if i not in cached]
        fresh = iter(self._process_many(todo)) if todo else iter(())
        results, store = [], []
        for i, key in enumerate(keys):
            if i in cached:
                results.append(cached[i])
                self.articles_reused += 1
                continue
            result = next(fresh)
            results.append(result)
            if key and result.status == "ok":
                store.append((key, result.to_dict()))
        self.article_cache.put_many(store)
        self._record(results)
        return results

    def _record(self, results: Sequence[Result]) -> None:
        """Record the machine-translated sentences (and headlines) of ``results`` beside the translation memory, once
        per sentence, article and model, with the checks that flagged each and its QE score. A failed write is
        said once and never stops the run: the record is statistics, not the articles."""
        if not self.record or self.memory is None or getattr(self.memory, "readonly", False):
            return
        rows = []
        for r in results:
            if not r.ok or not r.model:
                continue
            common = {"model": f"{r.model} ({r.engine})" if r.engine else r.model, "article": r.url or r.id,
                      "outlet": r.outlet, "date": r.date}
            flagged = set(r.flagged)
            for i, origin in enumerate(r.origin):
                if origin == "machine":
                    checks = r.checks[i] if i < len(r.checks) and r.checks[i] else []
                    rows.append({**common, "source": r.sentences[i], "machine": r.translation[i],
                                 "checks": [c.get("check") for c in checks if isinstance(c, dict)],
                                 "qe": r.quality[i] if i < len(r.quality) else None, "qe_low": i in flagged})
            if r.title_origin == "machine" and r.title_source and r.title:
                rows.append({**common, "source": r.title_source, "machine": r.title, "checks": [], "qe": None,
                             "qe_low": False})
        if not rows:
            return
        try:
            self.memory.record(rows)
        except Exception as exc:  # a locked or full disk: the articles are done all the same
            if not self._record_failed:
                self._record_failed = True
                log.warning("could not record translated sentences in %s (%s); quality from corrections "
                            "(kabar eval postedits) will miss them", getattr(self.memory, "path", "the memory"), exc)

    def out_of_date(self, result: Result) -> str | None:
        """Why a finished result no longer holds with this pipeline's corrections: ``"memory"`` when the translation
        memory now gives another English for one of its sentences (a correction added, changed or removed since),
        ``"glossary"`` when it was made with another glossary; None when it still holds (or has nothing
        translated)."""
        if result.status != "ok" or not any(o in ("machine", "human") for o in result.origin):
            return None
        if (result.glossary or "") != (self.glossary.fingerprint if self.glossary is not None else ""):
            return "glossary"
        return None if self._memory_agrees(result) else "memory"

    def _memory_agrees(self, result: Result) -> bool:
        """True when a stored result took from the translation memory exactly what the memory holds now, for its
        sentences and its headline (a correction added, changed or removed since, or a run without the memory,
        makes it stale)."""
        made = [(s, e, o) for s, e, o in zip(result.sentences, result.translation, result.origin)
                if o in ("machine", "human")]
        if result.title_origin in ("machine", "human") and result.title_source:
            made.append((result.title_source, result.title, result.title_origin))
        now = self.memory.get_many([s for s, _, _ in made]) if self.memory is not None and made else {}
        for source, english, origin in made:
            match = now.get(source)
            if (match is not None) != (origin == "human") or (origin == "human" and english != match):
                return False
        return True

    def _take_from_memory(self, jobs: list[_Prepared]) -> None:
        """Move every sentence the translation memory knows from ``to_translate`` to ``human`` (one lookup)."""
        if self.memory is None or not jobs:
            return
        known = self.memory.lookup([p.fields["sentences"][i] for p in jobs for i in p.to_translate]
                                   + [p.title for p in jobs if p.title])
        for p in jobs:
            if p.title and p.title in known:
                p.title_en, p.title_origin = known[p.title], "human"
            human = {i: known[p.fields["sentences"][i]] for i in p.to_translate if p.fields["sentences"][i] in known}
            p.human = human
            p.to_translate = [i for i in p.to_translate if i not in human]
            self.memory_hits += len(human)

    def _process_many(self, docs: Sequence[Document]) -> list[Result]:
        prepared = [self._prepare(doc) for doc in docs]
        self._take_from_memory([p for p in prepared if isinstance(p, _Prepared) and (p.to_translate or p.title)])
        jobs = [p for p in prepared if isinstance(p, _Prepared) and p.texts()]
        translations: dict[int, list[str]] = {}
        if jobs:
            sentences = [text for p in jobs for text in p.texts()]
            start = time.perf_counter()
            try:
                flat = list(self.translator.translate(sentences))
                elapsed = time.perf_counter() - start
                pos = 0
                for p in jobs:
                    n = len(p.texts())
                    translations[id(p)] = flat[pos:pos + n]
                    pos += n
                    p.timings["translate"] = elapsed * n / max(1, len(sentences))
            except KabarError:
                raise
            except Exception:  # retry one by one so that only the article at fault fails
                log.warning("batch translation failed; retrying article by article", exc_info=True)
                for p in jobs:
                    start = time.perf_counter()
                    try:
                        translations[id(p)] = list(self.translator.translate(p.texts()))
                    except KabarError:
                        raise
                    except Exception as exc:
                        translations[id(p)] = exc  # type: ignore[assignment]
                    p.timings["translate"] = time.perf_counter() - start
        return [p if isinstance(p, Result) else self._finish(p, translations.get(id(p), [])) for p in prepared]

    def _prepare(self, doc: Document) -> _Prepared | Result:
        if not doc.ok:
            return Result(doc.id, doc.source, "error", title=doc.title, url=doc.url, errors=(doc.error or "unreadable",))
        timings = {}
        start = time.perf_counter()
        cleaned = clean(doc.text, title=doc.title)
        timings["clean"] = time.perf_counter() - start
        start = time.perf_counter()
        guess = detect(cleaned.text)
        lang = guess.lang if self.source_lang == "auto" else self.source_lang
        para_langs = detect_paragraphs(cleaned.paragraphs, lang)
        timings["detect"] = time.perf_counter() - start
        start = time.perf_counter()
        pairs = split_paragraphs(cleaned.paragraphs)
        timings["split"] = time.perf_counter() - start
        fields = dict(id=doc.id, source=doc.source, title=cleaned.title or doc.title, date=cleaned.date or doc.date,
                      dateline=cleaned.dateline, url=doc.url, author=doc.author, outlet=doc.outlet, lang=lang, lang_confidence=guess.confidence,
                      sentences=[s for _, s in pairs], paragraph_of=[p for p, _ in pairs],
                      sentence_lang=[para_langs[p] for p, _ in pairs], removed=cleaned.removed, errors=[])
        if not pairs:
            return Result(doc.id, doc.source, "error", title=fields["title"], url=doc.url, removed=cleaned.removed,
                          errors=(f"{doc.source}: no text left after removing boilerplate "
                                  f"({len(cleaned.removed)} lines removed)",))
        to_translate: list[int] = []
        if lang in TRANSLATABLE:
            to_translate = [i for i, sl in enumerate(fields["sentence_lang"]) if sl not in PASSTHROUGH]
            if lang == "ms":
                fields["errors"].append("warning: the article looks like Malay (ms); translated with the "
                                        "Indonesian model. Set the source language to id (--lang id) to silence this.")
        elif lang in NO_TEXT:
            fields["errors"].append("warning: no language detected (numbers, links or symbols only); "
                                    "copied as is")
        elif lang not in PASSTHROUGH:
            fields["errors"].append(
                f"{doc.source}: language detected as {lang!r} (confidence {guess.confidence:.2f}); Kabar "
                "translates Indonesian to English and passes English through. If this is Indonesian, "
                "set the source language to id (--lang id on the command line).")
        title = fields["title"] if lang in TRANSLATABLE and fields["title"] else None
        return _Prepared(doc, fields, to_translate, timings, title=title)

    def _check(self, sentences: list[str], translation: list[str], translated: list[int]) -> tuple[tuple, tuple[int, ...]]:
        """Run the translation checks on every translated sentence; a sentence whose output loops is decoded again
        without loops (``translation`` is updated in place when the new output passes the repetition check)."""
        from eval.checks import check

        results = [[] for _ in sentences]
        looped = []
        # A pair met again (a sentence repeated in the article) is checked once: the checks are pure functions.
        check_once = lru_cache(maxsize=None)(check)
        for i in translated:
            flags = check_once(sentences[i], translation[i])
            results[i] = flags
            if any(flag.check == "repetition" for flag in flags):
                looped.append(i)
        repaired = []
        redo = getattr(self._translator, "translate_without_loops", None)
        if looped and redo is not None:
            try:
                again = redo([sentences[i] for i in looped])
            except WorkCancelled:
                raise  # the request is over (deadline or client gone): no stage goes on for it
            except Exception:  # a repair that fails (or that the work budget cannot pay) keeps the first output and its flag
                log.warning("re-decoding looped sentences failed", exc_info=True)
                again = []
            for i, text in zip(looped, again):
                flags = check_once(sentences[i], text) if text.strip() else None
                # one truth per sentence: repaired exactly when the checks no longer see a loop
                if flags is not None and not any(flag.check == "repetition" for flag in flags):
                    translation[i] = text
                    results[i] = flags
                    repaired.append(i)
        return tuple([flag.to_dict() for flag in flags] for flags in results), tuple(repaired)

    def _finish(self, p: _Prepared, translated) -> Result:
        f = p.fields
        if isinstance(translated, Exception):
            return Result(f["id"], f["source"], "error", title=f["title"], url=f["url"], lang=f["lang"],
                          errors=(f"{f['source']}: translation failed: {type(translated).__name__}: {translated}",))
        sentences = f["sentences"]
        if p.title and p.title_en is None and len(translated) > len(p.to_translate):
            p.title_en, p.title_origin, translated = translated[-1], "machine", translated[:-1]
        supported = f["lang"] in TRANSLATABLE + PASSTHROUGH + NO_TEXT
        translation = list(sentences) if supported else []
        origin = ["source"] * len(sentences) if supported else []
        for i, text in zip(p.to_translate, translated):
            translation[i], origin[i] = text, "machine"
        for i, text in p.human.items():  # the editors' English: never checked, scored or changed by a glossary
            translation[i], origin[i] = text, "human"
        start = time.perf_counter()
        checks, repaired = self._check(sentences, translation, p.to_translate) if supported else ((), ())
        if checks:
            p.timings["checks"] = time.perf_counter() - start
        terms: tuple = ()
        if self.glossary is not None and supported and p.to_translate:
            start = time.perf_counter()
            terms, checks = self._apply_glossary(sentences, translation, p.to_translate, checks)
            p.timings["glossary"] = time.perf_counter() - start
        title, title_origin = self._headline(p, translation)
        start = time.perf_counter()
        rank_lang = "id" if f["lang"] in TRANSLATABLE else f["lang"]
        chosen = choose(self.summarizer, sentences, rank_lang, n=self.summary_n, ratio=self.summary_ratio,
                        fallback=DEFAULT_SUMMARY_SENTENCES)
        p.timings["summarize"] = time.perf_counter() - start
        quality: list = []
        flagged: tuple[int, ...] = ()
        if self.qe is not None and supported:
            start = time.perf_counter()
            scores_qe = self.qe.score([sentences[i] for i in p.to_translate], [translation[i] for i in p.to_translate])
            quality = [None] * len(sentences)
            for i, q in zip(p.to_translate, scores_qe):
                quality[i] = q
            flagged = tuple(p.to_translate[k] for k in self.qe.flag(scores_qe))
            p.timings["qe"] = time.perf_counter() - start
        info = getattr(self._translator, "info", None) if p.to_translate else None
        return with_outlet(Result(
            id=f["id"], source=f["source"], status="ok" if supported else "skipped", title=title,
            title_source=f["title"], title_origin=title_origin,
            date=f["date"], dateline=f["dateline"], url=f["url"], author=f["author"], outlet=f["outlet"], lang=f["lang"], lang_confidence=f["lang_confidence"],
            sentences=tuple(sentences), paragraph_of=tuple(f["paragraph_of"]),
            sentence_lang=tuple(f["sentence_lang"]), translation=tuple(translation),
            summary_indices=tuple(chosen), summary_src=tuple(sentences[i] for i in chosen),
            summary_en=tuple(translation[i] for i in chosen) if supported else (),
            model=info.model if info else None,
            engine=info.engine if info else ("memory" if p.human else "passthrough"),
            quality=tuple(quality), flagged=flagged, checks=checks, repaired=repaired, origin=tuple(origin),
            terms=terms, glossary=self.glossary.fingerprint if self.glossary is not None and supported else "",
            errors=tuple(f["errors"]), removed=f["removed"],
            timings={k: round(v, 6) for k, v in p.timings.items()}))

    def _headline(self, p: _Prepared, translation: list[str]) -> tuple[str | None, str | None]:
        """The English headline and how it was made: the translated (or remembered) title, the glossary's terms put
        in; an English article's own title; else a short form of the first sentence's English."""
        if p.title_en is not None:
            title = p.title_en
            if self.glossary is not None and p.title_origin == "machine":
                from translate.glossary import enforce

                placed = enforce(self.glossary, [p.title], [title], self.translator.translate)[0]
                title = placed.translation if placed is not None else title
            return title, p.title_origin
        if p.fields["title"]:
            return p.fields["title"], "source"
        lead = next((t for t in translation if t.strip()), "")
        return (headline_of(lead), "lead") if lead else (None, None)

    def _apply_glossary(self, sentences: list[str], translation: list[str], machine: list[int],
                        checks: tuple) -> tuple[tuple, tuple]:
        """Put the glossary's terms into the machine-translated sentences (``translation`` changes in place);
        a sentence whose English changed is checked again, and a term that could not be placed is a
        ``glossary`` check with its reason."""
        from eval.checks import check
        from translate.glossary import enforce

        placements = enforce(self.glossary, [sentences[i] for i in machine], [translation[i] for i in machine],
                             self.translator.translate)
        terms = [[] for _ in sentences]
        checks = [list(c) for c in checks] if checks else [[] for _ in sentences]
        for i, placed in zip(machine, placements):
            if placed is None:
                continue
            if placed.translation != translation[i]:
                translation[i] = placed.translation
                checks[i] = [flag.to_dict() for flag in check(sentences[i], placed.translation)]
            terms[i] = placed.terms
            checks[i] += [{"check": "glossary", "reason": reason} for reason in placed.missing]
        return tuple(terms), tuple(checks)


def with_outlet(result: Result) -> Result:
    """``result`` with its outlet by the one rule of :func:`kabar.outlet.outlet_of` (the input's name for it, the
    dateline's agency, the copyright holder, the web host)."""
    import dataclasses

    from kabar.outlet import outlet_of

    outlet = outlet_of(result)
    return result if outlet == result.outlet else dataclasses.replace(result, outlet=outlet)


HEADLINE_CHARS = 90


def headline_of(sentence: str, limit: int = HEADLINE_CHARS) -> str:
    """A headline made of a sentence: itself without its final stop, or cut at a word within ``limit`` characters
    with "…" (an article that came without a title is listed by its lead, not its file name)."""
    text = " ".join(sentence.split()).rstrip(".")
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = len(cut) if text[len(cut)] == " " else cut.rfind(" ")  # the cut may fall just after a word
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-") + "…"


def process_documents(pipeline: Pipeline, docs: Iterable[Document], *, chunk: int = 16) -> Iterable[Result]:
    """Process documents in chunks, yielding results in input order.

    Chunks grow 1, 2, 4, ... up to ``chunk`` articles: the first result is out after one article's
    work, and later chunks are large enough for the engine to batch sentences well.
    """
    batch: list[Document] = []
    size = 1
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield from pipeline.process_many(batch)
            batch = []
            size = min(chunk, size * 2)
    if batch:
        yield from pipeline.process_many(batch)
