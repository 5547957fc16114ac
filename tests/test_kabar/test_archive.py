"""The archive (kabar.archive) and search (kabar.search) on real e5 embeddings, SQLite FTS5 and usearch."""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kabar import archive as archive_module
from kabar import search as search_module
from kabar.archive import Archive, outlet_of, parse_day, shared_embedder
from kabar.cli import main
from kabar.pipeline import Result
from kabar.search import SearchError, make_query, search
from news.clean import Removal
from news.errors import ConfigError
from tests.conftest import EXAMPLES

FLOOD = ("Banjir merendam 412 rumah di Bekasi setelah hujan deras sejak Sabtu malam.",
         "Warga di tiga kelurahan mengungsi ke masjid dan sekolah terdekat.",
         "Badan Penanggulangan Bencana Daerah mengirim perahu karet dan dapur umum.",
         "Ketinggian air mencapai satu meter di beberapa titik permukiman.")
FLOOD_EN = ("Floods inundated 412 houses in Bekasi after heavy rain since Saturday night.",
            "Residents in three villages fled to the nearest mosques and schools.",
            "The regional disaster management agency sent rubber boats and public kitchens.",
            "The water reached one metre in several residential areas.")
RICE = ("Harga beras medium di pasar tradisional Bandung naik menjadi Rp14.000 per kilogram.",
        "Kenaikan dipicu berkurangnya pasokan dari sentra produksi setelah musim hujan datang lebih awal.",
        "Pemerintah kota berencana menggelar operasi pasar pekan depan.")
CHIPS = ("Pemerintah menargetkan pabrik semikonduktor pertama beroperasi di Batam pada 2028.",
         "Investasi awal proyek itu mencapai 2 miliar dolar AS dari konsorsium Jepang dan Korea Selatan.",
         "Kementerian Perindustrian menyebut ribuan tenaga kerja akan diserap pabrik tersebut.")


def result(article_id, sentences, translation=None, *, date="2026-11-20", outlet=None, url=None, title=None,
           lang="id", summary=(0, 1)):
    translation = tuple(translation) if translation is not None else tuple(f"EN {s}" for s in sentences)
    return Result(article_id, f"{article_id}.txt", "ok", title=title, date=date, url=url, outlet=outlet, lang=lang,
                  sentences=tuple(sentences), translation=translation if lang != "en" else (),
                  paragraph_of=tuple(range(len(sentences))), summary_indices=summary)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """An archive of four articles: a flood report, a shorter report of the same flood by another outlet the
    next day, a rice-price story and a chip-factory story a month earlier."""
    where = tmp_path_factory.mktemp("archive")
    archive = Archive(where)
    archive.add([
        result("flood-antara", FLOOD, FLOOD_EN, outlet="ANTARA", url="https://www.antaranews.com/berita/1/banjir",
               title="Banjir rendam 412 rumah di Bekasi"),
        result("rice", RICE, outlet="ANTARA", title="Harga beras naik di Bandung"),
        result("chips", CHIPS, date="2026-10-15", outlet="tempo.co", title="Pabrik chip di Batam"),
    ])
    archive.add([result("flood-tempo", FLOOD[:3], FLOOD_EN[:3], date="2026-11-21", outlet="tempo.co",
                        title="Ratusan rumah di Bekasi terendam banjir")])
    yield archive
    archive.close()


def ids(hits):
    return [h.id for h in hits]


# -- the archive ------------------------------------------------------------------------------------
def test_reports_of_one_event_form_one_story_and_others_do_not(filled):
    stories = filled.stories(["flood-antara", "flood-tempo", "rice", "chips"])
    assert stories["flood-antara"].key == stories["flood-tempo"].key
    assert stories["flood-antara"].label() == "2 reports: ANTARA, tempo.co"
    assert len({stories[i].key for i in ("flood-antara", "rice", "chips")}) == 3
    assert stories["rice"].label() == "1 report: ANTARA"


def test_the_same_report_outside_the_window_is_another_story(tmp_path):
    archive = Archive(tmp_path)
    days_apart = archive_module.STORY_WINDOW_DAYS + 1
    archive.add([result("a", FLOOD, date="2026-11-01"), result("b", FLOOD, date=f"2026-11-{1 + days_apart:02d}"),
                 result("c", FLOOD, date="2026-11-02")])
    stories = archive.stories(["a", "b", "c"])
    assert stories["a"].key == stories["c"].key != stories["b"].key  # c is within a day of a; b is not


def test_embeddings_are_computed_once_per_article(tmp_path):
    archive = Archive(tmp_path)
    embedder = archive.embedder
    assert archive.add([result("a", FLOOD), result("b", RICE)]) == 2
    before = embedder.texts
    assert archive.add([result("a", FLOOD), result("b", RICE)]) == 0  # unchanged: nothing embedded again
    assert embedder.texts == before
    assert archive.add([result("a", FLOOD[:2]), result("b", RICE)]) == 1  # an edited article is embedded again
    assert embedder.texts > before and len(archive) == 2
    hits = search(archive, make_query("perahu karet", mode="keyword"))  # the old text left the index
    assert hits == []


def test_a_failed_article_is_not_archived(tmp_path):
    archive = Archive(tmp_path)
    failed = Result("bad", "bad.txt", "error", errors=("bad.txt: not text",))
    assert archive.add([failed, result("a", RICE)]) == 1 and len(archive) == 1


def test_marker_characters_in_article_text_cannot_forge_highlights(tmp_path):
    archive = Archive(tmp_path)
    archive.add([result("x", ("Banjir \x02<b>palsu</b>\x03 di Bekasi.", "Kalimat kedua."),
                        ("Fake \x02<b>flood</b>\x03 in Bekasi.", "Second sentence."))])
    [hit] = search(archive, make_query("Bekasi", mode="keyword"))
    assert hit.highlight == "Fake &lt;b&gt;flood&lt;/b&gt; in <mark>Bekasi</mark>."
    assert hit.highlight_src == "Banjir &lt;b&gt;palsu&lt;/b&gt; di <mark>Bekasi</mark>."


def test_not_an_archive_is_a_clear_error(tmp_path):
    (tmp_path / "archive.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="cannot use the archive"):
        Archive(tmp_path)
    with pytest.raises(ConfigError, match="no archive there"):
        Archive(tmp_path / "elsewhere", create=False)
    other = tmp_path / "other"
    other.mkdir()
    db = sqlite3.connect(other / "archive.sqlite")
    db.execute("CREATE TABLE articles (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(ConfigError, match="not a Kabar archive"):
        Archive(other)


@pytest.mark.parametrize(("text", "day"), [("2026-11-20", "2026-11-20"), ("2026-11-20T08:15:00+07:00", "2026-11-20"),
                                           ("Fri, 20 Nov 2026 08:15:00 +0700", "2026-11-20"), ("kemarin", None),
                                           ("", None), (None, None), ("9" * 10_000, None)])
def test_parse_day(text, day):
    got = parse_day(text)
    assert (archive_module.day_text(got) if got is not None else None) == day


def test_outlet_of_prefers_the_input_then_the_dateline_then_the_host():
    assert outlet_of(result("a", RICE, outlet="Kompas")) == "Kompas"
    assert outlet_of(Result("a", "a", "ok", dateline="Jakarta (ANTARA) -")) == "ANTARA"
    assert outlet_of(Result("a", "a", "ok", url="https://www.tempo.co/read/1")) == "tempo.co"
    assert outlet_of(Result("a", "a", "ok", url="http://[::1")) is None  # a broken URL is no outlet, not a crash
    footer = (Removal("copyright", "COPYRIGHT © ANTARA News Jawa Barat 2020"),)
    assert outlet_of(Result("a", "a", "ok", removed=footer, url="https://jabar.antaranews.com/x")) == \
        "ANTARA News Jawa Barat"
    assert outlet_of(Result("a", "a", "ok", dateline="Jakarta (ANTARA) -", removed=footer)) == "ANTARA"
    assert outlet_of(Result("a", "a", "ok", removed=(Removal("credit", "Editor: Budi Santoso"),))) is None


@pytest.mark.parametrize(("line", "holder"), [
    ("COPYRIGHT © ANTARA News Jawa Barat 2020", "ANTARA News Jawa Barat"),
    ("© 2024 Kompas.com. All rights reserved.", "Kompas.com"),
    ("Copyright © 2019-2024 PT Tempo Inti Media Tbk", "PT Tempo Inti Media Tbk"),
    ("(c) Reuters 2021 | Terms of use", "Reuters"),
    ("Hak cipta dilindungi undang-undang", None), ("Copyright 2020", None), ("©", None), ("© " + "x" * 500, None)])
def test_copyright_holder(line, holder):
    assert archive_module.copyright_holder(line) == holder


# -- the vector index -------------------------------------------------------------------------------
def test_the_vector_index_is_saved_and_rebuilt_when_it_does_not_match(tmp_path):
    archive = Archive(tmp_path)
    archive.add([result("flood", FLOOD), result("rice", RICE)])
    archive.close()
    index, meta = tmp_path / "archive.usearch", tmp_path / "archive.usearch.json"
    saved = json.loads(meta.read_text())
    assert index.is_file() and {k: saved[k] for k in ("generation", "size", "bytes")} == \
        {"generation": 1, "size": 4, "bytes": index.stat().st_size}
    assert len(saved["blake2b"]) == 32
    index.unlink()  # lost: rebuilt from the stored embeddings
    reader = Archive(tmp_path, create=False)
    assert ids(search(reader, make_query("flood", mode="embedding", limit=1))) == ["flood"]
    assert index.is_file() and json.loads(meta.read_text())["size"] == 4
    reader.close()
    meta.write_text(json.dumps(dict(json.loads(meta.read_text()), generation=0)))  # of an older write: not trusted
    reader = Archive(tmp_path, create=False)
    reader.vector_index()
    assert json.loads(meta.read_text())["generation"] == 1
    reader.close()


def test_a_reader_sees_what_another_writer_added(tmp_path):
    writer, reader = Archive(tmp_path), None
    writer.add([result("rice", RICE)])
    reader = Archive(tmp_path, create=False)
    assert ids(search(reader, make_query("semiconductor factory", mode="embedding", limit=1))) == ["rice"]
    writer.add([result("chips", CHIPS)])  # kabar watch adds while kabar serve searches
    assert ids(search(reader, make_query("semiconductor factory", mode="embedding", limit=1))) == ["chips"]
    assert len(reader.vector_index()) == 4


def test_filtered_search_through_the_index_equals_the_exact_one(filled, monkeypatch):
    q = make_query("flood houses Bekasi", mode="embedding", outlet="TEMPO.CO", group=False)
    exact = ids(search(filled, q))
    monkeypatch.setattr(search_module, "EXACT_BELOW", 0)  # as in an archive too large to scan: usearch, then filter
    assert ids(search(filled, q)) == exact == ["flood-tempo", "chips"]


# -- search -----------------------------------------------------------------------------------------
def test_an_english_query_finds_the_indonesian_article_by_meaning(filled):
    hits = search(filled, make_query("price of rice in the market", mode="embedding", limit=1))
    assert ids(hits) == ["rice"] and hits[0].keyword_rank is None and hits[0].similarity > 0.7
    assert hits[0].sentence_src in RICE  # the summary sentence closest to the query


def test_the_keyword_weight_is_the_squared_share_of_query_words_the_archive_holds(filled):
    assert search_module.keyword_weight(filled, ["banjir", "bekasi"]) == 1.0
    assert search_module.keyword_weight(filled, ["banjir", "zebra"]) == 0.25  # one of two words
    assert search_module.keyword_weight(filled, ["zebra", "giraffe"]) == 0.0
    assert search_module.keyword_weight(filled, []) == 0.0
    assert search_module.fuse([(1, 9.0), (2, 8.0)], [(2, 0.9), (1, 0.8)], weights=(0.5, 1.0))[0][0] == 2
    assert search_module.fuse([(1, 9.0), (2, 8.0)], [(2, 0.9), (1, 0.8)])[0][0] == 1  # a tie: the lower rowid


def test_hybrid_trusts_meaning_when_only_a_name_of_an_english_query_matches_untranslated_text(tmp_path):
    # untranslated Indonesian articles and an English query: keywords match only the place name, and rank the
    # market story (Bekasi four times, short) above the flood; meaning ranks the flood first
    archive = Archive(tmp_path)
    market = ("Bekasi membuka pasar baru di Bekasi Timur.", "Pedagang Bekasi dan warga Bekasi menyambutnya.")
    archive.add([result("market", market, (), summary=(0,)), result("flood", FLOOD, (), summary=(0,))])
    q = make_query("floods inundated houses in Bekasi", group=False)
    keyword = ids(search(archive, make_query(q.text, mode="keyword", group=False)))
    meaning = ids(search(archive, make_query(q.text, mode="embedding", group=False)))
    assert keyword == ["market", "flood"] and meaning[0] == "flood"
    assert search_module.keyword_weight(archive, search_module.keyword_terms(q.text)) < 0.5
    assert ids(search(archive, q))[0] == "flood"  # plain RRF would tie them, and the market (added first) win
    archive.close()


def test_keyword_search_matches_english_and_indonesian_text(filled):
    both = {"flood-antara", "flood-tempo"}  # the sentence is in both reports
    assert set(ids(search(filled, make_query("perahu karet", mode="keyword", group=False)))) == both
    [hit] = search(filled, make_query("rubber boats", mode="keyword"))  # one story: its best-ranked report
    assert hit.id in both and hit.highlight == ("The regional disaster management agency sent "
                                                "<mark>rubber</mark> <mark>boats</mark> and public kitchens.")
    assert hit.sentence_src == FLOOD[2] and hit.highlight_src == FLOOD[2]  # no Indonesian word of the query


def test_a_story_is_listed_once_with_its_other_reports(filled):
    [hit, *_] = search(filled, make_query("banjir Bekasi"))
    assert hit.reports == 2 and set(hit.outlets) == {"ANTARA", "tempo.co"}
    assert {hit.id, *hit.also} == {"flood-antara", "flood-tempo"}
    top = ids(search(filled, make_query("banjir Bekasi")))
    assert len([i for i in top if i.startswith("flood")]) == 1
    every = ids(search(filled, make_query("banjir Bekasi", group=False)))
    assert {"flood-antara", "flood-tempo"} <= set(every[:2])


def test_date_and_outlet_filters(filled):
    assert ids(search(filled, make_query("pabrik", date_to="2026-10-31"))) == ["chips"]
    found = ids(search(filled, make_query("pabrik", date_from="2026-11-01", group=False)))
    assert "chips" not in found and found
    assert set(ids(search(filled, make_query("Bekasi", outlet="Tempo.co", group=False)))) <= {"flood-tempo", "chips"}
    assert search(filled, make_query("Bekasi", outlet="no such outlet")) == []


def test_query_operators_are_words_not_syntax(filled):
    for text in ('banjir" OR "beras', "NEAR(banjir beras)", "banjir*", "title:banjir", "-banjir", "(((", '"', "'"):
        search(filled, make_query(text, mode="keyword"))  # no FTS5 syntax error reaches the user
    assert search(filled, make_query("* ? !", mode="keyword")) == []
    assert search(filled, make_query("* ? !", mode="hybrid"))  # no word to match: meaning alone ranks


@pytest.mark.parametrize(("options", "message"), [
    ({"text": "  "}, "empty"), ({"text": "x" * 501}, "501 characters; the limit is 500"),
    ({"text": "a", "mode": "fuzzy"}, "not a search mode"), ({"text": "a", "limit": 0}, "1 to 100"),
    ({"text": "a", "limit": 101}, "1 to 100"), ({"text": "a", "date_from": "kemarin"}, "YYYY-MM-DD"),
    ({"text": "a", "date_from": "2026-12-02", "date_to": "2026-12-01"}, "after the to date"),
    ({"text": "a", "outlet": "o" * 101}, "the limit is 100")])
def test_bad_queries_get_clear_errors(options, message):
    with pytest.raises(SearchError, match=message):
        make_query(**options)


def test_many_terms_are_capped():
    words = " ".join(f"kata{i}" for i in range(200))
    assert len(search_module.keyword_terms(words)) == search_module.MAX_QUERY_TERMS
    assert search_module.keyword_terms("the flood in the city") == ["flood", "city"]
    assert search_module.keyword_terms("the of") == ["the", "of"]  # only stop words: they are searched


# -- kabar run / kabar search -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_out(seeds_dir, tiny_marian, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", str(seeds_dir), str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian),
                 "--quiet"]) == 0
    return out


def _search_json(capsys, *argv):
    capsys.readouterr()
    assert main(["search", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_kabar_run_builds_the_archive_and_kabar_search_reads_it(run_out, capsys):
    hits = _search_json(capsys, "banjir Jakarta", "--archive", str(run_out))
    assert hits[0]["id"] == "banjir-jakarta" and {"id", "title", "score", "sentence"} <= set(hits[0])
    assert "<mark>banjir</mark>" in hits[0]["highlight_src"].lower()
    # the two ANTARA reports of BMW and Alibaba's innovation base (seeds 002 and 004) are one story
    [story] = [h for h in _search_json(capsys, "BMW Alibaba inovasi", "--archive", str(run_out)) if h["reports"] > 1]
    assert sorted([story["id"], *story["also"]]) == ["002_42fce3e9fbddbd0d", "004_274a1fe8dac60a81"]
    every = _search_json(capsys, "BMW Alibaba inovasi", "--archive", str(run_out), "--all-reports")
    assert {"002_42fce3e9fbddbd0d", "004_274a1fe8dac60a81"} <= {h["id"] for h in every}
    assert main(["search", "banjir", "--archive", str(run_out)]) == 0
    listing = capsys.readouterr().out
    results = [json.loads(line) for line in (run_out / "results.jsonl").read_text().splitlines()]
    flood = next(r for r in results if r["id"] == "banjir-jakarta")
    assert flood["title_source"] == "Banjir rendam ratusan rumah di Jakarta Timur"
    assert listing.startswith(f"1. {flood['title']}")  # the English headline (random here: the tiny model)
    assert flood["title"] != flood["title_source"] and flood["title_origin"] == "machine"


def test_a_second_run_embeds_nothing_again(run_out, seeds_dir, tiny_marian):
    before = shared_embedder().texts
    assert main(["run", str(seeds_dir), str(EXAMPLES), "--out", str(run_out), "--model", str(tiny_marian), "--quiet",
                 "--force"]) == 0
    assert shared_embedder().texts == before


def test_close_adds_what_a_killed_run_left_out_of_the_archive(seeds_dir, tiny_marian, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(seeds_dir), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    for name in ("archive.sqlite", "archive.usearch", "archive.usearch.json"):
        (out / name).unlink()
    assert main(["run", str(seeds_dir), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0  # all done
    assert len(_search_json(capsys, "BMW", "--archive", str(out), "--all-reports", "--mode", "keyword")) >= 3


def test_an_archive_failure_costs_no_result(seeds_dir, tiny_marian, tmp_path, monkeypatch, caplog):
    def broken(self, results, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Archive, "add", broken)
    out = tmp_path / "out"
    assert main(["run", str(seeds_dir), "--out", str(out), "--model", str(tiny_marian), "--quiet"]) == 0
    assert len((out / "results.jsonl").read_text().splitlines()) == 5
    assert "not added to the search archive (disk I/O error)" in caplog.text


def test_no_archive_option(tmp_path, tiny_marian):
    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES), "--out", str(out), "--model", str(tiny_marian), "--quiet", "--no-archive"]) == 0
    assert not (out / "archive.sqlite").exists() and (out / "results.jsonl").is_file()


def test_kabar_search_errors(tmp_path, capsys):
    assert main(["search", "banjir", "--archive", str(tmp_path)]) == 2
    assert "no archive there" in capsys.readouterr().err
    assert main(["search", "x" * 600, "--archive", str(tmp_path)]) == 2
    assert "the limit is 500" in capsys.readouterr().err
    assert main(["search", "banjir", "--archive", str(tmp_path), "--from", "2026-13-40"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_index_html_groups_the_reports_of_a_story(run_out):
    page = (run_out / "index.html").read_text(encoding="utf-8")
    assert page.count('<li class="story">') == 1 and "2 reports: ANTARA" in page
    story = page[page.index('<li class="story">'):]
    story = story[:story.index("</ul></li>")]
    assert story.count("<a href=") == 2  # both reports, under one entry


def test_summary_vector_is_the_mean_of_its_sentences(tmp_path):
    archive = Archive(tmp_path)
    archive.add([result("flood", FLOOD, summary=(0, 2))])
    article, summary, sentences = archive.db.execute("SELECT article, summary, sentences FROM vectors").fetchone()
    rows = archive_module.vectors_of(sentences)
    mean = rows.mean(axis=0)
    assert rows.shape == (2, archive_module.DIM)
    assert np.allclose(archive_module.vectors_of(summary)[0], mean / np.linalg.norm(mean), atol=2e-3)


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=0, max_size=80), mode=st.sampled_from(search_module.MODES))
def test_any_query_is_searched_or_refused_clearly(filled, text, mode):
    try:
        q = make_query(text, mode=mode)
    except SearchError:
        return
    for hit in search(filled, q):
        assert "<" not in hit.highlight.replace("<mark>", "").replace("</mark>", "")


def test_the_story_scan_reads_the_window_from_an_index_not_the_article_rows(filled, tmp_path):
    # an archive made before the (day, story) index gains it when next opened to write; the scan then never reads
    # the article rows (which hold the whole text, so reading them for the story doubled its cost at 100k articles)
    old = tmp_path / "old"
    Archive(old).close()
    db = sqlite3.connect(old / "archive.sqlite")
    db.execute("DROP INDEX articles_day_story")
    db.execute("CREATE INDEX articles_day ON articles(day)")
    db.close()
    Archive(old).close()  # a writer (kabar run/watch) migrates; readers change nothing
    for where in (filled.path.parent, old):
        a = Archive(where, create=False)
        plan = " | ".join(row[-1] for row in a.db.execute("EXPLAIN QUERY PLAN " + archive_module.STORY_SCAN, (1, 9)))
        names = {row[0] for row in a.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        a.close()
        assert "COVERING INDEX articles_day_story" in plan, plan
        assert "articles_day" not in names


def test_a_search_with_no_hit_names_its_filters_and_the_outlets(filled, capsys):
    assert main(["search", "banjir", "--archive", str(filled.path.parent), "--outlet", "Nowhere Daily",
                 "--from", "2026-11-01"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("no article matches 'banjir' with --from 2026-11-01 --outlet 'Nowhere Daily' (outlets in "
                          "this archive: ")
    assert "ANTARA" in err and "tempo.co" in err.lower()


@pytest.mark.parametrize(("undated", "found"), [(False, False), (True, True)])
def test_an_undated_article_is_left_out_of_date_filters_unless_asked(tmp_path, undated, found):
    archive = Archive(tmp_path)
    archive.add([result("undated", FLOOD, FLOOD_EN, date=None)], today=20_000)  # filed under the run's day
    q = make_query("flood Bekasi", mode="keyword", date_from="1970-01-01", undated=undated)
    assert ids(search(archive, q)) == (["undated"] if found else [])
    [hit] = search(archive, make_query("flood Bekasi", mode="keyword"))
    assert hit.date is None  # shown as undated, not as the run's day


@pytest.mark.parametrize(("date_from", "date_to", "found"), [
    ("2026-10-15", None, True),  # --from on the article's own day: included
    ("2026-10-16", None, False),  # the day after: not
    (None, "2026-10-15", True),  # --to on its own day: included
    (None, "2026-10-14", False),  # the day before: not
    ("2026-10-15", "2026-10-15", True),  # a one-day period
])
def test_date_filters_include_both_boundary_days(filled, date_from, date_to, found):
    hits = ids(search(filled, make_query("pabrik semikonduktor", mode="keyword", date_from=date_from,
                                         date_to=date_to, group=False)))
    assert ("chips" in hits) is found


def test_rank_fusion_is_cormacks_rrf_with_k_60_and_weights():
    """The fused score of a row is the sum over lists of weight / (60 + its place, from 1): a row first in one list
    and third in the other beats a row second in both only by that formula's numbers."""
    from kabar.search import fuse

    keyword = [(1, 9.0), (2, 5.0), (3, 1.0)]
    meaning = [(3, 0.9), (2, 0.8), (1, 0.1)]
    fused = dict(fuse(keyword, meaning))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 63) and fused[2] == pytest.approx(2 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    weighted = fuse(keyword, meaning, weights=(0.25, 1.0))
    assert weighted[0] == (3, pytest.approx(0.25 / 63 + 1 / 61))
    assert [rowid for rowid, _ in weighted] == [3, 2, 1]
    assert fuse([(5, 1.0)], [(5, 1.0)]) == [(5, pytest.approx(2 / 61))]


def test_a_report_added_out_of_date_order_joins_the_later_story(tmp_path):
    """The story window looks both ways: a report dated before the articles already archived (a late-arriving
    feed item) joins their story when it is within the window, and not when it is outside."""
    archive = Archive(tmp_path)
    days = archive_module.STORY_WINDOW_DAYS
    archive.add([result("later", FLOOD, date="2026-11-20")])
    archive.add([result("earlier", FLOOD, date=f"2026-11-{20 - days:02d}")])  # on the window's edge: in
    archive.add([result("too-early", FLOOD, date=f"2026-11-{20 - days - 1 - days:02d}")])  # out of reach of both
    stories = archive.stories(["later", "earlier", "too-early"])
    assert stories["earlier"].key == stories["later"].key != stories["too-early"].key
