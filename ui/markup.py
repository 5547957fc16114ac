"""HTML for LibreTranslate's ``format=html``: sanitized first (nh3), then the text between tags translated."""
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
