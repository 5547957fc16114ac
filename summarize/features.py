"""Sentence features for the learned summarizer: cheap, language-independent, computed per article.

Every feature reads only the article's own sentences (positions, lengths, word overlap, digits,
quotes), so Indonesian and English articles are scored by the same model. The list order is the
model's input order: never reorder it without retraining (the model file records the names).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from summarize.base import content_words

_QUOTE = re.compile(r"[\"\u201c\u201d]")
_WORD = re.compile(r"\w+")

FEATURES = (
    "position", "relative_position", "inverse_position", "sentences_in_article", "words", "words_vs_mean",
    "centrality", "similarity_to_first", "similarity_to_second", "similarity_to_centroid", "has_quote",
    "digit_share", "capital_share", "ends_with_colon", "max_similarity_to_earlier", "new_word_share",
    "textrank", "textrank_rank",
)


def tfidf(sentences: Sequence[str], lang: str) -> np.ndarray:
    """Row-normalized TF-IDF vectors of content words (IDF from the article itself)."""
    bags = [Counter(content_words(s, lang)) for s in sentences]
    df = Counter(w for bag in bags for w in bag)
    vocab = {w: j for j, w in enumerate(df)}
    n = len(sentences)
    matrix = np.zeros((n, max(1, len(vocab))))
    for i, bag in enumerate(bags):
        for w, tf in bag.items():
            matrix[i, vocab[w]] = (1 + math.log(tf)) * (math.log((1 + n) / (1 + df[w])) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def sentence_features(sentences: Sequence[str], lang: str, *, textrank_scores: Sequence[float] | None = None
                      ) -> np.ndarray:
    """An ``(n, len(FEATURES))`` matrix for the article's ``n`` sentences."""
    n = len(sentences)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    vectors = tfidf(sentences, lang)
    sim = vectors @ vectors.T
    np.fill_diagonal(sim, 0.0)
    centroid = vectors.sum(axis=0)
    norm = np.linalg.norm(centroid)
    to_centroid = vectors @ (centroid / norm) if norm > 0 else np.zeros(n)
    words = np.array([len(_WORD.findall(s)) for s in sentences], dtype=float)
    earlier = np.array([sim[i, :i].max() if i else 0.0 for i in range(n)])
    seen: set[str] = set()
    new_share = []
    for s in sentences:
        tokens = set(content_words(s, lang))
        new_share.append(len(tokens - seen) / max(1, len(tokens)))
        seen |= tokens
    if textrank_scores is None:
        from summarize.textrank import TextRank

        textrank_scores = TextRank().rank(sentences, lang)
    tr = np.asarray(textrank_scores, dtype=float)
    tr_rank = np.empty(n)
    tr_rank[np.argsort(-tr, kind="stable")] = np.arange(n)
    position = np.arange(n, dtype=float)
    chars = [max(1, len(s)) for s in sentences]
    columns = [
        position, position / max(1, n - 1), 1.0 / (position + 1), np.full(n, float(n)), words,
        words / max(1e-9, words.mean()), sim.sum(axis=1) / max(1, n - 1), sim[0], sim[1] if n > 1 else np.zeros(n),
        to_centroid, np.array([bool(_QUOTE.search(s)) for s in sentences], dtype=float),
        np.array([sum(c.isdigit() for c in s) / k for s, k in zip(sentences, chars)]),
        np.array([sum(w[:1].isupper() for w in s.split()) / max(1, len(s.split())) for s in sentences]),
        np.array([s.rstrip().endswith(":") for s in sentences], dtype=float), earlier, np.array(new_share),
        tr / max(1e-12, tr.max()), tr_rank,
    ]
    return np.stack(columns, axis=1)
