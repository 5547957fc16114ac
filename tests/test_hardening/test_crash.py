"""kill -9 in the middle of a batch, then the same command again: every article exactly once."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from tests.conftest import EXAMPLES, ROOT

ARTICLES = 120


def _corpus(path):
    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(ARTICLES):
            text = texts[i % len(texts)].replace(".", f" nomor {i}.", 3)  # new sentences: real engine work
            handle.write(json.dumps({"id": f"art-{i}", "text": text}) + "\n")


def test_kill_9_then_resume(tiny_marian, tmp_path):
    corpus, out, cache = tmp_path / "in.jsonl", tmp_path / "out", tmp_path / "cache"
    _corpus(corpus)
    cmd = [sys.executable, "-m", "kabar", "run", str(corpus), "--out", str(out), "--model", str(tiny_marian),
           "--cache", str(cache), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if results.is_file() and results.read_bytes().count(b"\n") >= 10:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed; make it longer"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    written_before = results.read_bytes().count(b"\n")
    assert 10 <= written_before < ARTICLES

    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    raw = results.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    ids = [json.loads(line)["id"] for line in raw.splitlines()]  # every line is whole JSON
    assert sorted(ids) == sorted(f"art-{i}" for i in range(ARTICLES)), "each article exactly once"
    assert f" {written_before} already done" in again.stderr, again.stderr[-500:]  # the exact resume count
    # ... and only the rest was processed again (compaction alone would hide a resume that redoes everything)
    assert f"{ARTICLES - written_before} translated/passed through" in again.stderr, again.stderr[-500:]
    for name in ("sentences.sqlite", "articles.sqlite"):
        with sqlite3.connect(cache / name) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", name
    with sqlite3.connect(cache / "sentences.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM translations").fetchone()[0] > 0
    with sqlite3.connect(cache / "articles.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == ARTICLES
