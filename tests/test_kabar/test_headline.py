"""English headlines (issue 38): the title is translated with the article (memory and glossary included), results
carry title (English) and title_source (original), the pages show both, and an article without a title is listed
by a short form of its lead, never its file name."""
from __future__ import annotations

import pytest

from kabar.pipeline import HEADLINE_CHARS, Pipeline, Result, headline_of
from kabar.writers import md_text, to_html, to_markdown
from news.read import Document
from translate.glossary import parse_glossary
from translate.memory import TranslationMemory

ARTICLE = "Banjir melanda Kota Bekasi pada Senin pagi.\n\nWarga mengungsi ke masjid terdekat."
ENGLISH = "Floods hit Bekasi on Monday morning.\n\nResidents fled to the nearest mosque."


class Marked:
    """A translator whose English is its input marked "EN:" (what went to the model is visible in the output)."""

    class info:  # noqa: N801 - the attribute every translator has
        model, engine, cache_key = "marked", "test", ("marked", "test")

    def __init__(self):
        self.asked: list[str] = []

    def translate(self, sentences):
        self.asked += list(sentences)
        return [f"EN:{s}" for s in sentences]


@pytest.mark.parametrize(("text", "title", "expected", "source", "origin"), [
    (ARTICLE, "Banjir rendam Bekasi", "EN:Banjir rendam Bekasi", "Banjir rendam Bekasi", "machine"),
    (ENGLISH, "Floods in Bekasi", "Floods in Bekasi", "Floods in Bekasi", "source"),  # English keeps its title
    (ARTICLE, None, "EN:Banjir melanda Kota Bekasi pada Senin pagi", None, "lead"),  # the lead, not the file name
    (ENGLISH, None, "Floods hit Bekasi on Monday morning", None, "lead"),
], ids=["indonesian", "english", "indonesian-untitled", "english-untitled"])
def test_headline_of_each_kind_of_article(text, title, expected, source, origin):
    result = Pipeline(Marked()).process(Document("bekasi", "bekasi.txt", text=text, title=title))
    assert (result.title, result.title_source, result.title_origin) == (expected, source, origin)


def test_the_headline_goes_to_the_model_once_with_the_sentences():
    marked = Marked()
    Pipeline(marked).process(Document("a", "a.txt", text=ARTICLE, title="Banjir rendam Bekasi"))
    assert marked.asked == ["Banjir melanda Kota Bekasi pada Senin pagi.", "Warga mengungsi ke masjid terdekat.",
                            "Banjir rendam Bekasi"]


def test_the_memory_gives_the_headline_and_a_change_makes_the_result_stale(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    memory.add("Banjir rendam Bekasi", "Floods swamp Bekasi")
    marked = Marked()
    pipeline = Pipeline(marked, memory=memory)
    result = pipeline.process(Document("a", "a.txt", text=ARTICLE, title="Banjir rendam Bekasi"))
    assert (result.title, result.title_origin) == ("Floods swamp Bekasi", "human")
    assert "Banjir rendam Bekasi" not in marked.asked
    assert pipeline.out_of_date(result) is None
    memory.add("Banjir rendam Bekasi", "Floods submerge Bekasi")
    assert pipeline.out_of_date(result) == "memory"
    memory.remove("Banjir rendam Bekasi")
    assert pipeline.out_of_date(result) == "memory"


def test_a_machine_headline_is_stale_once_the_memory_knows_it(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    pipeline = Pipeline(Marked(), memory=memory)
    result = pipeline.process(Document("a", "a.txt", text=ARTICLE, title="Banjir rendam Bekasi"))
    assert result.title_origin == "machine" and pipeline.out_of_date(result) is None
    memory.add("Banjir rendam Bekasi", "Floods swamp Bekasi")
    assert pipeline.out_of_date(result) == "memory"


def test_the_glossary_applies_to_the_headline():
    glossary = parse_glossary("Basarnas,National Search and Rescue Agency\n")

    class Copying(Marked):
        def translate(self, sentences):
            return list(sentences)  # a model that leaves names untranslated: the copy is replaced

    result = Pipeline(Copying(), glossary=glossary).process(
        Document("a", "a.txt", text=ARTICLE, title="Basarnas cari korban banjir"))
    assert result.title == "National Search and Rescue Agency cari korban banjir"


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Floods hit Bekasi.", "Floods hit Bekasi"),
    ("a" * HEADLINE_CHARS + ".", "a" * HEADLINE_CHARS),  # at the limit: kept whole
    ("word " * 30, "word " * 17 + "word…"),  # over it: cut at a word, marked
    ("x" * (HEADLINE_CHARS + 1), "x" * (HEADLINE_CHARS - 1) + "…"),  # one word over it: cut inside it
])
def test_headline_of_a_sentence(sentence, expected):
    assert headline_of(sentence) == expected.strip()
    assert len(headline_of(sentence)) <= HEADLINE_CHARS


def test_pages_show_the_english_headline_with_the_original_beneath():
    result = Result("a", "a.txt", "ok", title="Floods <b>swamp</b> Bekasi", title_source="Banjir <b>rendam</b> Bekasi",
                    title_origin="machine", lang="id", sentences=("Banjir.",), translation=("Floods.",),
                    paragraph_of=(0,), origin=("machine",))
    md = to_markdown(result)
    assert md.splitlines()[0] == f"# {md_text('Floods <b>swamp</b> Bekasi')}" and "<b>" not in md
    assert md.splitlines()[2] == f"*{md_text('Banjir <b>rendam</b> Bekasi')}* (id)"
    page = to_html([result])
    assert "<h2>Floods &lt;b&gt;swamp&lt;/b&gt; Bekasi</h2>" in page
    assert '<p class="original-title" lang="id">Banjir &lt;b&gt;rendam&lt;/b&gt; Bekasi</p>' in page
    english = Result("b", "b.txt", "ok", title="Floods", title_source="Floods", lang="en", sentences=("Floods.",),
                     paragraph_of=(0,))
    assert "class=\"original-title\"" not in to_html([english]) and to_markdown(english).splitlines()[2].startswith("source")


@pytest.mark.parametrize(("text", "outlet", "url", "expected"), [
    ("Bekasi (ANTARA) - Banjir melanda Kota Bekasi.\n\nWarga mengungsi.", None, None, "ANTARA"),  # the dateline
    ("Banjir melanda Kota Bekasi.\n\nWarga mengungsi.", "Tempo", None, "Tempo"),  # the input names it
    ("Banjir melanda Kota Bekasi.\n\nWarga mengungsi.", None, "https://www.kompas.com/a/1", "kompas.com"),  # host
    ("Banjir melanda Kota Bekasi.\n\nWarga mengungsi.", None, None, None),
], ids=["dateline", "given", "host", "none"])
def test_results_carry_the_outlet_the_archive_and_search_use(text, outlet, url, expected):
    from kabar.outlet import outlet_of

    result = Pipeline(Marked()).process(Document("a", "a.txt", text=text, outlet=outlet, url=url))
    assert result.outlet == expected == outlet_of(result)
