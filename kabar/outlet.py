"""The outlet of an article: one rule for results.jsonl, the pages, the archive and search."""
from __future__ import annotations

from urllib.parse import urlsplit


def outlet_of(result) -> str | None:
    """The publication: the input's own name for it, else the agency of the dateline ("Jakarta (ANTARA) -"),
    else the holder named by the copyright line the cleaning took out ("COPYRIGHT © ANTARA News Jawa Barat
    2020"), else the web site's host name."""
    if result.outlet:
        return result.outlet[:100]
    if result.dateline and "(" in result.dateline:
        inner = result.dateline[result.dateline.find("(") + 1:]
        inner = inner[:inner.find(")")] if ")" in inner else ""
        if inner.strip():
            return inner.strip()[:100]
    for removal in result.removed:
        holder = copyright_holder(removal.text) if removal.rule == "copyright" else None
        if holder:
            return holder
    try:
        host = (urlsplit(result.url).hostname or "") if result.url else ""
    except ValueError:
        host = ""
    for prefix in ("www.", "m.", "amp."):
        host = host.removeprefix(prefix)
    return host[:100] or None


_COPYRIGHT_WORDS = frozenset({"copyright", "hak", "cipta", "©", "(c)", "c", "by", "oleh"})
_COPYRIGHT_ENDS = (". ", "|", " all rights", " hak cipta", " dilindungi", " - ", " – ")


def copyright_holder(line: str) -> str | None:
    """Who a copyright line names ("COPYRIGHT © ANTARA News Jawa Barat 2020" -> "ANTARA News Jawa Barat",
    "© 2024 Kompas.com. All rights reserved." -> "Kompas.com"), or None (string work on at most 200 characters)."""
    text = " ".join(line[:200].replace("©", " © ").split())
    lowered = text.lower()
    for end in _COPYRIGHT_ENDS:
        at = lowered.find(end, 1)
        if at > 0:
            text, lowered = text[:at], lowered[:at]
    words = text.split()
    while words and (words[0].lower().strip(":,") in _COPYRIGHT_WORDS or _year_like(words[0])):
        words.pop(0)
    while words and _year_like(words[-1]):
        words.pop()
    holder = " ".join(words).strip(" .,;:-")
    return holder if 2 <= len(holder) <= 60 and any(ch.isalpha() for ch in holder) else None


def _year_like(word: str) -> bool:
    digits = word.strip(".,;:()").replace("-", "").replace("–", "")
    return digits.isdigit() and len(digits) in (4, 8)
