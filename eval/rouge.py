"""ROUGE-1/2/L F1 of extractive summaries (rouge-score, no stemming: its stemmer is English-only)."""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from news.article import clean_and_split
from news.errors import InputError
from summarize.base import choose
from summarize.lead import Lead
from summarize.textrank import TextRank

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
SEED = 12345


@dataclass(frozen=True)
class RougeScore:
    """Mean F1 over articles (0-100) and its 95% bootstrap interval."""

    f: float
    ci: tuple[float, float]

    def to_dict(self) -> dict:
        """``{"f": ..., "ci": [lo, hi]}``."""
        return {"f": self.f, "ci": list(self.ci)}


def rouge_f1(summaries: Sequence[str], references: Sequence[str]) -> dict[str, list[float]]:
    """Per-article ROUGE F1 (0-100) for each ROUGE type."""
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=False)
    out: dict[str, list[float]] = {t: [] for t in ROUGE_TYPES}
    for summary, reference in zip(summaries, references):
        scores = scorer.score(reference, summary)
        for t in ROUGE_TYPES:
            out[t].append(100 * scores[t].fmeasure)
    return out


def bootstrap(values: Sequence[float], *, n: int = 1000, seed: int = SEED) -> tuple[float, float]:
    """95% percentile interval of the mean by resampling articles (seeded)."""
    if len(values) < 2:
        v = float(values[0]) if values else 0.0
        return (v, v)
    rng = np.random.default_rng(seed)
    arr = np.asarray(values, dtype=float)
    means = arr[rng.integers(0, len(arr), size=(n, len(arr)))].mean(axis=1)
    return (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))


def paired_bootstrap(system: Sequence[float], baseline: Sequence[float], *, n: int = 1000,
                     seed: int = SEED) -> float:
    """One-sided p-value that ``system`` is not better than ``baseline`` on the same articles: the share of
    article resamples (seeded) in which the mean difference is <= 0."""
    diff = np.asarray(system, dtype=float) - np.asarray(baseline, dtype=float)
    if len(diff) < 2:
        return 1.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n, len(diff)))].mean(axis=1)
    return float((np.sum(means <= 0) + 1) / (n + 1))


def read_summ_data(path: str | Path) -> list[dict]:
    """Articles with human summaries (JSONL with ``text`` and ``summary``); bad lines are named errors."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such file; the IndoSum ANTARA data is at "
                         "../shared/data/summarization/antara_indosum.jsonl")
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{lineno}", f"not valid JSON ({exc.msg})") from None
        if not isinstance(record.get("text"), str) or not isinstance(record.get("summary"), str):
            raise InputError(f"{path}:{lineno}", "needs string fields 'text' and 'summary'")
        records.append(record)
    if not records:
        raise InputError(str(path), "has no articles")
    return records


def article_sentences(text: str) -> list[str]:
    """The sentences Kabar would summarize: cleaned and split exactly as in the pipeline."""
    return clean_and_split(text)[1]


def baselines(n: int) -> dict[str, Callable[[list[str], int], list[int]]]:
    """LEAD-1/2/3 and a seeded random choice of ``n`` sentences, as index pickers."""
    def lead(k):
        return lambda sents, i: list(range(min(k, len(sents))))

    def rand(sents, i):
        rng = random.Random(SEED + i)
        return sorted(rng.sample(range(len(sents)), min(n, len(sents))))
    return {"lead1": lead(1), "lead2": lead(2), "lead3": lead(3), "random": rand}


def evaluate_summaries(records: Sequence[dict], *, n: int | None = 3, summarizer=None,
                       lang: str = "id", oracle: bool = True) -> dict:
    """ROUGE of Kabar's summarizer and the baselines on the same articles, with bootstrap CIs.

    ``n=None`` lets the summarizer choose the length (the learned one's word budget); the random
    baseline then takes 3 sentences. ``oracle`` adds the greedy ROUGE oracle (it reads the human summary:
    an upper bound for any extractive system, not a system). Kabar is tested against LEAD-3 and, when
    it is not TextRank itself, against TextRank (one-sided paired bootstrap over the same articles).
    """
    from summarize.oracle import greedy_oracle

    summarizer = summarizer or TextRank()
    docs = [article_sentences(r["text"]) for r in records]
    refs = [r["summary"] for r in records]
    pickers = {"kabar": lambda sents, i: choose(summarizer, sents, lang, n=n)} | baselines(n or 3)
    if summarizer.name != "textrank":
        pickers["textrank"] = lambda sents, i: choose(TextRank(), sents, lang, n=n or 3)
    if oracle:
        pickers["oracle"] = lambda sents, i: greedy_oracle(sents, refs[i])
    systems, per_system = {}, {}
    for name, pick in pickers.items():
        picks = [pick(s, i) for i, s in enumerate(docs)]
        per_system[name] = rouge_f1([" ".join(s[j] for j in p) for s, p in zip(docs, picks)], refs)
        systems[name] = {t: RougeScore(float(np.mean(v)), bootstrap(v)).to_dict() for t, v in per_system[name].items()}
        systems[name]["sentences"] = round(float(np.mean([len(p) for p in picks])), 2)
    for rival in ("lead3", "textrank"):  # is Kabar better? paired bootstrap over the same articles
        for t in ROUGE_TYPES if rival in per_system else ():
            systems["kabar"][t][f"p_vs_{rival}"] = paired_bootstrap(per_system["kabar"][t], per_system[rival][t])
    return {"systems": systems, "n_articles": len(records), "sentences": n, "summarizer": summarizer.name}


__all__ = ["Lead", "evaluate_summaries", "read_summ_data", "rouge_f1"]
