"""bench/serve.py's JSON is a contract other tools read: one object, servers by name, levels by client count,
each with requests/s, sentences/s, p50/p95/p99 ms, errors and peak RSS MB. Run small with the tiny model."""
import json
import subprocess
import sys

from tests.conftest import DATA, ROOT, need_shared

KEYS = {"requests_per_s", "sentences_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "peak_rss_mb"}


def test_serve_bench_json_has_the_documented_keys(tiny_marian, tmp_path):
    need_shared(DATA / "summarization" / "antara_indosum.jsonl", "IndoSum ANTARA")
    done = subprocess.run([sys.executable, "bench/serve.py", "--model", str(tiny_marian), "--servers",
                           "kabar,plain,libretranslate", "--libretranslate-python", str(tmp_path / "no-python"),
                           "--levels", "1,2", "--seconds", "30", "--requests", "3", "--cache", str(tmp_path),
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert set(result["servers"]) == {"kabar", "plain"}
    assert "libretranslate" in result["notes"] and "pip install libretranslate" in result["notes"]["libretranslate"]
    for name, levels in result["servers"].items():
        assert set(levels) == {"1", "2"}
        for row in levels.values():
            assert KEYS <= set(row), (name, row)
            assert row["errors"] == 0 and row["requests"] == 3 and row["requests_per_s"] > 0
            assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] and row["peak_rss_mb"] > 50
