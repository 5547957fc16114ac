"""Persistent SQLite caches: translations keyed by (model, engine, source sentence), and whole
article results keyed by everything that shapes them (:class:`ArticleCache`).

WAL mode lets readers run beside a writer; each ``put_many`` is one transaction, so a crash loses
nothing that was committed and never leaves half a batch.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from pathlib import Path
from typing import Iterable, Sequence

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    engine TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (model, engine, source)
) WITHOUT ROWID;
"""
_ARTICLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
"""
_CHUNK = 500  # SQLite's default limit on bound parameters is far above 3 + this


class _Database:
    """One WAL-mode SQLite connection with a lock, for one table."""

    schema = ""
    table = ""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(self.schema)

    def _insert(self, sql: str, rows: list[tuple]) -> None:
        if not rows:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _select_in(self, sql: str, fixed: tuple, values: Sequence[str]) -> list[tuple]:
        """Rows of ``sql`` (ending in ``IN``) for the distinct ``values``, queried in chunks of ``_CHUNK``."""
        unique = list(dict.fromkeys(values))
        rows: list[tuple] = []
        with self._lock:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                rows += self._conn.execute(f"{sql} ({','.join('?' * len(chunk))})", (*fixed, *chunk)).fetchall()
        return rows

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()


class SentenceCache(_Database):
    """Translations already made, shared by every run (and process) that uses the same file."""

    schema = _SCHEMA
    table = "translations"

    def get_many(self, model: str, engine: str, sources: Sequence[str]) -> dict[str, str]:
        """Cached translations for those of ``sources`` that have one."""
        return dict(self._select_in("SELECT source, target FROM translations WHERE model=? AND engine=? AND source IN",
                                    (model, engine), sources))

    def put_many(self, model: str, engine: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Store (source, target) pairs in one transaction."""
        self._insert("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
                     [(model, engine, s, t) for s, t in pairs])


class ArticleCache(_Database):
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
        for key, data in self._select_in("SELECT key, data FROM articles WHERE key IN", (), keys):
            try:
                found[key] = json.loads(zlib.decompress(data))
            except (zlib.error, ValueError):
                continue  # a damaged entry is a miss: the article is processed again
        return found

    def put_many(self, items: Iterable[tuple[str, dict]]) -> None:
        """Store (key, result dict) pairs in one transaction."""
        self._insert("INSERT OR REPLACE INTO articles VALUES (?, ?)",
                     [(key, zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 6))
                      for key, data in items])
