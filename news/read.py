"""Reading articles: plain text, Markdown, HTML, JSONL, folders of them, web pages by URL and RSS/Atom feeds.

Every input becomes a :class:`Document`. A file or JSONL line that cannot be read becomes a document
whose ``error`` says why, so one bad input never stops a batch.
"""
from __future__ import annotations

import codecs
import dataclasses
import json
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from news.errors import InputError
from news.markup import markdown_to_text
from news.text import normalize_text, replace_surrogates  # noqa: F401 - replace_surrogates is re-exported

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
MAX_META_CHARS = 2048  # a JSONL line's url, date or outlet is kept up to this many characters
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES

_BINARY_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document; extract its text first (for example with pdftotext)"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx); unpack it or save the article as text"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
@dataclasses.dataclass(frozen=True)
class Document:
    """One article as read, before cleaning.

    Attributes:
        id: stable identifier (JSONL ``id``, or the path relative to the input folder without suffix).
        source: where it came from (a path, or ``path:line`` for JSONL).
        text: the article text, paragraphs separated by newlines.
        title: a title given by the input (JSONL ``title``, HTML ``<title>``), if any.
        error: why the input could not be read; ``text`` is empty then.
        url: the article's address on the web (its canonical URL when the page names one), if known.
        date: the publication date the page gives (ISO form where the page has it), if any.
        author: the byline the page gives, if any.
        outlet: the publication (a page's site name, a JSONL ``outlet``), if known.
        error_kind: for a page that could not be read, a word for why (a fetch error's ``kind``, ``too-complex``,
            ``no-article``): what the server's metrics count, never the address.
    """

    id: str
    source: str
    text: str = ""
    title: str | None = None
    error: str | None = None
    url: str | None = None
    date: str | None = None
    author: str | None = None
    outlet: str | None = None
    error_kind: str | None = None

    @property
    def ok(self) -> bool:
        """True when the document was read without error."""
        return self.error is None


def decode_bytes(data: bytes, source: str, *, encoding: str | None = None) -> str:
    """Decode file bytes to clean text, or raise :class:`InputError` saying what the bytes are.

    UTF-8 (with or without BOM), UTF-16 and UTF-32 with a BOM are recognised; any other encoding
    must be named with ``encoding``.
    """
    if encoding:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(source, f"cannot decode as {encoding}: {exc}") from None
        return normalize_text(text)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return normalize_text(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise InputError(source, f"has a {codec} byte-order mark but invalid {codec} data: {exc}") from None
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise InputError(source, f"is {what}, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if b"\x00" in data[:4096]:
            raise InputError(source, "looks binary (NUL bytes) or UTF-16 without a byte-order mark; "
                             "save it as UTF-8 text") from None
        raise InputError(
            source,
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
            "re-save it as UTF-8 or name its encoding with --encoding (for example latin-1)",
        ) from None
    if text.count("\x00") > max(8, len(text) // 100):
        raise InputError(source, "looks binary (many NUL bytes), not text")
    return normalize_text(text)


def read_file(path: Path, *, doc_id: str, encoding: str | None = None) -> Iterator[Document]:
    """Read one file into documents (one for text/HTML/Markdown, one per line for JSONL)."""
    source = str(path)
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes() if suffix not in JSONL_SUFFIXES else b""
    except OSError as exc:
        yield Document(doc_id, source, error=f"{source}: cannot read: {exc.strerror or exc}")
        return
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl_file(path, default_prefix=doc_id, encoding=encoding)
        return
    try:
        text = decode_bytes(data, source, encoding=encoding)
    except InputError as exc:
        yield Document(doc_id, source, error=str(exc))
        return
    title = url = date = author = outlet = None
    if suffix in (".html", ".htm"):  # a saved page: the same extractor as a fetched one
        from news.extract import PageTooComplex, extract_page

        try:
            page = extract_page(text)
        except PageTooComplex as exc:
            yield Document(doc_id, source, error=f"{source}: {exc}")
            return
        text, title, url, date, author, outlet = page.text, page.title, page.url, page.date, page.author, page.outlet
    elif suffix in (".md", ".markdown"):
        text, title = markdown_to_text(text)
    if not text.strip():
        yield Document(doc_id, source, title=title, error=f"{source}: is empty (no text to translate)")
        return
    yield Document(doc_id, source, text=text, title=title, url=url, date=date, author=author, outlet=outlet)


def is_url(text) -> bool:
    """True when ``text`` is an http(s) URL (what Kabar fetches instead of opening a file)."""
    return str(text)[:8].lower().startswith(("http://", "https://"))


MIN_PAGE_WORDS = 5  # fewer words extracted from a page than this: a menu or a paywall notice, not an article


def url_id(url: str) -> str:
    """A stable article id for a URL: host (without ``www.``) and path, without ``.html`` and the query."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "url").removeprefix("www.")
    path = parts.path.strip("/")
    for suffix in (".html", ".htm", ".php", ".aspx"):
        path = path.removesuffix(suffix)
    return f"{host}/{path}" if path else host


def read_url(url: str, *, fetcher, doc_id: str | None = None) -> Document:
    """Fetch one page and extract its article; a failure is a document whose ``error`` names the kind."""
    from news.extract import PageTooComplex, extract_page
    from news.fetch import FetchError

    doc_id = doc_id or url_id(url)
    try:
        page = fetcher.get_page(url)
    except FetchError as exc:
        return Document(doc_id, url, error=str(exc), url=url, error_kind=exc.kind)
    try:
        found = extract_page(page.text, url=page.final_url)
    except PageTooComplex as exc:
        return Document(doc_id, url, error=f"{url}: {exc}", url=url, error_kind="too-complex")
    if len(found.text.split()) < MIN_PAGE_WORDS:
        return Document(doc_id, url, title=found.title, url=url, error=f"{url}: no article text found on the page "
                        "(a paywall, a page built by JavaScript, or not an article); save the text and pass the file",
                        error_kind="no-article")
    return Document(doc_id, url, text=found.text, title=found.title, url=found.url or page.final_url,
                    date=found.date, author=found.author, outlet=found.outlet)


def read_feed(url: str, *, fetcher) -> list[str]:
    """The item links of an RSS or Atom feed, in feed order; raises :class:`~news.fetch.FetchError`."""
    from news.extract import feed_items
    from news.fetch import FetchError

    page = fetcher.get_feed(url)
    try:
        _, items = feed_items(page.body, url=page.final_url)
    except ValueError as exc:
        raise FetchError(url, "not-feed", str(exc)) from None
    return [item.link for item in items]


def _jsonl_lines(path: Path, encoding: str | None) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text or error) for each line, streamed; UTF-16/32 files are decoded whole."""
    source = str(path)
    with open(path, "rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        if encoding or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            try:
                text = decode_bytes(handle.read(), source, encoding=encoding)
            except InputError as exc:
                yield 1, exc
                return
            yield from enumerate(text.split("\n"), start=1)
            return
        for lineno, raw in enumerate(handle, start=1):
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield lineno, normalize_text(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield lineno, InputError(f"{source}:{lineno}", f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at "
                                         f"column {exc.start + 1}); re-save the file as UTF-8")


def read_jsonl_file(path: Path, *, default_prefix: str, encoding: str | None = None) -> Iterator[Document]:
    """Read JSONL line by line: one article an object with a string ``text`` and optional ``id`` and ``title``."""
    source = str(path)
    seen: dict[str, int] = {}
    try:
        for lineno, line in _jsonl_lines(path, encoding):
            doc = _jsonl_record(lineno, line, source, default_prefix, seen)
            if doc is not None:
                yield doc
    except OSError as exc:
        yield Document(default_prefix, source, error=f"{source}: cannot read: {exc.strerror or exc}")


def _jsonl_record(lineno: int, line: str | InputError, source: str, default_prefix: str,
                  seen: dict[str, int]) -> Document | None:
    """The document for one JSONL line (None for a blank line); ``seen`` tracks ids for duplicates."""
    fallback_id = f"{default_prefix}:{lineno}"
    if isinstance(line, InputError):
        return Document(fallback_id, line.source, error=str(line))
    if not line.strip():
        return None
    where = f"{source}:{lineno}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Document(fallback_id, where, error=f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return Document(fallback_id, where, error=f"{where}: JSON nested too deeply to read; each line must be "
                        "one object such as {\"text\": \"...\"}")
    if not isinstance(record, dict):
        return Document(fallback_id, where, error=f"{where}: expected a JSON object with a 'text' field, "
                        f"got {type(record).__name__}")
    raw_id = record.get("id")
    doc_id = normalize_text(str(raw_id)) if raw_id not in (None, "") else fallback_id
    if doc_id in seen:
        return Document(f"{doc_id}@{lineno}", where, error=f"{where}: duplicate id {doc_id!r} (first used on line "
                        f"{seen[doc_id]}); give every article its own id")
    seen[doc_id] = lineno
    body = record.get("text")
    title = normalize_text(record["title"]) if isinstance(record.get("title"), str) else None
    if body is None:
        return Document(doc_id, where, error=f"{where}: missing 'text' field (each line needs "
                        "{\"text\": \"...\"}, optionally \"id\" and \"title\")")
    if not isinstance(body, str):
        return Document(doc_id, where, error=f"{where}: 'text' must be a string, got {type(body).__name__}")
    if not body.strip():
        return Document(doc_id, where, title=title, error=f"{where}: 'text' is empty")
    meta = {name: normalize_text(record[name])[:MAX_META_CHARS] for name in ("url", "date", "outlet")
            if isinstance(record.get(name), str) and record[name].strip()}
    if "url" not in meta and isinstance(record.get("source_url"), str):  # IndoSum's name for it
        meta["url"] = normalize_text(record["source_url"])[:MAX_META_CHARS]
    return Document(doc_id, where, text=normalize_text(body), title=title, **meta)


def _walk(root: Path, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """Supported files below ``root`` in a stable order; links are not followed into folders (no loops),
    and folders in ``exclude`` (a run's own output folder) are not entered."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not _is_excluded(Path(folder) / d, exclude))
        for name in sorted(files):
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            found.append(path)
    return found


def _is_excluded(folder: Path, exclude: tuple[Path, ...]) -> bool:
    try:
        resolved = folder.resolve()
    except (OSError, RuntimeError):
        return True
    return any(resolved == e or resolved.is_relative_to(e) for e in exclude)


def _unreadable(path: Path, root: Path | None) -> str | None:
    """Why ``path`` must not be opened, or None: a FIFO or device (opening it could block forever), or a
    link that leads out of the input folder ``root`` (already resolved)."""
    try:
        mode = os.stat(path).st_mode
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}"
    if not stat.S_ISREG(mode):
        return f"{path}: not a regular file (a FIFO, socket or device); skipped"
    if root is not None and path.is_symlink() and not target.is_relative_to(root):
        return f"{path}: a link to {target}, outside the input folder {root}; links out of a folder are not followed"
    return None


def _file_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root is not None else Path(path.name)
    return rel.with_suffix("").as_posix()


def count_inputs(inputs: Iterable[str | os.PathLike], *, exclude: Iterable[str | os.PathLike] = ()) -> int:
    """How many documents :func:`read_inputs` will yield, without decoding anything (for progress bars)."""
    total = 0
    skip = _resolved(exclude)
    for item in inputs:
        if is_url(item):
            total += 1
            continue
        path = Path(item)
        files = _walk(path, skip) if path.is_dir() else [path] if path.is_file() else []
        if not files:
            total += 1  # an error document
        for file in files:
            if file.suffix.lower() in JSONL_SUFFIXES and not _unreadable(file, None):
                try:
                    with open(file, "rb") as handle:
                        total += sum(1 for line in handle if line.strip()) or 1
                except OSError:
                    total += 1
            else:
                total += 1
    return total


def _resolved(paths: Iterable[str | os.PathLike]) -> tuple[Path, ...]:
    out = []
    for p in paths:
        try:
            out.append(Path(p).resolve())
        except (OSError, RuntimeError):
            continue
    return tuple(out)


def read_inputs(inputs: Iterable[str | os.PathLike], *, encoding: str | None = None,
                exclude: Iterable[str | os.PathLike] = (), fetcher=None) -> Iterator[Document]:
    """Yield a :class:`Document` for every article in ``inputs`` (files, folders and http(s) URLs), errors
    included.

    Ids are unique across the whole run: a clash gets a ``~2``, ``~3`` ... suffix. Folders in
    ``exclude`` (the run's own output folder, when it lies inside an input folder) are not read. URLs
    are fetched with ``fetcher`` (a :class:`news.fetch.Fetcher`; one with default settings if None).
    """
    used: set[str] = set()
    skip = _resolved(exclude)
    own_fetcher = None
    try:
        for item in inputs:
            if is_url(item):
                if fetcher is None:
                    from news.fetch import Fetcher

                    fetcher = own_fetcher = Fetcher()
                yield _unique(read_url(str(item), fetcher=fetcher), used)
                continue
            yield from _read_path(Path(item), encoding, skip, used)
    finally:
        if own_fetcher is not None:
            own_fetcher.close()


def _read_path(path: Path, encoding: str | None, skip: tuple[Path, ...], used: set[str]) -> Iterator[Document]:
    """The documents of one file or folder argument."""
    root = path.resolve() if path.is_dir() else None  # resolved once, for every link below it
    if path.is_dir():
        pairs = [(p, _file_id(p, path)) for p in _walk(path, skip)]
        if not pairs:
            yield Document(path.name or str(path), str(path),
                           error=f"{path}: folder has no {', '.join(SUPPORTED_SUFFIXES)} files")
            return
    elif path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            yield Document(path.stem, str(path), error=f"{path}: unsupported file type {path.suffix!r}; "
                           f"accepted: {', '.join(SUPPORTED_SUFFIXES)}")
            return
        pairs = [(path, _file_id(path, None))]
    elif path.exists():
        yield Document(path.name or str(path), str(path),
                       error=f"{path}: not a regular file (a FIFO, socket or device); skipped")
        return
    else:
        yield Document(path.name or str(path), str(path), error=f"{path}: no such file or folder")
        return
    for file_path, file_id in pairs:
        problem = _unreadable(file_path, root)
        docs = [Document(file_id, str(file_path), error=problem)] if problem else \
            read_file(file_path, doc_id=file_id, encoding=encoding)
        for doc in docs:
            yield _unique(doc, used)


def _unique(doc: Document, used: set[str]) -> Document:
    """``doc`` with an id not used before in this run, and names that can be written as UTF-8 (a file name that
    is not UTF-8 reaches Python with surrogate escapes: shown with U+FFFD, the file itself still read)."""
    names = {"id": replace_surrogates(doc.id), "source": replace_surrogates(doc.source),
             "error": replace_surrogates(doc.error) if doc.error else doc.error}
    if any(value != getattr(doc, field) for field, value in names.items()):
        doc = dataclasses.replace(doc, **names)
    doc_id, n = doc.id, 1
    while doc_id in used:
        n += 1
        doc_id = f"{doc.id}~{n}"
    used.add(doc_id)
    if doc_id == doc.id:
        return doc
    return dataclasses.replace(doc, id=doc_id)
