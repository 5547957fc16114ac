"""Article throughput: N distinct articles (the seeds, each copy's sentences numbered) through ``kabar run``, cold vs warm.

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


REPEATS = 3  # each condition is timed this many times (fresh caches for every cold run); medians are reported


def build_corpus(path: Path, n: int) -> int:
    """Write n distinct articles as JSONL: the seeds repeated, every sentence of copy i tagged "(i)", so a
    cold run really translates every article (no copy is answered by the article or sentence cache)."""
    import re

    from news.read import read_inputs

    if not SEEDS.is_dir():  # no silent fallback to a smaller, different corpus
        raise SystemExit(f"seed articles not found at {SEEDS}; put the shared folder beside the project")
    docs = [d for d in read_inputs([SEEDS]) if d.ok]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            doc = docs[i % len(docs)]
            text = re.sub(r"([.!?])(\s|$)", lambda m, i=i: f" ({i}){m.group(1)}{m.group(2)}", doc.text)
            handle.write(json.dumps({"id": f"{doc.id}#{i}", "text": text, "title": doc.title},
                                    ensure_ascii=False) + "\n")
    return n


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


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time, with every run's time beside it."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return dict(ordered[len(ordered) // 2], all_seconds=[round(r["seconds"], 2) for r in runs])


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
        from translate.registry import load_translator

        load_translator(model, "ct2", cache_dir=Path(args.cache))  # convert once, outside every timed run
        colds, warms, onlys = [], [], []
        for k in range(REPEATS):
            cache = work / f"cache-{k}"  # fresh caches for each cold run, with the converted model copied in
            shutil.copytree(Path(args.cache) / "ct2", cache / "ct2", dirs_exist_ok=True)
            colds.append(run(corpus, work / f"cold-{k}", model, cache))
            warms.append(run(corpus, work / f"warm-{k}", model, cache))
            # the same warm run with only the sentence cache: every stage but translation is redone
            onlys.append(run(corpus, work / f"warm-sentences-{k}", model, cache, "--no-article-cache"))
        cold, warm, sentences_only = median_run(colds), median_run(warms), median_run(onlys)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = {"articles": args.articles, "distinct_articles": distinct, "repeats": REPEATS, "cold": cold, "warm": warm,
               "warm_sentence_cache_only": sentences_only,
               "warm_over_cold": cold["seconds"] / warm["seconds"],
               "warm_sentence_cache_only_over_cold": cold["seconds"] / sentences_only["seconds"], "model": model,
               "date": time.strftime("%Y-%m-%d")}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    for label, r in (("cold", cold), ("warm", warm), ("warm, sentence cache only", sentences_only)):
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(r["stages_s"].items(), key=lambda kv: -kv[1]))
        print(f"{label}: {r['articles']} articles in {r['seconds']:.1f}s (median of {r['all_seconds']}) = "
              f"{r['articles_per_min']:.0f} articles/min; "
              f"first article after {r['first_article_s']:.2f}s; stages: {stages}")
    print(f"warm is {summary['warm_over_cold']:.1f}x faster than cold "
          f"({summary['warm_sentence_cache_only_over_cold']:.1f}x with the sentence cache only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
