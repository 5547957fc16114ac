"""Every tab at 1280 and 390 px wide with hostile-length content: long unbroken tokens, long errors, many rows.
Nothing may stick out of the page: each visible element's box is measured, not only looked at."""
from __future__ import annotations

import pytest

from tests.conftest import DATA, need_shared
from tests.test_ui.test_browser import _open

WIDTHS = (1280, 390)
LONG_URL = "https://www.antaranews.com/berita/" + "x" * 260
# the long token is in every sentence: whichever the summary takes carries it
ENGLISH = (f"The ministry cited {LONG_URL} as its source. Prices rose 5 percent at {LONG_URL} this week.\n\n"
           f"Officials will hold market operations in 30 districts listed at {LONG_URL} from next week.")
INDONESIAN = (f"Harga beras naik 5 persen pekan ini menurut {LONG_URL} dan Kementerian Perdagangan.\n\n"
              f"Pemerintah akan menggelar operasi pasar di 30 kelurahan ({LONG_URL}). Rp" + "1" * 200
              + f" dialokasikan menurut {LONG_URL} kemarin.")
# Elements that stick out of the viewport (left or right), and whether the page scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1)
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${String(el.className).slice(0, 40)} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
  }
  return {scrolls: document.documentElement.scrollWidth > width, outside: out.slice(0, 10), count: out.length};
}"""


def _fits(page, what: str, shots, width: int) -> None:
    page.screenshot(path=str(shots / f"{what}-{width}.png"), full_page=True)
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and not found["count"], f"{what} at {width} px: {found}"


@pytest.mark.parametrize("width", WIDTHS)
def test_article_tab_fits_and_an_error_clears_the_last_result(browser, server, tmp_path, width):
    page = _open(browser, server)
    page.set_viewport_size({"width": width, "height": 900})
    for text in (ENGLISH, INDONESIAN):  # English passes through: its long token reaches the English summary
        page.locator("#article-input textarea").fill(text)
        page.locator("#run-article").click()
        page.wait_for_function("document.querySelector('#side-by-side') !== null", timeout=60_000)
        # the summary is drawn after the table: wait for it (a fixed pause was too short on a busy machine)
        page.wait_for_function("(document.querySelector('#out-summary')?.innerText || '').includes('x'.repeat(200))",
                               timeout=60_000)
        assert "x" * 200 in page.locator("#out-summary").inner_text()
        _fits(page, "article-" + ("en" if text is ENGLISH else "id"), tmp_path, width)
    page.locator("#article-input textarea").fill("   ")
    page.locator("#run-article").click()
    page.get_by_text("Paste an article or upload a file first.").first.wait_for(timeout=30_000)
    page.wait_for_function("document.querySelector('#side-by-side') === null", timeout=30_000)
    assert page.locator("#out-summary").inner_text().strip() == ""  # no other article's results under the error
    assert page.locator("#out-english textarea").input_value() == ""
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_batch_tab_fits_with_many_rows_long_names_and_long_errors(browser, server, tmp_path, width):
    files = []
    for n in range(30):
        path = tmp_path / f"artikel-{n:02d}.txt"
        path.write_text(f"Banjir merendam rumah nomor {n} di Jakarta Timur. Warga mengungsi.", encoding="utf-8")
        files.append(path)
    long_name = tmp_path / ("sangat-panjang-" * 12 + ".txt")
    long_name.write_text("Harga beras naik. Rp" + "9" * 300 + " dialokasikan.", encoding="utf-8")
    too_long = tmp_path / "terlalu-panjang.txt"  # over the server's 3,000 characters: a long error
    too_long.write_text("Banjir merendam rumah warga di Jakarta Timur. " * 80, encoding="utf-8")
    picture = tmp_path / "gambar.txt"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    files += [long_name, too_long, picture]
    page = _open(browser, server)
    page.set_viewport_size({"width": width, "height": 900})
    page.get_by_role("tab", name="Batch").click()
    page.locator("#batch-files input[type=file]").set_input_files([str(f) for f in files])
    page.wait_for_function("document.querySelector('#batch-files').innerText.includes('gambar')", timeout=30_000)
    page.locator("#run-batch").click()
    page.locator("#batch-table").wait_for(timeout=180_000)
    assert page.locator("#batch-table tbody tr").count() == 33  # every row shown, none behind a scroll box
    table = page.locator("#batch-table").inner_text()
    assert "terlalu-panjang.txt" in table and "sangat-panjang-" * 12 in table, table[-1500:]
    assert "Split the text or use the batch CLI" in table
    assert "31 of 33 articles processed; 2 failed" in page.locator("#batch-status").inner_text()
    for column in ("status", "error"):  # each column's heading is one line: never broken letter by letter
        if width == 1280:
            heading = page.locator("#batch-table th", has_text=column).first
            assert heading.bounding_box()["height"] < 40
    _fits(page, "batch", tmp_path, width)
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_evaluate_and_model_tabs_fit(browser, server, tmp_path, width):
    need_shared(DATA, "the test sets")
    page = _open(browser, server)
    page.set_viewport_size({"width": width, "height": 900})
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#eval-sets label", has_text="flores200/dev").first.click()
    page.locator("#eval-limit input").fill("5")
    page.locator("#run-eval").click()
    page.locator("#eval-table").wait_for(timeout=180_000)
    page.locator("#eval-plots img").first.wait_for(timeout=60_000)
    header = page.locator("#eval-table th").all_text_contents()  # (hidden at 390 px: each cell is labelled)
    assert {"segments", "flagged", "vs baseline"} <= set(header)  # as kabar eval prints
    assert page.locator('#eval-table td[data-label="segments"]').first.text_content() == "5"
    page.wait_for_function("document.querySelectorAll('#eval-plots img').length === 3", timeout=60_000)
    hidden = page.evaluate("""() => { const box = document.querySelector('#eval-plots .grid-wrap');
        return box.scrollHeight - box.clientHeight; }""")
    assert hidden <= 1, f"{hidden} px of plots hidden in the gallery's scroll box at {width} px"
    _fits(page, "evaluate", tmp_path, width)
    page.get_by_role("tab", name="Model").click()
    page.locator("#model-info").wait_for(timeout=30_000)
    _fits(page, "model", tmp_path, width)
    page.close()
