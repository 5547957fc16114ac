"""Writing results: ``results.jsonl`` (one article a line), a Markdown file per article and ``index.html``.

``results.jsonl`` is appended one whole line at a time (flushed at once, so a killed process loses
nothing written) and synced to disk in groups: every ``SYNC_EVERY`` lines or ``SYNC_SECONDS``, and on
close. A crash leaves at most one partial last line; :class:`ResultStore` drops it (and lines of
failed articles) when a run resumes, and the resumed run redoes any article that was not on disk.
"""
from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from kabar.pipeline import Result
from news.clean import normalize_space
from news.errors import ConfigError, KabarError

log = logging.getLogger(__name__)
SYNC_EVERY = 16
MAX_WARNINGS = 5  # damaged lines named one by one, at most this many a compaction
SYNC_SECONDS = 1.0
ARCHIVE_EVERY = 16  # finished articles embedded and added to the search archive together
RESULTS = "results.jsonl"
ARTICLES = "articles"
INDEX = "index.html"
DONE_STATUSES = ("ok", "skipped")


MAX_STEM_BYTES = 180  # a name's stem in UTF-8; with the hash, ".md" and a temp file's extra characters it stays
#                      under the 255 bytes most file systems allow


def safe_name(article_id: str) -> str:
    """A file name for ``article_id``: readable, no path separators, unique by a short hash suffix, and short
    enough in bytes (not characters) for any common file system."""
    stem = re.sub(r"[^\w.-]+", "_", article_id).strip("._")
    stem = stem.encode("utf-8", "replace")[:MAX_STEM_BYTES].decode("utf-8", "ignore") or "article"
    digest = hashlib.sha1(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem}-{digest}"


# Characters that Markdown (or HTML inside Markdown) would read as markup; each is written escaped.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]()#+!|{}~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md_text(text: str | None) -> str:
    """``text`` as literal Markdown: markup characters escaped, line breaks folded (one line, no headings)."""
    return normalize_space(str(text or "")).translate(_MD_SPECIAL)


def web_url(url: str | None) -> str | None:
    """``url`` made safe to write as a link (http/https with a host, every character outside the URL set
    percent-encoded, so no quote, bracket or space can end the link), or None for anything else."""
    from urllib.parse import quote, urlsplit

    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._")


def read_results(path: Path) -> Iterator[dict]:
    """Yield the complete, valid JSON lines of a results file (a torn last line is skipped)."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


@lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, text: str, *, sync: bool = True) -> None:
    """Write ``text`` to a temporary file and rename it over ``path`` (readers never see half a file).

    ``sync`` also forces it to disk first; pages derived from results.jsonl skip that, since a lost
    page is rebuilt from results.jsonl when the store closes (:meth:`ResultStore.close`).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # the mode any new file of the user's gets (mkstemp makes it 0600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultStore:
    """The output folder of a run: knows which articles are done and writes new results.

    With ``archive`` (the default for ``kabar run`` and ``kabar watch``) every finished article is also added
    to the folder's search archive (``archive.sqlite``, :mod:`kabar.archive`), ``ARCHIVE_EVERY`` at a time and
    on close; close also adds any result of results.jsonl the archive lacks (a run killed before it could),
    and index.html groups the reports of one story.
    """

    def __init__(self, out_dir: str | Path, *, archive: bool = False, stale=None):
        """``stale(result)``: why a finished result must be made again (a correction or glossary changed since;
        see :meth:`kabar.pipeline.Pipeline.out_of_date`), or None; such articles are left out of :attr:`done` and
        counted in :attr:`redo` by reason."""
        self.dir = Path(out_dir)
        self.path = self.dir / RESULTS
        self.done: set[str] = set()
        self.redo: dict[str, str] = {}
        self._stale = stale
        self.archive = None
        self._to_archive: list[Result] = []
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / ARTICLES).mkdir(exist_ok=True)
            if archive:
                from kabar.archive import Archive

                self.archive = Archive(self.dir)
            self._compact()
            # errors="replace": a lone surrogate that slipped into a result never makes the file invalid UTF-8
            self._handle = open(self.path, "a", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(f"--out {self.dir}: cannot write results there ({exc.strerror or exc}: "
                              f"{exc.filename or self.dir}); pass a folder you can write to") from None
        self._unsynced = 0
        self._synced_at = time.monotonic()

    def sync(self) -> None:
        """Force the lines written so far to disk."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._unsynced = 0
        self._synced_at = time.monotonic()

    def _compact(self, *, keep_failed: bool = False) -> list[Result]:
        """Keep one line per article, the newest; drop torn lines, and failed ones unless ``keep_failed``
        (a new run drops them so they are retried; a closing run keeps them as the record of what failed).
        Returns the results kept, in file order."""
        if not self.path.exists():
            return []
        latest: dict[str, tuple[str, Result]] = {}  # id -> its last good line (a --force run appends newer ones)
        dropped = 0
        raw_lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        for number, line in enumerate(raw_lines, 1):
            try:
                record = json.loads(line) if line.endswith("\n") else None
                # the shape every reader of the line relies on
                result = Result.from_dict(record) if record is not None else None
            except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
                dropped += 1
                if dropped <= MAX_WARNINGS:
                    log.warning("%s:%d: not a Kabar result (%s); the line is dropped and its article processed again",
                                self.path, number, str(exc)[:200])
                result = None
            if result is not None and (keep_failed or result.status in DONE_STATUSES):
                latest.pop(result.id, None)
                latest[result.id] = (line, result)
        if not keep_failed:
            self.done = set(latest)
            if self._stale is not None:
                self.redo = {i: why for i, (_, r) in latest.items() if (why := self._stale(r))}
                self.done -= set(self.redo)
        if len(latest) != len(raw_lines):
            _atomic_write(self.path, "".join(line for line, _ in latest.values()))
        return [result for _, result in latest.values()]

    def write(self, result: Result) -> None:
        """Append ``result`` to results.jsonl and write its Markdown page if it succeeded."""
        line = json.dumps(result.to_dict(), ensure_ascii=False) + "\n"
        self._handle.write(line)
        self._handle.flush()
        self._unsynced += 1
        if self._unsynced >= SYNC_EVERY or time.monotonic() - self._synced_at >= SYNC_SECONDS:
            self.sync()
        if result.status in DONE_STATUSES:
            self.done.add(result.id)
            _atomic_write(self.dir / ARTICLES / f"{safe_name(result.id)}.md", to_markdown(result), sync=False)
        if self.archive is not None and result.ok:
            self._to_archive.append(result)
            if len(self._to_archive) >= ARCHIVE_EVERY:
                self._archive(self._to_archive)

    def _archive(self, results: list[Result]) -> None:
        """Add ``results`` to the archive; a failure there is logged and never costs a result (the next close
        adds what is missing)."""
        batch, self._to_archive = list(results), []
        try:
            self.archive.add(batch)
        except (KabarError, OSError, sqlite3.Error, RuntimeError) as exc:  # RuntimeError: usearch
            log.warning("%s: %d articles not added to the search archive (%s); the next run adds them",
                        self.archive.path, len(batch), str(exc)[:300])

    def close(self) -> None:
        """Close results.jsonl (one line an article, the newest kept) and write index.html over every result."""
        self.sync()
        self._handle.close()
        results = self._compact(keep_failed=True)  # the file is read once
        for result in results:  # pages lost in a crash (they are written without fsync) come back here
            page = self.dir / ARTICLES / f"{safe_name(result.id)}.md"
            if result.status in DONE_STATUSES and not page.exists():
                _atomic_write(page, to_markdown(result), sync=False)
        stories = None
        if self.archive is not None:
            try:
                self._archive(results)  # this run's last few, and any a killed run left out (the rest unchanged)
                stories = self.archive.stories([r.id for r in results])
            finally:
                self.archive.close()
        _atomic_write(self.dir / INDEX, to_html(results, stories=stories), sync=False)
        from kabar.feed import FEED, to_atom

        _atomic_write(self.dir / FEED, to_atom(results).decode("utf-8"), sync=False)


def still_looping(result: Result) -> int:
    """Sentences whose English still loops after the second decoding (they keep their repetition flag)."""
    return sum(1 for flags in result.checks if any(f.get("check") == "repetition" for f in flags))


def loop_summary(result: Result) -> str:
    """One sentence on loop repair that agrees with the flags: repaired ones have none, the rest keep theirs."""
    parts = []
    if result.repaired:
        parts.append(f"{len(result.repaired)} sentence(s) looped on the first decoding and were translated again "
                     "without repeats")
    if still := still_looping(result):
        parts.append(f"{still} sentence(s) still loop after a second decoding and keep their repetition flag")
    return "; ".join(parts) + "."


def sentences_to_check(result: Result) -> list[tuple[int, list[tuple[str, str]]]]:
    """(sentence index, [(check, reason)]) for every sentence a translation check flagged."""
    out = []
    for i, flags in enumerate(result.checks or ()):
        reasons = [(str(f.get("check", "")), str(f.get("reason", ""))) for f in flags or () if isinstance(f, dict)]
        if reasons and i < len(result.sentences):
            out.append((i, reasons))
    return out


def human_sentences(result: Result) -> list[int]:
    """Sentences whose English came from the translation memory (an editor's correction)."""
    return [i for i, o in enumerate(result.origin or ()) if o == "human" and i < len(result.translation)]


def original_title(result: Result) -> str | None:
    """The headline as the article gave it, where the English one shown differs from it (a translated title)."""
    if result.title_source and result.title and result.title_source != result.title:
        return result.title_source
    return None


def to_markdown(result: Result) -> str:
    """A Markdown page: metadata, the summary in both languages, then the article side by side."""
    lines = [f"# {md_text(result.title or result.id)}", ""]
    original = original_title(result)
    if original:
        lines += [f"*{md_text(original)}* ({md_text(result.lang)})", ""]
    link = web_url(result.url)
    meta = [f"source: <{link}>" if link else f"source: {md_text(result.source)}",
            f"language: {md_text(result.lang)} ({result.lang_confidence:.2f})"]
    meta += [f"by {md_text(result.author)}"] * bool(result.author)
    meta += [f"date: {md_text(result.date)}"] * bool(result.date)
    meta += [f"dateline: {md_text(result.dateline)}"] * bool(result.dateline)
    meta.append(f"model: {md_text(result.model or 'none')} ({md_text(result.engine)})")
    lines += [" · ".join(meta), ""]
    for error in result.errors:
        lines.append(f"> {md_text(error)}")
    lines += ["## Summary", ""]
    if result.lang != "en" and result.summary_en:
        lines += ["**English**", ""] + [f"- {md_text(s)}" for s in result.summary_en] + [""]
        lines += [f"**Original ({md_text(result.lang)})**", ""] + [f"- {md_text(s)}" for s in result.summary_src] + [""]
    else:
        lines += [f"- {md_text(s)}" for s in result.summary_src] + [""]
    if result.flagged:
        lines += ["## Low quality estimate", "", "Quality estimate below the threshold (source/translation "
                  "similarity):", ""]
        lines += [f"- ({result.quality[i]:.2f}) {md_text(result.sentences[i])} → {md_text(result.translation[i])}"
                  for i in result.flagged]
        lines.append("")
    checked = sentences_to_check(result)
    if checked:
        lines += [f"## Sentences to check ({len(checked)})", ""]
        for i, reasons in checked:
            lines.append(f"- {md_text(result.sentences[i])} → {md_text(result.translation[i])}")
            lines += [f"  - **{md_text(check)}**: {md_text(reason)}" for check, reason in reasons]
        lines.append("")
    if result.repaired or still_looping(result):
        lines += [loop_summary(result), ""]
    human = human_sentences(result)
    if human:
        lines += [f"## From the translation memory ({len(human)})", "",
                  "English written by an editor (origin: human), used instead of the model's:", ""]
        lines += [f"- {md_text(result.sentences[i])} → {md_text(result.translation[i])}" for i in human] + [""]
    lines += ["## Article", ""]
    if result.lang != "en" and result.translation:
        lines += [f"| Original ({md_text(result.lang)}) | English |", "| --- | --- |"]
        for src, tgt in zip(result.paragraphs(), result.paragraphs(result.translation)):
            lines.append(f"| {md_text(src)} | {md_text(tgt)} |")
    else:
        lines += [md_text(p) + "\n" for p in result.paragraphs()]
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.4rem;vertical-align:top;width:50%}
.meta{color:#666;font-size:.9rem}.original-title{color:#555;font-style:italic;margin-top:-.6rem}.err{color:#a00}section{margin-bottom:2.5rem}nav li{margin:.2rem 0}
body,td,li,p,h2{overflow-wrap:anywhere}table{table-layout:fixed}.why{color:#a60;font-size:.9rem}
.reports{color:#555;font-size:.9rem;margin-left:.4rem}li.story>ul{margin:.2rem 0 .4rem}"""


def by_story(results: list[Result], stories: dict | None) -> list[list[Result]]:
    """``results`` in groups, one a story (its reports in their order), groups in the order they first appear;
    with no ``stories`` (no archive) every article is a group of its own."""
    groups: dict[object, list[Result]] = {}
    for n, r in enumerate(results):
        story = (stories or {}).get(r.id)
        groups.setdefault(story.key if story is not None else ("article", n), []).append(r)
    return list(groups.values())


def to_html(results: list[Result], *, stories: dict | None = None) -> str:
    """One self-contained HTML page: a table of contents, then each article side by side.

    ``stories`` (article id -> :class:`kabar.archive.Story`): the reports of one story are listed together,
    once in the table of contents, under the first one's title with "n reports: outlet A, outlet B".
    """
    esc = html.escape
    toc, body = [], []
    n = 0
    ordered = []
    for group in by_story(results, stories):
        items = []
        for r in group:
            anchor = f"a{n}"
            n += 1
            ordered.append((anchor, r))
            items.append(f'<a href="#{anchor}">{esc(r.title or r.id)}</a> <span class="meta">['
                         f'{esc(r.lang or "?")}, {esc(r.status)}]</span>')
        story = (stories or {}).get(group[0].id)
        if story is not None and story.reports > 1:
            others = "".join(f"<li>{item}</li>" for item in items[1:])
            toc.append(f'<li class="story">{items[0]} <span class="reports">{esc(story.label())}</span>'
                       + (f"<ul>{others}</ul>" if others else "") + "</li>")
        else:
            toc.append(f"<li>{items[0]}</li>")
    for anchor, r in ordered:
        title = esc(r.title or r.id)
        link = web_url(r.url)
        meta = [None if link else r.source, r.outlet, r.lang, r.author and f"by {r.author}", r.date, r.dateline,
                f"{r.model} ({r.engine})" if r.model else r.engine if r.engine != "passthrough" else None]
        source = (f'<a class="source" href="{esc(link)}" rel="nofollow noopener noreferrer">{esc(r.url or "")}</a> · '
                  if link else "")
        original = original_title(r)
        parts = [f'<section id="{anchor}"><h2>{title}</h2>']
        if original:
            parts.append(f'<p class="original-title" lang="{esc(r.lang or "")}">{esc(original)}</p>')
        parts += [
                  '<p class="meta">' + source + " · ".join(esc(str(m)) for m in meta if m) + "</p>"]
        parts += [f'<p class="err">{esc(e)}</p>' for e in r.errors]
        summaries = [("Summary (English)", r.summary_en)] if r.summary_en and r.lang != "en" else []
        summaries.append((f"Summary ({r.lang})" if summaries else "Summary", r.summary_src))
        for heading, sentences in summaries:
            if sentences:
                parts.append(f"<h3>{esc(heading)}</h3><ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences)
                             + "</ul>")
        checked = sentences_to_check(r)
        if checked:
            items = "".join(f"<li>{esc(r.translation[i])}<br><span class=\"why\">"
                            + "; ".join(f"{esc(c)}: {esc(why)}" for c, why in reasons) + "</span></li>"
                            for i, reasons in checked)
            parts.append(f'<h3>Sentences to check ({len(checked)})</h3><ul class="check">{items}</ul>')
        human = human_sentences(r)
        if human:
            items = "".join(f"<li>{esc(r.translation[i])}</li>" for i in human)
            parts.append(f'<h3>From the translation memory ({len(human)}, origin: human)</h3>'
                         f'<ul class="human">{items}</ul>')
        if r.ok and r.lang != "en":
            rows = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>"
                           for a, b in zip(r.paragraphs(), r.paragraphs(r.translation)))
            parts.append(f"<table><tr><th>Original ({esc(r.lang or '')})</th><th>English</th></tr>{rows}</table>")
        else:
            parts += [f"<p>{esc(p)}</p>" for p in r.paragraphs()]
        body.append("".join(parts) + "</section>")
    count = f"{len(results)} articles"
    if stories:
        count += f", {len(by_story(results, stories))} stories"
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Kabar results</title>"
            '<link rel="alternate" type="application/atom+xml" title="Kabar: the English edition" href="feed.xml">'
            f"<style>{_STYLE}</style></head><body><h1>Kabar results ({count})</h1>"
            f"<nav><ol>{''.join(toc)}</ol></nav>{''.join(body)}</body></html>\n")
