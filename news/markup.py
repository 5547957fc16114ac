"""Visible text out of HTML and Markdown files, with parsers that stay linear on hostile input.

HTML goes through lxml (libxml2's HTML parser, C, one pass); Markdown through markdown-it-py (a
CommonMark parser built to survive CommonMark's pathological inputs). Both replace hand-written
regular expressions and the stdlib ``HTMLParser``, which took seconds on 20 KB of ``<a <a <a``,
``[[[[`` or ``# a`` followed by spaces.
"""
from __future__ import annotations

from functools import lru_cache

from news.clean import normalize_space

# Elements whose text is never article text.
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "footer", "header", "aside", "form",
                  "iframe", "button", "select", "head", "title", "textarea", "object"})
# Elements that end a paragraph (their start and their end both break the text).
BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section",
                   "article", "pre", "td", "th", "dd", "dt", "figcaption", "hr", "ul", "ol", "table", "main",
                   "figure", "address", "details", "summary"})


def _parse_html(html: str):
    """The lxml tree of ``html`` (bytes in, so a page's own encoding declaration is never in the way)."""
    from lxml import etree
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                                  huge_tree=False)
    try:
        return lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):  # empty or nothing but markup lxml drops
        return None


def html_to_text(html: str) -> tuple[str, str | None]:
    """Return the visible text of an HTML document (one paragraph a line) and its title.

    Scripts, styles, navigation, headers and footers are dropped and entities decoded; when the
    page has an ``<article>`` element only its text is kept. The title is the first ``<h1>``, else
    ``<title>``.
    """
    from lxml import etree

    root = _parse_html(html) if html.strip() else None
    if root is None:
        return "", None
    blocks: list[tuple[str, bool]] = []  # (text, inside <article>)
    buf: list[str] = []
    skip = article = 0
    h1 = title = None

    def flush() -> None:
        text = normalize_space("".join(buf))
        buf.clear()
        if text:
            blocks.append((text, article > 0))

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "title" and title is None:
                title = normalize_space(el.text_content()) or None
            if tag in SKIP:
                skip += 1
                continue
            if skip:
                continue
            if tag == "h1" and h1 is None:
                h1 = normalize_space(el.text_content()) or None
            if tag == "article":
                flush()
                article += 1
            elif tag in BLOCK:
                flush()
            buf.append(el.text or "")
        else:
            if tag in SKIP:
                skip -= 1
            elif not skip:
                if tag == "article":
                    flush()
                    article -= 1
                elif tag in BLOCK:
                    flush()
            if not skip:
                buf.append(el.tail or "")
    flush()
    if any(inside for _, inside in blocks):
        blocks = [b for b in blocks if b[1]]
    return "\n\n".join(text for text, _ in blocks), h1 or title


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _inline_text(token) -> str:
    """The text of an inline token: emphasis and link markup gone, line breaks kept as newlines."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return "".join(parts)


MAX_BRACKETS_A_BLOCK = 200  # links in one paragraph; beyond this "[" is text, not markup


def _defuse_brackets(md: str) -> str:
    """Escape every ``[`` of a block holding more than :data:`MAX_BRACKETS_A_BLOCK` of them.

    markdown-it looks for the end of a link label from each ``[``; a block of thousands of unmatched
    ``[`` costs time quadratic in its length. No news paragraph has hundreds of links, so such a block's
    brackets are text: escaped, they are parsed in one pass.
    """
    if md.count("[") <= MAX_BRACKETS_A_BLOCK:
        return md
    blocks = md.split("\n\n")
    return "\n\n".join(b.replace("[", "\\[") if b.count("[") > MAX_BRACKETS_A_BLOCK else b for b in blocks)


def markdown_to_text(md: str) -> tuple[str, str | None]:
    """Strip Markdown to its text (headings, lists, links, emphasis); a leading ``# heading`` becomes the title."""
    tokens = _markdown().parse(_defuse_brackets(md))
    title = None
    blocks: list[str] = []
    heading = None
    for token in tokens:
        if token.type == "heading_open":
            heading = token.tag
        elif token.type == "heading_close":
            heading = None
        elif token.type == "inline":
            text = _inline_text(token)
            if heading == "h1" and title is None and not blocks:
                title = normalize_space(text) or None
            elif text.strip():
                blocks.append(text.strip("\n"))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip("\n"))
        elif token.type == "html_block":
            text = html_to_text(token.content)[0]
            if text:
                blocks.append(text)
    return "\n\n".join(blocks), title
