"""Removing news boilerplate while keeping every real sentence of the story.

Each removal is done by a named rule and recorded in :attr:`Cleaned.removed`, so a user can see what
was taken out and why. Metadata found on the way (date, dateline, title, section) is kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Boilerplate lines are short; longer lines are only checked against the rules that read a prefix
# (``PREFIX_RULES``). With every line space-normalized first, each rule's work per line is bounded,
# so cleaning stays linear in the article's length whatever the input.
MAX_RULE_CHARS = 300
PREFIX_RULES = frozenset({"read_also"})
_TERMINAL = tuple('.!?"\u201d\u2019\'):;\u2026')

# (rule name, pattern) applied to every line; the whole line is removed when it matches.
LINE_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("read_also", re.compile(r"^(baca juga|lihat juga|simak juga|read also|see also)\s*:", re.I)),
    ("credit", re.compile(
        r"^(pewarta|editor|penerjemah|penulis|reporter|fotografer|pewarta foto|redaktur|sumber|source|"
        r"writer|translator|translated by|edited by|reported by)\s*:.{0,120}$", re.I)),
    ("copyright", re.compile(r"^(copyright|hak cipta)\b.{0,120}$|^(©|\(c\))\s*.{0,120}$", re.I)),
    ("editor_code", re.compile(r"^\(\s*[A-Z]{1,3}[.\d][A-Z0-9./\s-]{1,24}\)$")),
    # Lines reach the rules space-normalized (one plain space at most between tokens), so each " ?" below
    # takes one character or none: no two quantifiers compete for the same run of spaces.
    ("timestamp", re.compile(
        r"^\d{1,2}[:.]\d{2}( ?(utc ?[+-] ?\d{1,2}|gmt( ?[+-])?( ?\d{1,2})?|wib|wita|wit))?( ?,)?"
        r"( ?\d{4}-\d{2}-\d{2})?( ?\d+)?$", re.I)),
    ("counter", re.compile(r"^\d{1,7}$")),
)
_MONTHS = (r"(jan(uary|uari)?|feb(ruary|ruari)?|mar(ch|et)?|apr(il)?|may|mei|jun(e|i)?|jul(y|i)?|"
           r"aug(ust)?|agu(stus)?|agt|sep(t|tember)?|oct(ober)?|okt(ober)?|nov(ember)?|dec(ember)?|des(ember)?)")
_DAYS = r"(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
DATE_LINE = re.compile(
    rf"^({_DAYS},?\s*)?(\d{{1,2}}\s+{_MONTHS}\.?\s+\d{{4}}|{_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"(\s*[,|-]?\s*\d{{1,2}}[:.]\d{{2}}(\s*(wib|wita|wit|utc[+-]?\d*|gmt))?)?$", re.I)
LEADING_DATE = re.compile(r"^date\s+(\d{4}-\d{2}-\d{2})\b\s*(.*)$", re.I)
SECTION_LINE = re.compile(r"^[A-Z][\w&.-]*( [\w&.-]+){0,2} / [A-Z][\w&.-]*( [\w&.-]+){0,2}$")
AGENCIES = frozenset({"xinhua", "antara", "antaranews", "reuters", "afp", "ap", "bernama", "kyodo", "yonhap",
                      "shanghai daily", "china daily", "ani", "tass", "dpa"})
MENU_LINES = frozenset({"special reports", "top", "back to top", "related", "related news", "related stories",
                        "share", "share this", "print", "comments", "advertisement", "iklan", "berita terkait",
                        "terpopuler", "tags", "tag", "more", "read more", "selengkapnya", "follow us"})
_NAME_LINE = re.compile(r"^[A-Z][a-zA-Z'’.-]+( [A-Z][a-zA-Z'’.-]+){0,3}$")
# Known agencies, or any outlet name of one to three capitalised words ("Jakarta (Kabar Nusantara) - ...").
_AGENCY_NAMES = r"ANTARA(?: News)?(?: [A-Z][\w]+){0,3}|[A-Z][\w.]{1,20}(?: [A-Z][\w.]{1,20}){0,2}"
DATELINE = re.compile(
    rf"^(?P<place>[A-Z][\w'./ -]{{0,40}}?)\s*(?:,\s*(?P<when>[A-Z]?[\w./ ]{{1,20}}?))?\s*"
    rf"\((?P<agency>{_AGENCY_NAMES})\)\s*(?:-{{1,2}}|–|—)\s*")
MIN_REPEAT_CHARS = 25


@dataclass(frozen=True)
class Removal:
    """A line or prefix taken out of an article, and the rule that took it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Cleaned:
    """An article after cleaning: its paragraphs and the metadata found in the boilerplate."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    date: str | None = None
    dateline: str | None = None
    section: str | None = None
    removed: tuple[Removal, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        """The cleaned text, one paragraph a line."""
        return "\n".join(self.paragraphs)


def normalize_space(line: str) -> str:
    """Fold every run of whitespace (each character ``str.isspace`` knows, as ``\\s`` does) into one space; strip the ends."""
    return " ".join(line.split())


def line_rule(line: str) -> str | None:
    """The name of the boilerplate rule that matches ``line`` (already space-normalized), or None."""
    short = len(line) <= MAX_RULE_CHARS
    for name, pattern in LINE_RULES:
        if (short or name in PREFIX_RULES) and pattern.search(line):
            return name
    if short and DATE_LINE.match(line):
        return "date"
    return None


def _paragraphs(text: str) -> list[str]:
    """Split text into paragraphs: one per line, re-joining lines hard-wrapped mid-sentence."""
    out: list[str] = []
    for block in _blocks(text):
        for line in block:
            if out and out[-1] != "" and not out[-1].endswith(_TERMINAL) and line[:1].islower() \
                    and len(out[-1]) >= 40 and line_rule(out[-1]) is None:  # boilerplate is never continued
                out[-1] = f"{out[-1]} {line}"
            else:
                out.append(line)
        out.append("")  # block boundary: never join across it
    return [p for p in out if p]


def _blocks(text: str) -> list[list[str]]:
    """Space-normalized non-blank lines, grouped into blocks that blank lines separate."""
    blocks: list[list[str]] = [[]]
    for raw in text.split("\n"):
        line = normalize_space(raw)
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _date_of(line: str) -> str:
    match = re.search(r"\d{4}-\d{2}-\d{2}", line)
    return match.group(0) if match else line


def clean(text: str, *, title: str | None = None) -> Cleaned:
    """Remove boilerplate from an article and collect its metadata.

    Args:
        text: the article as read (paragraphs on lines, blank lines allowed).
        title: a title already known from the input; a first line equal to it is taken as the title.

    Returns:
        A :class:`Cleaned` article. Only whole lines that match a rule, repeated paragraphs and the
        dateline prefix of the first paragraph are ever removed.
    """
    removed: list[Removal] = []
    paras, date, section = _strip_header(_paragraphs(text), removed)
    kept, date = _strip_lines(paras, removed, date)
    title = _take_title(kept, removed, title)
    dateline = _take_dateline(kept, removed)
    return Cleaned(tuple(_drop_repeats(kept, removed)), title=title, date=date, dateline=dateline,
                   section=section, removed=tuple(removed))


def _strip_header(paras: list[str], removed: list[Removal]) -> tuple[list[str], str | None, str | None]:
    """A leading "date YYYY-MM-DD [title]" line and a "Section / Subsection" line."""
    date = section = None
    if paras and (m := LEADING_DATE.match(paras[0])):
        date = m.group(1)
        removed.append(Removal("date", paras[0][: m.start(2)].strip()))
        paras = ([m.group(2)] if m.group(2) else []) + paras[1:]
    if paras and len(paras[0]) <= MAX_RULE_CHARS and SECTION_LINE.match(paras[0]) and len(paras) > 2:
        section = paras[0]
        removed.append(Removal("section", paras.pop(0)))
    return paras, date, section


def _strip_lines(paras: list[str], removed: list[Removal], date: str | None) -> tuple[list[str], str | None]:
    """Lines matching a rule, bylines, and menus at either end; the first date seen is kept."""
    kept: list[str] = []
    rules = [line_rule(p) for p in paras]
    counts: dict[str, int] = {}
    for p in paras:
        counts[p] = counts.get(p, 0) + 1
    for i, (para, rule) in enumerate(zip(paras, rules)):
        if rule is None and _is_byline(para, i, paras, rules, counts):
            rule = "byline"
        if rule is None:
            kept.append(para)
            continue
        if rule in ("date", "timestamp") and date is None:
            date = _date_of(para)
        removed.append(Removal(rule, para))
    while kept and kept[-1].lower().rstrip(":") in MENU_LINES:
        removed.append(Removal("menu", kept.pop()))
    while kept and kept[0].lower().rstrip(":") in MENU_LINES:
        removed.append(Removal("menu", kept.pop(0)))
    return kept, date


def _take_title(kept: list[str], removed: list[Removal], title: str | None) -> str | None:
    """A given title repeated as the first line, or a short first line with no end punctuation."""
    if kept and title and normalize_space(kept[0]).casefold() == normalize_space(title).casefold():
        removed.append(Removal("title", kept.pop(0)))
    elif kept and title is None and len(kept) >= 3 and len(kept[0]) <= 200 \
            and not kept[0].endswith(_TERMINAL) and not DATELINE.match(kept[0]):
        title = kept.pop(0)
        removed.append(Removal("title", title))
    return title


def _take_dateline(kept: list[str], removed: list[Removal]) -> str | None:
    """The dateline prefix of the first paragraph: metadata, not text to translate."""
    if kept and (m := DATELINE.match(kept[0])) and m.end() < len(kept[0]):
        dateline = kept[0][: m.end()].strip()
        removed.append(Removal("dateline", dateline))
        kept[0] = kept[0][m.end():].strip()
        return dateline
    return None


def _drop_repeats(kept: list[str], removed: list[Removal]) -> list[str]:
    """Paragraphs repeated by a scrape: keep the first copy."""
    seen: set[str] = set()
    unique: list[str] = []
    for para in kept:
        key = para.casefold()
        if len(para) >= MIN_REPEAT_CHARS and key in seen:
            removed.append(Removal("repeated", para))
            continue
        seen.add(key)
        unique.append(para)
    return unique


def _is_byline(para: str, i: int, paras: list[str], rules: list[str | None], counts: dict[str, int]) -> bool:
    """A lone agency name, or a short name-like line that repeats or sits beside a timestamp."""
    if para.casefold() in AGENCIES:
        return True
    if len(para) > 40 or not _NAME_LINE.match(para) or i > 12:
        return False
    beside_time = any(0 <= j < len(rules) and rules[j] == "timestamp" for j in (i - 1, i + 1))
    return counts[para] >= 2 or beside_time
