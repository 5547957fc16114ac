"""The article cache: finished results keyed by everything that shapes them, in SQLite."""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence

from translate.cache import SQLiteTable

_ARTICLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
"""


class ArticleCache(SQLiteTable):
    """Finished article results (JSON, zlib-compressed) by a key that covers every input of the result.

    The key (made by the pipeline) hashes the article text and title, the model and decoding settings,
    the summary and QE settings, and the source code of every stage, so a changed rule or model never
    serves an old result.
    """

    schema = _ARTICLE_SCHEMA
    table = "articles"

    def get_many(self, keys: Sequence[str]) -> dict[str, dict]:
        """The stored results (as dicts) for those of ``keys`` that have one."""
        found: dict[str, dict] = {}
        for key, data in self.select_in("SELECT key, data FROM articles WHERE key IN", (), keys):
            try:
                found[key] = json.loads(zlib.decompress(data))
            except (zlib.error, ValueError):
                continue  # a damaged entry is a miss: the article is processed again
        return found

    def put_many(self, items: Iterable[tuple[str, dict]]) -> None:
        """Store (key, result dict) pairs in one transaction."""
        self.insert("INSERT OR REPLACE INTO articles VALUES (?, ?)",
                     [(key, zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 6))
                      for key, data in items])
