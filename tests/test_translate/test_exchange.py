"""Translation memory exchange (issue 38): an import merges and never loses a newer correction, says what it did,
and keeps notes and the editor and origin properties through a TMX round trip."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from translate.exchange import export_file, import_file, read_tmx
from translate.memory import Entry, TranslationMemory

ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "Warga mengungsi ke masjid."


def _tmx(path: Path, english: str, changed: str, *, created: str = "20260101T000000Z", extra: str = "") -> Path:
    path.write_text(f'<?xml version="1.0"?><tmx version="1.4"><header srclang="id"/><body>'
                    f'<tu creationdate="{created}" changedate="{changed}" creationid="Budi">{extra}'
                    f'<tuv xml:lang="id"><seg>{SENTENCE}</seg></tuv><tuv xml:lang="en"><seg>{english}</seg></tuv>'
                    f"</tu></body></tmx>", encoding="utf-8")
    return path


def _memory(tmp_path, updated="2026-06-01T12:00:00Z") -> TranslationMemory:
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    memory.add_many([Entry(SENTENCE, "Residents fled to the mosque.", editor="Sari", created="2026-05-01T00:00:00Z",
                           updated=updated)])
    return memory


@pytest.mark.parametrize(("changed", "prefer", "english", "counts"), [
    ("20260101T000000Z", "newer", "Residents fled to the mosque.", (0, 0, 1)),  # older file: ours kept
    ("20260601T120000Z", "newer", "Residents fled to the mosque.", (0, 0, 1)),  # the same second: ours kept
    ("20260601T120001Z", "newer", "Residents took refuge in the mosque.", (0, 1, 0)),  # one second newer: theirs
    ("20260101T000000Z", "theirs", "Residents took refuge in the mosque.", (0, 1, 0)),  # forced
    ("20261201T000000Z", "ours", "Residents fled to the mosque.", (0, 0, 1)),  # forced the other way
], ids=["older", "tie", "newer", "theirs", "ours"])
def test_an_import_keeps_the_newer_english(tmp_path, changed, prefer, english, counts):
    memory = _memory(tmp_path)
    done = import_file(memory, _tmx(tmp_path / "in.tmx", "Residents took refuge in the mosque.", changed),
                       prefer=prefer)
    entry = memory.get(SENTENCE)
    assert entry.target == english and (done["added"], done["replaced"], done["kept"]) == counts
    assert entry.created <= entry.updated  # never an update before its creation
    assert entry.created == "2026-01-01T00:00:00Z" if counts[1] else entry.created == "2026-05-01T00:00:00Z"


def test_new_sentences_are_added_and_counted(tmp_path):
    memory = _memory(tmp_path)
    path = tmp_path / "in.tsv"
    path.write_text("Hujan turun.\tIt rains.\nBanjir surut.\tThe flood receded.\n", encoding="utf-8")  # no header
    assert import_file(memory, path) == {"added": 2, "replaced": 0, "kept": 0}
    assert memory.get("Hujan turun.").target == "It rains." and len(memory) == 3


def test_a_sentence_twice_in_one_file_keeps_its_newer_line(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    path = tmp_path / "twice.tsv"
    path.write_text("source\tenglish\tmachine\teditor\torigin\tcreated\tupdated\n"
                    f"{SENTENCE}\tNewer.\t\t\timport\t2026-01-01T00:00:00Z\t2026-03-01T00:00:00Z\n"
                    f"{SENTENCE}\tOlder.\t\t\timport\t2026-01-01T00:00:00Z\t2026-02-01T00:00:00Z\n", encoding="utf-8")
    assert import_file(memory, path) == {"added": 1, "replaced": 0, "kept": 1}
    assert memory.get(SENTENCE).target == "Newer."


def test_notes_and_editor_and_origin_properties_are_kept_and_exported_back(tmp_path):
    extra = ('<note>Use "took refuge" in disaster reports.</note><prop type="x-origin">correction</prop>')
    source = _tmx(tmp_path / "in.tmx", "Residents took refuge in the mosque.", "20260601T000000Z", extra=extra)
    [(entry, _)] = list(read_tmx(source))
    assert (entry.note, entry.origin, entry.editor) == ('Use "took refuge" in disaster reports.', "correction", "Budi")
    plain = tmp_path / "prop.tmx"
    plain.write_text('<tmx version="1.4"><body><tu><prop type="x-editor">Rina</prop><tuv xml:lang="id"><seg>A.</seg>'
                     '</tuv><tuv xml:lang="en"><seg>B.</seg></tuv></tu></body></tmx>', encoding="utf-8")
    assert next(read_tmx(plain))[0].editor == "Rina"
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    import_file(memory, source)
    for fmt in ("tmx", "tsv"):
        out = tmp_path / f"out.{fmt}"
        export_file(memory, out)
        again = TranslationMemory(tmp_path / f"again-{fmt}.sqlite")
        import_file(again, out)
        assert again.get(SENTENCE).to_dict() == memory.get(SENTENCE).to_dict()
    assert "<note>" in (tmp_path / "out.tmx").read_text() and 'type="x-editor"' in (tmp_path / "out.tmx").read_text()


def test_kabar_tm_import_says_what_it_did(tmp_path):
    memory = _memory(tmp_path)
    memory.close()
    older = _tmx(tmp_path / "older.tmx", "Residents took refuge in the mosque.", "20260101T000000Z")
    proc = subprocess.run([sys.executable, "-m", "kabar", "tm", "--tm", str(tmp_path / "tm.sqlite"), "import",
                           str(older)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "0 added, 0 replaced (newer), 1 kept (ours newer)" in proc.stderr
    assert TranslationMemory(tmp_path / "tm.sqlite").get(SENTENCE).target == "Residents fled to the mosque."
