"""Quality from corrections on the server (issue 39): what the server records, GET /api/quality, and the Evaluate
tab's "From corrections" view in headless Chromium."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import sacrebleu

from kabar.pipeline import Pipeline
from tests.test_ui.conftest import Running, gradio_temp_dir_kept
from translate.memory import TranslationMemory
from ui.service import KabarService, MemoryClosed

ARTICLE = ("Banjir melanda Kota Bekasi pada Senin pagi.\n\n"
           "Tim Basarnas mengevakuasi 120 warga dari rumah mereka.\n\n"
           "Wali kota meminta warga tetap waspada.")
OTHER = "Harga cabai naik tajam di pasar induk. Pedagang mengeluhkan pasokan yang seret."


def _service(translators, tmp_path, *, record=True, suggestions=True):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    return KabarService(Pipeline(translators("marian", "ct2"), memory=memory, record=record), max_chars=5000,
                        api_keys="", suggestions=suggestions, temp_dir=tmp_path / "srv")


def _recorded(service) -> list[dict]:
    return list(service.memory.translated())


def test_the_server_records_article_sentences_once_only_when_asked(translators, tmp_path):
    on = _service(translators, tmp_path / "on")
    result = on.process(ARTICLE)
    machine = [s for s, o in zip(result.sentences, result.origin) if o == "machine"]
    rows = _recorded(on)
    assert len(machine) == 3 and sorted(r["key"] for r in rows) == sorted(machine)
    assert {r["model"] for r in rows} == {f"{result.model} ({result.engine})"}
    on.process(ARTICLE)  # the same article again: nothing more
    assert len(_recorded(on)) == 3
    on.process(OTHER, summary_length="1")  # a request with its own settings: its own pipeline records too
    assert len(_recorded(on)) == 5
    off = _service(translators, tmp_path / "off", record=False)
    off.process(ARTICLE)
    assert _recorded(off) == []


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=120) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read())


def test_api_quality_reports_the_corrections_made_through_the_api(translators, tmp_path):
    running = Running(_service(translators, tmp_path), with_ui=False)
    try:
        first = _post(running.url + "/api/process", {"text": ARTICLE})
        fixed = "Basarnas rescuers evacuated 120 residents from their homes."
        _post(running.url + "/api/corrections", {"source": first["sentences"][1], "english": fixed,
                                                 "machine": first["translation"][1], "editor": "Sari"})
        status, report = _get(running.url + "/api/quality")
        assert status == 200, report
        assert (report["sentences"], report["corrected"]) == (3, 1)
        expected = sacrebleu.corpus_ter([first["translation"][1]], [[fixed]]).score
        assert report["hter"]["score"] == pytest.approx(expected, abs=0.01)
        assert [e["editor"] for e in report["by_editor"]] == ["Sari"]
        assert report["limited_to_newest"] is None
        status, body = _get(running.url + "/api/quality?from=2000-01-01&to=2000-12-31")
        assert status == 200 and body["sentences"] == 0
        for query, words in (("?from=2026-1-1", "YYYY-MM-DD"), ("?to=tomorrow", "YYYY-MM-DD"),
                             ("?from=2026-12-02&to=2026-12-01", "after"), ("?since=2026-12-01", "since")):
            status, body = _get(running.url + "/api/quality" + query)
            assert status == 400 and words in body["error"], (query, body)
    finally:
        running.stop()


def test_api_quality_is_closed_without_suggestions(translators, tmp_path):
    running = Running(_service(translators, tmp_path, suggestions=False), with_ui=False)
    try:
        status, body = _get(running.url + "/api/quality")
        assert status == 403 and "--suggestions" in body["error"]
    finally:
        running.stop()
    with pytest.raises(MemoryClosed):
        _service(translators, tmp_path / "closed", suggestions=False).quality()


def test_evaluate_tab_shows_the_report_from_corrections(translators, tmp_path, browser):
    with gradio_temp_dir_kept():
        service = _service(translators, tmp_path)
        result = service.process(ARTICLE)
        service.correct(result.sentences[0], "Floods hit Bekasi on Monday morning.", machine=result.translation[0],
                        editor="<b>budi</b>")
        running = Running(service)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(running.url + "/ui/", wait_until="domcontentloaded")
        page.get_by_role("tab", name="Evaluate").click()
        page.get_by_text("From corrections: quality without references").click()
        page.locator("#run-quality").click()
        page.wait_for_function("document.querySelector('#quality-box')?.innerText.includes('precision')",
                               timeout=120_000)
        text = page.locator("#quality-box").inner_text()
        assert "share corrected" in text and "33.3%" in text and "qe-low" in text
        assert "<b>budi</b>" in text  # an editor's name is shown as text, never as markup
        assert page.locator("#quality-box b").count() == 0
        page.locator("#quality-plots img").first.wait_for(timeout=60_000)
        assert page.locator("#quality-plots img").count() == 2
        page.locator("#quality-from input, #quality-from textarea").first.fill("2026-13-01")
        page.locator("#run-quality").click()
        page.get_by_text("is not a date").first.wait_for(timeout=60_000)
        page.close()
    finally:
        running.stop()


def test_the_postedits_html_report_renders_with_its_plots(tmp_path, browser):
    """kabar eval postedits --out: report.html in Chromium, its two plots loaded (not broken images), its text as
    text (a sentence with markup is shown, not obeyed)."""
    from kabar.cli import main

    memory = TranslationMemory(tmp_path / "tm.sqlite")
    rows = [{"source": f"Kalimat {k} <i>miring</i>.", "machine": f"Sentence {k} <i>italic</i>.", "model": "m (ct2)",
             "article": "a", "checks": ["numbers"] if k % 2 else [], "qe": 0.5 + k / 20, "qe_low": k < 3}
            for k in range(6)]
    memory.record(rows, at="2026-12-01T08:00:00Z")
    for k in range(3):
        memory.add(f"Kalimat {k} <i>miring</i>.", f"Sentence number {k}, in italics.", machine=rows[k]["machine"],
                   editor="sari")
    memory.close()
    out = tmp_path / "report"
    assert main(["eval", "postedits", "--tm", str(tmp_path / "tm.sqlite"), "--bootstrap", "20", "--out",
                 str(out)]) == 0
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((out / "report.html").as_uri())
    assert page.title() == "Kabar quality from corrections"
    images = page.locator("img")
    assert images.count() == 2
    for k in range(2):
        page.wait_for_function(f"document.images[{k}].complete", timeout=30_000)
        assert page.evaluate(f"document.images[{k}].naturalWidth") > 100
    assert page.locator("td i").count() == 0 and "<i>miring</i>" in page.locator("body").inner_text()
    assert "50.0%" in page.locator("body").inner_text()  # 3 of 6 corrected
    page.close()


def test_a_sentence_taken_from_the_memory_is_not_recorded_as_machine_output(translators, tmp_path):
    service = _service(translators, tmp_path)
    first = ARTICLE.split("\n\n")[0]
    service.correct(first, "Floods hit Bekasi city on Monday morning.")
    result = service.process(ARTICLE)
    assert result.origin[0] == "human" and list(result.origin[1:]) == ["machine", "machine"]
    assert sorted(r["key"] for r in _recorded(service)) == sorted(result.sentences[1:])
