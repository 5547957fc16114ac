"""The translation memory (SQLite): storage, matching, limits and named errors."""
import sqlite3
import threading

import pytest

from news.errors import ConfigError
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


def test_a_correction_again_keeps_the_first_creation_time_and_the_note(tmp_path):
    """Times a second apart cannot tell "kept" from "replaced": the first entry is made a year earlier."""
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    tm.add_many([Entry("Banjir melanda Bekasi.", "Floods hit Bekasi.", machine="Flood Bekasi.",
                       created="2025-01-02T03:04:05Z", updated="2025-01-02T03:04:05Z", note="house style: hit")])
    tm.add("Banjir melanda Bekasi.", "Floods struck Bekasi.", editor="Budi")  # a correction carries no note
    entry = tm.get("Banjir melanda Bekasi.")
    assert entry.target == "Floods struck Bekasi." and entry.editor == "Budi"
    assert entry.created == "2025-01-02T03:04:05Z" and entry.updated > "2026"
    assert entry.note == "house style: hit" and entry.machine == "Flood Bekasi."
    tm.add_many([Entry("Banjir melanda Bekasi.", "Floods struck Bekasi again.", note="new note")])
    assert tm.get("Banjir melanda Bekasi.").note == "new note"  # a new note replaces the old one
