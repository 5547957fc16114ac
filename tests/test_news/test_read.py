"""Reading files, folders and JSONL; every bad input becomes a named error, the rest is read."""
import codecs
import json

import pytest

from news.errors import InputError
from news.markup import html_to_text
from news.read import decode_bytes, read_inputs


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


@pytest.mark.parametrize("data,expected", [
    (codecs.BOM_UTF8 + b"Harga naik.", "Harga naik."),
    ("Harga naik.".encode("utf-16"), "Harga naik."),
    (b"Harga\r\nnaik.", "Harga\nnaik."),
    (b"Harga\x00 naik\x07.", "Harga naik."),
])
def test_decode(data, expected):
    assert decode_bytes(data, "x.txt") == expected


@pytest.mark.parametrize("data,message", [
    ("Café é".encode("latin-1"), r"not valid UTF-8 \(byte 0xe9 at offset 3, line 1\).*--encoding"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "is a PNG image"),
    (b"%PDF-1.4 stuff", "is a PDF document"),
])
def test_decode_errors_name_the_problem(data, message):
    with pytest.raises(InputError, match=message):
        decode_bytes(data, "x.txt")


def test_html_keeps_article_text_only():
    text, title = html_to_text("<html><head><title>T</title><script>x=1</script></head><body><nav>Menu</nav>"
                               "<article><h1>Judul</h1><p>Satu &amp; dua.</p><p>Tiga.</p></article>"
                               "<footer>(c) 2024</footer></body></html>")
    assert title == "Judul"
    assert text.split("\n\n") == ["Judul", "Satu & dua.", "Tiga."]


def test_folder_with_a_bad_file_reads_the_rest(tmp_path):
    _write(tmp_path / "a.txt", "Harga beras naik.")
    _write(tmp_path / "sub" / "b.md", "# Judul\n\nBanjir di Jakarta.")
    _write(tmp_path / "c.txt", "Caf\xe9".encode("latin-1"))
    _write(tmp_path / "ignored.csv", "x,y")
    docs = list(read_inputs([tmp_path]))
    assert [d.id for d in docs] == ["a", "c", "sub/b"]
    assert [d.ok for d in docs] == [True, False, True]
    assert "c.txt" in docs[1].error and "UTF-8" in docs[1].error
    assert docs[2].title == "Judul" and docs[2].text == "Banjir di Jakarta."


def test_jsonl_lines(tmp_path):
    lines = [json.dumps({"id": "a", "text": "Satu."}), "{broken", json.dumps({"id": "b"}),
             json.dumps({"id": "a", "text": "Dup."}), json.dumps({"text": 5}), json.dumps({"text": "Tanpa id."})]
    path = _write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")
    docs = list(read_inputs([path]))
    assert [d.ok for d in docs] == [True, False, False, False, False, True]
    assert "not valid JSON" in docs[1].error and "batch.jsonl:2" in docs[1].error
    assert "missing 'text'" in docs[2].error
    assert "duplicate id 'a'" in docs[3].error
    assert "must be a string" in docs[4].error
    assert docs[5].id == "batch:6"


def test_missing_path_and_empty_file(tmp_path):
    _write(tmp_path / "empty.txt", "   \n")
    docs = list(read_inputs([tmp_path / "nope.txt", tmp_path / "empty.txt"]))
    assert "no such file" in docs[0].error
    assert "is empty" in docs[1].error


def test_symlink_loop_does_not_hang(tmp_path):
    _write(tmp_path / "a.txt", "Satu.")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert [d.id for d in read_inputs([tmp_path])] == ["a"]


def test_jsonl_bad_bytes_fail_one_line_only(tmp_path):
    good = json.dumps({"id": "a", "text": "Satu."}).encode()
    path = _write(tmp_path / "mixed.jsonl", good + b"\n" + b'{"id": "b", "text": "Caf\xe9"}\n' + good.replace(b'"a"', b'"c"') + b"\n")
    docs = list(read_inputs([path]))
    assert [d.ok for d in docs] == [True, False, True]
    assert "mixed.jsonl:2" in docs[1].error and "not valid UTF-8" in docs[1].error


def test_count_inputs_matches_read_inputs(tmp_path):
    from news.read import count_inputs

    _write(tmp_path / "a.txt", "Satu.")
    _write(tmp_path / "b.jsonl", "\n".join(json.dumps({"text": f"Kalimat {i}."}) for i in range(7)) + "\n\n")
    inputs = [tmp_path, tmp_path / "missing.txt"]
    assert count_inputs(inputs) == len(list(read_inputs(inputs))) == 9


def test_mojibake_is_repaired_when_read(tmp_path):
    """UTF-8 that went through Windows-1252 once (a common scrape fault) is read as the text it was; text that
    merely contains such letters, and ordinary Indonesian, is left alone."""
    from news.text import fix_mojibake

    broken = "Warga Ürümqi dan Chişinău menonton film “Café karya Klöcker.".encode().decode("cp1252")
    assert "Ã" in broken
    (tmp_path / "a.txt").write_text(broken + "\n\nHarga beras naik 5%.", encoding="utf-8")
    doc = next(iter(read_inputs([tmp_path / "a.txt"])))
    assert doc.text.startswith("Warga Ürümqi dan Chişinău menonton film “Café karya Klöcker.")
    for fine in ("Harga beras naik 5% — kata dia.", "SÃO PAULO", "Ärzte und Ärztinnen"):
        assert fix_mojibake(fine) == fine
