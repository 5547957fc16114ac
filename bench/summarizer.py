"""Learned summarizer runtime: model load time and scoring time for a 40-sentence article, vs TextRank.

    python bench/summarizer.py [--json]

Load: a fresh process imports the scorer and reads the model file (median of 5 processes), with the
time to import NumPy alone as the baseline. Scoring: ``Learned().choose`` on a 40-sentence article made
of the seed articles' sentences (median of 200 calls, one thread), beside TextRank's ``rank`` on the
same sentences. Also checks that scoring imports no PyTorch.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT.parent / "shared" / "seeds"
LOAD = ("import time; t = time.perf_counter(); from summarize.learned import Learned, load_model, MODEL_PATH; "
        "load_model(str(MODEL_PATH)); import sys; print(time.perf_counter() - t, 'torch' in sys.modules)")
NUMPY = "import time; t = time.perf_counter(); import numpy; print(time.perf_counter() - t, False)"


def in_fresh_process(code: str) -> tuple[float, bool]:
    """(seconds, torch imported) printed by ``code`` run in a new interpreter with one thread."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seconds, torch = out.stdout.split()
    return float(seconds), torch == "True"


def main(argv=None) -> int:
    """Time loading and scoring; print ms and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not SEEDS.is_dir():
        raise SystemExit(f"seed articles not found at {SEEDS}")
    from news.article import clean_and_split
    from summarize.learned import Learned
    from summarize.textrank import TextRank

    sentences = [s for p in sorted(SEEDS.glob("*.txt")) for s in clean_and_split(p.read_text(encoding="utf-8"))[1]]
    article = sentences[:40]
    loads = [in_fresh_process(LOAD) for _ in range(5)]
    numpy_only = statistics.median(in_fresh_process(NUMPY)[0] for _ in range(5))
    learned, textrank = Learned(), TextRank()
    learned.choose(article, "id")  # model read once, as a server or batch run does

    def median_ms(fn, repeats=200):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return 1000 * statistics.median(times)

    summary = {"load_ms": 1000 * statistics.median(s for s, _ in loads), "numpy_import_ms": 1000 * numpy_only,
               "torch_imported": any(t for _, t in loads), "sentences": len(article),
               "learned_choose_ms": median_ms(lambda: learned.choose(article, "id")),
               "textrank_rank_ms": median_ms(lambda: textrank.rank(article, "id"))}
    summary["choose_over_textrank"] = summary["learned_choose_ms"] / summary["textrank_rank_ms"]
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"load (fresh process, import + model file): {summary['load_ms']:.1f} ms "
          f"(importing NumPy alone: {summary['numpy_import_ms']:.1f} ms); PyTorch imported: {summary['torch_imported']}")
    print(f"score + choose a {len(article)}-sentence article: {summary['learned_choose_ms']:.2f} ms; TextRank rank: "
          f"{summary['textrank_rank_ms']:.2f} ms (ratio {summary['choose_over_textrank']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
