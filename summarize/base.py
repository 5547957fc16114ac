"""The :class:`Summarizer` protocol and :func:`select`, the one helper that turns scores into a summary."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from news.errors import ConfigError

_STOPWORD_DIR = Path(__file__).resolve().parent / "stopwords"
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


class Summarizer(Protocol):
    """Rate sentences: one score per sentence, higher is more summary-worthy."""

    name: str

    def rank(self, sentences: Sequence[str], lang: str) -> list[float]:
        """Return one score per sentence, in order."""
        ...


@cache
def stopwords(lang: str) -> frozenset[str]:
    """The stop words of ``lang`` (``id`` or ``en``; other languages get none)."""
    path = _STOPWORD_DIR / f"{lang}.txt"
    if not path.is_file():
        return frozenset()
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.extend(line.split())
    return frozenset(words)


def content_words(sentence: str, lang: str) -> list[str]:
    """Lower-cased words of ``sentence`` without stop words and without one-letter tokens."""
    stop = stopwords(lang)
    return [w for w in _WORD.findall(sentence.lower()) if w not in stop and len(w) > 1]


def tfidf(sentences: Sequence[str], lang: str) -> np.ndarray:
    """Row-normalized TF-IDF vectors of each sentence's content words (IDF from the article itself)."""
    bags = [Counter(content_words(s, lang)) for s in sentences]
    df = Counter(w for bag in bags for w in bag)
    vocab = {w: j for j, w in enumerate(sorted(df))}
    n = len(sentences)
    matrix = np.zeros((n, len(vocab)))
    for i, bag in enumerate(bags):
        for w, tf in bag.items():
            matrix[i, vocab[w]] = (1 + math.log(tf)) * (math.log((1 + n) / (1 + df[w])) + 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def parse_length(value: int | float | str | None, default: int) -> tuple[int | None, float | None]:
    """Parse a summary length: ``3`` sentences, ``"20%"`` or ``0.2`` of the article, or ``"auto"`` (the
    summarizer decides). Returns (n, ratio); ``"auto"`` is (None, None)."""
    if value is None:
        return default, None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "auto":
            return None, None
        if text.endswith("%"):
            try:
                ratio = float(text[:-1]) / 100
            except ValueError:
                ratio = -1.0
            if not 0 < ratio <= 1:
                raise ConfigError(f"{value!r} is not a valid summary length. Accepted: auto, a number of "
                                  "sentences (3) or a percentage of the article (20%).")
            return None, ratio
        value = float(text) if "." in text else int(text) if text.isdigit() else text
    if isinstance(value, float) and 0 < value < 1:
        return None, value
    if isinstance(value, (int, float)) and value >= 1 and float(value).is_integer():
        return int(value), None
    raise ConfigError(f"{value!r} is not a valid summary length. Accepted: auto, a number of sentences (3) "
                      "or a percentage of the article (20%).")


def select(scores: Sequence[float], *, n: int | None = None, ratio: float | None = None) -> list[int]:
    """Indices of the best-scored sentences, in document order.

    Takes ``n`` sentences, or ``ceil(ratio * len(scores))``; never more than there are. Ties go to
    the earlier sentence.
    """
    if ratio is not None:
        n = max(1, math.ceil(ratio * len(scores))) if scores else 0
    n = len(scores) if n is None else min(n, len(scores))
    best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:n]
    return sorted(best)


def auto_cap(count: int) -> int:
    """The most sentences an automatic summary of a ``count``-sentence article takes: half, at least one."""
    return max(1, count // 2)


def choose(summarizer, sentences: Sequence[str], lang: str, *, n: int | None = None,
           ratio: float | None = None, fallback: int = 3) -> list[int]:
    """The summary's sentence indices in article order.

    A summarizer with its own ``choose`` (the learned one: length from its word budget when ``n`` and
    ``ratio`` are both None, redundancy control) decides; any other is ranked and cut by :func:`select`,
    with ``fallback`` sentences when no length was given. A length Kabar picks itself is never more than half
    the article's sentences (:func:`auto_cap`); a length asked for is taken as asked.
    """
    if hasattr(summarizer, "choose"):
        return summarizer.choose(sentences, lang, n=n, ratio=ratio)
    if n is None and ratio is None:
        n = min(fallback, auto_cap(len(sentences)))
    return select(summarizer.rank(sentences, lang), n=n, ratio=ratio)
