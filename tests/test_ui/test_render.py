"""What the Article tab renders for a result: marks beside the sentences QE or a check flags, the article's
title, date and author without stray separators, everything escaped."""
from kabar.pipeline import Result
from ui.app import side_by_side_html, status_html, table_html


def _result(**fields) -> Result:
    base = dict(id="a", source="a.txt", status="ok", lang="id", lang_confidence=0.99,
                sentences=("Harga beras naik.", "Pedagang mengeluh <b>keras</b>.", "Pasar buka."),
                paragraph_of=(0, 0, 1), translation=("Rice prices rose.", "Traders complained <b>loudly</b>.",
                                                     "The market opened."))
    return Result(**{**base, **fields})


def test_low_confidence_sentences_are_marked_where_they_are_with_the_estimate():
    page = side_by_side_html(_result(quality=(0.91, 0.31, 0.88), flagged=(1,)))
    assert page.count('class="kabar-low"') == 1
    marked = page.split('class="kabar-low"')[1]
    assert marked.split("</span>")[0].endswith("Traders complained &lt;b&gt;loudly&lt;/b&gt;.")
    assert "[low confidence: quality estimate 0.31]" in marked  # visible text beside it, not only a colour


def test_a_sentence_both_low_and_checked_shows_both_reasons():
    checks = ([], [{"check": "numbers", "reason": "number 12 of the source is not in the English"}], [])
    page = side_by_side_html(_result(quality=(0.9, 0.2, 0.9), flagged=(1,), checks=checks))
    assert 'class="kabar-low kabar-check"' in page
    assert "low confidence: quality estimate 0.20; check numbers: number 12" in page


def test_status_shows_title_date_and_author_of_a_fetched_article():
    page = status_html(_result(title="Banjir <Bekasi>", date="2026-12-04", author="Ani", url="https://x.test/a?b=1"))
    assert '<b>Banjir &lt;Bekasi&gt;</b>' in page and "2026-12-04 · Ani" in page
    assert 'href="https://x.test/a?b=1"' in page
    bare = status_html(_result(date=" ", author=None))  # pasted text: nothing to show, no stray separator
    assert "kabar-title" not in bare and " · </p>" not in bare and "<p></p>" not in bare and "Source:" not in bare
    assert status_html(_result(author="Ani")).count("<p>Ani</p>") == 1


def test_tables_are_escaped_and_label_every_cell():
    import pandas as pd

    page = table_html(pd.DataFrame([["<script>x</script>", "ok"]], columns=["file", "status"]), "t")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count('data-label="file"') == 1 and page.count("<tr>") == 2
    assert table_html(None, "t") == ""
