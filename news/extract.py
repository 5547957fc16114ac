"""The article out of a news page, and the item links out of a feed.

Pages (fetched or saved ``.html`` files) go through trafilatura, the main-text extractor large web
corpora use: it drops menus, breadcrumbs, related-article lists, comment widgets and footers, and reads
the title, date, author and canonical URL from the page's metadata (JSON-LD, Open Graph, ``<meta>``).
Kabar's own cleaning (Baca juga, Pewarta, credits) runs afterwards, as for every input. A fragment too
small for trafilatura to call an article falls back to :func:`news.markup.html_to_text`.

Feeds (RSS 0.9x/1.0/2.0, Atom) go through feedparser.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from news.clean import normalize_space
from news.markup import html_to_text

log = logging.getLogger(__name__)
MAX_TREE_SIZE = 200_000  # elements; trafilatura gives up on larger trees (a hostile page, not an article)
# Tags a page may have before it is extracted at all: news pages have a few thousand, and extraction time grows
# with the tags (measured: 75,000 nested <p><b><i> tags took 5 s of CPU), so 5 MB of tags would take minutes.
MAX_PAGE_TAGS = 50_000
# Whitespace runs longer than this are folded before feed parsing: feedparser's DOCTYPE and ENTITY patterns
# rescan a whitespace run from every line start in it (80 KB of newlines before the root element took 65 s).
MAX_FEED_SPACE = 64
_LONG_SPACE = re.compile(rb"\s{%d,}" % MAX_FEED_SPACE)


class PageTooComplex(ValueError):
    """A page with more markup than an article page has: not extracted."""


@dataclass(frozen=True)
class Extracted:
    """What a page holds: the main text (one paragraph a line) and its metadata."""

    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    outlet: str | None = None  # the site's name, as the page gives it


def extract_page(html: str, *, url: str | None = None) -> Extracted:
    """The article of an HTML page: main text, title, date, author and canonical URL."""
    if not html.strip():
        return Extracted("")
    tags = html.count("<")  # linear, and bounds what the extractor below is given
    if tags > MAX_PAGE_TAGS:
        raise PageTooComplex(f"has {tags:,} tags, more than an article page has (at most {MAX_PAGE_TAGS:,}); Kabar "
                             "does not extract it: save the article's text to a .txt file and pass that")
    found = None
    try:
        import trafilatura

        found = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                            include_tables=False, include_images=False, include_links=False,
                                            favor_precision=True, deduplicate=False, config=_config())
    except Exception:  # a page trafilatura cannot parse still has its visible text
        log.debug("trafilatura failed on %s", url or "a page", exc_info=True)
    text, fallback_title = "", None
    if found is not None and (found.text or "").strip():
        text = found.text
    else:
        text, fallback_title = html_to_text(html)
    title = _clean(getattr(found, "title", None)) or fallback_title
    canonical = getattr(found, "url", None)
    if canonical and url:
        canonical = urljoin(url, canonical)
    if canonical and urlsplit(canonical).scheme not in ("http", "https"):
        canonical = None
    return Extracted(text=text, title=title, date=_clean(getattr(found, "date", None)),
                     author=_clean(getattr(found, "author", None)), url=canonical or url,
                     outlet=_clean(getattr(found, "sitename", None)))


@lru_cache(maxsize=1)
def _config():
    """trafilatura's settings for Kabar: a bound on the tree size, and no signal-based timeout (extraction
    runs in worker threads, where signals cannot be used)."""
    from trafilatura.settings import use_config

    config = use_config()
    config["DEFAULT"]["max_tree_size"] = str(MAX_TREE_SIZE)
    config["DEFAULT"]["extraction_timeout"] = "0"
    return config


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    return normalize_space(value)[:300] or None


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: its link (absolute), title and publication date as given."""

    link: str
    title: str | None = None
    published: str | None = None


def feed_items(body: bytes, *, url: str) -> tuple[str | None, list[FeedItem]]:
    """The feed's title and its items (links made absolute, duplicates dropped, http(s) only).

    Raises ValueError naming the problem when ``body`` is not a feed.
    """
    import feedparser

    body = _LONG_SPACE.sub(b"\n", body)  # keeps feedparser's patterns linear (see MAX_FEED_SPACE)
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        reason = getattr(parsed, "bozo_exception", None)
        raise ValueError(f"is not an RSS or Atom feed ({reason or 'no items found'})")
    items, seen = [], set()
    for entry in parsed.entries:
        link = entry.get("link") or next((x.get("href") for x in entry.get("links", ()) if x.get("href")), None)
        if not link:
            continue
        link = urljoin(url, link.strip())
        if urlsplit(link).scheme not in ("http", "https") or link in seen:
            continue
        seen.add(link)
        items.append(FeedItem(link, _clean(entry.get("title")), _clean(entry.get("published") or
                                                                         entry.get("updated"))))
    return _clean(parsed.feed.get("title")), items
