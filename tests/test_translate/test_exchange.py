"""Translation memory exchange (issue 38): an import merges and never loses a newer correction, says what it did,
and keeps notes and the editor and origin properties through a TMX round trip."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from translate.exchange import ExchangeError, export_file, import_file, read_tmx
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


def _entries(tm):
    return [e.to_dict() for e in tm.entries()]


@pytest.mark.parametrize("fmt", ["tmx", "tsv"])
def test_exchange_round_trip_is_equal(tmp_path, fmt):
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    tm.add_many([Entry("Dia <b>pergi</b> & \"datang\".", "He <b>went</b> & came.", "He go.", "Sari",
                       note="style: past tense"),
                 Entry("Tab\tdan baris.", "Tab and line.", origin="suggestion"),
                 Entry("Ÿ ürün — “kutip” 😀.", "Quote 😀.", origin="import")]
                + [Entry(f"Kalimat {n}.", f"Sentence {n}.") for n in range(3000)])
    out = tmp_path / f"memory.{fmt}"
    assert export_file(tm, out) == 3003
    again = TranslationMemory(tmp_path / "again.sqlite")
    assert import_file(again, out, batch=1000) == {"added": 3003, "replaced": 0, "kept": 0}
    assert _entries(again) == _entries(tm)
    assert again.get("Tab dan baris.").target == "Tab and line."  # white space normalised on the way in
    if fmt == "tmx":
        from lxml import etree

        root = etree.parse(str(out)).getroot()
        assert root.tag == "tmx" and root.get("version") == "1.4" and root.find("header").get("srclang") == "id"
        assert len(root.findall("body/tu")) == 3003


def test_tmx_from_other_tools_and_hostile_files(tmp_path):
    other = tmp_path / "other.tmx"
    other.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="id-ID"/><body>'
                     '<tu><tuv xml:lang="id-ID"><seg>Selamat <bpt i="1">&lt;b&gt;</bpt>pagi<ept i="1">&lt;/b&gt;'
                     '</ept>.</seg></tuv><tuv xml:lang="EN-US"><seg>Good morning.</seg></tuv></tu>'
                     '<tu><tuv lang="in"><seg>Apa kabar?</seg></tuv><tuv lang="en"><seg>How are you?</seg></tuv></tu>'
                     '<tu><tuv xml:lang="fr"><seg>Bonjour</seg></tuv><tuv xml:lang="en"><seg>Hello</seg></tuv></tu>'
                     '</body></tmx>', encoding="utf-8")
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    assert import_file(tm, other) == {"added": 2, "replaced": 0, "kept": 0}
    assert tm.get_many(["Apa kabar?"]) == {"Apa kabar?": "How are you?"} and tm.get("Apa kabar?").origin == "import"
    entity = tmp_path / "xxe.tmx"
    entity.write_text(f'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY x SYSTEM "file://{tmp_path}/secret">]>'
                      '<tmx version="1.4"><body><tu><tuv xml:lang="id"><seg>Rahasia &x;</seg></tuv>'
                      '<tuv xml:lang="en"><seg>Secret</seg></tuv></tu></body></tmx>', encoding="utf-8")
    (tmp_path / "secret").write_text("TOP-SECRET", encoding="utf-8")
    import_file(tm, entity)
    assert "TOP-SECRET" not in json.dumps(_entries(tm))
    broken = tmp_path / "broken.tmx"
    broken.write_text('<tmx version="1.4"><body>\n<tu><tuv xml:lang="id"><seg>a</tuv></tu></body></tmx>')
    with pytest.raises(ExchangeError, match="broken.tmx: line 2: not well-formed TMX"):
        import_file(tm, broken)
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("source\tenglish\nBaik.\tGood.\nSatu kolom\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match="bad.tsv: line 3: 1 column"):
        import_file(tm, tsv)
    empty = tmp_path / "empty.tsv"
    empty.write_text("source\tenglish\nKosong.\t \n", encoding="utf-8")
    with pytest.raises(ExchangeError, match="empty.tsv: line 2: the English is empty"):
        import_file(tm, empty)


def test_tmx_import_streams(tmp_path):
    """300,000 units (43 MB) are read with flat memory: each unit is dropped once read (keeping the cleared units
    on the body cost about 37 MB more)."""
    path = tmp_path / "big.tmx"
    with open(path, "w", encoding="utf-8") as f:
        f.write('<tmx version="1.4"><header/><body>')
        for i in range(300000):
            f.write(f'<tu><tuv xml:lang="id"><seg>Kalimat nomor {i} tentang banjir.</seg></tuv>'
                    f'<tuv xml:lang="en"><seg>Sentence {i} about floods.</seg></tuv></tu>')
        f.write("</body></tmx>")
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from lxml import etree
from translate.exchange import read_tmx
def peak_kb():  # this process's own high-water mark (ru_maxrss keeps the parent's across exec)
    return int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1])
before = peak_kb()
count = sum(1 for _ in read_tmx(Path({str(path)!r})))
print(count, (peak_kb() - before) // 1024)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    count, grown_mb = map(int, out.stdout.split())
    assert count == 300000 and grown_mb < 15, out.stdout


@pytest.mark.parametrize("header", ["source\tenglish", "Source\tTarget", "id\ten", None])
def test_a_tsv_header_is_recognised_in_each_form_and_optional(tmp_path, header):
    path = tmp_path / "in.tsv"
    lines = ([header] if header else []) + ["Warga mengungsi.\tResidents fled.", "Harga naik.\tPrices rose."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    assert import_file(memory, path)["added"] == 2 and len(memory) == 2
    assert memory.get_many(["id", "source", "Source", "Warga mengungsi."]) == {"Warga mengungsi.": "Residents fled."}


def test_a_tsv_row_without_an_update_time_takes_its_creation_time(tmp_path):
    path = tmp_path / "in.tsv"
    # source, english, machine, editor, origin, created, updated, note
    path.write_text("source\tenglish\tmachine\teditor\torigin\tcreated\tupdated\tnote\n"
                    "Warga mengungsi.\tResidents fled.\t\tSari\tcorrection\t2025-03-04T05:06:07Z\t\t\n",
                    encoding="utf-8")
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    import_file(memory, path)
    entry = memory.get("Warga mengungsi.")
    assert entry.created == entry.updated == "2025-03-04T05:06:07Z"
