"""The archive at 100,000 articles: build time, file sizes, vector-index load and rebuild, query latency and memory.

    python bench/search_scale.py [--articles 100000] [--work DIR] [--queries 200]

The articles are synthetic (nothing else of this size is at hand): source and English text drawn from a
Zipf-distributed vocabulary (the words of ../shared/data's IndoSum articles when present), 12 sentences of 25
words a side (300 words, an ANTARA article's usual length), dates over one year, 20 outlets. Their
embeddings come from a stand-in embedder: unit vectors around 2,000 topic centres (e5 itself would take
about 8 hours for 100k articles on 2 cores, and the index's cost does not depend on where the vectors came
from); everything else, SQLite, FTS5, the story assignment and usearch, is Kabar's own code path
(kabar.archive.Archive.add, kabar.search.search).

The searches run in a fresh process, so its peak memory (VmHWM) is what a reader such as `kabar serve
--archive` needs for an archive of this size. The query embedding (e5, about 20 ms on one core) is not
included; its figure is printed beside.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kabar.archive import DIM, Archive  # noqa: E402
from kabar.pipeline import Result  # noqa: E402

SEED = 7
TOPICS = 2000
OUTLETS = [f"outlet{i:02d}.id" for i in range(20)]


class StandIn:
    """Unit vectors near one of ``TOPICS`` centres (chosen from the text's hash), like clustered news."""

    def __init__(self):
        rng = np.random.default_rng(SEED)
        centres = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        self.texts = 0

    def _one(self, text: str, spread: float) -> np.ndarray:
        rng = np.random.default_rng(abs(hash(text)) % (2 ** 32))
        v = self.centres[rng.integers(TOPICS)] + spread * rng.standard_normal(DIM).astype(np.float32) / np.sqrt(DIM)
        return v / np.linalg.norm(v)

    def passages(self, texts):
        self.texts += len(texts)
        return np.stack([self._one(t, 0.8) for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def query(self, text):
        return self._one(text, 0.6)


def vocabulary() -> list[str]:
    words: dict[str, int] = {}
    path = ROOT.parent / "shared" / "data" / "summarization" / "indosum_train.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines()[:1500]:
            for w in re.findall(r"[a-z]{3,}", json.loads(line)["text"].lower()):
                words[w] = words.get(w, 0) + 1
    ranked = sorted(words, key=lambda w: -words[w])
    rng = random.Random(SEED)
    while len(ranked) < 20_000:  # made-up words after the real ones: a news archive's long tail of names
        ranked.append("".join(rng.choice("aiueo") + rng.choice("bcdgjklmnprst") for _ in range(rng.randint(2, 4))))
    return ranked[:20_000]


def articles(n: int, words: list[str], seed: int = SEED, prefix: str = "a"):
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    weights /= weights.sum()
    english = [w[::-1] for w in words]  # another "language": the same Zipf law, other words
    for i in range(n):
        picks = rng.choice(len(words), size=(2, 12, 25), p=weights)
        src = tuple(" ".join(words[k] for k in row).capitalize() + "." for row in picks[0])
        eng = tuple(" ".join(english[k] for k in row).capitalize() + "." for row in picks[1])
        day = 20_000 + int(rng.integers(365))
        yield Result(f"{prefix}{i}", "synthetic", "ok", title=" ".join(words[k] for k in picks[0][0][:8]),
                     date=time.strftime("%Y-%m-%d", time.gmtime(day * 86400)), outlet=OUTLETS[i % len(OUTLETS)],
                     lang="id", sentences=src, translation=eng, paragraph_of=tuple(range(12)),
                     summary_indices=(0, 1, 2))


def _add_in_batches(archive: Archive, results, size: int, total: int | None = None) -> list[float]:
    """Add ``results`` ``size`` at a time; the seconds of each ``Archive.add`` (progress on stderr given ``total``)."""
    start, done, adds, results = time.perf_counter(), 0, [], iter(results)
    while batch := list(itertools.islice(results, size)):  # streamed: 100k articles are never held at once
        t = time.perf_counter()
        archive.add(batch)
        adds.append(time.perf_counter() - t)
        done += len(batch)
        if total:
            print(f"  {done}/{total} articles ({time.perf_counter() - start:.0f} s)", file=sys.stderr, end="\r")
    return adds


def build(work: Path, n: int) -> dict:
    archive = Archive(work, embedder=StandIn())
    start = time.perf_counter()
    adds = _add_in_batches(archive, articles(n, vocabulary()), 1000, total=n)
    seconds = time.perf_counter() - start
    archive.close()
    print(file=sys.stderr)
    return {"articles": n, "build_s": round(seconds, 1), "s_last_1000": round(adds[-1], 3),
            "sqlite_mb": round((work / "archive.sqlite").stat().st_size / 2 ** 20, 1),
            "usearch_mb": round((work / "archive.usearch").stat().st_size / 2 ** 20, 1)}


def grow(work: Path, n: int) -> dict:
    """Add ``n`` more articles to a copy of the built archive, as ``kabar run`` does (``ARCHIVE_EVERY`` at a time).

    The cost of one more article once the archive is large: its story assignment (an exact scan of the
    articles within the time window), FTS5 and SQLite writes, and saving the vector index after each batch.
    """
    from kabar.writers import ARCHIVE_EVERY

    copy = work.parent / (work.name + "-grow")
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for name in ("archive.sqlite", "archive.usearch", "archive.usearch.json"):
        shutil.copy2(work / name, copy / name)
    try:
        archive = Archive(copy, embedder=StandIn())
        archive.vector_index()
        spent = sum(_add_in_batches(archive, articles(n, vocabulary(), seed=SEED + 1, prefix="g"), ARCHIVE_EVERY))
        t = time.perf_counter()
        for k in range(200):  # the story scan alone, for 200 days across the year
            archive._story_for(StandIn().query(f"s{k}"), 20_000 + k)
        story_s = (time.perf_counter() - t) / 200
        archive.close()
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return {"added": n, "batch": ARCHIVE_EVERY, "ms_per_article": round(1000 * spent / n, 1),
            "story_scan_ms": round(1000 * story_s, 1)}


def _vm(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(work: Path, queries: int) -> dict:
    """In this (fresh) process: open, load the index, run each kind of query; times in ms and memory in MB."""
    from kabar import search as search_module
    from kabar.search import make_query, search

    out = {"rss_start_mb": round(_vm("VmRSS"), 1)}
    t = time.perf_counter()
    archive = Archive(work, create=False, embedder=StandIn())
    index = archive.vector_index()
    out["index_load_ms"] = round(1000 * (time.perf_counter() - t), 1)
    out["rss_after_load_mb"] = round(_vm("VmRSS"), 1)
    words = vocabulary()
    rng = random.Random(SEED)
    cases = {"keyword": {"mode": "keyword"}, "embedding": {"mode": "embedding"}, "hybrid": {"mode": "hybrid"},
             "hybrid, one month": {"mode": "hybrid", "date_from": "2024-10-01", "date_to": "2024-10-31"},
             "hybrid, one outlet": {"mode": "hybrid", "outlet": OUTLETS[3]}}
    for name, options in cases.items():
        times = []
        for _ in range(queries):
            text = " ".join(rng.choice(words[30:3000]) for _ in range(rng.randint(2, 3)))
            q = make_query(text, **options)
            t = time.perf_counter()
            search(archive, q)
            times.append(1000 * (time.perf_counter() - t))
        out[name] = {"p50_ms": round(float(np.percentile(times, 50)), 1),
                     "p95_ms": round(float(np.percentile(times, 95)), 1)}
    exact = {"exact_below": search_module.EXACT_BELOW}
    out.update(exact)
    times = []
    for k in range(50):
        vector = StandIn().query(f"x{k}")
        t = time.perf_counter()
        index.search(vector, 200)
        times.append(1000 * (time.perf_counter() - t))
    out["usearch_top200_ms"] = round(float(np.median(times)), 2)
    out["vm_hwm_queries_mb"] = round(_vm("VmHWM"), 1)
    t = time.perf_counter()
    archive._rebuild()
    out["index_rebuild_s"] = round(time.perf_counter() - t, 1)
    out["vm_hwm_mb"] = round(_vm("VmHWM"), 1)
    archive.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work" / "scale")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--grow", type=int, default=1000, help="articles then added to a copy (0: skip)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args(argv)
    if args.measure_only:
        print(json.dumps(measure(args.work, args.queries)))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    built = None
    marker = args.work / "built.json"
    if marker.is_file() and json.loads(marker.read_text()).get("articles") == args.articles:
        built = json.loads(marker.read_text())
    else:
        for name in ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm", "archive.usearch",
                     "archive.usearch.json"):
            (args.work / name).unlink(missing_ok=True)
        built = build(args.work, args.articles)
        marker.write_text(json.dumps(built))
    done = subprocess.run([sys.executable, __file__, "--measure-only", "--work", str(args.work), "--queries",
                           str(args.queries)], capture_output=True, text=True, check=True, env=os.environ)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    grown = grow(args.work, args.grow) if args.grow else None
    from kabar.archive import Embedder

    e5 = Embedder()
    e5.query("warm up")
    t = time.perf_counter()
    for i in range(20):
        e5.query(f"banjir Bekasi {i}")
    e5_ms = 1000 * (time.perf_counter() - t) / 20
    print(json.dumps({"built": built, "measured": measured, "grown": grown, "e5_query_ms": round(e5_ms, 1)},
                     indent=1))
    print(f"\n{built['articles']:,} articles: build {built['build_s']} s ({built['s_last_1000']} s for the "
          f"last batch of up to 1,000, story assignment and FTS included, no e5), archive.sqlite {built['sqlite_mb']} MB, "
          f"archive.usearch {built['usearch_mb']} MB")
    print(f"reader: index load {measured['index_load_ms']} ms, RSS {measured['rss_after_load_mb']} MB after load, "
          f"peak (VmHWM) {measured['vm_hwm_queries_mb']} MB after the queries; index rebuild from SQLite "
          f"{measured['index_rebuild_s']} s, peak {measured['vm_hwm_mb']} MB")
    if grown:
        print(f"one more article at this size: {grown['ms_per_article']} ms (added {grown['batch']} at a time, "
              f"as kabar run does; e5 not included), of which the story scan {grown['story_scan_ms']} ms")
    print("| query | p50 ms | p95 ms |\n|---|---|---|")
    for name in ("keyword", "embedding", "hybrid", "hybrid, one month", "hybrid, one outlet"):
        print(f"| {name} | {measured[name]['p50_ms']} | {measured[name]['p95_ms']} |")
    print(f"(plus the query's e5 embedding: {e5_ms:.1f} ms on this machine; usearch alone, top 200: "
          f"{measured['usearch_top200_ms']} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
