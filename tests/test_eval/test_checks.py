"""Translation checks: the conventions they understand, what they flag, loop repair, the CLI and the benchmark."""
import json

import pytest

from eval import checks
from eval.checks import check, check_pairs
from tests.conftest import DATA, need_shared


def _checks(src, hyp):
    return {f.check for f in check(src, hyp)}


@pytest.mark.parametrize(("src", "hyp"), [
    ("Nilainya Rp1,8 triliun.", "The value is Rp1.8 trillion."),
    ("Nilainya Rp1,8 triliun.", "The value is IDR 1.8 trillion."),
    ("Sebanyak 5.000 warga mengungsi.", "As many as 5,000 residents fled."),
    ("Ekspor mencapai 120 ribu ton.", "Exports reached 120,000 tons."),
    ("Ekspor mencapai 120 ribu ton.", "Exports reached 120 thousand tons."),
    ("Dana Rp3,5 miliar disiapkan.", "Funds of Rp3.5 billion were prepared."),
    ("Harga naik 2,5 persen.", "Prices rose 2.5%."),
    ("Gaji naik 10 juta rupiah.", "Salaries rose by 10 million rupiah."),
    ("Rapat digelar Kamis (13/3).", "The meeting was held on Thursday (March 13)."),
    ("Rapat digelar Kamis (13/3).", "The meeting was held on Thursday (13/3)."),
    ("Pemain berusia 24 tahun itu menang.", "The twenty-four-year-old player won."),
    ("Ada 3 kapal.", "There are three ships."),
    ("Penelitian terhadap hampir 37 ribu pria.", "A study of nearly thirty-seven thousand men."),  # text2num
    ("Kapal dengan 1.000 penumpang.", "A ship with a thousand passengers."),
    ("Polisi menemukan 350 kilogram.", "Police found three-hundred and fifty kilograms."),
    ("Nilainya lebih dari US$370 juta.", "It is worth more than $370m."),
    ("Toko buka pukul 16.00 hingga 21.30.", "The shop opens from 4 PM to 9:30 p.m."),
    ("Sampah diangkat pukul 08.00 sampai 09.30.", "Waste is collected from 8 AM to 9.30 AM."),
    ("Kerugian naik menjadi US$6,4 miliar.", "Losses rose to six-point-four billion dollars."),
    ("Sekitar 6,5 juta orang bermain.", "Some six-and-a-half-million people play."),
    ("Populasi turun menjadi sekitar 2.500 ekor.", "Numbers fell to about two and a half thousand."),
])
def test_numbers_across_conventions_pass(src, hyp):
    assert "numbers" not in _checks(src, hyp)


@pytest.mark.parametrize(("src", "hyp", "named"), [
    ("Nilainya Rp1,8 triliun.", "The value is 1.8 billion rupiah.", "1,8 triliun"),
    ("Sebanyak 5.000 warga mengungsi.", "As many as 500 residents fled.", "5.000"),
    ("Harga naik 2,5 persen.", "Prices rose sharply.", "2,5"),
    ("Rapat digelar Kamis (13/3).", "The meeting was held on Thursday (March 14).", "13/3"),
    ("Toko buka pukul 16.00.", "The shop opens at 5 p.m.", "16.00"),
    ("Penelitian terhadap hampir 37 ribu pria.", "A study of nearly thirty-six thousand men.", "37 ribu"),
    ("Sekitar 6,5 juta orang bermain.", "Some six-and-a-half people play.", "6,5 juta"),  # the scale is lost
    ("Kerugian naik menjadi US$6,4 miliar.", "Losses rose to six-point-five billion dollars.", "6,4 miliar"),
])
def test_changed_or_dropped_numbers_are_flagged(src, hyp, named):
    flags = [f for f in check(src, hyp) if f.check == "numbers"]
    assert flags and named in flags[0].reason


def test_untranslated_repetition_names_length():
    src = "Pemerintah daerah menyiapkan gudang tambahan agar gabah bisa disimpan lebih lama di Karawang."
    assert "untranslated" in _checks(src, src)
    assert _checks(src, "The local government is preparing extra warehouses so grain can be stored longer in "
                        "Karawang.") == set()
    assert "repetition" in _checks(src, "The government is preparing the the the the warehouses in Karawang.")
    assert "repetition" in _checks(src, "The government prepares warehouses in Karawang in Karawang in Karawang.")
    assert "repetition" in _checks(src, "The government ntntntntntntntnt warehouses in Karawang.")
    assert "names" in _checks(src, "The local government is preparing extra warehouses so grain can be stored "
                                   "longer.")
    assert "length" in _checks(src, "The government.")
    assert "names" not in _checks("Menteri Keuangan berbicara di Roma, Italia.", "The finance minister spoke in "
                                                                              "Rome, Italy.")
    assert check("Satu dua tiga empat lima.", "") == [checks.Flag("length", "the English is empty: the sentence "
                                                                           "was not translated")]


@pytest.mark.parametrize(("src", "hyp"), [
    ("Ekspor ke Jepang naik tajam.", "Exports to Japan rose sharply."),  # CLDR: Jepang is Japan
    ("Produk buatan Jepang laris di sini.", "Japanese products sell well here."),
    ("Serangan di dekat perbatasan Afghanistan menewaskan dua orang.", "An attack near the Afghan border killed two."),
    ("Kantor berita China melaporkan pembajakan itu.", "The Chinese news agency reported the hijacking."),
    ("Wartawan BBC di Gaza mengatakan hal itu.", "The BBC's Gaza correspondent said so."),
    ("Hewan-hewan itu dirawat di Pusat Kesehatan Hewan dan Ikan (PKHI) di Ragunan kemarin.",
     "The animals were treated at the Animal and Fish Health Center in Ragunan yesterday."),  # bracketed acronym
    ("Hal itu dikatakan Deputi Gubernur Bidang Budaya dan Pariwisata Sukesti Martono.",
     "It was said by Deputy Governor for Culture and Tourism Sukesti Martono."),  # title words, not names
    ("Banjir melanda Jakarta Selatan kemarin.", "Floods hit South Jakarta yesterday."),
    ("Saluran ditemukan di kota-kota Kreta dan Santorini.", "Sewers were found in the cities of Crete and "
                                                            "Santorini."),  # the same consonants: k-r-t
    ("Pakaian dipengaruhi budaya Bizantium di timur.", "Dress was influenced by the Byzantine culture in the east."),
    ("Prangko karya David KlÃ¶cker itu terkenal.", "The stamp by David Klöcker is famous."),  # mojibake source
    ("Gua di utara kota Mekah itu terpencil.", "The cave north of Mecca is isolated."),  # m-k, same length
    ("Alat itu bekerja pada frekuensi 2,4 Ghz saja.", "The device works on the 2.4 gigahertz band only."),  # unit
    ("Negara itu menolak keanggotaan Uni Eropa dan NATO.", "It objected to membership of the EU and NATO."),
    ("Sebaliknya, Amerika Serikat tetap melanjutkan sanksi.", "Instead, the U.S. is continuing sanctions."),
    ("Pekerja tambang Polandia itu diselamatkan kemarin.", "The Polish miners were rescued yesterday."),
    ("Ia menerima tambahan 45 juta dolar Australia.", "He received an extra AUD 45 million."),  # CLDR currency
    ("Pelabuhan itu digunakan oleh orang Fenisia dan Romawi.", "The port was used by the Phoenicians and Romans."),
    ("Ia melanggar Pakta Non-Agresi itu.", "He violated the Non-Aggression Pact."),  # Agresi: aggress-ion
    ("Kongres mendanai Prakarsa Percabulan tahun itu.", "Congress funded the obscenity initiative that year."),
    ("Kami memvaksinasi 2.500 hewan HPR tahun ini.", "We vaccinated 2,500 HPRs this year."),  # an acronym's plural
])
def test_translated_names_and_title_words_pass(src, hyp):
    assert "names" not in _checks(src, hyp)


@pytest.mark.parametrize(("src", "hyp", "named"), [
    ("Delegasi dari Korea Selatan tiba di bandara pagi ini.", "The delegation from the South arrived at the airport "
                                                              "this morning.", "Korea"),
    ("Rapat digelar pada 5 November di Medan.", "The meeting was held on the 5th in Medan.", "November"),
    ("Rapat digelar pada 5 November di Medan.", "The meeting was held on November 5.", "Medan"),  # a city,
    # though "medan" is also a common word (a field): IndoSum writes it capitalised far more often
    ("Ekspor ke Jepang naik tajam.", "Exports rose sharply.", "Jepang"),
    ("Menurut Kurniawan, mata uang itu melemah.", "According to him, the currency weakened.", "Kurniawan"),
    ("Hewan-hewan itu dirawat di Pusat Kesehatan Hewan dan Ikan PKHI di Ragunan kemarin.",
     "The animals were treated at the Animal and Fish Health Center in Ragunan yesterday.", "PKHI"),
    # a sentence dense with names is still a sentence (it ends with a full stop): its names are checked
    ("Walikota Jakarta Utara, Bambang Sugiyono membentuk tim di wilayah Tanah Merah.",
     "North Mayor Bambang Sugiyono forms a team in Tanah Merah.", "Jakarta"),
])
def test_dropped_names_are_flagged(src, hyp, named):
    flags = [f for f in check(src, hyp) if f.check == "names"]
    assert flags and named in flags[0].reason


def test_title_case_headline_skips_its_verbs_but_checks_its_names():
    """Headlines capitalise every word: a title-case verb (Diliburkan) is not a name, the place still is."""
    src = "Terendam Banjir, Siswa SMAN 8 Diliburkan di Lebakbulus"
    assert "names" not in _checks(src, "Flooded, SMAN 8 students in Lebakbulus sent home")
    flags = [f for f in check(src, "Flooded, SMAN 8 students sent home") if f.check == "names"]
    assert flags and "Lebakbulus" in flags[0].reason and "Diliburkan" not in flags[0].reason


def _timed_check(src, hyp):
    """(seconds, flags) of one check() call."""
    import time

    start = time.perf_counter()
    flags = check(src, hyp)
    return time.perf_counter() - start, flags


def _made_up_words(rng, n, consonants, vowels, before="", after=""):
    """n random four-syllable words (consonant + vowel pairs), each wrapped in ``before`` and ``after``."""
    return [before + "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(4)) + after for _ in range(n)]


@pytest.mark.parametrize("english", ["1.{} ab", "twenty-{} ", "a thousand and {} ", "12:00 pm {}", "9.{}am ",
                                     "two-and-a-half-{} ", "one-point-{}-billion "])
def test_checks_stay_linear_on_hostile_input(english):
    def took(n):
        return _timed_check("1," * n + " Aa" * n, "".join(english.format(i % 10) for i in range(n)))[0]

    took(500)
    assert took(16000) < 40 * took(2000) + 0.05


def test_names_check_stays_linear_with_many_names():
    """A 'sentence' of thousands of distinct capitalised names against thousands of English words: the fuzzy
    name match compares a bounded number of names (it was quadratic: 17 s at 26,000 characters)."""
    import random

    rng = random.Random(1)

    def took(n):  # English words share no letter with the names: every name is missing
        names = [w.capitalize() + " dan" for w in _made_up_words(rng, n, "bdgklmnprst", "aiu")]
        return _timed_check("Kata " + " ".join(names) + ".", " ".join(_made_up_words(rng, n, "hjvwxz", "eo")) + ".")

    took(250)
    (small, _), (large, flags) = took(500), took(4000)
    assert "names" in {f.check for f in flags} and large < 40 * small + 0.05


def test_names_check_work_is_bounded_when_every_word_looks_alike():
    """Names and English words with the same first letter all go through the spelling rules (skeletons, endings,
    difflib): the comparison is bounded by MAX_NAMES x MAX_WORDS, so four times the English costs about the same."""
    import random

    rng = random.Random(2)
    src = "Kata " + " ".join(_made_up_words(rng, 60, "bdgklmnprst", "aiu", before="K", after=" dan")) + "."

    def took(n):
        return _timed_check(src, " ".join(_made_up_words(rng, n, "fvxzj", "eo", before="k", after="ion")) + ".")

    took(500)
    (small, _), (large, flags) = took(2000), took(8000)
    assert "names" in {f.check for f in flags} and large < 2 * small + 0.05


def test_audit_estimates_false_flags_from_labelled_pairs(tmp_path):
    """The audit reads hand labels and scales the share of false flags among the still-flagged labelled pairs
    by the check's flag rate; a labelled pair the check no longer flags is left out."""
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    from eval import checkbench

    name = "flores200/devtest"
    pairs = checkbench._pairs([name])
    flagged = [i for i, (s, r) in enumerate(pairs) if "names" in {f.check for f in check(s, r)}]
    clean = next(i for i, (s, r) in enumerate(pairs) if not check(s, r))
    audit = tmp_path / "audit.tsv"
    rows = [f"{name}\t{flagged[0]}\tnames\theld-out\tcheck\tx", f"{name}\t{flagged[1]}\tnames\theld-out\treference\tx",
            f"{name}\t{flagged[2]}\tnames\theld-out\treference\tx",
            f"{name}\t{clean}\tnames\theld-out\tcheck\tno longer flagged",
            f"{name}\t{flagged[3]}\tnames\tdesign-1\treference\ta sample of its own"]
    audit.write_text("# comment\ntestset\tline\tcheck\tsample\tverdict\tnote\n" + "\n".join(rows) + "\n",
                     encoding="utf-8")
    full = checkbench.audit(audit)
    assert full[f"{name}:names:design-1"]["false"] == 0
    report = full[f"{name}:names:held-out"]
    rate = len(flagged) / len(pairs)
    assert (report["audited"], report["still_flagged"], report["false"], report["reference_at_fault"]) == (4, 3, 1, 2)
    assert report["false_flags"] == pytest.approx(rate / 3)
    assert report["interval"][0] < report["false_flags"] < report["interval"][1] <= rate
    assert "| flores200/devtest:names:held-out |" in checkbench.audit_table(full)


def test_shipped_thresholds_are_a_refit(tmp_path, monkeypatch):
    """eval/check_stats.json is exactly what `python -m eval.checkbench fit` writes from the fitting sets (CLDR,
    Sastrawi's dictionary and IndoSum included): a change to the fitting code without a refit shows here."""
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    pytest.importorskip("babel")
    pytest.importorskip("Sastrawi")
    from eval import checkbench

    shipped = json.loads(checks.STATS_FILE.read_text(encoding="utf-8"))
    monkeypatch.setattr(checks, "STATS_FILE", tmp_path / "check_stats.json")
    try:
        refit = checkbench.fit(checkbench._pairs(checkbench.FIT_SETS))
    finally:
        monkeypatch.undo()
        checks.reload_stats()
    assert refit == shipped


def test_shipped_audit_labels_name_flagged_pairs():
    """Every label of eval/check_audit.tsv names a line of its set and a known check and verdict."""
    from eval import checkbench

    rows = [line.split("\t") for line in checkbench.AUDIT_FILE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")][1:]
    assert len(rows) == 200 and all(len(r) == 6 for r in rows)
    assert {r[2] for r in rows} <= set(checks.CHECKS) and {r[4] for r in rows} == {"check", "reference"}
    assert {r[3] for r in rows} == {"design-1", "design-2", "held-out"}
    assert len({(r[0], r[1], r[2]) for r in rows}) == len(rows)  # no pair labelled twice for one check


def test_check_pairs_shape_and_cli(tmp_path, capsys):
    from kabar.cli import main

    (tmp_path / "s.txt").write_text("Harga naik 15 persen.\nPetani panen padi di Karawang.\n", encoding="utf-8")
    (tmp_path / "h.txt").write_text("Prices rose 51 percent.\nFarmers harvest rice in Karawang.\n", encoding="utf-8")
    assert main(["eval", "check", "--src", str(tmp_path / "s.txt"), "--hyp", str(tmp_path / "h.txt"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sentences"] == [{"index": 0, "flags": [{"check": "numbers", "reason": "number 15 of the source "
                                                           "is not in the English (changed or dropped)"}]}]
    assert report["rates"]["numbers"] == 0.5 and report["rates"]["any"] == 0.5
    with pytest.raises(ValueError):
        check_pairs(["a"], ["a", "b"])


def test_loop_repair_with_a_tiny_model(tiny_marian):
    """Tiny random models loop; the pipeline decodes looping sentences again without repeats."""
    from kabar.assemble import make_pipeline
    from news.read import Document

    pipeline = make_pipeline({"model": str(tiny_marian), "no_cache": True})
    text = ("Harga cabai naik 15 persen di Pasar Induk Kramat Jati. Pedagang Joko Santoso mengatakan pasokan "
            "turun. Pemerintah menyiapkan operasi pasar pekan depan.")
    result = pipeline.process(Document("a", "a", text=text))
    first = pipeline.translator.translate(list(result.sentences))  # the first pass, batched as the pipeline does
    looped = {i for i, (s, t) in enumerate(zip(result.sentences, first)) if checks.check_repetition(s, t)}
    assert looped, "the tiny model should loop on at least one sentence"
    assert result.repaired and set(result.repaired) <= looped
    for i in result.repaired:
        assert checks.check_repetition(result.sentences[i], result.translation[i]) is None
        assert all(f["check"] != "repetition" for f in result.checks[i])
    for i in looped - set(result.repaired):  # a repair that still loops keeps the first output and its flag
        assert result.translation[i] == first[i]
        assert any(f["check"] == "repetition" for f in result.checks[i])
    assert len(result.checks) == len(result.sentences)
    # one truth per sentence: the summary line of the UI and of the Markdown page counts what the flags say
    from kabar.writers import loop_summary, still_looping, to_markdown
    from ui.app import status_html

    still = len(looped - set(result.repaired))
    assert still_looping(result) == still
    summary = loop_summary(result)
    assert summary.startswith(f"{len(result.repaired)} sentence(s) looped on the first decoding")
    assert (f"{still} sentence(s) still loop after a second decoding" in summary) == bool(still)
    assert summary in to_markdown(result) and summary in status_html(result)


def test_benchmark_on_held_out_sets():
    """Injected errors on FLORES-200 devtest and the Indonesian news test set (never used to fit)."""
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    from eval import checkbench

    for name in checkbench.TEST_SETS:
        report = checkbench.run(checkbench._pairs([name]))
        recall = {k: v["recall"] for k, v in report["recall"].items()}
        assert recall["change_number"] >= 0.95 and recall["drop_number"] >= 0.95
        assert recall["copy_source"] >= 0.95 and recall["add_loop"] >= 0.95
        assert report["false_flags"]["untranslated"] <= 0.02 and report["false_flags"]["repetition"] <= 0.02
        assert recall["cut_clause"] >= 0.80 and recall["drop_name"] >= 0.80  # cut: length, names, numbers together
        if name == "flores200/devtest":  # the news references are noisier (docs/checks.md)
            assert report["false_flags"]["length"] <= 0.02 and report["false_flags"]["numbers"] <= 0.02
            assert report["false_flags"]["names"] <= 0.02
