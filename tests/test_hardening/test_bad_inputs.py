"""The bad-input corpus (tests/data/bad_inputs, plus large and linked cases made here) through the CLI,
the Python API and the REST API: correct output or a named error, the rest of the batch written,
no traceback, never a 500."""
import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kabar.pipeline import Pipeline
from news.read import read_inputs
from tests.conftest import ROOT

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bad_inputs"
SENTENCE = "Harga beras naik di pasar tradisional pekan ini. "
# id -> (status, pattern the first error must match, or None)
EXPECTED = {
    "boilerplate-only": ("error", r"no text left after removing boilerplate \(4 lines removed\)"),
    "control-chars": ("ok", None), "crlf": ("ok", None),
    "document.pdf": ("error", r"is a PDF document; extract its text first"),
    "emails-only": ("ok", r"no language detected"), "emoji-only": ("ok", r"no language detected"),
    "empty": ("error", r"empty\.txt: is empty"), "english-only": ("ok", None),
    "image.png": ("error", r"is a PNG image, not text"),
    "invalid-utf8": ("error", r"not valid UTF-8 \(byte 0xff at offset \d+, line 2\)"),
    "javanese": ("skipped", r"language detected as 'jv'.*--lang id"),
    "latin1": ("error", r"not valid UTF-8.*--encoding"),
    "good-1": ("ok", None), "../../escape attempt": ("ok", None),
    "no-text": ("error", r"lines\.jsonl:3: missing 'text' field"),
    "not-string": ("error", r"lines\.jsonl:4: 'text' must be a string, got int"),
    "good-1@5": ("error", r"duplicate id 'good-1' \(first used on line 1\)"),
    "lines:6": ("error", r"lines\.jsonl:6: not valid JSON"), "good-2": ("ok", None),
    "lines:8": ("error", r"expected a JSON object with a 'text' field, got list"),
    "empty-text": ("error", r"'text' is empty"),
    "long-sentence": ("ok", None), "long-word": ("ok", None),
    "malay": ("ok", r"looks like Malay"), "mixed-id-en": ("ok", None),
    "name with spaces and ..dots": ("ok", None), "numbers-only": ("ok", r"no language detected"),
    "rtl-arabic": ("skipped", r"language detected as 'ar'"), "script-style": ("ok", None),
    "title-only": ("error", r"title-only\.md: is empty"), "urls-only": ("ok", r"no language detected"),
    "utf16-bom": ("ok", None), "utf8-bom": ("ok", None), "whitespace": ("error", r"is empty"),
    "zero-width-nbsp": ("ok", None),
    "big/one-megabyte": ("ok", None), "big-line": ("ok", None), "loop/inside": ("ok", None),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The committed corpus plus a 1 MB article, a JSONL with a 5 MB line and a folder with a symlink loop."""
    root = tmp_path_factory.mktemp("bad") / "inputs"
    shutil.copytree(CORPUS, root)
    (root / "big").mkdir()
    (root / "big" / "one-megabyte.txt").write_text(SENTENCE * (1_000_000 // len(SENTENCE)), encoding="utf-8")
    (root / "big-line.jsonl").write_text(json.dumps({"id": "big-line", "text": SENTENCE * (5_000_000 // len(SENTENCE))})
                                         + "\n", encoding="utf-8")
    (root / "loop").mkdir()
    (root / "loop" / "inside.txt").write_text(SENTENCE, encoding="utf-8")
    (root / "loop" / "again").symlink_to(root / "loop")
    assert len(list(CORPUS.iterdir())) >= 27
    return root


def _check(records):
    assert set(records) == set(EXPECTED), set(records) ^ set(EXPECTED)
    for article_id, (status, pattern) in EXPECTED.items():
        record = records[article_id]
        assert record["status"] == status, (article_id, record["status"], record["errors"])
        if pattern:
            assert re.search(pattern, record["errors"][0]), (article_id, record["errors"])
        if status == "ok":
            assert len(record["translation"]) == len(record["sentences"]) > 0, article_id


def test_cli(corpus, tiny_marian, tmp_path):
    out = tmp_path / "out"
    # a "../" in the input path and a second look at one file must not confuse ids or outputs
    run = subprocess.run([sys.executable, "-m", "kabar", "run", str(corpus / "loop" / ".." ), "--out", str(out),
                          "--model", str(tiny_marian), "--quiet", "--cache", str(tmp_path / "cache")],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    records = {r["id"]: r for r in map(json.loads, (out / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    _check(records)
    pages = list((out / "articles").rglob("*"))
    assert all(p.parent == out / "articles" for p in pages), "no page may be written outside articles/"
    assert not list(tmp_path.glob("escape*")) and not list(out.glob("escape*"))


def test_python_api(corpus, translators):
    docs = list(read_inputs([corpus]))
    results = Pipeline(translators("marian", "ct2")).process_many(docs)
    _check({r.id: r.to_dict() for r in results})


def test_rest_api(corpus, translators):
    from tests.test_ui.conftest import Running, make_service

    running = Running(make_service(translators("marian", "ct2"), max_chars=20_000), with_ui=False)
    try:
        for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".jsonl"):
            text = path.read_bytes().decode("utf-8", errors="replace")
            body = json.dumps({"text": text}).encode()
            request = urllib.request.Request(running.url + "/api/process", data=body,
                                             headers={"content-type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    status = response.status
                    json.loads(response.read())
            except urllib.error.HTTPError as err:
                status = err.code
                assert "error" in json.loads(err.read()), path.name
            assert status in (200, 400, 413), (path.name, status)
            if len(text) > 20_000:
                assert status == 413, path.name
        with urllib.request.urlopen(running.url + "/health", timeout=30) as response:
            assert response.status == 200
    finally:
        running.stop()
