"""The Gradio app in headless Chromium: Article and Batch tabs end to end, a screenshot of each tab."""
import json
from pathlib import Path

from tests.conftest import EXAMPLES

ARTICLE = ("Harga beras di pasar tradisional naik lima persen pekan ini. Pedagang mengatakan pembeli "
           "mengurangi belanja.\n\nPemerintah akan menggelar operasi pasar di tiga puluh kelurahan mulai pekan "
           "depan.\n\nBaca juga: Stok beras aman")
FLOOD = ("Cuaca pagi ini cerah. Banjir merendam ratusan rumah warga di Jakarta Timur. Warga Jakarta Timur mengungsi "
         "karena banjir merendam rumah. Petugas mengevakuasi warga korban banjir di Jakarta Timur. Pasar buka seperti "
         "biasa.")


def _open(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/ui/", wait_until="domcontentloaded")
    page.locator("#article-input textarea").wait_for(timeout=60_000)
    return page


def test_article_tab(browser, server, tmp_path):
    page = _open(browser, server)
    page.locator("#article-input textarea").fill(ARTICLE)
    page.locator("#run-article").click()
    page.locator("#side-by-side table").wait_for(timeout=60_000)
    assert "Detected language: id" in page.locator("#out-lang").inner_text()
    assert "1 boilerplate lines removed" in page.locator("#out-lang").inner_text()
    summary = page.locator("#out-summary").inner_text()
    assert "Summary (English)" in summary and "Summary (id)" in summary
    rows = page.locator("#side-by-side tr")
    assert rows.count() == 3  # header + two paragraphs
    english = rows.nth(1).locator("td").nth(1).inner_text()
    assert english.strip() and english.strip() != rows.nth(1).locator("td").nth(0).inner_text().strip()
    page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
    assert (tmp_path / "article.png").read_bytes()[:4] == b"\x89PNG"
    page.close()


def test_batch_tab_upload_and_download(browser, server, tmp_path):
    page = _open(browser, server)
    page.get_by_role("tab", name="Batch").click()
    page.locator("#batch-files input[type=file]").set_input_files(
        [str(EXAMPLES / "banjir-jakarta.md"), str(EXAMPLES / "english-brief.txt")])
    page.wait_for_function("document.querySelector('#batch-files').innerText.includes('english-brief')",
                           timeout=30_000)
    page.locator("#run-batch").click()
    page.locator("#batch-downloads a").first.wait_for(timeout=120_000)
    assert "2 of 2 articles processed" in page.locator("#batch-status").inner_text()
    links = page.locator("#batch-downloads a")
    with page.expect_download() as info:
        links.first.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert saved.name == "results.jsonl" and len(lines) == 2
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)
    for tab in ("Evaluate", "Model"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(500)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(tmp_path / f"{tab.lower()}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
    assert "engine" in page.locator("#model-info").inner_text()
    page.close()


def test_evaluate_tab_scores_the_loaded_model(browser, server, tmp_path):
    """The Evaluate tab end to end: a test set from ../shared/data, the loaded model, 5 segments, a score table."""
    from tests.conftest import DATA, need_shared

    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    page = _open(browser, server)
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_label("flores200/dev", exact=True).check()
    limit = page.locator("#eval-limit input")
    limit.fill("5")
    page.locator("#run-eval").click()
    page.wait_for_function("document.querySelector('#eval-table')?.innerText.includes('kabar')", timeout=180_000)
    table = page.locator("#eval-table").inner_text()
    assert "flores200/dev" in table and "bleu" in table.lower()
    assert table.lower().count("test set") == 1, "the header row appears once (no header repeated as data)"
    page.locator("#eval-plots img").first.wait_for(timeout=60_000)
    assert page.locator("#eval-plots img").count() == 3
    page.screenshot(path=str(tmp_path / "evaluate-scored.png"), full_page=True)
    page.close()


def test_api_docs_load_with_the_network_blocked(browser, server, tmp_path):
    """/docs (Swagger UI) uses only files the server ships: every other host is refused here."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(server.url + "/docs", wait_until="domcontentloaded")
    page.get_by_text("/api/process").first.wait_for(timeout=60_000)
    assert page.get_by_text("/translate").count() >= 1
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
    page.wait_for_timeout(1000)  # late requests (fonts, logos) would show up here
    assert not outside, outside
    page.close()


def test_source_language_selector_and_summary_length(browser, server, tmp_path):
    """Forcing the source language to en passes the text through; a summary length of 1 gives one bullet."""
    page = _open(browser, server)
    page.locator("#article-input textarea").fill(ARTICLE)
    for elem_id, value in (("source-lang", "en"), ("summary-length", "1")):
        page.locator(f"#{elem_id} input").click()
        page.get_by_role("option", name=value, exact=True).click()
        page.wait_for_function(f"document.querySelector('#{elem_id} input').value === '{value}'", timeout=10_000)
    page.locator("#run-article").click()
    page.locator("#side-by-side table").wait_for(timeout=60_000)
    assert "Detected language: en" in page.locator("#out-lang").inner_text()
    row = page.locator("#side-by-side tr").nth(1).locator("td")
    assert row.nth(0).inner_text().strip() == row.nth(1).inner_text().strip()  # passed through
    assert page.locator("#out-summary li").count() == 1
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"article-{width}.png"), full_page=True)
    page.close()


def test_gradio_client_evaluate_endpoint(server):
    from gradio_client import Client

    from tests.conftest import DATA, need_shared

    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    table, plots = Client(server.url + "/ui", verbose=False).predict(
        names=["flores200/dev"], limit=3, api_name="/run_eval")
    assert table["headers"][0] == "system" and table["data"][0][0] == "kabar" and len(plots) == 3


def test_gradio_client_batch_endpoint(server):
    from gradio_client import Client, handle_file

    downloads, status, table = Client(server.url + "/ui", verbose=False).predict(
        files=[handle_file(str(EXAMPLES / "banjir-jakarta.md")), handle_file(str(EXAMPLES / "english-brief.txt"))],
        api_name="/run_batch")
    assert status == "2 of 2 articles processed" and len(downloads) == 3
    assert [row[0] for row in table["data"]] == ["banjir-jakarta.md", "english-brief.txt"]


def test_gradio_client_with_only_what_a_user_passes(server):
    from gradio_client import Client

    client = Client(server.url + "/ui", verbose=False)
    status, side, summary, _, english, files = client.predict(text=ARTICLE, api_name="/run_article")
    assert "Detected language" in status and "Summary (English)" in summary and "<table>" in side
    assert english.strip() and sorted(Path(f).name for f in files) == ["kabar-article.json", "kabar-article.md"]
    assert json.loads(Path(next(f for f in files if f.endswith(".json"))).read_text())["lang"] == "id"
    status, _, summary, *_ = client.predict(text=ARTICLE, source_lang="en", summary_length="1",
                                           api_name="/run_article")
    assert "<code>en</code>" in status and summary.count("<li>") == 1
    _, _, summary, *_ = client.predict(text=FLOOD, summary_length="1", summarizer="lead", api_name="/run_article")
    assert summary.count("<li>") == 2 and "Cuaca pagi ini cerah." in summary  # English and Indonesian bullets


def test_summarizer_dropdown(browser, server):
    """The Summarizer dropdown changes which sentence a one-sentence summary takes."""
    page = _open(browser, server)
    page.locator("#article-input textarea").fill(FLOOD)
    page.locator("#summary-length input").click()
    page.get_by_role("option", name="1", exact=True).click()
    expected = {"lead sentences": "Cuaca pagi ini cerah.",
                "learned (IndoSum model)": "Banjir merendam ratusan rumah warga di Jakarta Timur."}
    for label, sentence in expected.items():
        page.locator("#summarizer input").click()
        page.get_by_role("option", name=label, exact=True).click()
        page.wait_for_function(f"document.querySelector('#summarizer input').value === {label!r}", timeout=10_000)
        page.locator("#run-article").click()
        # the Indonesian bullet (the last one) shows the chosen sentence once the run is done
        page.wait_for_function("(() => { const li = document.querySelectorAll('#out-summary li');"
                               f" return li.length === 2 && li[1].innerText.trim() === {sentence!r}; }})()",
                               timeout=60_000)
    page.close()


def test_batch_table_names_the_uploaded_files_and_the_failure(browser, server, tmp_path):
    """One bad file among good ones: the table lists every file by its own name, the bad one with its error."""
    empty = tmp_path / "kosong.txt"
    empty.write_text("", encoding="utf-8")
    page = _open(browser, server)
    page.get_by_role("tab", name="Batch").click()
    page.locator("#batch-files input[type=file]").set_input_files(
        [str(EXAMPLES / "banjir-jakarta.md"), str(empty), str(EXAMPLES / "english-brief.txt")])
    page.wait_for_function("document.querySelector('#batch-files').innerText.includes('kosong')", timeout=30_000)
    page.locator("#run-batch").click()
    page.wait_for_function("document.querySelector('#batch-table')?.innerText.includes('kosong.txt')",
                           timeout=120_000)
    table = page.locator("#batch-table").inner_text()
    assert "2 of 3 articles processed; 1 failed" in page.locator("#batch-status").inner_text()
    assert "banjir-jakarta.md" in table and "english-brief.txt" in table and "is empty" in table
    assert "uploads" not in table and str(server.service.temp_dir) not in table  # no server paths
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"batch-{width}.png"), full_page=True)
    page.close()


def test_article_tab_marks_sentences_to_check_with_the_reason(browser, server):
    """The tiny random model drops the number and the names: the English is marked, the reason beside it."""
    page = _open(browser, server)
    page.locator("#article-input textarea").fill("Presiden Joko Widodo meresmikan 12 jembatan baru di Kalimantan "
                                                 "Timur pada Senin pagi.")
    page.locator("#run-article").click()
    page.locator("#side-by-side table").wait_for(timeout=60_000)
    marked = page.locator("#side-by-side .kabar-check")
    assert marked.count() == 1
    why = page.locator("#side-by-side .kabar-why").inner_text()
    assert "numbers: number 12 of the source is not in the English" in why
    assert "names:" in why and "Joko" in why
    assert "1 sentence(s) to check" in page.locator("#out-lang").inner_text()
    page.close()


UPLOADS = {"Article": ["…or upload an article file (.txt, .md, .html)",
                       "Glossary (CSV/TSV: Indonesian term, English term, note)"],
           "Batch": ["Articles (.txt, .md, .html, .jsonl)"],
           "Evaluate": ["Hypothesis files (one line per segment; the file name is the system name)"]}


def test_every_upload_is_found_by_its_label(browser, server, tmp_path):
    """Each file upload has its own accessible name (Gradio gives them all "File upload"): a screen reader says
    which is which, and a test finds each by its label; the article upload then works through it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/ui/", wait_until="domcontentloaded")
    for tab, labels in UPLOADS.items():
        page.get_by_role("tab", name=tab).click()
        for label in labels:
            found = page.get_by_label(label, exact=True)
            found.first.wait_for(state="attached", timeout=30_000)
            assert found.count() == 1, label
            assert found.evaluate("e => e.type") == "file"
    page.get_by_role("tab", name="Article").click()
    page.get_by_label(UPLOADS["Article"][0], exact=True).set_input_files(str(EXAMPLES / "banjir-jakarta.md"))
    page.locator("#run-article").click()
    page.locator("#side-by-side table").wait_for(timeout=60_000)
    assert "Jakarta" in page.locator("#side-by-side").inner_text()
    page.close()
