"""The persistent sentence cache: translations keyed by (model, engine, source sentence), in SQLite.

:class:`SQLiteTable` is the small WAL-mode table wrapper it is built on (the product's article cache
in :mod:`kabar.store` uses it too).

WAL mode lets readers run beside a writer; each ``put_many`` is one transaction, so a crash loses
nothing that was committed and never leaves half a batch.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from news.errors import ConfigError

log = logging.getLogger(__name__)

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
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"Cache folder {self.path.parent} cannot be created ({exc.strerror or exc}); "
                              "pass another with --cache or KABAR_CACHE.") from None
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:  # garbage, a truncated file, a folder in its place
            aside = self._move_aside(exc)
            log.warning("cache %s was damaged (%s); moved to %s and started afresh", self.path, exc, aside)
            self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and not self.path.is_file():
            raise sqlite3.DatabaseError("not a file")
        conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(self.schema)
            conn.execute(f"SELECT * FROM {self.table} LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _move_aside(self, exc: Exception) -> Path:
        """Rename the damaged file (and its WAL files) out of the way; the cache is rebuilt, nothing else is lost."""
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError as err:
            raise ConfigError(f"Cache {self.path} is damaged ({exc}) and cannot be moved aside ({err}); "
                              "delete it or pass another folder with --cache.") from None
        return aside

    def insert(self, sql: str, rows: list[tuple]) -> None:
        """Run ``sql`` for every row in one transaction (all or nothing)."""
        if not rows:
            return
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(sql, rows)
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    raise
                log.warning("cache %s could not be written (%s); results are kept, the cache is not. Delete it to "
                            "rebuild it.", self.path, exc)

    def select_in(self, sql: str, fixed: tuple, values: Sequence[str]) -> list[tuple]:
        """Rows of ``sql`` (ending in ``IN``) for the distinct ``values``, queried in chunks of ``_CHUNK``.

        A database that turns out damaged only now (a page past the first) answers with no rows and a
        warning: a cache miss, never a failed run.
        """
        unique = list(dict.fromkeys(values))
        rows: list[tuple] = []
        with self._lock:
            try:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start:start + _CHUNK]
                    rows += self._conn.execute(f"{sql} ({','.join('?' * len(chunk))})", (*fixed, *chunk)).fetchall()
            except sqlite3.DatabaseError as exc:
                log.warning("cache %s could not be read (%s); treating it as empty. Delete it to rebuild it.",
                            self.path, exc)
                return []
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
