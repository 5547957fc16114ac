"""Quality from corrections (issue 39): known machine/corrected pairs and uncorrected sentences in a real memory
file, and every number of ``kabar eval postedits`` checked against sacrebleu or counted by hand."""
from __future__ import annotations

import json
import sqlite3

import pytest
import sacrebleu

from eval.postedits import check_period, collect, report, spearman
from kabar.cli import main
from translate.memory import TranslationMemory

A, B = "opus-mt-id-en (ct2)", "nllb-200-distilled-600M (ct2)"
# (source, machine English, model, checks, qe, qe_low, outlet, day)
ROWS = [
    ("Harga beras naik lima persen.", "The price of rice rose five percent.", A, [], 0.91, False, "ANTARA", "2026-11-30"),
    ("Presiden meresmikan jembatan baru.", "The president inaugurated the new bridge.", A, [], 0.88, False,
     "ANTARA", "2026-11-30"),
    ("Banjir merendam 300 rumah.", "Floods submerged 30 houses.", A, ["numbers"], 0.52, True, "ANTARA", "2026-12-01"),
    ("Pak Joko pergi ke Bandung.", "Mr. Jack went to Bandung.", A, ["names"], 0.61, True, "Tempo", "2026-12-01"),
    ("Warga mengungsi ke masjid.", "Residents evacuated to the mosque.", A, ["length"], 0.85, False, "Tempo",
     "2026-12-07"),
    ("Gempa terasa di Cianjur.", "The earthquake was felt in Cianjur earthquake earthquake.", A, ["repetition"],
     0.40, True, "Tempo", "2026-12-07"),
    ("Harga beras naik lima persen.", "Rice prices rose by five percent.", B, [], 0.93, False, "ANTARA",
     "2026-12-07"),
    ("Banjir merendam 300 rumah.", "Floods inundated 300 homes.", B, [], 0.90, False, "ANTARA", "2026-12-07"),
    ("Pak Joko pergi ke Bandung.", "Mr. Joko went to Bandung.", B, [], 0.89, False, "Tempo", "2026-12-08"),
]
# the editors' English (the machine's it replaced is A's)
CORRECTIONS = {
    "Banjir merendam 300 rumah.": ("Floods submerged 300 houses.", "sari"),
    "Pak Joko pergi ke Bandung.": ("Mr. Joko went to Bandung.", "budi"),
    "Gempa terasa di Cianjur.": ("The earthquake was felt in Cianjur.", "sari"),
    # saved unchanged: not a correction of A's sentence
    "Presiden meresmikan jembatan baru.": ("The president inaugurated the new bridge.", "sari"),
}


def _memory(path) -> TranslationMemory:
    memory = TranslationMemory(path)
    by_day: dict[str, list] = {}
    for source, machine, model, checks, qe, low, outlet, day in ROWS:
        by_day.setdefault(day, []).append({"source": source, "machine": machine, "model": model, "article": day,
                                           "outlet": outlet, "date": day, "checks": checks, "qe": qe, "qe_low": low})
    for day, rows in by_day.items():
        assert memory.record(rows, at=f"{day}T09:00:00Z") == len(rows)
    machine_a = {s: m for s, m, model, *_ in ROWS if model == A}
    for source, (english, editor) in CORRECTIONS.items():
        memory.add(source, english, machine=machine_a[source], editor=editor)
    memory.add("Kalimat impor.", "An imported sentence.", origin="import")  # not an editor's verdict on Kabar
    return memory


@pytest.fixture
def memory(tmp_path):
    m = _memory(tmp_path / "tm.sqlite")
    yield m
    m.close()


def _pairs(model=None):
    """(machine, post-edit) of the corrected sentences, by hand."""
    out = []
    for source, machine, m, *_ in ROWS:
        if source in CORRECTIONS and (model is None or m == model) and CORRECTIONS[source][0] != machine:
            out.append((machine, CORRECTIONS[source][0]))
    return out


def test_corpus_hter_share_and_chrf_are_sacrebleus_on_the_same_pairs(memory):
    result = report(collect(memory), n_bootstrap=100)
    pairs = _pairs()
    # A's flood, Joko, quake sentences; B's flood (its English differs from the edit); B's Joko equals the edit
    assert len(pairs) == 4 and result["corrected"] == 4 and result["sentences"] == len(ROWS)
    assert result["share_corrected"] == pytest.approx(4 / 9)
    hyps, refs = [m for m, _ in pairs], [r for _, r in pairs]
    assert result["hter"]["score"] == pytest.approx(sacrebleu.corpus_ter(hyps, [refs]).score, abs=0.01)
    assert result["chrf"]["score"] == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score, abs=0.01)
    lo, hi = result["hter"]["ci"]
    assert lo <= result["hter"]["score"] <= hi and "version" in result["hter"]["signature"]
    everything = [(m, CORRECTIONS[s][0] if s in CORRECTIONS else m) for s, m, *_ in ROWS]
    assert result["hter_all"]["score"] == pytest.approx(
        sacrebleu.corpus_ter([m for m, _ in everything], [[r for _, r in everything]]).score, abs=0.01)
    by_model = {g["model"]: g for g in result["by_model"]}
    assert (by_model[A]["sentences"], by_model[A]["corrected"]) == (6, 3)
    assert (by_model[B]["sentences"], by_model[B]["corrected"]) == (3, 1)
    a_pairs = _pairs(A)
    assert by_model[A]["hter"]["score"] == pytest.approx(
        sacrebleu.corpus_ter([m for m, _ in a_pairs], [[r for _, r in a_pairs]]).score, abs=0.01)
    editors = {e["editor"]: e["corrected"] for e in result["by_editor"]}
    assert editors == {"sari": 3, "budi": 1}  # sari: A's flood and quake, B's flood; budi: A's Joko
    weeks = {w["week"]: w["sentences"] for w in result["by_week"]}
    assert weeks == {"2026-W49": 4, "2026-W50": 5}  # ISO weeks: Mon 30 Nov to Sun 6 Dec is 49, Mon 7 Dec starts 50


def test_each_warnings_precision_and_recall_counted_by_hand(memory):
    rows = {w["warning"]: w for w in report(collect(memory), n_bootstrap=0)["warnings"]}
    corrected = 4
    # numbers: A's flood (corrected) -> 1/1; names: A's Joko (corrected); length: A's evacuation (not corrected);
    # repetition: A's quake (corrected); qe-low: A's flood, Joko, quake (all corrected)
    expected = {"numbers": (1, 1), "names": (1, 1), "length": (1, 0), "repetition": (1, 1), "untranslated": (0, 0),
                "qe-low": (3, 3), "any warning": (4, 3)}
    for name, (flagged, hits) in expected.items():
        row = rows[name]
        assert (row["flagged"], row["flagged_and_corrected"]) == (flagged, hits), name
        assert row["precision"] == (hits / flagged if flagged else None), name
        assert row["recall"] == pytest.approx(hits / corrected), name


def test_qe_correlates_negatively_with_hter_here(memory):
    result = report(collect(memory), n_bootstrap=0)
    assert result["qe_vs_hter"]["sentences"] == 9
    assert result["qe_vs_hter"]["spearman"] < -0.5


@pytest.mark.parametrize(("xs", "ys", "rho"), [
    ([1, 2, 3, 4], [10, 20, 30, 40], 1.0),
    ([1, 2, 3, 4], [4, 3, 2, 1], -1.0),
    ([1, 2, 2, 3], [1, 2, 3, 4], 0.9486832980505138),  # ties get their mean rank (scipy's value)
    ([1, 1, 1], [1, 2, 3], None),  # a constant side
    ([1, 2], [1, 2], None),  # too few
])
def test_spearman(xs, ys, rho):
    got = spearman(xs, ys)
    assert got == (None if rho is None else pytest.approx(rho))


def test_the_period_includes_both_days_and_filters_the_rest(memory):
    assert len(collect(memory, "2026-12-01", "2026-12-01")) == 2
    assert len(collect(memory, "2026-11-30", "2026-12-07")) == 8
    assert len(collect(memory, "2026-12-08", None)) == 1
    assert len(collect(memory, None, "2026-11-29")) == 0


@pytest.mark.parametrize("bad", ["20261201", "2026-W49-1", "2026-13-01", "2026-02-30", "yesterday", "２０２６-12-01"])
def test_a_period_must_be_real_dates_written_yyyy_mm_dd(bad):
    from news.errors import ConfigError

    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        check_period(bad, None)
    with pytest.raises(ConfigError, match="after"):
        check_period("2026-12-02", "2026-12-01")
    assert check_period("2026-12-01", "2026-12-01") == ("2026-12-01", "2026-12-01")


def test_two_models_compared_with_the_paired_test(memory):
    result = report(collect(memory), n_bootstrap=50, compare=(A, B))["comparison"]
    # corrected sentences both translated: the flood and Joko sentences
    assert result["sentences"] == 2
    refs = ["Floods submerged 300 houses.", "Mr. Joko went to Bandung."]
    a = ["Floods submerged 30 houses.", "Mr. Jack went to Bandung."]
    b = ["Floods inundated 300 homes.", "Mr. Joko went to Bandung."]
    assert result[A]["hter"]["score"] == pytest.approx(sacrebleu.corpus_ter(a, [refs]).score, abs=0.01)
    assert result[B]["hter"]["score"] == pytest.approx(sacrebleu.corpus_ter(b, [refs]).score, abs=0.01)
    assert 0 <= result["p_values"]["ter"] <= 1 and "ter:" in result["verdict"]
    from news.errors import ConfigError

    with pytest.raises(ConfigError, match="no sentence of the period"):
        report(collect(memory), n_bootstrap=0, compare=(A, "no-such-model"))


def test_recording_is_once_per_sentence_article_and_model_and_bounded(tmp_path, monkeypatch):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    row = {"source": "Harga naik.", "machine": "Prices rise.", "model": A, "article": "a1", "outlet": None,
           "date": None, "checks": [], "qe": None, "qe_low": False}
    assert memory.record([row]) == 1
    assert memory.record([row]) == 0  # the same article again (a rerun): recorded once
    assert memory.record([dict(row, article="a2")]) == 1
    assert memory.record([dict(row, source="x" * 2001)]) == 0  # longer than a memory sentence: never corrected
    memory.max_translated = 3
    assert memory.record([dict(row, article=f"b{k}") for k in range(4)], at="2026-12-08T10:00:00Z") == 4
    with sqlite3.connect(tmp_path / "tm.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM translated").fetchone()[0] == 3  # the oldest went first
        kept = {a for (a,) in conn.execute("SELECT article FROM translated")}
    assert kept == {"b1", "b2", "b3"}
    assert memory.prune_translated("2026-12-08") == 0  # before that day: nothing left
    assert memory.prune_translated("2026-12-09") == 3
    memory.close()


def test_kabar_eval_postedits_json_table_and_report(tmp_path, capsys):
    _memory(tmp_path / "tm.sqlite").close()
    tm = str(tmp_path / "tm.sqlite")
    assert main(["eval", "postedits", "--tm", tm, "--json", "--bootstrap", "50"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["corrected"] == 4 and data["sentences"] == 9
    assert main(["eval", "postedits", "--tm", tm, "--from", "2026-12-07", "--to", "2026-12-08", "--bootstrap", "0",
                 "--compare", A, B, "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert "share corrected" in out and "precision" in out and "sentences both translated" in out
    files = sorted(p.name for p in (tmp_path / "report").iterdir())
    assert files == ["hter_weekly.png", "postedits.json", "report.html", "report.md", "warnings.png"]
    assert json.loads((tmp_path / "report" / "postedits.json").read_text())["sentences"] == 5  # 7 and 8 Dec
    assert main(["eval", "postedits", "--tm", tm, "--from", "2026-12-01x"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["eval", "postedits", "--tm", str(tmp_path / "none.sqlite")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_kabar_tm_prune_recorded_keeps_the_corrections(tmp_path, capsys):
    _memory(tmp_path / "tm.sqlite").close()
    tm = str(tmp_path / "tm.sqlite")
    assert main(["tm", "prune-recorded", "--before", "2026-12-07", "--tm", tm]) == 0
    assert "forgot 4 recorded sentences" in capsys.readouterr().err
    memory = TranslationMemory(tm, readonly=True)
    assert len(list(memory.translated())) == 5 and len(memory) == 5  # 4 corrections and the import stay
    memory.close()
    assert main(["tm", "prune-recorded", "--before", "7 Dec", "--tm", tm]) == 2
    assert "--before '7 Dec' is not a date" in capsys.readouterr().err


def test_kabar_run_records_what_it_translates_once_and_not_with_no_record(tiny_marian, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "beras.txt").write_text("Harga beras naik lima persen. Pedagang mengeluhkan pasokan.\n\nWarga antre.",
                                      encoding="utf-8")
    tm = tmp_path / "tm.sqlite"
    command = ["run", str(inputs), "--out", str(tmp_path / "out"), "--model", str(tiny_marian), "--tm", str(tm),
               "--cache", str(tmp_path / "cache"), "--quiet"]
    assert main(command) == 0
    result = json.loads((tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    machine = [s for s, o in zip(result["sentences"], result["origin"]) if o == "machine"]
    memory = TranslationMemory(tm, readonly=True)
    rows = list(memory.translated())
    assert sorted(r["key"] for r in rows) == sorted(machine) and len(machine) == 3
    assert {r["article"] for r in rows} == {"beras"} and rows[0]["model"].endswith("(ct2)")
    memory.close()
    assert main(command) == 0  # a rerun (the article cache answers): nothing recorded twice
    memory = TranslationMemory(tm, readonly=True)
    assert len(list(memory.translated())) == 3
    memory.close()
    other = tmp_path / "tm2.sqlite"
    assert main([*command[:7], str(other), "--cache", str(tmp_path / "cache2"), "--quiet", "--no-record"]) == 0
    memory = TranslationMemory(other, readonly=True)
    assert list(memory.translated()) == []
    memory.close()


def test_per_sentence_hter_and_chrf_are_sacrebleus_and_most_edited_come_first(memory):
    result = report(collect(memory), n_bootstrap=0)
    edited = result["corrected_sentences"]
    assert len(edited) == 4 and [e["hter"] for e in edited] == sorted((e["hter"] for e in edited), reverse=True)
    for e in edited:
        assert e["hter"] == pytest.approx(sacrebleu.sentence_ter(e["machine"], [e["post_edit"]]).score)
        assert e["chrf"] == pytest.approx(sacrebleu.sentence_chrf(e["machine"], [e["post_edit"]]).score)
    quake = next(e for e in edited if e["source"] == "Gempa terasa di Cianjur.")
    assert quake["warnings"] == ["qe-low", "repetition"] and quake["editor"] == "sari"


def test_an_imported_entry_is_not_a_verdict_on_kabars_english(tmp_path):
    """A TMX/TSV import holds someone's English for a sentence Kabar also translated: that sentence is not counted
    as corrected (nobody corrected Kabar's output); the same sentence corrected by an editor is."""
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    row = {"model": A, "article": "a", "checks": [], "qe": None, "qe_low": False}
    memory.record([{**row, "source": "Kalimat impor.", "machine": "Import sentence."},
                   {**row, "source": "Kalimat koreksi.", "machine": "Correct sentence."}])
    memory.add("Kalimat impor.", "An imported sentence.", origin="import")
    memory.add("Kalimat koreksi.", "A corrected sentence.", origin="correction")
    result = report(collect(memory), n_bootstrap=0)
    assert (result["sentences"], result["corrected"]) == (2, 1)
    assert [e["source"] for e in result["corrected_sentences"]] == ["Kalimat koreksi."]
    memory.add("Kalimat impor.", "A suggested sentence.", origin="suggestion")  # a suggestion is a verdict
    assert report(collect(memory), n_bootstrap=0)["corrected"] == 2
    memory.close()
