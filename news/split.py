"""Sentence splitting for Indonesian and English news.

A rule-based splitter: a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or
brackets) followed by space and a plausible sentence start. It does not split inside numbers
("5.000", "7.76", "Rp1,8"), after abbreviations and titles ("Dr.", "S.H.", "No. 3", "Sept. 24") or
initials ("A. Rahman"). Splitting never drops or changes a character: joining the sentences of a
paragraph with single spaces gives back the paragraph with its runs of space folded.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# Abbreviations that are followed by more of the same sentence (lower-cased, without the final dot).
ABBREVIATIONS_ID = frozenset("""
dr drs dra ir prof h hj kh st sh se mm msi mpd mh mkn spd skom ssos sip sag spt dsb dkk tsb yth
no nos hlm jl jln kec kel kab prov ny nn tn sdr sdri bpk kol letkol mayjen brigjen letjen jend
kapt komjen irjen brigpol aiptu aipda bripka briptu bharada kompol akbp akp iptu ipda pol ust
rp tgl a.n u.p s.d d.a
""".split())
ABBREVIATIONS_EN = frozenset("""
mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon pres
inc ltd co corp bros dept univ assn est approx vs etc al fig no nos vol pp ed eds
jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
u.s u.k u.n e.u a.m p.m e.g i.e
""".split())
ABBREVIATIONS = ABBREVIATIONS_ID | ABBREVIATIONS_EN
# Abbreviations that often end a sentence; there a capitalised function word starts the next one.
ENDING_ABBREVIATIONS = frozenset({"inc", "ltd", "co", "corp", "etc", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m",
                                  "dkk", "dsb", "tsb", "al"})
SENTENCE_STARTERS = frozenset("""
the a an it he she they we i in on at this that these those but and however meanwhile there his her its
their our as after before when while for if according
ini itu ia dia mereka kami kita saya namun tetapi sementara selain pada di dalam menurut sebelumnya
kemudian selanjutnya adapun bahkan hal sedangkan untuk dengan jika bila dari sejak oleh
""".split())

# A match only starts at the first mark of a run ("...", "?!"): without the look-behind, a run of n
# marks not followed by a space would be rescanned from each of its n positions (quadratic).
_BOUNDARY = re.compile(r"(?<![.!?\u2026])([.!?\u2026]+)([\"'\u201d\u2019)\]]*)(\s+)")
# How much text either side of a boundary the decision reads: a word and a little more. Reading a
# bounded window keeps splitting linear in the paragraph's length.
CONTEXT_CHARS = 64
_OPENERS = "\"'\u201c\u2018([-\u2013\u2014"
_PREV_WORD = re.compile(r"([\w.\-]+)$")


def _is_start(text: str) -> bool:
    """Whether ``text`` (what follows a boundary) can begin a sentence."""
    stripped = text.lstrip(_OPENERS)
    if not stripped:
        return False
    first = stripped[0]
    return first.isupper() or first.isdigit() or (stripped is not text and first.isalpha())


def _next_word(text: str) -> str:
    match = re.match(r"[\"'\u201c\u2018(]*([\w']+)", text)
    return match.group(1).lower() if match else ""


def _ends_sentence(before: str, punct: str, after: str) -> bool:
    """Decide whether the boundary between ``before`` + ``punct`` and ``after`` ends a sentence."""
    if not _is_start(after):
        return False
    if punct != ".":
        return True
    match = _PREV_WORD.search(before)
    word = match.group(1) if match else ""
    bare = word.lower().strip(".-")
    if not bare:
        return True
    if bare in ABBREVIATIONS or re.fullmatch(r"([a-z]\.)+[a-z]", bare):
        if bare in ENDING_ABBREVIATIONS or re.fullmatch(r"([a-z]\.)+[a-z]", bare):
            return _next_word(after) in SENTENCE_STARTERS
        return False
    if len(bare) == 1 and bare.isalpha() and word[:1].isupper():
        return False  # an initial: "A. Rahman", "J. Smith"
    return True


def split_paragraph(paragraph: str) -> list[str]:
    """Split one paragraph into sentences; an empty or blank paragraph gives an empty list."""
    text = re.sub(r"\s+", " ", paragraph).strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(2)
        before = text[max(start, match.start(1) - CONTEXT_CHARS):match.start(1)]
        if _ends_sentence(before, match.group(1)[-1], text[match.end():match.end() + CONTEXT_CHARS]):
            sentences.append(text[start:end])
            start = match.end()
    if start < len(text):
        sentences.append(text[start:])
    return sentences


def split_paragraphs(paragraphs: Iterable[str]) -> list[tuple[int, str]]:
    """Split paragraphs into ``(paragraph_index, sentence)`` pairs, in order."""
    return [(i, s) for i, para in enumerate(paragraphs) for s in split_paragraph(para)]
