"""feed.xml: the English edition as Atom 1.0, checked with feedparser and against RFC 4287's rules for the
elements a feed and its entries must carry; entries match results.jsonl, newest first, markup only as text."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import feedparser
import pytest
from lxml import etree

from kabar.cli import main
from kabar.feed import ATOM, MAX_ENTRIES, entry_id, to_atom
from kabar.pipeline import Result

NS = {"a": ATOM}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def check_rfc4287(data: bytes) -> etree._Element:
    """The rules of RFC 4287 section 4 a feed reader relies on; raises AssertionError naming the broken one."""
    root = etree.fromstring(data)
    assert root.tag == f"{{{ATOM}}}feed", "the root is atom:feed"

    def one(parent, name, where):
        found = parent.findall(f"a:{name}", NS)
        assert len(found) == 1, f"{where} has exactly one atom:{name} (4.1.1/4.1.2), not {len(found)}"
        return found[0]

    for name in ("id", "title", "updated"):
        one(root, name, "the feed")
    assert RFC3339.match(one(root, "updated", "the feed").text)
    feed_author = root.findall("a:author", NS)
    ids = set()
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated"):
            one(entry, name, "an entry")
        assert RFC3339.match(one(entry, "updated", "an entry").text), "atom:updated is an RFC 3339 date (3.3)"
        assert feed_author or entry.findall("a:author", NS), "every entry has an author, or the feed has (4.1.1)"
        for author in entry.findall("a:author", NS) + feed_author:
            one(author, "name", "an author")
        content = entry.findall("a:content", NS)
        assert len(content) <= 1 and all(c.get("type") in (None, "text", "html", "xhtml") for c in content)
        if not content:
            assert entry.findall("a:link[@rel='alternate']", NS), "no content: an alternate link (4.1.2)"
        for link in entry.findall("a:link", NS):
            assert link.get("href"), "atom:link has href (4.2.7)"
        pairs = {(link.get("type"), link.get("hreflang")) for link in entry.findall("a:link[@rel='alternate']", NS)}
        assert len(pairs) == len(entry.findall("a:link[@rel='alternate']", NS)), "one alternate per type (4.1.1)"
        entry_id_text = one(entry, "id", "an entry").text
        assert re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", entry_id_text), "atom:id is an absolute IRI (4.2.6)"
        assert entry_id_text not in ids, "entry ids are unique"
        ids.add(entry_id_text)
    return root


def _result(i, *, date=None, url=None, title=None, lang="id"):
    return Result(f"a{i}", f"a{i}.txt", "ok", title=title or f"Headline {i}", title_source=f"Judul {i}", date=date,
                  url=url, lang=lang, sentences=(f"Kalimat {i}.", "Kedua."), paragraph_of=(0, 1),
                  translation=(f"Sentence {i}.", "Second."), summary_indices=(0,), summary_src=(f"Kalimat {i}.",),
                  summary_en=(f"Sentence {i}.",), origin=("machine", "machine"))


def test_entries_newest_first_with_their_english():
    results = [_result(1, date="2026-11-01"), _result(2, date="2026-11-03T08:00:00+07:00"), _result(3),
               _result(4, date="Tue, 02 Dec 2026 10:00:00 GMT", url="https://www.antaranews.com/berita/4"),
               Result("bad", "bad.txt", "error", errors=("unreadable",))]
    data = to_atom(results, now=datetime(2026, 12, 7, tzinfo=timezone.utc))
    check_rfc4287(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Headline 4", "Headline 2", "Headline 1", "Headline 3"]
    first = parsed.entries[0]
    assert first.link == "https://www.antaranews.com/berita/4" and first.updated == "2026-12-02T10:00:00Z"
    assert first.summary == "Sentence 4." and first.content[0].value == "Sentence 4.\n\nSecond."
    assert parsed.entries[1].updated == "2026-11-03T01:00:00Z"  # converted to UTC
    assert parsed.entries[-1].updated == "2026-12-07T00:00:00Z"  # undated: last, with the edition's time
    assert first.id == entry_id("a4") == to_atom([results[3]]).decode().split("<id>")[2].split("</id>")[0]


def test_markup_in_articles_reaches_the_feed_as_text():
    hostile = _result(1, title="<script>alert(1)</script> & <b>bold</b>", url="javascript:alert(1)")
    data = to_atom([hostile])
    check_rfc4287(data)
    entry = etree.fromstring(data).find("a:entry", NS)
    assert entry.find("a:title", NS).text == "<script>alert(1)</script> & <b>bold</b>"
    assert entry.find("a:title", NS).get("type") == "text" and b"<script>" not in data
    assert entry.find("a:link", NS) is None  # only http(s) links
    assert feedparser.parse(data).entries[0].title == "<script>alert(1)</script> & <b>bold</b>"


def test_control_characters_never_make_the_feed_invalid():
    data = to_atom([_result(1, title="Judul\x00\x1b\ufffe ok")])
    assert etree.fromstring(data).find("a:entry/a:title", NS).text == "Judul ok"


@pytest.mark.parametrize(("count", "entries"), [(MAX_ENTRIES, MAX_ENTRIES), (MAX_ENTRIES + 1, MAX_ENTRIES)])
def test_the_feed_holds_at_most_the_newest_entries(count, entries):
    results = [_result(i, date=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(count)]
    assert len(feedparser.parse(to_atom(results)).entries) == entries


def test_kabar_run_writes_the_feed_beside_index_html(tmp_path, tiny_marian):
    from tests.conftest import EXAMPLES

    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet", "--no-archive"]) == 0
    data = (out / "feed.xml").read_bytes()
    check_rfc4287(data)
    results = {r["id"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    parsed = feedparser.parse(data)
    assert {e.id for e in parsed.entries} == {entry_id(i) for i, r in results.items() if r["status"] == "ok"}
    for e in parsed.entries:
        r = next(r for i, r in results.items() if entry_id(i) == e.id)
        english = r["summary_en"] if r["lang"] != "en" else r["summary_src"]
        assert e.title == r["title"] and e.summary == " ".join(english)
    assert '<link rel="alternate" type="application/atom+xml"' in (out / "index.html").read_text()
