"""The whole path over the five seed articles, through both engines and both model kinds."""
import re

import pytest

from kabar.pipeline import Pipeline
from news.read import Document, read_inputs

BOILERPLATE = re.compile(r"^(Baca juga|Pewarta|Editor|Copyright|COPYRIGHT|Source:)|\(ANTARA\) -|UTC\+8|"
                         r"^(Special Reports|Top|Xinhua|Hu Yumo)$")


@pytest.fixture(scope="module")
def seed_docs(seeds_dir):
    return list(read_inputs([seeds_dir]))


@pytest.mark.parametrize("kind,engine", [("marian", "ct2"), ("marian", "transformers"), ("nllb", "ct2"),
                                         ("nllb", "transformers")])
def test_seeds_end_to_end(seed_docs, translators, kind, engine):
    results = Pipeline(translators(kind, engine)).process_many(seed_docs)
    assert len(results) == 5 and all(r.ok for r in results)
    by_id = {r.id[:3]: r for r in results}
    assert {k: r.lang for k, r in by_id.items()} == {"000": "en", "001": "en", "002": "id", "003": "en", "004": "id"}
    for r in results:
        assert len(r.translation) == len(r.sentences) == len(r.paragraph_of) > 3
        assert not [s for s in r.sentences if BOILERPLATE.search(s)], r.id
        assert list(r.summary_indices) == sorted(r.summary_indices) and 1 <= len(r.summary_indices) <= 5  # auto
        assert list(r.summary_src) == [r.sentences[i] for i in r.summary_indices]
        assert list(r.summary_en) == [r.translation[i] for i in r.summary_indices]
        if r.lang == "en":
            assert r.translation == r.sentences and r.engine == "passthrough" and r.model is None
        else:
            assert r.engine == engine and r.model is not None
            assert r.translation != r.sentences
            assert all(r.translation)
    seed4 = by_id["004"]
    first = "Berlokasi di Zona Pengembangan Ekonomi dan Teknologi Jinqiao di Distrik Pudong itu"
    assert sum(s.startswith(first) for s in seed4.sentences) == 1
    assert by_id["002"].dateline == "Jakarta (ANTARA) -"


def test_english_paragraph_in_indonesian_article_passes_through(translators):
    doc = Document("mix", "mix.txt", "Harga beras naik di pasar tradisional pekan ini, kata para pedagang.\n"
                   "The rice price index rose by four percent in the last quarter of the year.\n"
                   "Pemerintah akan menggelar operasi pasar di tiga puluh kelurahan.")
    r = Pipeline(translators("marian", "ct2")).process(doc)
    assert r.sentence_lang == ("id", "en", "id")
    assert r.translation[1] == r.sentences[1]
    assert r.translation[0] != r.sentences[0]


def test_other_language_is_reported_not_translated(translators):
    doc = Document("jv", "jv.txt", "Aku arep lunga menyang pasar karo ibuku sesuk esuk amarga butuh tuku sayuran.")
    r = Pipeline(translators("marian", "ct2")).process(doc)
    assert r.status == "skipped" and r.lang == "jv" and r.translation == ()
    assert "language detected as 'jv'" in r.errors[0] and "--lang id" in r.errors[0]


def test_bad_document_does_not_stop_the_batch(translators):
    docs = [Document("bad", "bad.txt", error="bad.txt: is a PNG image, not text"),
            Document("good", "good.txt", "Banjir merendam 412 rumah di Jakarta Timur.")]
    results = Pipeline(translators("marian", "ct2")).process_many(docs)
    assert [r.status for r in results] == ["error", "ok"]
    assert results[0].errors == ("bad.txt: is a PNG image, not text",)


def test_english_batch_never_loads_a_model():
    def fail():
        raise AssertionError("the model must not be loaded for English articles")
    doc = Document("en", "en.txt", "The bank kept its rate unchanged. Inflation is low.")
    assert Pipeline(load_translator=fail).process(doc).translation == ("The bank kept its rate unchanged.",
                                                                        "Inflation is low.")


def test_summary_ratio(translators):
    doc = Document("r", "r.txt", " ".join(f"Kalimat nomor {i} tentang banjir di kota." for i in range(10)))
    r = Pipeline(translators("marian", "ct2"), summary_length="20%").process(doc)
    assert len(r.summary_indices) == 2


def _without_timings(result):
    data = result.to_dict()
    data.pop("timings")
    return data


def test_article_cache_gives_the_same_results_and_retires_on_any_change(seed_docs, translators, tmp_path,
                                                                          monkeypatch):
    from kabar import pipeline as module
    from kabar.store import ArticleCache

    cache = ArticleCache(tmp_path / "articles.sqlite")
    first = Pipeline(translators("marian", "ct2"), article_cache=cache).process_many(seed_docs)
    assert len(cache) == 5
    renamed = [Document("copy-" + d.id, "copy/" + d.source, text=d.text, title=d.title) for d in seed_docs]
    again = Pipeline(translators("marian", "ct2"), article_cache=ArticleCache(tmp_path / "articles.sqlite"))
    second = again.process_many(renamed)
    assert again.articles_reused == 5 and all(set(r.timings) == {"cache"} for r in second)
    for a, b in zip(first, second):
        assert (b.id, b.source) == ("copy-" + a.id, "copy/" + a.source)
        assert {**_without_timings(b), "id": a.id, "source": a.source} == _without_timings(a)
    # a different summary length, an edited text, or changed code: processed again, never an old result
    shorter = Pipeline(translators("marian", "ct2"), article_cache=cache, summary_length=1)
    assert all(len(r.summary_indices) == 1 for r in shorter.process_many(seed_docs[:2]))
    assert shorter.articles_reused == 0
    edited = Document("e", "e", text=seed_docs[2].text + "\n\nSatu kalimat tambahan di akhir berita.")
    fresh = Pipeline(translators("marian", "ct2"), article_cache=cache)
    assert "Satu kalimat tambahan di akhir berita." in fresh.process(edited).sentences
    assert fresh.articles_reused == 0
    monkeypatch.setattr(module, "code_fingerprint", lambda: "changed-code")
    changed = Pipeline(translators("marian", "ct2"), article_cache=cache)
    changed.process_many(seed_docs)
    assert changed.articles_reused == 0


@pytest.mark.parametrize("edited, changes", [
    ("translate/batching.py", True),    # translation code shapes results (it is part of the fingerprint)
    ("news/split.py", True),
    ("summarize/textrank.py", True),
    ("kabar/pipeline.py", True),
    ("ui/app.py", False),               # the server's code does not shape a result
    ("kabar/writers.py", False),
])
def test_a_real_source_edit_changes_the_fingerprint(tmp_path, edited, changes):
    import shutil

    from kabar.pipeline import _RESULT_CODE, code_fingerprint
    from tests.conftest import ROOT

    for name in {*_RESULT_CODE, "ui/app.py", "kabar/writers.py"}:
        source, target = ROOT / name, tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    before = code_fingerprint(tmp_path)
    assert before == code_fingerprint(ROOT)  # the copy hashes like the checkout
    with open(tmp_path / edited, "a", encoding="utf-8") as handle:
        handle.write("\n# an edit\n")
    code_fingerprint.cache_clear()
    assert (code_fingerprint(tmp_path) != before) is changes


def test_damaged_article_cache_entry_is_a_miss(seed_docs, translators, tmp_path):
    import sqlite3

    from kabar.store import ArticleCache

    path = tmp_path / "articles.sqlite"
    expected = Pipeline(translators("marian", "ct2"), article_cache=ArticleCache(path)).process_many(seed_docs[:1])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE articles SET data = ?", (b"not zlib",))
    pipeline = Pipeline(translators("marian", "ct2"), article_cache=ArticleCache(path))
    result = pipeline.process_many(seed_docs[:1])
    assert pipeline.articles_reused == 0 and _without_timings(result[0]) == _without_timings(expected[0])
