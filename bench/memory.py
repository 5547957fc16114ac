"""Memory while a large batch streams through ``kabar run``: RSS sampled over time.

    python bench/memory.py [--articles 2000] [--model DIR] [--json]

Articles are the seeds (or samples) with a number added to every sentence, so each of the ~10,000
sentences is new to the cache and really goes through the engine. The slope of RSS against articles
written, after the first 20% (warm-up), is reported in MB per 1,000 articles; flat memory means ~0.
The default model is the tiny random Marian (memory growth comes from the pipeline, not from the
model's size; pass --model for another).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_corpus(path: Path, n: int) -> int:
    """n articles with distinct sentences; returns the number of sentences written (approximate)."""
    from bench.articles import SEEDS
    from news.read import read_inputs

    docs = [d for d in read_inputs([SEEDS if SEEDS.is_dir() else ROOT / "examples"]) if d.ok]
    sentences = 0
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            doc = docs[i % len(docs)]
            text = re.sub(r"([.!?])(\s|$)", lambda m, i=i: f" ({i}){m.group(1)}{m.group(2)}", doc.text)
            sentences += text.count(f"({i})")
            handle.write(json.dumps({"id": f"a{i}", "text": text}, ensure_ascii=False) + "\n")
    return sentences


def rss_mb(pid: int) -> float | None:
    """Current resident set size of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of RSS (MB) per article."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def main(argv=None) -> int:
    """Stream the corpus, sample RSS, report the slope."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--model", help="model folder (default: a tiny random Marian built here)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kabar-memory-"))
    try:
        model = args.model
        if not model:
            from bench.random_model import build_marian

            model = str(build_marian(work / "tiny", []))
        corpus = work / "corpus.jsonl"
        sentences = build_corpus(corpus, args.articles)
        out = work / "out"
        cmd = [sys.executable, "-m", "kabar", "run", str(corpus), "--out", str(out), "--model", model,
               "--cache", str(work / "cache"), "--quiet"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples: list[tuple[float, int, float]] = []
        start = time.perf_counter()
        results = out / "results.jsonl"
        while proc.poll() is None and time.perf_counter() - start < 3600:
            mb = rss_mb(proc.pid)
            done = 0
            if results.is_file():
                with open(results, "rb") as handle:
                    done = sum(1 for _ in handle)
            if mb is not None:
                samples.append((time.perf_counter() - start, done, mb))
            time.sleep(0.5)
        err = proc.communicate()[1]
        if proc.returncode != 0:
            raise SystemExit(f"news run failed:\n{err[-2000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    warm = [(d, mb) for _, d, mb in samples if d >= args.articles * 0.2 and d < args.articles]
    per_article = slope(warm)
    summary = {"articles": args.articles, "sentences": sentences, "samples": len(samples),
               "peak_rss_mb": max(mb for *_, mb in samples), "rss_after_warmup_mb": warm[0][1] if warm else None,
               "rss_at_end_mb": warm[-1][1] if warm else None, "mb_per_1000_articles": 1000 * per_article,
               "seconds": samples[-1][0] if samples else 0.0, "date": time.strftime("%Y-%m-%d")}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{args.articles} articles ({sentences} sentences) in {summary['seconds']:.0f}s; RSS after warm-up "
              f"{summary['rss_after_warmup_mb']:.0f} MB, at the end {summary['rss_at_end_mb']:.0f} MB, peak "
              f"{summary['peak_rss_mb']:.0f} MB; slope {summary['mb_per_1000_articles']:+.2f} MB per 1,000 articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
