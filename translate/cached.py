"""A :class:`Translator` wrapper that answers from the SQLite sentence cache and translates only the rest."""
from __future__ import annotations

from collections.abc import Sequence

from translate import metrics
from translate.base import Translator
from translate.cache import SentenceCache


class CachedTranslator:
    """Wrap ``inner`` with a persistent cache; ``hits`` and ``misses`` count sentences looked up."""

    def __init__(self, inner: Translator, cache: SentenceCache):
        self.inner = inner
        self.cache = cache
        self.info = inner.info
        self.hits = 0
        self.misses = 0

    def translate(self, sentences: Sequence[str]) -> list[str]:
        """Translate ``sentences``, using cached translations where there are some."""
        model_key, engine_key = self.info.cache_key
        known = self.cache.get_many(model_key, engine_key, sentences)
        todo = list(dict.fromkeys(s for s in sentences if s not in known))
        hits = sum(1 for s in sentences if s in known)
        self.hits += hits
        self.misses += len(sentences) - hits
        metrics.count_lookups(metrics.SENTENCE_CACHE, len(sentences), hits)
        if todo:
            fresh = self.inner.translate(todo)
            self.cache.put_many(model_key, engine_key, zip(todo, fresh))
            known.update(zip(todo, fresh))
        return [known[s] for s in sentences]

    def translate_without_loops(self, sentences: Sequence[str]) -> list[str]:
        """The inner engine's loop-free decoding (repairs are rare and not cached)."""
        return self.inner.translate_without_loops(sentences)

    def translate_nbest(self, sentences: Sequence[str], n: int) -> list[list[str]]:
        """The inner engine's n-best lists (alternatives are not cached)."""
        return self.inner.translate_nbest(sentences, n)
