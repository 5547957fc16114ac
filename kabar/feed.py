"""``feed.xml``: the English edition of an output folder as an Atom 1.0 feed (RFC 4287), beside ``index.html``.

One entry an article that was processed: its English headline, its English summary as the entry's summary, its
English text as the content, the article's own page as ``link rel="alternate"``, ``updated`` from the article's
date, and an id that stays the same across runs (a UUID made from the article's id). Newest first; undated
articles last. Everything is text (``type="text"``), written by lxml, which escapes it: no markup from an article
reaches a reader of the feed as markup.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from kabar.pipeline import Result

FEED = "feed.xml"
ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 500  # the newest; a feed reader wants the recent edition, not the whole archive
_NAMESPACE = uuid.UUID("6f1c2b1e-5d0a-4b8e-9a51-8f2f0c3d9e77")  # Kabar's own: ids made from article ids


def entry_id(article_id: str) -> str:
    """The entry's id: a URN that stays the same for the same article in every run and folder."""
    return uuid.uuid5(_NAMESPACE, article_id).urn


def _moment(date: str | None) -> datetime | None:
    """An article's date as an aware datetime (ISO 8601 or RFC 822; a bare date is midnight UTC), or None."""
    if not date:
        return None
    text = date.strip()[:64]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _web(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) and len(url) <= 2048 else None


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: control characters (other than tab and line breaks) and lone surrogates dropped."""
    return "".join(c for c in text if c in "\t\n\r" or (c >= " " and not "\ud800" <= c <= "\udfff"
                                                         and c not in "\ufffe\uffff"))


def to_atom(results: Iterable[Result], *, title: str = "Kabar: the English edition",
            now: datetime | None = None) -> bytes:
    """The Atom document (UTF-8 bytes) of the processed articles among ``results``."""
    from lxml import etree

    now = now or datetime.now(timezone.utc)
    done = [r for r in results if r.ok]
    dated = [(_moment(r.date), r) for r in done]
    dated.sort(key=lambda pair: (pair[0] is not None, pair[0] or now), reverse=True)
    dated = dated[:MAX_ENTRIES]
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    etree.SubElement(feed, f"{{{ATOM}}}id").text = entry_id("kabar-edition:" + title)
    etree.SubElement(feed, f"{{{ATOM}}}title").text = _clean(title)
    newest = max((m for m, _ in dated if m is not None), default=now)
    etree.SubElement(feed, f"{{{ATOM}}}updated").text = _rfc3339(newest)
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    etree.SubElement(author, f"{{{ATOM}}}name").text = "Kabar"
    etree.SubElement(feed, f"{{{ATOM}}}generator").text = "Kabar"
    for moment, r in dated:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        etree.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(r.id)
        etree.SubElement(entry, f"{{{ATOM}}}title", type="text").text = _clean(r.title or r.id)
        etree.SubElement(entry, f"{{{ATOM}}}updated").text = _rfc3339(moment or now)
        if moment is not None:
            etree.SubElement(entry, f"{{{ATOM}}}published").text = _rfc3339(moment)
        if r.author:
            who = etree.SubElement(entry, f"{{{ATOM}}}author")
            etree.SubElement(who, f"{{{ATOM}}}name").text = _clean(r.author)
        link = _web(r.url)
        if link:
            etree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        english = r.translation if r.lang != "en" and r.translation else r.sentences
        summary = r.summary_en if r.lang != "en" and r.summary_en else r.summary_src
        if summary:
            etree.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = _clean(" ".join(summary))
        etree.SubElement(entry, f"{{{ATOM}}}content", type="text").text = _clean("\n\n".join(r.paragraphs(english)))
        if r.outlet:
            etree.SubElement(entry, f"{{{ATOM}}}category", term=_clean(r.outlet)[:200])
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
