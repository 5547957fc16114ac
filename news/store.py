"""A persistent SQLite sentence cache keyed by (model, engine, source sentence).

WAL mode lets readers run beside a writer; each :meth:`SentenceCache.put_many` is one transaction,
so a crash loses nothing that was committed and never leaves half a batch.
"""
from __future__ import annotations

import sqlite3
import threading
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
_CHUNK = 500  # SQLite's default limit on bound parameters is far above 3 + this


class SentenceCache:
    """Translations already made, shared by every run (and process) that uses the same file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)

    def get_many(self, model: str, engine: str, sources: Sequence[str]) -> dict[str, str]:
        """Cached translations for those of ``sources`` that have one."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(sources))
        with self._lock:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT source, target FROM translations WHERE model=? AND engine=? AND source IN ({marks})",
                    (model, engine, *chunk))
                found.update(rows.fetchall())
        return found

    def put_many(self, model: str, engine: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Store (source, target) pairs in one transaction."""
        rows = [(model, engine, s, t) for s, t in pairs]
        if not rows:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
