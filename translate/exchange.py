"""Translation memory exchange: TMX 1.4 and TSV, written and read back without loss.

TMX is XML, written and parsed with lxml (translate-toolkit, the usual library for it, installs its code as
a top-level package named ``translate``, which is this layer's name: with Kabar installed,
``from translate.storage import tmx`` fails with ModuleNotFoundError). Reading never resolves entities,
loads a DTD or touches the network, and streams ``<tu>`` elements one at a time, so a large or hostile
file costs neither memory nor a fetch.

In TMX, each ``<tu>`` carries the Indonesian and English ``<tuv>`` (``xml:lang`` id/in and en, region tags
such as en-US accepted), ``creationdate``/``changedate`` (TMX's YYYYMMDDThhmmssZ), ``creationid`` (the
editor) and Kabar's own ``x-kabar-origin`` / ``x-kabar-machine`` properties. The TSV has a header line
``source, english, machine, editor, origin, created, updated``; only the first two columns are required.
Both are also the parallel data a later fine-tuning reads (Indonesian source, human English).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from news.errors import ConfigError
from translate.memory import ORIGINS, CorrectionError, Entry

FORMATS = ("tmx", "tsv")
TSV_COLUMNS = ("source", "english", "machine", "editor", "origin", "created", "updated", "note")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_IMPORT_BYTES = 512 * 1024 * 1024


class ExchangeError(ConfigError):
    """A TMX or TSV file Kabar cannot read; the message names the file, the line and the fix."""


def format_of(path: str | Path, given: str | None = None) -> str:
    """``tmx`` or ``tsv``: as given, else by the file's extension."""
    fmt = (given or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ExchangeError(f"{Path(path).name}: cannot tell the format; name the file .tmx or .tsv or pass "
                            f"--format ({', '.join(FORMATS)})")
    return fmt


def _tmx_date(iso: str) -> str:
    return iso.replace("-", "").replace(":", "") if iso else ""


def _iso_date(tmx: str | None) -> str:
    if not tmx:
        return ""
    try:
        return datetime.strptime(tmx, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return ""


def write_tmx(entries: Iterable[Entry], out) -> int:
    """Write TMX 1.4 to the binary file ``out``; returns the number of units written."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    from lxml import etree

    try:
        version = package_version("kabar")
    except PackageNotFoundError:
        version = "unknown"
    count = 0
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("tmx", version="1.4"):
            xf.write(etree.Element("header", creationtool="Kabar", creationtoolversion=version, segtype="sentence",
                                   adminlang="en", srclang="id", datatype="plaintext", **{"o-tmf": "Kabar SQLite"},
                                   creationdate=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")))
            with xf.element("body"):
                for e in entries:
                    attrs = {k: v for k, v in (("creationdate", _tmx_date(e.created)),
                                               ("changedate", _tmx_date(e.updated)),
                                               ("creationid", e.editor or "")) if v}
                    tu = etree.Element("tu", **attrs)
                    if e.note:
                        etree.SubElement(tu, "note").text = e.note
                    etree.SubElement(tu, "prop", type="x-kabar-origin").text = e.origin
                    if e.editor:
                        etree.SubElement(tu, "prop", type="x-editor").text = e.editor
                    if e.machine:
                        etree.SubElement(tu, "prop", type="x-kabar-machine").text = e.machine
                    for lang, text in (("id", e.source), ("en", e.target)):
                        tuv = etree.SubElement(tu, "tuv", {_XML_LANG: lang})
                        etree.SubElement(tuv, "seg").text = text
                    xf.write(tu)
                    count += 1
    return count


def _lang(tuv) -> str:
    return (tuv.get(_XML_LANG) or tuv.get("lang") or "").lower().split("-")[0].split("_")[0]


# Limits of a TMX read: nesting depth, elements of one unit, elements of the file. A memory of 200,000 units
# has about 2 million elements; a file of junk elements is refused at the limit, never held in memory.
MAX_DEPTH = 32
MAX_UNIT_ELEMENTS = 2_000
MAX_ELEMENTS = 20_000_000
# Inline codes: what is text inside them is kept (hi, g: highlighted or grouped text), what is markup is dropped
# (bpt, ept, ph, it, ut: native codes such as "<b>"; x: a placeholder). Their tails are text of the segment.
TEXT_CODES = ("hi", "g", "mrk")
MARKUP_CODES = ("bpt", "ept", "ph", "it", "ut", "x", "bx", "ex", "sub")
SEG_LIMIT = 2 * 4_000 + 1  # collected text stops past the longest English the memory takes (then refused by name)


def seg_text(seg, limit: int = SEG_LIMIT) -> str:
    """The plain text of a ``<seg>``: text and the text inside ``hi``/``g``, never the native markup inside
    ``bpt``/``ept``/``ph``/``it``/``ut``/``x``; collection stops at ``limit`` characters."""
    parts: list[str] = []
    size = 0

    def add(text):
        nonlocal size
        if text and size < limit:
            parts.append(text[:limit - size])
            size += len(parts[-1])

    add(seg.text)
    children = [iter(seg)]
    while children and size < limit:
        child = next(children[-1], None)
        if child is None:
            children.pop()
            continue
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag in TEXT_CODES:
            add(child.text)
            children.append(_with_tail(child, add))
        else:  # markup codes, comments and anything unknown: nothing of their inside
            add(child.tail)
    return "".join(parts)


def _with_tail(element, add):
    """The children of ``element``, then its tail added once they are done."""
    yield from element
    add(element.tail)


def read_tmx(path: Path) -> Iterator[tuple[Entry, int]]:
    """(entry, line) for the id→en units of a TMX file (1.1 to 1.4); a unit without both languages is skipped.

    Memory stays flat: every element is dropped once it has ended (inside a unit, when the unit ends), and
    depth, elements a unit and elements in all are capped (:data:`MAX_DEPTH`, ...), each refused with its line."""
    from lxml import etree

    depth, unit_depth, unit_elements, elements = 0, None, 0, 0
    try:
        for event, element in etree.iterparse(str(path), events=("start", "end"), resolve_entities=False,
                                              no_network=True, load_dtd=False, huge_tree=False,
                                              remove_comments=True, remove_pis=True):
            tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
            if event == "start":
                depth += 1
                elements += 1
                if depth > MAX_DEPTH:
                    raise ExchangeError(f"{path.name}: line {element.sourceline}: elements nested more than "
                                        f"{MAX_DEPTH} deep; this is not a TMX file Kabar reads")
                if elements > MAX_ELEMENTS:
                    raise ExchangeError(f"{path.name}: line {element.sourceline}: more than {MAX_ELEMENTS} elements "
                                        "(split the file)")
                if unit_depth is None and tag == "tu":
                    unit_depth, unit_elements = depth, 0
                elif unit_depth is not None:
                    unit_elements += 1
                    if unit_elements > MAX_UNIT_ELEMENTS:
                        raise ExchangeError(f"{path.name}: line {element.sourceline}: a <tu> with more than "
                                            f"{MAX_UNIT_ELEMENTS} elements; split it or remove its inline codes")
                continue
            depth -= 1
            if unit_depth is not None and depth + 1 > unit_depth:
                continue  # inside a unit: kept until the unit ends
            if tag == "tu" and unit_depth == depth + 1:
                unit_depth = None
                entry = _unit(element)
                if entry is not None:
                    yield entry, element.sourceline
            element.clear(keep_tail=False)
            while element.getprevious() is not None:  # ended elements still hang on their parent: drop them
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise ExchangeError(f"{path.name}: line {exc.lineno}: not well-formed TMX ({exc.msg})") from None


def _unit(tu) -> Entry | None:
    """The entry of one ``<tu>`` (None without both an Indonesian and an English segment)."""
    segs: dict[str, str] = {}
    for tuv in tu.iterfind("tuv"):
        seg = tuv.find("seg")
        if seg is not None:
            segs.setdefault({"in": "id"}.get(_lang(tuv), _lang(tuv)), seg_text(seg))
    if "id" not in segs or "en" not in segs:
        return None
    props = {p.get("type"): (p.text or "")[:SEG_LIMIT] for p in tu.iterfind("prop")}
    origin = props.get("x-kabar-origin") or props.get("x-origin") or "import"
    notes = [(n.text or "").strip()[:SEG_LIMIT] for n in tu.iterfind("note")]
    editor = tu.get("changeid") or tu.get("creationid") or props.get("x-editor") or None
    return Entry(segs["id"], segs["en"], props.get("x-kabar-machine") or None, editor,
                 origin if origin in ORIGINS else "import", _iso_date(tu.get("creationdate")),
                 _iso_date(tu.get("changedate") or tu.get("creationdate")), "\n".join(n for n in notes if n) or None)


def write_tsv(entries: Iterable[Entry], out) -> int:
    """Write the TSV (header first) to the text file ``out``; returns the number of rows."""
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(TSV_COLUMNS)
    count = 0
    for e in entries:
        writer.writerow([e.source, e.target, e.machine or "", e.editor or "", e.origin, e.created, e.updated,
                         e.note or ""])
        count += 1
    return count


def read_tsv(path: Path) -> Iterator[tuple[Entry, int]]:
    """Rows of a TSV: source and English, then the optional columns of :data:`TSV_COLUMNS`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ExchangeError(f"{path.name}: line {line}: not UTF-8; save it as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", strict=True)
    try:
        for row in reader:
            if not row or not any(c.strip() for c in row):
                continue
            if reader.line_num == 1 and [c.strip().lower() for c in row[:2]] in (["source", "english"],
                                                                                 ["source", "target"], ["id", "en"]):
                continue
            if len(row) < 2 or len(row) > len(TSV_COLUMNS):
                raise ExchangeError(f"{path.name}: line {reader.line_num}: {len(row)} column(s); expected source and "
                                    f"English, tab-separated (then optionally {', '.join(TSV_COLUMNS[2:])})")
            row = row + [""] * (len(TSV_COLUMNS) - len(row))
            origin = row[4] or "import"
            yield Entry(row[0], row[1], row[2] or None, row[3] or None, origin if origin in ORIGINS else "import",
                        row[5], row[6] or row[5], row[7] or None), reader.line_num
    except csv.Error as exc:
        raise ExchangeError(f"{path.name}: line {reader.line_num}: {exc} (check the quotes)") from None


def import_file(memory, path: str | Path, fmt: str | None = None, *, batch: int = 2000,
                prefer: str = "newer") -> dict[str, int]:
    """Merge every unit of a TMX or TSV file into ``memory``, in transactions of ``batch``: a sentence the memory
    has already keeps the newer English (``prefer``: ``newer``, ``theirs`` or ``ours``, see
    :meth:`TranslationMemory.merge_many`). Returns ``{"added", "replaced", "kept"}``.

    A bad unit stops the import with its line named; the batches before it are kept (importing the same
    file again merges them again, so a fixed file can simply be imported again)."""
    path = Path(path)
    fmt = format_of(path, fmt)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExchangeError(f"{path}: {exc.strerror or exc}") from None
    if size > MAX_IMPORT_BYTES:
        raise ExchangeError(f"{path.name}: {size} bytes; the limit is {MAX_IMPORT_BYTES} (split the file)")
    rows = read_tmx(path) if fmt == "tmx" else read_tsv(path)
    counts = {"added": 0, "replaced": 0, "kept": 0}
    pending: list = []

    def flush():
        try:
            done = memory.merge_many([e for e, _ in pending], prefer=prefer)
        except CorrectionError as exc:
            where = f"line {pending[exc.entry - 1][1]}: " if exc.entry is not None else ""
            raise ExchangeError(f"{path.name}: {where}{exc.reason}") from None
        for key, value in done.items():
            counts[key] += value

    for entry, line in rows:
        pending.append((entry, line))
        if len(pending) >= batch:
            flush()
            pending = []
    if pending:
        flush()
    return counts


def export_file(memory, path: str | Path, fmt: str | None = None) -> int:
    """Write every entry of ``memory`` to ``path`` (TMX or TSV), atomically; returns the count."""
    import os
    import tempfile

    path = Path(path)
    fmt = format_of(path, fmt)
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.")
    try:
        if fmt == "tmx":
            with os.fdopen(fd, "wb") as out:
                count = write_tmx(memory.entries(), out)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                count = write_tsv(memory.entries(), out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
