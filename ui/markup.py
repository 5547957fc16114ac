"""HTML for LibreTranslate's ``format=html`` and ``/translate_file``: sanitized first (nh3), then the text between
tags translated; a whole document keeps its doctype, head, charset and title (translated in place)."""
from __future__ import annotations

import html
import re

from ui.service import KabarService

_TAG = re.compile(r"(<[^<>]+>)")


def sanitize_html(text: str) -> str:
    """``text`` as safe HTML (nh3, the ammonia sanitizer): scripts and styles dropped with their content,
    event-handler attributes and ``javascript:`` links removed, stray ``<`` escaped."""
    import nh3

    return nh3.clean(text, clean_content_tags={"script", "style"}, link_rel=None)


def html_translate(service: KabarService, texts: list[str]) -> list[str]:
    """Translate the text between tags of the sanitized HTML, leaving the markup as it is.

    After :func:`sanitize_html` every ``<`` outside a tag is escaped, so the tag pattern only ever
    meets closed tags and splitting stays linear.
    """
    out = []
    for text in texts:
        parts = _TAG.split(sanitize_html(text))
        slots = [i for i, p in enumerate(parts) if p and not p.startswith("<") and p.strip()]
        done = service.translate_texts([html.unescape(parts[i]).strip() for i in slots], route="translate")
        for i, translated in zip(slots, done):
            lead = parts[i][: len(parts[i]) - len(parts[i].lstrip())]
            tail = parts[i][len(parts[i].rstrip()):]
            parts[i] = lead + html.escape(translated, quote=False) + tail
        out.append("".join(parts))
    return out


_DOCUMENT_MARKS = ("<!doctype", "<html", "<head", "<body")


def is_document(text: str) -> bool:
    """True for a whole HTML page (doctype, html, head or body tag) rather than a fragment."""
    lowered = text[:4096].lower()  # these come first in any page; a linear look at the start
    return any(mark in lowered for mark in _DOCUMENT_MARKS)


def rebuild_document(text: str, body_fn, title_fn) -> str:
    """A whole HTML page rebuilt around its translated parts: ``<!doctype html>``, ``<html lang="en">``, a head
    with ``<meta charset="utf-8">`` and the title put through ``title_fn`` (plain text in, plain text out),
    and the body's inner HTML put through ``body_fn`` (which sanitizes). Everything else in the head (scripts,
    styles, links, other metas) is dropped: the page is served from Kabar's origin and must not run anything."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):  # nothing a parser can read as a page: translated as a fragment
        return body_fn(text)
    title = " ".join((root.findtext(".//title") or "").split())
    body = root.find("body")
    inner = ""
    if body is not None:
        inner = html.escape(body.text or "", quote=False) + "".join(
            etree.tostring(child, encoding="unicode", method="html") for child in body)
    title_en = title_fn(title) if title else ""
    return ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title_en, quote=False)}</title>\n</head>\n<body>\n{body_fn(inner)}\n</body>\n</html>\n")
