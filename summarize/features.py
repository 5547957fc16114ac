"""Sentence features for the learned summarizer: cheap, language-independent, computed per article.

Every feature reads only the article's own sentences (positions, lengths, word overlap, digits,
quotes), so Indonesian and English articles are scored by the same model. The list order is the
model's input order: never reorder it without retraining (the model file records the names).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from summarize.base import content_words, tfidf

_QUOTE = re.compile(r"[\"\u201c\u201d]")
_WORD = re.compile(r"\w+")

FEATURES = (
    "position", "relative_position", "inverse_position", "sentences_in_article", "words", "words_vs_mean",
    "centrality", "similarity_to_first", "similarity_to_second", "similarity_to_centroid", "has_quote",
    "digit_share", "capital_share", "ends_with_colon", "max_similarity_to_earlier", "new_word_share",
    "textrank", "textrank_rank",
)


def sentence_features(sentences: Sequence[str], lang: str, *, vectors: np.ndarray | None = None) -> np.ndarray:
    """An ``(n, len(FEATURES))`` matrix for the article's ``n`` sentences (``vectors``: their
    :func:`~summarize.base.tfidf` rows, when the caller has them already)."""
    from summarize.textrank import TextRank

    n = len(sentences)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    vectors = tfidf(sentences, lang) if vectors is None else vectors
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
    tr = np.asarray(TextRank().rank_graph(sentences, sim), dtype=float)  # the same graph, not built again
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
