"""Search and story-grouping benchmark: three tables, keyword (FTS5 BM25) / embedding (e5) / hybrid (fused).

    python bench/search.py [--work DIR] [--queries N] [--articles N] [--pairs N] [--json]

(a) FLORES-200 devtest: each English sentence is a query; the 1,012 Indonesian sentences are the archive (one
    article each, untranslated: the query must cross the language). recall@1 and MRR@10.
(b) IndoSum: each human summary is a query; every article in ../shared/data/summarization (ANTARA 192, train
    2,175, other 1,000) is archived, summary = its three lead sentences (not the human summary, which would leak
    the answer). recall@1 and recall@10.
(c) Stories: IndoSum articles paired with a rewritten report of the same event (truncated to its first half, or
    without its lead and in another order) and mixed with unrelated ones, among them same-category articles (the
    hard negatives), all dated the same day so the time window separates nothing. The cosine threshold is chosen
    on a dev half (best F1) and reported on the test half, pairwise; then the test half is added to a real
    archive with that threshold and its stories are scored, and a keyword baseline (Jaccard of content words,
    threshold also chosen on dev) is shown beside it.

Every run goes through kabar.archive and kabar.search as `kabar run` and `kabar search` use them. Embeddings
are cached in --work (default bench/.work/search), so a second run only searches.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kabar import archive as archive_module  # noqa: E402
from kabar.archive import Archive, Embedder, _Row  # noqa: E402
from kabar.pipeline import Result  # noqa: E402
from kabar.search import MODES, keyword_terms, make_query, search  # noqa: E402
from news.split import split_paragraphs  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
FLORES = DATA / "mt" / "flores200"
INDOSUM = [DATA / "summarization" / f"{name}.jsonl" for name in ("antara_indosum", "indosum_train", "indosum_other")]
SEED = 20261205


class CachedEmbedder:
    """Kabar's Embedder with its vectors kept on disk, keyed by (kind, text): a rerun embeds nothing again."""

    def __init__(self, path: Path):
        self.path, self.inner, self.texts, self._new = path, None, 0, 0
        self.cache: dict[tuple[bool, str], np.ndarray] = {}
        if path.is_file():
            with np.load(path, allow_pickle=False) as saved:
                for kind, text, vector in zip(saved["kinds"], saved["texts"], saved["vectors"]):
                    self.cache[(bool(kind), str(text))] = vector

    def _get(self, texts, query: bool) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if (query, t) not in self.cache))
        if todo:
            self.inner = self.inner or Embedder()
            vectors = np.stack([self.inner.query(t) for t in todo]) if query else self.inner.passages(todo)
            for t, v in zip(todo, vectors):
                self.cache[(query, t)] = v.astype(np.float32)
            self._new += len(todo)
            if self._new >= 2000:
                self.save()
        self.texts += len(texts)
        return np.stack([self.cache[(query, t)] for t in texts]) if texts else np.zeros((0, archive_module.DIM))

    def passages(self, texts):
        return self._get(list(texts), False)

    def query(self, text):
        return self._get([text], True)[0]

    def save(self):
        if not self._new:
            return
        keys = list(self.cache)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, kinds=np.array([k for k, _ in keys]), texts=np.array([t for _, t in keys]),
                 vectors=np.stack([self.cache[k] for k in keys]).astype(np.float32))
        tmp.replace(self.path)
        self._new = 0


def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s for _, s in split_paragraphs([p for p in text.split("\n") if p.strip()]))


def _day(record_id: str) -> str:
    stamp = record_id.split("-", 1)[0]
    return time.strftime("%Y-%m-%d", time.gmtime(int(stamp))) if stamp.isdigit() else "2016-08-01"


def _article(record: dict, *, article_id=None, sentences=None, date=None) -> Result:
    sentences = sentences or _sentences(record["text"])
    title = record.get("title") if record.get("title") not in (None, "None") else None
    return Result(article_id or record["id"], record["id"], "ok", title=title, date=date or _day(record["id"]),
                  outlet=record.get("source"), url=record.get("source_url"), lang="id", sentences=sentences,
                  paragraph_of=tuple(range(len(sentences))), summary_indices=tuple(range(min(3, len(sentences)))))


def _archive(where: Path, results: list[Result], embedder) -> Archive:
    archive = Archive(where, embedder=embedder)
    for start in range(0, len(results), 256):
        archive.add(results[start:start + 256])
        print(f"  archived {min(start + 256, len(results))}/{len(results)}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    embedder.save()
    return archive


def _retrieval(archive: Archive, queries: list[tuple[str, str]], ks=(1, 10)) -> dict:
    """recall@k and MRR@10 of each mode over (query, the id it should find)."""
    out = {}
    for mode in MODES:
        ranks = []
        start = time.perf_counter()
        for text, target in queries:
            hits = [h.id for h in search(archive, make_query(text[:500], mode=mode, limit=10, group=False))]
            ranks.append(hits.index(target) + 1 if target in hits else None)
        seconds = time.perf_counter() - start
        out[mode] = {f"recall@{k}": sum(1 for r in ranks if r is not None and r <= k) / len(ranks) for k in ks}
        out[mode]["mrr@10"] = sum(1 / r for r in ranks if r is not None) / len(ranks)
        out[mode]["ms_per_query"] = 1000 * seconds / len(ranks)
    return out


def _folder(work: Path, name: str, articles: int | None) -> Path:
    return work / (f"{name}-{articles}" if articles else name)  # a smaller archive never mixes with the full one


def flores(work: Path, embedder, limit: int | None, articles: int | None = None) -> dict:
    ind = (FLORES / "devtest.ind").read_text(encoding="utf-8").splitlines()[:articles]
    eng = (FLORES / "devtest.eng").read_text(encoding="utf-8").splitlines()[:articles]
    results = [Result(f"s{i}", "flores", "ok", date="2026-01-01", lang="id", sentences=(s,), paragraph_of=(0,),
                      summary_indices=(0,)) for i, s in enumerate(ind)]
    archive = _archive(_folder(work, "flores", articles), results, embedder)
    queries = [(e, f"s{i}") for i, e in enumerate(eng)][:limit]
    return {"articles": len(archive), "queries": len(queries), **_retrieval(archive, queries)}


def _indosum() -> list[dict]:
    return [json.loads(line) for path in INDOSUM for line in path.read_text(encoding="utf-8").splitlines()]


def indosum(work: Path, embedder, limit: int | None, articles: int | None = None) -> dict:
    records = _indosum()[:articles]
    archive = _archive(_folder(work, "indosum", articles), [_article(r) for r in records], embedder)
    queries = [(r["summary"], r["id"]) for r in records]
    if limit:
        queries = random.Random(SEED).sample(queries, min(limit, len(queries)))
    return {"articles": len(archive), "queries": len(queries), **_retrieval(archive, queries)}


def _variant(record: dict, n: int) -> tuple[str, tuple[str, ...]]:
    sentences = _sentences(record["text"])
    if n % 2 == 0:
        return "truncated", sentences[:max(2, (len(sentences) + 1) // 2)]
    rest = list(sentences[1:]) or list(sentences)
    random.Random(SEED + n).shuffle(rest)
    return "rewritten", tuple(rest)


def stories_case(records: list[dict], count: int) -> list[tuple[list[Result], set[frozenset]]]:
    """Two halves (dev, test): each holds ``count`` articles with a second report and ``count`` without, half of
    the latter of the same category as a paired one; and the true same-story pairs."""
    rng = random.Random(SEED)
    usable = [r for r in records if len(_sentences(r["text"])) >= 6]
    rng.shuffle(usable)
    halves, at = [], 0
    for _ in range(2):
        paired = usable[at:at + count]
        at += count
        categories = {r["category"] for r in paired}
        same = [r for r in usable[at:] if r["category"] in categories][:count // 2]
        taken = {r["id"] for r in same}
        other = [r for r in usable[at:] if r["id"] not in taken and r["category"] not in categories][:count - len(same)]
        used = {r["id"] for r in same + other}
        usable = usable[:at] + [r for r in usable[at:] if r["id"] not in used]
        results, truth = [], set()
        for n, r in enumerate(paired):
            kind, sentences = _variant(r, n)
            results.append(_article(r, date="2026-11-20"))
            results.append(_article(r, article_id=f"{r['id']}~{kind}", sentences=sentences, date="2026-11-20"))
            truth.add(frozenset((r["id"], f"{r['id']}~{kind}")))
        results += [_article(r, date="2026-11-20") for r in same + other]
        halves.append((results, truth))
    return halves


def _pairs(ids, matrix, threshold) -> set[frozenset]:
    upper = np.triu(matrix >= threshold, 1)
    return {frozenset((ids[i], ids[j])) for i, j in zip(*np.nonzero(upper))}


def _prf(predicted: set, truth: set) -> dict:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "pairs": len(predicted)}


def _best(ids, matrix, truth, grid) -> float:
    return max(grid, key=lambda t: (round(_prf(_pairs(ids, matrix, t), truth)["f1"], 6), t))


def _jaccard(results: list[Result]) -> np.ndarray:
    sets = [set(w for s in r.sentences for w in keyword_terms(s)) for r in results]
    n = len(sets)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            union = len(sets[i] | sets[j])
            out[i, j] = out[j, i] = len(sets[i] & sets[j]) / union if union else 0.0
    return out


def stories(work: Path, embedder, count: int) -> dict:
    (dev, dev_truth), (test, test_truth) = stories_case(_indosum(), count)
    out = {"articles_per_half": len(test), "true_pairs_per_half": len(test_truth)}

    def cosines(results):
        vectors = embedder.passages([_Row.of(r).passage() for r in results])
        return [r.id for r in results], vectors @ vectors.T

    dev_ids, dev_cos = cosines(dev)
    test_ids, test_cos = cosines(test)
    grid = [round(x, 3) for x in np.arange(0.80, 0.995, 0.005)]
    chosen = _best(dev_ids, dev_cos, dev_truth, grid)
    out["embedding"] = {"threshold": chosen, "dev": _prf(_pairs(dev_ids, dev_cos, chosen), dev_truth),
                        "test": _prf(_pairs(test_ids, test_cos, chosen), test_truth)}
    out["embedding"]["sweep_test"] = {str(t): _prf(_pairs(test_ids, test_cos, t), test_truth)
                                      for t in (0.85, 0.88, 0.9, 0.92, 0.93, 0.94, 0.95, 0.96)}
    dev_j, test_j = _jaccard(dev), _jaccard(test)
    grid_j = [round(x, 3) for x in np.arange(0.05, 0.95, 0.01)]
    chosen_j = _best(dev_ids, dev_j, dev_truth, grid_j)
    out["keyword_jaccard"] = {"threshold": chosen_j, "dev": _prf(_pairs(dev_ids, dev_j, chosen_j), dev_truth),
                              "test": _prf(_pairs(test_ids, test_j, chosen_j), test_truth)}
    # the shipped path: add the test half to an archive with the chosen threshold, score its stories' pairs
    saved = archive_module.STORY_THRESHOLD
    archive_module.STORY_THRESHOLD = chosen
    try:
        with tempfile.TemporaryDirectory() as folder:
            archive = Archive(folder, embedder=embedder)
            archive.add(test)
            found = archive.stories([r.id for r in test])
            archive.close()
    finally:
        archive_module.STORY_THRESHOLD = saved
    members: dict[int, list[str]] = {}
    for article_id, story in found.items():
        members.setdefault(story.key, []).append(article_id)
    predicted = {frozenset((a, b)) for group in members.values() for i, a in enumerate(group) for b in group[i + 1:]}
    out["archive_test"] = _prf(predicted, test_truth) | {"threshold": chosen, "stories": len(members)}
    hard = [p for p in predicted - test_truth]
    out["archive_test"]["false_pairs"] = len(hard)
    return out


def _table(title: str, rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([f"\n{title}", line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work" / "search",
                        help="archives and the embedding cache (kept: a rerun only searches)")
    parser.add_argument("--queries", type=int, help="at most N queries per retrieval table (default: all)")
    parser.add_argument("--articles", type=int, help="archive only the first N articles in (a) and (b) (a quick run)")
    parser.add_argument("--pairs", type=int, default=100, help="articles with a second report, per half")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for path in [FLORES / "devtest.ind", *INDOSUM]:
        if not path.is_file():
            print(f"skipped: {path} is missing (the shared data folder belongs beside the project)", file=sys.stderr)
            return 0
    args.work.mkdir(parents=True, exist_ok=True)
    embedder = CachedEmbedder(args.work / "e5-cache.npz")
    start = time.perf_counter()
    report = {"flores": flores(args.work, embedder, args.queries, args.articles),
              "indosum": indosum(args.work, embedder, args.queries, args.articles),
              "stories": stories(args.work, embedder, args.pairs)}
    embedder.save()
    report["seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    f, i, s = report["flores"], report["indosum"], report["stories"]
    print(_table(f"(a) FLORES-200 devtest, English sentence -> its Indonesian sentence among {f['articles']} "
                 f"({f['queries']} queries)", [[m, f"{f[m]['recall@1']:.3f}", f"{f[m]['mrr@10']:.3f}",
                                                f"{f[m]['ms_per_query']:.0f}"] for m in MODES],
                 ["mode", "recall@1", "MRR@10", "ms/query"]))
    print(_table(f"(b) IndoSum, human summary -> its article among {i['articles']} ({i['queries']} queries)",
                 [[m, f"{i[m]['recall@1']:.3f}", f"{i[m]['recall@10']:.3f}", f"{i[m]['ms_per_query']:.0f}"]
                  for m in MODES], ["mode", "recall@1", "recall@10", "ms/query"]))
    rows = []
    for name, key in (("embedding cosine (shipped)", "embedding"), ("keyword Jaccard", "keyword_jaccard")):
        d, t = s[key]["dev"], s[key]["test"]
        rows.append([name, f"{s[key]['threshold']:g}", f"{d['f1']:.3f}", f"{t['precision']:.3f}",
                     f"{t['recall']:.3f}", f"{t['f1']:.3f}"])
    a = s["archive_test"]
    rows.append([f"archive stories, threshold {a['threshold']:g}", "", "", f"{a['precision']:.3f}",
                 f"{a['recall']:.3f}", f"{a['f1']:.3f}"])
    print(_table(f"(c) Stories: {s['articles_per_half']} articles a half, {s['true_pairs_per_half']} true pairs "
                 "(threshold chosen on dev, scored on test)", rows,
                 ["grouping", "threshold", "dev F1", "test P", "test R", "test F1"]))
    print("\nthreshold sweep on test (embedding): " + ", ".join(
        f"{t}: P {v['precision']:.2f} R {v['recall']:.2f}" for t, v in s["embedding"]["sweep_test"].items()))
    print(f"\n{report['seconds']} s in all (embeddings cached in {args.work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
