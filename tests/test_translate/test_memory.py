"""The translation memory (SQLite) and glossaries: storage, matching rules, limits and named errors."""
import sqlite3
import threading

import pytest

from news.errors import ConfigError
from translate.glossary import (
    Glossary,
    GlossaryError,
    code_switched,
    enforce,
    glossary_from_pairs,
    has_phrase,
    load_glossary,
    parse_glossary,
)
from translate.memory import CorrectionError, Entry, TranslationMemory, memory_key


def test_memory_matches_after_normalisation_only(tmp_path):
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    tm.add("KPK  menahan dua\u00a0tersangka. ", "The KPK detained two suspects.", machine="KPK holds two.",
           editor="Sari")
    assert memory_key(" KPK menahan\tdua tersangka. ") == "KPK menahan dua tersangka."
    assert tm.get_many(["KPK menahan dua tersangka.", " KPK  menahan dua tersangka.\n"]) == {
        "KPK menahan dua tersangka.": "The KPK detained two suspects.",
        " KPK  menahan dua tersangka.\n": "The KPK detained two suspects."}
    # case and punctuation are part of the sentence: no fuzzy match
    assert tm.get_many(["kpk menahan dua tersangka.", "KPK menahan dua tersangka"]) == {}
    entry = tm.get("KPK menahan dua tersangka.")
    assert (entry.machine, entry.editor, entry.origin) == ("KPK holds two.", "Sari", "correction")


def test_a_changed_correction_replaces_the_old_and_keeps_history_fields(tmp_path):
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    first = tm.add("Banjir melanda Bekasi.", "Floods hit Bekasi.", machine="Flood Bekasi.")
    tm.add("Banjir melanda Bekasi.", "Floods struck Bekasi.", machine="something else", editor="Budi")
    assert len(tm) == 1
    entry = tm.get("Banjir melanda Bekasi.")
    assert entry.target == "Floods struck Bekasi." and entry.machine == "Flood Bekasi."
    assert entry.created == first.created and entry.editor == "Budi"
    assert tm.remove("Banjir melanda Bekasi.") and len(tm) == 0 and not tm.remove("Banjir melanda Bekasi.")


@pytest.mark.parametrize("source,target,message", [
    ("", "x", "source sentence is empty"), ("x", "  ", "English is empty"),
    ("a" * 2001, "x", "limit is 2000"), ("x", "b" * 4001, "limit is 4000"), (None, "x", "must be text")])
def test_bad_corrections_are_named_and_store_nothing(tmp_path, source, target, message):
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    with pytest.raises(CorrectionError, match=message):
        tm.add_many([Entry("Baik.", "Good."), Entry(source, target)])
    assert len(tm) == 0  # all or nothing


def test_memory_size_limit(tmp_path):
    tm = TranslationMemory(tmp_path / "tm.sqlite", max_entries=3)
    tm.add_many([Entry(f"Kalimat {n}.", f"Sentence {n}.") for n in range(3)])
    tm.add("Kalimat 1.", "Sentence one.")  # replacing is not growing
    with pytest.raises(CorrectionError, match="holds 3 entries; 1 more would pass its limit of 3"):
        tm.add("Kalimat 9.", "Sentence 9.")
    assert len(tm) == 3


def test_damaged_memory_is_an_error_naming_it_and_never_moved(tmp_path):
    path = tmp_path / "tm.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="tm.sqlite cannot be read"):
        TranslationMemory(path)
    assert path.read_bytes().startswith(b"not a database")
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(ConfigError, match="is not a file"):
        TranslationMemory(folder)


def test_entries_are_listed_in_pages_and_memory_is_shared_between_connections(tmp_path):
    path = tmp_path / "tm.sqlite"
    tm = TranslationMemory(path)
    tm.add_many([Entry(f"Kalimat {n}.", f"Sentence {n}.") for n in range(2500)])
    assert len(list(tm.entries())) == 2500
    other = TranslationMemory(path)
    assert other.get_many(["Kalimat 2499."]) == {"Kalimat 2499.": "Sentence 2499."}
    errors = []

    def write(k):
        try:
            for n in range(50):
                TranslationMemory(path).add(f"Tulis {k} {n}.", f"Write {k} {n}.")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
    threads = [threading.Thread(target=write, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(tm) == 2650
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


GLOSSARY = """id,en,note
KPK,Corruption Eradication Commission,the anti-graft agency
Komisi Pemberantasan Korupsi,Corruption Eradication Commission
Basarnas,National Search and Rescue Agency
bupati,regent
Polres Bekasi,Bekasi Police
"""


def test_glossary_matching_rules():
    g = parse_glossary(GLOSSARY, name="terms.csv")
    assert len(g) == 5 and g.terms[0].note == "the anti-graft agency"
    found = g.find("Komisi Pemberantasan Korupsi (KPK) dan bupatinya, kpk-nya; Polres  Bekasi. Polres. Bekasi.")
    assert [m.term.source for m in found] == ["Komisi Pemberantasan Korupsi", "KPK", "bupati", "KPK",
                                              "Polres Bekasi"]
    # whole words only, no other affixes undone, and no term across punctuation
    assert g.find("Kepolisian KPKX membupati Polres, Bekasi") == []
    assert has_phrase("Two regents came.", "regent") and has_phrase("the bekasi police said", "Bekasi Police")
    assert not has_phrase("the regency", "regent")


def test_enforce_keeps_replaces_redecodes_and_flags():
    g = parse_glossary(GLOSSARY, name="terms.csv")
    sources = ["KPK memeriksa bupati.", "Basarnas tiba.", "Tim Basarnas tiba.", "Polres Bekasi diam.", "Hujan."]
    first = ["The KPK examined the regent.", "Basarnas arrived.", "The team arrived.", "Quiet.", "Rain."]
    calls = []

    def translate(batch):
        calls.append(list(batch))
        return ["The team of National Search and Rescue Agency arrived." if "Tim" in s else "Silence." for s in batch]
    out = enforce(g, sources, first, translate)
    assert calls == [["Tim National Search and Rescue Agency tiba.", "Bekasi Police diam."]]  # one call, only those
    assert out[0].translation == "The Corruption Eradication Commission examined the regent."
    assert {t["term"]: t["how"] for t in out[0].terms} == {"KPK": "replaced", "bupati": "kept"}
    assert out[1].translation == "National Search and Rescue Agency arrived." and out[1].missing == []
    assert out[2].terms == [{"term": "Basarnas", "english": "National Search and Rescue Agency", "how": "redecoded"}]
    assert out[3].translation == "Quiet." and len(out[3].missing) == 1
    assert "'Polres Bekasi' should be 'Bekasi Police'" in out[3].missing[0]
    assert out[4] is None
    # a failing re-decode keeps the English and flags the term, naming why
    def broken(batch):
        raise RuntimeError("engine down")
    failed = enforce(g, ["Tim Basarnas tiba."], ["The team arrived."], broken)
    assert failed[0].translation == "The team arrived." and "re-decode failed (RuntimeError)" in failed[0].missing[0]


def test_code_switched_source():
    g = parse_glossary(GLOSSARY, name="terms.csv")
    s = "Tim Basarnas dan KPK."
    assert code_switched(s, g.find(s)) == "Tim National Search and Rescue Agency dan Corruption Eradication Commission."


@pytest.mark.parametrize("text,name,message", [
    ("KPK;Corruption Eradication Commission\n", "g.csv", "line 1: expected 'Indonesian term,English term"),
    ("id\ten\nKPK\n", "g.tsv", "line 2: expected 'Indonesian term\tEnglish term"),
    ("a,b\nc,d,e,f\n", "g.csv", "line 2: 4 fields"),
    ('a,b\n"c,d\n', "g.csv", "line 2: unexpected end of data"),
    ("a,b\n!!,x\n", "g.csv", "line 2: a term needs at least one letter"),
    ("a,b\n" + "x " * 9 + ",y\n", "g.csv", "line 2: 9 words"),
    ("a," + "b" * 121 + "\n", "g.csv", "line 1: the English term has 121 characters"),
])
def test_bad_glossary_lines_are_named(text, name, message):
    with pytest.raises(GlossaryError, match=message):
        parse_glossary(text, name=name)


def test_glossary_file_limits_and_encoding(tmp_path, monkeypatch):
    path = tmp_path / "g.tsv"
    path.write_bytes(b"Polres\tpolice\n" + "Dinas\tagency\n".encode("utf-16"))
    with pytest.raises(GlossaryError, match="g.tsv: line 2: not UTF-8"):
        load_glossary(path)
    with pytest.raises(GlossaryError, match="No such file"):
        load_glossary(tmp_path / "missing.csv")
    import translate.glossary as glossary_module

    monkeypatch.setattr(glossary_module, "MAX_TERMS", 2)
    with pytest.raises(GlossaryError, match="more than 2 terms"):
        parse_glossary("a,b\nc,d\ne,f\n")
    with pytest.raises(GlossaryError, match="term 1: give source and target as text"):
        glossary_from_pairs([{"source": "a"}])
    assert len(glossary_from_pairs([{"source": "a", "target": "b"}, ["c", "d", "n"]])) == 2


def test_glossary_fingerprint_changes_with_any_term():
    a = parse_glossary("KPK,Corruption Eradication Commission\n")
    b = parse_glossary("KPK,Corruption Eradication Commission (KPK)\n")
    assert a.fingerprint != b.fingerprint and a.fingerprint == parse_glossary("kpk,Corruption Eradication Commission\n").fingerprint
    assert not Glossary([])
