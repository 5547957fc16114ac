"""bench/budget.py as a seconds-long smoke run: both parts run end to end with the tiny model and print their
figures (the full run, with opus-mt-id-en's real shape, is the bench command, not a test)."""
import json
import subprocess
import sys

from bench.budget import article


def test_the_article_is_as_long_as_asked_and_holds_the_term():
    text = article(2000)
    assert len(text) == 2000 and text.count(" di ") >= 10
    assert len(set(text.split("\n\n"))) == len(text.split("\n\n"))  # no sentence repeats (no cache hit)


def test_bench_runs_both_parts(tiny_marian, tmp_path):
    out = subprocess.run([sys.executable, "bench/budget.py", "--model", str(tiny_marian), "--chars", "1500",
                          "--deadline", "30", "--beam-size", "1", "--json"], capture_output=True, text=True,
                         timeout=600, env={**__import__("os").environ, "KABAR_CACHE": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout)
    work = figures["work"]
    assert work["glossary"]["glossary_flags"] > 0 and work["plain"]["glossary_flags"] == 0
    assert work["glossary"]["model_chars"] <= 3 * work["plain"]["model_chars"]
    assert figures["deadline"]["article_status"] == 200 and figures["deadline"]["next_request_status"] == 200
