"""A sentence scorer learned from IndoSum: gradient-boosted trees over language-independent features.

The model is trained by ``python -m summarize.train`` (LightGBM, fixed seed) and shipped as JSON
(``summarize/models/indosum-gbdt.json``): the feature names, every tree as flat arrays, and the
summary length learned from the human summaries (a word budget). Scoring needs only NumPy: all trees
are walked for all sentences at once, one level per step.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from news.errors import ConfigError
from summarize.base import auto_cap, content_words, tfidf
from summarize.features import FEATURES, sentence_features

MODEL_PATH = Path(__file__).resolve().parent / "models" / "indosum-gbdt.json"
# Two summary sentences say the same thing when their TF-IDF cosine reaches MAX_SIMILARITY or 60% of the
# content words of the shorter one are in the other (MAX_OVERLAP); the later-ranked one is skipped. Set
# from the English seeds: their teaser/lead pairs are at cosine 0.93 (000) and 0.59 with overlap 0.67
# (001), every other pair of those articles at or below 0.3 overlap.
MAX_SIMILARITY = 0.6
MAX_OVERLAP = 0.6
MAX_AUTO_SENTENCES = 5
# Only the first sentences are scored (the features compare every pair: n x n). The model was trained on
# each article's first 60; news puts what a summary needs up front. Later sentences score below all of these.
MAX_SCORED_SENTENCES = 200


def _overlap(a: set, b: set) -> float:
    """Share of the smaller set's words found in the other (overlap coefficient)."""
    return len(a & b) / max(1, min(len(a), len(b)))


class Trees:
    """Gradient-boosted trees as padded arrays: ``feature``, ``threshold``, ``left``, ``right``, ``value``
    of shape (trees, nodes); a leaf points to itself, so every walk can take ``depth`` steps."""

    def __init__(self, data: dict):
        trees = data["trees"]
        width = max(len(t["feature"]) for t in trees)

        def pad(key, fill, dtype):
            out = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t[key])] = t[key]
            return out

        self.feature = pad("feature", 0, np.int64)
        self.threshold = pad("threshold", 0.0, np.float64)
        self.left = pad("left", 0, np.int64)
        self.right = pad("right", 0, np.int64)
        self.value = pad("value", 0.0, np.float64)
        self.depth = int(data["depth"])
        self.base = float(data.get("base", 0.0))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The summed raw score of every tree for each row of ``x`` (n, features)."""
        n_trees = self.feature.shape[0]
        rows = np.arange(x.shape[0])[None, :]
        tree = np.arange(n_trees)[:, None]
        node = np.zeros((n_trees, x.shape[0]), dtype=np.int64)
        for _ in range(self.depth):
            go_left = x[rows, self.feature[tree, node]] <= self.threshold[tree, node]
            node = np.where(go_left, self.left[tree, node], self.right[tree, node])
        return self.base + self.value[tree, node].sum(axis=0)


@lru_cache(maxsize=4)
def load_model(path: str) -> tuple[Trees, dict]:
    """The trees and settings of a model file (cached per path)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Summary model {path} cannot be read ({exc}); rebuild it with "
                          "python -m summarize.train or choose --summarizer textrank.") from None
    if tuple(data.get("features", ())) != FEATURES:
        raise ConfigError(f"Summary model {path} was trained on other features; rebuild it with "
                          "python -m summarize.train.")
    return Trees(data), {k: v for k, v in data.items() if k != "trees"}


class Learned:
    """Rate sentences with the shipped IndoSum model; choose the length and skip repeats (:meth:`choose`)."""

    name = "learned"
    label = "learned (IndoSum model)"  # what the UI lists it as

    def __init__(self, *, model_path: str | Path | None = None, max_similarity: float = MAX_SIMILARITY,
                 model: tuple[Trees, dict] | None = None):
        self.model_path = str(model_path or MODEL_PATH)
        self.max_similarity = max_similarity
        self._model = model  # trees and settings already in memory (cross-validation); else read the file

    def _load(self) -> tuple[Trees, dict]:
        return self._model if self._model is not None else load_model(self.model_path)

    def rank(self, sentences: Sequence[str], lang: str) -> list[float]:
        """The model's score for each sentence (higher: more summary-worthy)."""
        return self._scores(sentences, lang)[0] if sentences else []

    def _scores(self, sentences: Sequence[str], lang: str) -> tuple[list[float], np.ndarray]:
        """Scores of every sentence, and the TF-IDF vectors of the scored head (reused by :meth:`choose`)."""
        trees, _ = self._load()
        head = sentences[:MAX_SCORED_SENTENCES]
        vectors = tfidf(head, lang)
        scores = [float(v) for v in trees.predict(sentence_features(head, lang, vectors=vectors))]
        floor = min(scores) - 1.0
        return scores + [floor - i * 1e-6 for i in range(len(sentences) - len(head))], vectors

    def choose(self, sentences: Sequence[str], lang: str, *, n: int | None = None,
               ratio: float | None = None) -> list[int]:
        """Indices of the summary, in article order: ``n`` sentences, a ``ratio``, or (both None) as many as
        the learned word budget holds (1 to 5, and at most half the article's sentences); a sentence too similar to a chosen one is skipped (with an
        asked-for length, repeats fill the summary only when the article has no other sentence left)."""
        if not sentences:
            return []
        scores, vectors = self._scores(sentences, lang)
        _, settings = self._load()
        if ratio is not None:
            n = max(1, math.ceil(ratio * len(sentences)))
        candidates = sorted(range(len(sentences)), key=lambda k: (-scores[k], k))
        if n is not None and n > MAX_SCORED_SENTENCES:  # a long explicit summary: no repeat check over all pairs
            return sorted(candidates[:n])
        words_of = [set(content_words(x, lang)) for x in sentences[:MAX_SCORED_SENTENCES]]
        budget = float(settings["word_budget"])
        chosen: list[int] = []
        skipped: list[int] = []
        words = 0
        for i in candidates:
            if i >= MAX_SCORED_SENTENCES:  # unscored tail: ranked below every scored sentence
                break
            if n is not None and len(chosen) >= n:
                break
            if n is None and (len(chosen) >= min(MAX_AUTO_SENTENCES, auto_cap(len(sentences)))
                              or (chosen and words + len(sentences[i].split()) / 2 > budget)):
                break
            if chosen and (float((vectors[chosen] @ vectors[i]).max()) >= self.max_similarity
                           or max(_overlap(words_of[i], words_of[j]) for j in chosen) >= MAX_OVERLAP):
                skipped.append(i)
                continue
            chosen.append(i)
            words += len(sentences[i].split())
        if n is not None and len(chosen) < n:  # an asked-for length is kept when only repeats are left
            chosen += skipped[: n - len(chosen)]
        return sorted(chosen)
