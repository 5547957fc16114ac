"""Article throughput: the seed corpus repeated to N articles through ``kabar run``, cold vs warm cache.

    python bench/articles.py [--articles 500] [--model DIR] [--json]

Cold: empty caches and output folder. Warm: a new output folder, the caches the cold run filled;
then once more with ``--no-article-cache`` (every stage but translation redone). Reports articles/minute, warm/cold speed ratio, time to the first finished article and the
time per pipeline stage (from the ``timings`` of every result). The model defaults to the random
OPUS-MT-base-sized Marian of bench/engines.py (speed only; its English is meaningless).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT.parent / "shared" / "seeds"


def build_corpus(path: Path, n: int) -> int:
    """Write n articles (the seeds, or the samples when the seeds are absent, repeated) as JSONL."""
    from news.read import read_inputs

    docs = [d for d in read_inputs([SEEDS if SEEDS.is_dir() else ROOT / "examples"]) if d.ok]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            doc = docs[i % len(docs)]
            handle.write(json.dumps({"id": f"{doc.id}#{i}", "text": doc.text, "title": doc.title},
                                    ensure_ascii=False) + "\n")
    return len(docs)


def run(corpus: Path, out: Path, model: str, cache: Path, *extra: str) -> dict:
    """One CLI run; returns wall time, time to the first result line and the stage sums."""
    cmd = [sys.executable, "-m", "kabar", "run", str(corpus), "--out", str(out), "--model", model,
           "--cache", str(cache), "--quiet", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = None
    results = out / "results.jsonl"
    deadline = start + 3600
    while proc.poll() is None and time.perf_counter() < deadline:
        if first is None and results.is_file() and results.stat().st_size > 0:
            first = time.perf_counter() - start
        time.sleep(0.02)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"news run failed ({proc.returncode}):\n{err[-2000:]}")
    stages: dict[str, float] = defaultdict(float)
    count = 0
    for line in results.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        count += 1
        for stage, seconds in record.get("timings", {}).items():
            stages[stage] += seconds
    return {"seconds": wall, "first_article_s": first if first is not None else wall, "articles": count,
            "articles_per_min": 60 * count / wall, "stages_s": dict(stages), "log": err.strip().splitlines()[-2:]}


def main(argv=None) -> int:
    """Cold run, warm run, ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--model", help="model folder (default: the random OPUS-MT-base-sized Marian)")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "kabar-bench"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from bench.engines import ensure_model

    model = str(Path(args.model) if args.model else ensure_model(Path(args.cache) / "random-opus-mt-base"))
    work = Path(tempfile.mkdtemp(prefix="kabar-articles-"))
    try:
        corpus = work / "corpus.jsonl"
        distinct = build_corpus(corpus, args.articles)
        sentence_cache = work / "cache"
        from translate.registry import load_translator

        load_translator(model, "ct2", cache_dir=Path(args.cache))  # convert once, outside both timed runs
        for name in ("ct2",):  # keep the converted model: conversion is a one-off, not part of a run
            src = Path(args.cache) / name
            if src.is_dir():
                (sentence_cache / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(src, sentence_cache / name, dirs_exist_ok=True)
        cold = run(corpus, work / "cold", model, sentence_cache)
        warm = run(corpus, work / "warm", model, sentence_cache)
        # the same warm run with only the sentence cache: every stage but translation is redone
        sentences_only = run(corpus, work / "warm-sentences", model, sentence_cache, "--no-article-cache")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = {"articles": args.articles, "distinct_articles": distinct, "cold": cold, "warm": warm,
               "warm_sentence_cache_only": sentences_only,
               "warm_over_cold": cold["seconds"] / warm["seconds"],
               "warm_sentence_cache_only_over_cold": cold["seconds"] / sentences_only["seconds"], "model": model,
               "date": time.strftime("%Y-%m-%d")}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    for label, r in (("cold", cold), ("warm", warm), ("warm, sentence cache only", sentences_only)):
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(r["stages_s"].items(), key=lambda kv: -kv[1]))
        print(f"{label}: {r['articles']} articles in {r['seconds']:.1f}s = {r['articles_per_min']:.0f} articles/min; "
              f"first article after {r['first_article_s']:.2f}s; stages: {stages}")
    print(f"warm is {summary['warm_over_cold']:.1f}x faster than cold "
          f"({summary['warm_sentence_cache_only_over_cold']:.1f}x with the sentence cache only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
