"""Search through the server: GET /api/search (API keys, limits, errors) and the Search tab in headless Chromium,
over an archive that ``kabar run`` built (a watch adding to it while the server runs is seen at once)."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kabar.cli import main
from tests.test_ui.conftest import Running, gradio_temp_dir_kept, make_service

ARTICLES = {
    "banjir-bekasi.txt": "Banjir Bekasi merendam 412 rumah\n\nBekasi (ANTARA) - Banjir merendam 412 rumah di Bekasi "
                         "setelah hujan deras sejak Sabtu malam.\n\nWarga di tiga kelurahan mengungsi ke masjid dan "
                         "sekolah terdekat.\n\nBadan Penanggulangan Bencana Daerah mengirim perahu karet.",
    "beras.txt": "Harga beras naik di Bandung\n\nBandung (ANTARA) - Harga beras medium di pasar tradisional Bandung "
                 "naik menjadi Rp14.000 per kilogram.\n\nPemerintah kota berencana menggelar operasi pasar.",
    # article text that is markup must reach the reader as text
    "xss.txt": "<img src=x onerror=window.pwned=1> Pabrik chip\n\nPemerintah menargetkan pabrik <script>window.pwned=2"
               "</script> semikonduktor pertama beroperasi di Batam.\n\nInvestasi awal proyek itu mencapai 2 miliar "
               "dolar AS.",
}


@pytest.fixture(scope="module")
def archived(tiny_marian, tmp_path_factory):
    inputs = tmp_path_factory.mktemp("inputs")
    for name, text in ARTICLES.items():
        (inputs / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("archive") / "out"
    assert main(["run", str(inputs), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def served(translators, archived):
    with gradio_temp_dir_kept():
        running = Running(make_service(translators("marian", "ct2"), api_keys="", archive=archived), with_ui=True)
        yield running
        running.stop()


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _search(base, **params):
    return _get(f"{base}/api/search?{urllib.parse.urlencode(params)}")


def test_api_search_returns_ranked_stories(served):
    status, body = _search(served.url, q="banjir Bekasi")
    assert status == 200 and body["archive_articles"] == 3 and body["mode"] == "hybrid"
    top = body["results"][0]
    assert top["id"] == "banjir-bekasi" and top["outlet"] == "ANTARA" and top["keyword_rank"] == 1
    assert "<mark>Banjir</mark>" in top["highlight_src"] and "<mark>Bekasi</mark>" in top["highlight_src"]
    status, body = _search(served.url, q="price of rice", mode="embedding", limit=1)
    assert status == 200 and [h["id"] for h in body["results"]] == ["beras"]  # English query, Indonesian article
    status, body = _search(served.url, q="Bekasi", outlet="antara", mode="keyword", **{"from": "2000-01-01"})
    assert status == 200 and body["results"] == []  # the articles have no date: a date filter leaves them out
    for dates in ({"from": "2000-01-01"}, {"date_from": "2000-01-01"}, {"to": "2100-01-01"}):  # old names read too
        status, body = _search(served.url, q="Bekasi", outlet="antara", mode="keyword", undated="true", **dates)
        assert status == 200 and [h["id"] for h in body["results"]] == ["banjir-bekasi"], dates
        assert body["results"][0]["date"] is None


def test_api_search_names_the_parameters_it_takes(served):
    status, body = _search(served.url, q="Bekasi", form="2026-01-01")  # a misspelt filter is not ignored
    assert status == 400 and "unknown query parameter 'form'" in body["error"]
    assert "q, mode, limit, from, to, outlet, undated, all_reports" in body["error"]


def test_api_search_escapes_article_markup(served):
    status, body = _search(served.url, q="pabrik semikonduktor", mode="keyword")
    assert status == 200
    hit = body["results"][0]
    assert hit["id"] == "xss" and "<script>" not in hit["highlight_src"]
    assert "&lt;script&gt;" in hit["highlight_src"] and "<mark>semikonduktor</mark>" in hit["highlight_src"]


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"q": ""}, 400, "empty"), ({"q": "x" * 600}, 400, "the limit is 500"), ({"q": "x" * 5000}, 400, "Invalid request"),
    ({"q": "a", "limit": 0}, 400, "Invalid request"), ({"q": "a", "limit": 101}, 400, "Invalid request"),
    ({"q": "a", "mode": "regex"}, 400, "Invalid request"), ({"q": "a", "from": "31-12-2026"}, 400, "YYYY-MM-DD"),
    ({"q": "a", "from": "2026-12-02", "to": "2026-12-01"}, 400, "after the to date")])
def test_api_search_rejects_bad_requests_clearly(served, params, status, message):
    got, body = _search(served.url, **params)
    assert got == status and message in body["error"]


def test_api_search_needs_the_api_key_and_an_archive(translators, archived, tmp_path):
    keyed = Running(make_service(translators("marian", "ct2"), api_keys="secret-1", archive=archived), with_ui=False)
    bare = Running(make_service(translators("marian", "ct2"), api_keys=""), with_ui=False)
    empty = tmp_path / "not-yet"
    empty.mkdir()
    waiting = Running(make_service(translators("marian", "ct2"), api_keys="", archive=empty), with_ui=False)
    try:
        assert _get(f"{keyed.url}/api/search?q=banjir")[0] == 403
        status, body = _get(f"{keyed.url}/api/search?q=banjir", headers={"X-API-Key": "secret-1"})
        assert status == 200 and body["results"][0]["id"] == "banjir-bekasi"
        status, body = _get(f"{bare.url}/api/search?q=banjir")
        assert status == 404 and "kabar serve --archive DIR" in body["error"]
        status, body = _get(f"{waiting.url}/api/search?q=banjir")
        assert status == 404 and "archive is empty" in body["error"]
    finally:
        for running in (keyed, bare, waiting):
            running.stop()


def _search_tab(page, base: str, query: str) -> None:
    """Open the Search tab at ``base`` and search ``query``."""
    page.goto(base + "/ui/", wait_until="domcontentloaded")
    page.get_by_role("tab", name="Search").click()
    page.locator("#search-query textarea, #search-query input").first.fill(query)
    page.locator("#run-search").click()


def test_search_tab_in_the_browser(browser, served, archived, tiny_marian, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _search_tab(page, served.url, "pabrik semikonduktor")
    results = page.locator("#search-results")
    results.wait_for(timeout=60_000)
    assert page.locator("#search-results li.kabar-hit").first.get_attribute("data-id") == "xss"
    assert results.locator("mark").first.inner_text().lower() in ("pabrik", "semikonduktor")
    assert "<script>window.pwned=2</script>" in results.inner_text()  # shown as text, never run
    assert "<img src=x onerror=window.pwned=1>" in results.inner_text()
    assert page.evaluate("window.pwned") is None
    # an article added while the server runs (kabar watch does this) is found by the next search
    inputs = tmp_path / "more"
    inputs.mkdir()
    (inputs / "gempa.txt").write_text("Gempa guncang Cianjur\n\nCianjur (ANTARA) - Gempa bermagnitudo 5,6 mengguncang "
                                      "Cianjur pada Senin siang.\n\nRatusan rumah rusak berat.", encoding="utf-8")
    assert main(["run", str(inputs), "--out", str(archived), "--model", str(tiny_marian), "--quiet"]) == 0
    page.locator("#search-query textarea, #search-query input").first.fill("earthquake Cianjur")
    page.locator("#search-from input, #search-from textarea").first.fill("2000-01-01")
    page.locator("#run-search").click()  # the articles are undated: a date filter leaves them out, and says so
    page.locator("#search-results .kabar-none").wait_for(timeout=60_000)
    assert "with from 2000-01-01" in page.locator("#search-results").inner_text()
    page.locator("#search-undated input").check()
    page.locator("#run-search").click()
    page.locator("#search-results li.kabar-hit[data-id='gempa']").wait_for(timeout=60_000)
    assert "4 archived articles" in page.locator("#search-results").inner_text()
    assert "undated" in page.locator("#search-results li.kabar-hit[data-id='gempa'] .kabar-meta").inner_text()
    page.locator("#search-from input, #search-from textarea").first.fill("kemarin")
    page.locator("#run-search").click()
    page.get_by_text("is not a date").first.wait_for(timeout=30_000)  # the error, shown as Gradio shows errors
    page.locator("#search-results").wait_for(state="detached", timeout=30_000)  # the earlier hits are gone
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    if os.environ.get("KABAR_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["KABAR_SCREENSHOTS"], "search.png"), full_page=True)
    page.close()


def test_search_tab_is_absent_without_an_archive(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/ui/", wait_until="domcontentloaded")
    page.get_by_role("tab", name="Article").wait_for(timeout=60_000)
    assert page.get_by_role("tab", name="Search").count() == 0
    page.close()


def test_english_headlines_in_the_article_tab_the_edition_and_the_search_tab(browser, served, archived):
    """An Indonesian article with a title: its English headline is shown, with the original beneath, in the
    Article tab, in index.html, and as the Search tab's hit title."""
    results = [json.loads(line) for line in (archived / "results.jsonl").read_text().splitlines()]
    flood = next(r for r in results if r["id"] == "banjir-bekasi")
    assert flood["title_source"] == "Banjir Bekasi merendam 412 rumah" and flood["title"] != flood["title_source"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((archived / "index.html").as_uri())
    section = page.locator("section", has=page.locator("h2", has_text=flood["title"]))
    assert section.locator("h2").inner_text() == flood["title"]
    assert section.locator(".original-title").inner_text() == flood["title_source"]
    _search_tab(page, served.url, "banjir Bekasi")
    hit = page.locator("#search-results li.kabar-hit[data-id='banjir-bekasi']")
    hit.wait_for(timeout=60_000)
    assert hit.locator(".kabar-hit-title").inner_text() == flood["title"]
    assert hit.locator(".kabar-hit-title-source").inner_text() == flood["title_source"]
    expected = served.service.process(ARTICLES["banjir-bekasi.txt"])  # the server's own model and beam
    page.get_by_role("tab", name="Article").click()
    page.locator("#article-input textarea").fill(ARTICLES["banjir-bekasi.txt"])
    page.locator("#run-article").click()
    page.locator("#out-lang .kabar-title").wait_for(timeout=60_000)
    assert page.locator("#out-lang .kabar-title").inner_text() == expected.title != expected.title_source
    assert page.locator("#out-lang .kabar-title-source").inner_text() == "Banjir Bekasi merendam 412 rumah"
    page.close()


def test_the_server_serves_the_edition_feed(served, archived, server):
    import feedparser

    with urllib.request.urlopen(served.url + "/feed.xml", timeout=30) as reply:
        assert reply.headers["Content-Type"].startswith("application/atom+xml")
        parsed = feedparser.parse(reply.read())
    results = [json.loads(line) for line in (archived / "results.jsonl").read_text().splitlines()]
    assert not parsed.bozo and sorted(e.title for e in parsed.entries) == sorted(r["title"] for r in results)
    status, body = _get(server.url + "/feed.xml")  # a server without --archive
    assert status == 404 and "--archive" in body["error"]
