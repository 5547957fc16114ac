"""The persistent sentence cache: translations keyed by (model, engine, source sentence), in SQLite.

:class:`SQLiteTable` is the small WAL-mode table wrapper it is built on (the product's article cache
in :mod:`kabar.store` uses it too).

WAL mode lets readers run beside a writer; each ``put_many`` is one transaction, so a crash loses
nothing that was committed and never leaves half a batch.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    engine TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (model, engine, source)
) WITHOUT ROWID;
"""
_CHUNK = 500  # SQLite's default limit on bound parameters is far above 3 + this


class SQLiteTable:
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

    def insert(self, sql: str, rows: list[tuple]) -> None:
        """Run ``sql`` for every row in one transaction (all or nothing)."""
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

    def select_in(self, sql: str, fixed: tuple, values: Sequence[str]) -> list[tuple]:
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


class SentenceCache(SQLiteTable):
    """Translations already made, shared by every run (and process) that uses the same file."""

    schema = _SCHEMA
    table = "translations"

    def get_many(self, model: str, engine: str, sources: Sequence[str]) -> dict[str, str]:
        """Cached translations for those of ``sources`` that have one."""
        return dict(self.select_in("SELECT source, target FROM translations WHERE model=? AND engine=? AND source IN",
                                    (model, engine), sources))

    def put_many(self, model: str, engine: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Store (source, target) pairs in one transaction."""
        self.insert("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
                     [(model, engine, s, t) for s, t in pairs])
