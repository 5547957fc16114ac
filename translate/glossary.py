"""Glossaries: an Indonesian term always comes out as the glossary's English.

A glossary file is CSV or TSV (chosen by the ``.tsv``/``.csv`` name, else by the first line): Indonesian
term, English term, optional note; a first line ``source,target[,note]`` (the API's names; ``id,en``,
``term,...`` too) is a header. Matching rules:

- whole words, case-insensitive (``kpk`` finds "KPK"); the words of a multi-word term must follow each other
  with only spaces or hyphens between them; the longest term wins where terms overlap;
- the last word may carry the Indonesian clitics -nya, -lah, -kah or -pun ("bupatinya" matches "bupati");
  other affixes are not undone: list "kepolisian" and "polisi" separately if both occur;
- in the English, the term counts as present when its words occur in order, case-insensitive, the last one
  also with an added -s or -es (a plural).

How the English gets the term (:func:`enforce`), per sentence, cheapest first:

1. **kept**: the model's English already holds it;
2. **replaced**: the model copied the Indonesian term into the English untranslated (common for acronyms and
   agency names: "Basarnas", "Polres"): the copy is replaced by the English term;
3. **redecoded**: the sentence is translated again with each Indonesian term replaced by its English term in
   the source (a protected span the model carries through, as translation models copy names); taken when the
   new English holds more terms. A sentence the substitution would make much longer than its source (more than
   ``MAX_REDECODE_GROWTH`` times plus ``REDECODE_SLACK`` characters: a two-letter term with a long English) is
   not decoded again, nor one the request's work budget cannot pay for (:mod:`translate.budget`);
4. otherwise the sentence gets a ``glossary`` check naming the term and why it could not be placed.

It needs nothing but ``translate()``, so it works the same for Marian and NLLB, CTranslate2 and transformers.
Everything here is linear in the text: words are found by one ``\\w+`` scan and terms by dictionary lookups.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from news.errors import ConfigError
from news.text import normalize_text
from translate import budget, metrics

MAX_TERMS = 5_000
MAX_TERM_CHARS = 120
MAX_TERM_WORDS = 8
MAX_NOTE_CHARS = 300
MAX_FILE_BYTES = 2 * 1024 * 1024
# A re-decode reads the sentence with its terms in English: at most this many times the source plus the slack
# (a 100-character sentence may grow to 260 characters; "di" -> 120 characters, three times, may not).
MAX_REDECODE_GROWTH = 2.0
REDECODE_SLACK = 60
CLITICS = ("nya", "lah", "kah", "pun")
_WORD = re.compile(r"\w+")
_HEADERS = {("id", "en"), ("source", "target"), ("term", "translation"), ("indonesian", "english"), ("src", "tgt"),
            ("term", "english")}


class GlossaryError(ConfigError):
    """A glossary file or entry Kabar cannot use; the message names the line and the fix."""


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    source: str
    target: str
    note: str = ""
    line: int = 0

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w.casefold() for w in _WORD.findall(self.source))


@dataclass(frozen=True)
class Match:
    """A term found in a sentence: characters ``start:end`` of it."""

    term: Term
    start: int
    end: int


def _words(text: str) -> list[re.Match]:
    return list(_WORD.finditer(text))


def _joined(text: str, words: list[re.Match], i: int, n: int) -> bool:
    """True when words i..i+n-1 follow each other with only spaces or hyphens between them."""
    return all(set(text[words[k].end():words[k + 1].start()]) <= {" ", "-", "\u00a0"} for k in range(i, i + n - 1))


def _strip_clitic(word: str) -> str | None:
    for clitic in CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= 3:
            return word[:-len(clitic)]
    return None


def _find(text: str, index: dict[tuple[str, ...], object], longest: int, *, clitics: bool,
          plurals: bool) -> list[tuple[object, int, int]]:
    """Non-overlapping matches of the keys of ``index`` in ``text``, longest first at each position."""
    words = _words(text)
    folded = [w.group().casefold() for w in words]
    found = []
    i = 0
    while i < len(words):
        hit = None
        for n in range(min(longest, len(words) - i), 0, -1):
            head, last = tuple(folded[i:i + n - 1]), folded[i + n - 1]
            forms = [last]
            if clitics and (bare := _strip_clitic(last)):
                forms.append(bare)
            if plurals:
                forms += [last[:-2]] if last.endswith("es") else []
                forms += [last[:-1]] if last.endswith("s") else []
            for form in forms:
                value = index.get(head + (form,))
                if value is not None and _joined(text, words, i, n):
                    hit = (value, words[i].start(), words[i + n - 1].end())
                    break
            if hit:
                found.append(hit)
                i += n
                break
        else:
            i += 1
    return found


@dataclass
class Glossary:
    """Terms by their folded words; :meth:`find` lists the terms of a sentence."""

    terms: list[Term] = field(default_factory=list)

    def __post_init__(self):
        self._index: dict[tuple[str, ...], Term] = {}
        for term in self.terms:
            self._index[term.words] = term  # a term listed twice: the later line wins
        self._longest = max((len(k) for k in self._index), default=0)
        self._targets = {tuple(w.casefold() for w in _WORD.findall(t.target)): t for t in self.terms}
        self._target_longest = max((len(k) for k in self._targets), default=0)

    def __len__(self) -> int:
        return len(self._index)

    def __bool__(self) -> bool:
        return bool(self._index)

    @property
    def fingerprint(self) -> str:
        """A hash of the terms (part of the article cache key: a changed glossary retires old results)."""
        digest = hashlib.blake2b(digest_size=12)
        for words, term in sorted(self._index.items()):
            digest.update(("\x1f".join(words) + "\x1e" + term.target + "\x1d").encode("utf-8"))
        return digest.hexdigest()

    def find(self, sentence: str) -> list[Match]:
        """The glossary terms in an Indonesian sentence, left to right, never overlapping."""
        if not self._index:
            return []
        return [Match(term, s, e) for term, s, e in _find(sentence, self._index, self._longest, clitics=True,
                                                          plurals=False)]

    def to_rows(self) -> list[dict]:
        return [{"source": t.source, "target": t.target, "note": t.note} for t in self.terms]


def has_phrase(text: str, phrase: str, *, plurals: bool = True) -> bool:
    """True when the words of ``phrase`` occur in order in ``text`` (case-insensitive; -s/-es on the last word)."""
    key = tuple(w.casefold() for w in _WORD.findall(phrase))
    return bool(key) and bool(_find(text, {key: True}, len(key), clitics=False, plurals=plurals))


def _clean_cell(value: str, what: str, limit: int, line: int) -> str:
    value = " ".join(normalize_text(value).split())
    if len(value) > limit:
        raise GlossaryError(f"line {line}: the {what} has {len(value)} characters; the limit is {limit}")
    return value


def parse_glossary(text: str, *, name: str = "glossary") -> Glossary:
    """Read CSV or TSV text (see the module's documentation); a bad line is a :class:`GlossaryError` naming it."""
    if len(text) > MAX_FILE_BYTES:
        raise GlossaryError(f"{name}: {len(text)} characters; the limit is {MAX_FILE_BYTES} (split the glossary)")
    text = normalize_text(text).lstrip("\ufeff")
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    if name.lower().endswith(".tsv") or (not name.lower().endswith(".csv") and "\t" in first):
        delimiter = "\t"
    else:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    terms: list[Term] = []
    try:
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if not terms and len(cells) >= 2 and (cells[0].lower(), cells[1].lower()) in _HEADERS:
                continue
            if len(cells) < 2 or not cells[1]:
                sep = "tab" if delimiter == "\t" else "comma"
                raise GlossaryError(f"{name}: line {line}: expected 'Indonesian term{delimiter}English term"
                                    f"[{delimiter}note]' ({sep}-separated), got {len(cells)} field(s)")
            if len(cells) > 3:
                raise GlossaryError(f"{name}: line {line}: {len(cells)} fields; a glossary line has 2 or 3 "
                                    "(quote a field that holds the separator)")
            source = _clean_cell(cells[0], "Indonesian term", MAX_TERM_CHARS, line)
            target = _clean_cell(cells[1], "English term", MAX_TERM_CHARS, line)
            note = _clean_cell(cells[2], "note", MAX_NOTE_CHARS, line) if len(cells) > 2 else ""
            words = _WORD.findall(source)
            if not words or not _WORD.search(target):
                raise GlossaryError(f"{name}: line {line}: a term needs at least one letter or digit on each side")
            if len(words) > MAX_TERM_WORDS:
                raise GlossaryError(f"{name}: line {line}: {len(words)} words; a term has at most {MAX_TERM_WORDS}")
            terms.append(Term(source, target, note, line))
            if len(terms) > MAX_TERMS:
                raise GlossaryError(f"{name}: more than {MAX_TERMS} terms (split the glossary)")
    except csv.Error as exc:
        raise GlossaryError(f"{name}: line {reader.line_num}: {exc} (check the quotes)") from None
    return Glossary(terms)


def load_glossary(path: str | Path) -> Glossary:
    """Read a glossary file (UTF-8 CSV or TSV)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise GlossaryError(f"{path}: {path.stat().st_size} bytes; the limit is {MAX_FILE_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise GlossaryError(f"{path}: {exc.strerror or exc}; pass a CSV or TSV file with --glossary") from None
    return glossary_from_bytes(data, name=path.name)


def glossary_from_bytes(data: bytes, *, name: str = "glossary") -> Glossary:
    """A glossary from a file's bytes (UTF-8, a BOM allowed); errors name ``name`` and the line."""
    if len(data) > MAX_FILE_BYTES:
        raise GlossaryError(f"{name}: {len(data)} bytes; the limit is {MAX_FILE_BYTES} (split the glossary)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise GlossaryError(f"{name}: line {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8") from None
    return parse_glossary(text, name=name)


def glossary_from_pairs(pairs: Sequence, *, name: str = "glossary") -> Glossary:
    """A glossary from ``[{"source", "target", "note"?}]`` or ``[[source, target(, note)]]`` (the API's form)."""
    if len(pairs) > MAX_TERMS:
        raise GlossaryError(f"{name}: {len(pairs)} terms; the limit is {MAX_TERMS}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for n, pair in enumerate(pairs, 1):
        if isinstance(pair, dict):
            row = [pair.get("source"), pair.get("target"), pair.get("note") or ""]
        elif isinstance(pair, (list, tuple)):
            row = list(pair) + [""] * (3 - len(pair))
        else:
            row = [None]
        if len(row) != 3 or not all(isinstance(v, str) for v in row):
            raise GlossaryError(f"{name}: term {n}: give source and target as text (and an optional note)")
        writer.writerow(row)
    return parse_glossary(buf.getvalue(), name=f"{name}.csv")


@dataclass
class Placement:
    """What :func:`enforce` did for one sentence."""

    translation: str
    terms: list[dict] = field(default_factory=list)  # {"term", "english", "how"} for each term placed
    missing: list[str] = field(default_factory=list)  # reasons, one a term that could not be placed


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(phrase))


def _present(text: str, matches: list[Match]) -> set[tuple[str, ...]]:
    """The English terms of ``matches`` that occur in ``text`` (one scan, however many matches)."""
    keys = {_key(m.term.target): None for m in matches}
    index = {k: k for k in keys if k}
    return {k for k, _, _ in _find(text, index, max(map(len, index), default=0), clitics=False, plurals=True)}


def _placed(text: str, matches: list[Match]) -> int:
    present = _present(text, matches)
    return sum(_key(m.term.target) in present for m in matches)


def _replace_copies(text: str, matches: list[Match]) -> tuple[str, set[str]]:
    """Replace untranslated copies of terms in the English by their English terms (one scan); the Indonesian terms
    replaced."""
    present = _present(text, matches)
    index = {_key(m.term.source): m.term for m in matches if _key(m.term.target) not in present}
    if not index:
        return text, set()
    hits = _find(text, index, max(map(len, index)), clitics=False, plurals=False)
    out, last = [], 0
    for term, start, end in hits:
        out += [text[last:start], term.target]
        last = end
    return "".join(out + [text[last:]]), {term.source for term, _, _ in hits}


def _placed_terms(text: str, matches: list[Match], how) -> list[dict]:
    present = _present(text, matches)
    return [{"term": m.term.source, "english": m.term.target, "how": how(m)}
            for m in matches if _key(m.term.target) in present]


def code_switched(sentence: str, matches: list[Match]) -> str:
    """The sentence with each term's Indonesian replaced by its English (the source of the re-decode)."""
    out, last = [], 0
    for m in matches:
        out += [sentence[last:m.start], m.term.target]
        last = m.end
    return "".join(out + [sentence[last:]])


def _affordable(redo: list[int], sources: Sequence[str],
                found: list[list[Match]]) -> tuple[dict[int, str], dict[int, str]]:
    """The sentences worth decoding again, each with its code-switched source, and why each other one is not: a
    substitution that makes the sentence much longer than its source, or more re-decoding than the request's work
    budget has left."""
    left = budget.remaining()
    keep, reasons = {}, {}
    for i in redo:
        switched = code_switched(sources[i], found[i])
        if len(switched) > MAX_REDECODE_GROWTH * len(sources[i]) + REDECODE_SLACK:
            reasons[i] = (f"with the terms in English it would have {len(switched)} characters against the "
                          f"source's {len(sources[i])}")
        elif left is not None and len(switched) > left:
            reasons[i] = "the request's work budget is spent"
        else:
            keep[i] = switched
            left = None if left is None else left - len(switched)
    return keep, reasons


def enforce(glossary: Glossary, sources: Sequence[str], translations: Sequence[str],
            translate: Callable[[list[str]], list[str]] | None) -> list[Placement | None]:
    """Put the glossary's terms into the English of each sentence (see the module's documentation).

    Returns one :class:`Placement` a sentence that holds a term (None for the others). Sentences that need a
    re-decode are translated in one ``translate`` call; a failing call leaves them flagged, never lost.
    """
    out: list[Placement | None] = [None] * len(sources)
    found = [glossary.find(s) for s in sources]
    redo: list[int] = []
    for i, matches in enumerate(found):
        if not matches:
            continue
        text, replaced = _replace_copies(translations[i], matches)
        out[i] = Placement(text, _placed_terms(text, matches,
                                               lambda m, replaced=replaced: "replaced" if m.term.source in replaced else "kept"))
        if len(out[i].terms) < len(matches):
            redo.append(i)
    reasons: dict[int, str] = {}
    switched: dict[int, str] = {}
    if translate is not None:
        switched, reasons = _affordable(redo, sources, found)
        redo = list(switched)
        if redo:
            metrics.GLOSSARY.labels(result="redecoded").inc(len(redo))
        if reasons:
            metrics.GLOSSARY.labels(result="skipped").inc(len(reasons))
    again: list[str] = []
    reason = "the model left it out"
    if redo and translate is not None:
        try:
            again = list(translate(list(switched.values())))
        except budget.WorkCancelled:
            raise  # the request is over: nothing more is done for it
        except Exception as exc:  # a failed re-decode keeps the first English and flags the terms
            again, reason = [], f"the re-decode failed ({type(exc).__name__})"
    for i, why in reasons.items():
        p, matches = out[i], found[i]
        placed = {t["term"] for t in p.terms}
        p.missing = [f"'{m.term.source}' should be '{m.term.target}': not in the English; not decoded again ({why})"
                     for m in matches if m.term.source not in placed]
    for k, i in enumerate(redo):
        p, matches = out[i], found[i]
        if k < len(again):
            candidate, _ = _replace_copies(again[k], matches)
            if _placed(candidate, matches) > len(p.terms):
                before = {t["term"] for t in p.terms}
                p.translation = candidate
                p.terms = _placed_terms(candidate, matches,
                                        lambda m, before=before: "kept" if m.term.source in before else "redecoded")
        placed = {t["term"] for t in p.terms}
        p.missing = [f"'{m.term.source}' should be '{m.term.target}': not in the English after a re-decode "
                     f"with the term in place ({reason})" if translate is not None else
                     f"'{m.term.source}' should be '{m.term.target}': not in the English"
                     for m in matches if m.term.source not in placed]
    return out
