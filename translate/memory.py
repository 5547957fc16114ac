"""The translation memory: editors' corrections (and LibreTranslate-style suggestions), in SQLite.

A sentence is looked up by its *key*: the text after Kabar's normalisation (Unicode NFC, mojibake repaired,
control characters dropped, every run of white space one space, no white space at either end). Case, quotes
and punctuation are kept: "KPK menahan dua tersangka." and "KPK menahan dua tersangka" are two sentences.

An exact match is the English a person wrote, so the pipeline takes it instead of the model's and marks it
``"origin": "human"``; the sentence cache never answers for such a sentence. Unlike the caches, the memory is
the editors' work: a write that fails raises (it is never dropped with a warning), and a damaged file is an
error naming it, never moved aside.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from news.errors import ConfigError, KabarError
from news.text import normalize_text
from translate import metrics

MAX_SOURCE_CHARS = 2_000  # a sentence; longer text is not a sentence a person corrects
MAX_TARGET_CHARS = 4_000
MAX_EDITOR_CHARS = 100
DEFAULT_MAX_ENTRIES = 200_000  # per memory file; $KABAR_TM_MAX sets another
ENV_TM = "KABAR_TM"
ENV_TM_MAX = "KABAR_TM_MAX"
ORIGINS = ("correction", "suggestion", "import")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memory (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    machine TEXT,
    editor TEXT,
    origin TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    note TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memory_order ON memory(created, key);
CREATE TABLE IF NOT EXISTS translated (
    key TEXT NOT NULL,
    machine TEXT NOT NULL,
    article TEXT NOT NULL,
    model TEXT NOT NULL,
    outlet TEXT,
    date TEXT,
    checks TEXT NOT NULL,
    qe REAL,
    qe_low INTEGER NOT NULL,
    recorded TEXT NOT NULL,
    PRIMARY KEY (key, article, model)
);
CREATE INDEX IF NOT EXISTS translated_time ON translated(recorded);
"""
# Sentences Kabar translated, recorded beside the corrections for eval.postedits (quality from corrections): once
# per sentence, article and model; the oldest go first past this many ($KABAR_RECORD_MAX sets another).
DEFAULT_MAX_TRANSLATED = 1_000_000
ENV_RECORD_MAX = "KABAR_RECORD_MAX"
MAX_ARTICLE_CHARS = 500  # an article id or URL, a model name, an outlet: longer ones are cut
_COLUMNS = ("key", "source", "target", "machine", "editor", "origin", "created", "updated")  # every memory has these
MAX_NOTE_CHARS = 1_000
PREFER = ("newer", "theirs", "ours")  # which entry an import keeps where both sides have one
_CHUNK = 500


class CorrectionError(KabarError):
    """A correction that cannot be stored (empty, too long, memory full); the message says which and why.

    ``entry`` is the 1-based position of the bad entry in an :meth:`TranslationMemory.add_many` call (None for
    an error of the whole batch) and ``reason`` the message without it, so an importer can name its own line."""

    def __init__(self, reason: str, entry: int | None = None):
        self.reason, self.entry = reason, entry
        super().__init__(f"entry {entry}: {reason}" if entry is not None else reason)


def memory_key(sentence: str) -> str:
    """The form a sentence is matched by: normalised text, white space collapsed, ends stripped."""
    return " ".join(normalize_text(sentence).split())


def _clean(text, what: str, limit: int, *, required: bool = True) -> str | None:
    if text is None and not required:
        return None
    if not isinstance(text, str):
        raise CorrectionError(f"the {what} must be text, not {type(text).__name__}")
    text = memory_key(text)  # stored as it is matched
    if not text:
        if required:
            raise CorrectionError(f"the {what} is empty")
        return None
    if len(text) > limit:
        raise CorrectionError(f"the {what} has {len(text)} characters; the limit is {limit}")
    return text


@dataclass(frozen=True)
class Entry:
    """One remembered translation."""

    source: str
    target: str
    machine: str | None = None  # the machine translation it replaced, where known
    editor: str | None = None
    origin: str = "correction"  # correction (Kabar's UI or API), suggestion (POST /suggest), import
    created: str = ""
    updated: str = ""
    note: str | None = None  # a translator's note (TMX <note>), kept and exported back

    def to_dict(self) -> dict:
        return asdict(self)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class TranslationMemory:
    """Corrections by normalised source sentence, shared by every process that opens the same file."""

    def __init__(self, path: str | Path, *, max_entries: int | None = None, readonly: bool = False):
        """Open (or create) the memory at ``path``; with ``readonly`` the file is only read (never created,
        never changed). A file that is not a Kabar memory (another SQLite database, an archive) is refused with
        an error naming it, and left as it was."""
        self.path = Path(path)
        self.readonly = readonly
        env_max = os.environ.get(ENV_TM_MAX, "").strip()
        self.max_entries = int(max_entries or (int(env_max) if env_max.isdigit() else DEFAULT_MAX_ENTRIES))
        env_record = os.environ.get(ENV_RECORD_MAX, "").strip()
        self.max_translated = int(env_record) if env_record.isdigit() else DEFAULT_MAX_TRANSLATED
        self._lock = threading.Lock()
        if self.path.exists() and not self.path.is_file():
            raise ConfigError(f"Translation memory {self.path} is not a file; pass a file with --tm.")
        if readonly and not self.path.is_file():
            raise ConfigError(f"Translation memory {self.path} does not exist; pass another with --tm (kabar tm add "
                              "or kabar tm import creates one).")
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"Translation memory folder {self.path.parent} cannot be created "
                                  f"({exc.strerror or exc}); pass another file with --tm.") from None
        try:
            if readonly:
                self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                             check_same_thread=False, isolation_level=None)
            else:
                self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False,
                                             isolation_level=None)
            self._check_schema()
            if not readonly:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.executescript(_SCHEMA)
                if "note" not in {row[1] for row in self._conn.execute("PRAGMA table_info(memory)")}:
                    self._conn.execute("ALTER TABLE memory ADD COLUMN note TEXT")  # a memory made before notes
            self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM memory LIMIT 1").fetchall()
            has_note = "note" in {row[1] for row in self._conn.execute("PRAGMA table_info(memory)")}
            # what an Entry is read from, in its field order (a read-only memory made before notes has none)
            self._fields = ", ".join([*_COLUMNS[1:], "note" if has_note else "NULL"])
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"Translation memory {self.path} cannot be read ({exc}): it is not a Kabar memory or "
                              "it is damaged. Restore it from an export (kabar tm import) or pass another with "
                              "--tm.") from None

    def _check_schema(self) -> None:
        """Refuse a database that holds tables but not the memory's (nothing is written to it first)."""
        tables = {name for (name,) in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "memory" in tables:
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(memory)")}
            if set(_COLUMNS) <= columns:
                return
        elif not tables and not self.readonly:
            return  # a new (or empty) file: the memory's tables are made in it
        what = "has no memory table" if "memory" not in tables else "has a memory table of another shape"
        raise ConfigError(f"{self.path} is not a Kabar translation memory (it {what}"
                          f"{': it holds ' + ', '.join(sorted(tables)[:5]) if tables else ''}); it was left "
                          "unchanged. Pass a memory file with --tm.")

    # -- reading --------------------------------------------------------------------------------------
    def get_many(self, sentences: Sequence[str]) -> dict[str, str]:
        """The remembered English for those of ``sentences`` that have an exact (normalised) match."""
        keys = {}
        for s in sentences:
            if isinstance(s, str) and len(s) <= MAX_SOURCE_CHARS * 2:
                keys.setdefault(memory_key(s), []).append(s)
        unique = [k for k in keys if k]
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                rows = self._conn.execute(f"SELECT key, target FROM memory WHERE key IN ({','.join('?' * len(chunk))})",
                                          chunk).fetchall()
                for key, target in rows:
                    for s in keys[key]:
                        found[s] = target
        return found

    def lookup(self, sentences: Sequence[str]) -> dict[str, str]:
        """:meth:`get_many` for sentences about to be translated, counted as memory hits and misses
        (translate.metrics); the article cache's freshness check reads with :meth:`get_many`, uncounted."""
        known = self.get_many(sentences)
        metrics.count_lookups(metrics.MEMORY, len(sentences), sum(1 for s in sentences if s in known))
        return known

    def get(self, sentence: str) -> Entry | None:
        """The whole entry for one sentence, or None."""
        with self._lock:
            row = self._conn.execute(f"SELECT {self._fields} FROM memory WHERE key=?",
                                     (memory_key(sentence),)).fetchone()
        return Entry(*row) if row else None

    def entries(self) -> Iterator[Entry]:
        """Every entry, oldest first (read in pages: memory stays flat however large the file)."""
        last = ("", "")
        while True:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT {self._fields}, key FROM memory "
                    "WHERE (created, key) > (?, ?) ORDER BY created, key LIMIT 1000", last).fetchall()
            if not rows:
                return
            for row in rows:
                yield Entry(*row[:8])
            last = (rows[-1][5], rows[-1][8])

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM memory").fetchone()[0]

    def page(self, *, offset: int = 0, limit: int = 100, after: str | None = None) -> tuple[int, list[Entry], str | None]:
        """One page of entries, oldest first: ``(total, entries, cursor of the next page or None)``.

        With ``after`` (a cursor from an earlier page) the page is found on the ``(created, key)`` index whatever
        its depth (keyset pagination); an ``offset`` at or past the total answers an empty page without reading
        any entry; any other offset is walked on the index (no entry is read before it).
        """
        total = len(self)
        if after is not None:
            query, params = "WHERE (created, key) > (?, ?) ", [*self._resume_at(after)]
        elif offset >= total:
            return total, [], None
        else:
            query, params = "", []
        with self._lock:  # one row more than the page tells whether there is a next one
            rows = self._conn.execute(
                f"SELECT {self._fields}, key FROM memory {query}ORDER BY created, key LIMIT ? OFFSET ?",
                [*params, limit + 1, 0 if after is not None else offset]).fetchall()
        more, rows = len(rows) > limit, rows[:limit]
        return total, [Entry(*row[:8]) for row in rows], _cursor(rows[-1][5], rows[-1][8]) if more else None

    # -- writing --------------------------------------------------------------------------------------
    def _resume_at(self, cursor: str) -> tuple[str, str]:
        """The (created, key) a cursor stands for: among the keys of that time beginning with its prefix (found on the
        index, a handful), the one whose hash it carries; if that entry is gone, the page goes on from the prefix."""
        created, prefix, digest = _parse_cursor(cursor)
        with self._lock:
            rows = self._conn.execute("SELECT key FROM memory WHERE created = ? AND key >= ? ORDER BY key LIMIT 1000",
                                      (created, prefix)).fetchall()
        for (key,) in rows:
            if not key.startswith(prefix):
                break
            if _key_hash(key) == digest:
                return created, key
        return created, prefix

    def add(self, source: str, target: str, *, machine: str | None = None, editor: str | None = None,
            origin: str = "correction") -> Entry:
        """Remember ``target`` as the English of ``source`` (replacing an earlier entry for the same sentence)."""
        return self.add_many([Entry(source, target, machine, editor, origin)])[0]

    def add_many(self, entries: Iterable[Entry]) -> list[Entry]:
        """Store entries in one transaction (all or none), each replacing the entry of its sentence (an editor's
        correction is the newest word); each is checked first, and the error names the first bad one by its
        position."""
        return self._store(entries, None)[0]

    def merge_many(self, entries: Iterable[Entry], *, prefer: str = "newer") -> dict[str, int]:
        """Merge entries from elsewhere (an import) in one transaction: where the memory has the sentence already,
        ``prefer`` says which English stays: ``newer`` (the later ``updated`` wins; the memory's on a tie),
        ``theirs`` (the entry given) or ``ours`` (the memory's). Returns ``{"added", "replaced", "kept"}``."""
        if prefer not in PREFER:
            raise CorrectionError(f"prefer must be one of {', '.join(PREFER)}, not {prefer!r}")
        return self._store(entries, prefer)[1]

    def _store(self, entries: Iterable[Entry], prefer: str | None) -> tuple[list[Entry], dict[str, int]]:
        checked: list[Entry] = []
        now = _now()
        for n, e in enumerate(entries, 1):
            try:
                if e.origin not in ORIGINS:
                    raise CorrectionError(f"origin must be one of {', '.join(ORIGINS)}")
                checked.append(Entry(_clean(e.source, "source sentence", MAX_SOURCE_CHARS),
                                     _clean(e.target, "English", MAX_TARGET_CHARS),
                                     _clean(e.machine, "machine translation", MAX_TARGET_CHARS, required=False),
                                     _clean(e.editor, "editor name", MAX_EDITOR_CHARS, required=False),
                                     e.origin, valid_time(e.created) or now, valid_time(e.updated) or now,
                                     _clean(e.note, "note", MAX_NOTE_CHARS, required=False)))
            except CorrectionError as exc:
                raise CorrectionError(exc.reason, entry=n) from None
        counts = {"added": 0, "replaced": 0, "kept": 0}
        if not checked:
            return [], counts
        rows = [(memory_key(e.source), e.source, e.target, e.machine, e.editor, e.origin, e.created, e.updated,
                 e.note) for e in checked]
        # an entry met again keeps its first creation time, its first machine translation and its note if the
        # new one has none; ``newer`` replaces only with a later update (ties keep the memory's)
        action = {None: "", "theirs": "", "newer": " WHERE excluded.updated > memory.updated"}.get(prefer)
        upsert = ("INSERT INTO memory (key, source, target, machine, editor, origin, created, updated, note) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO "
                  + ("NOTHING" if action is None else
                     "UPDATE SET source=excluded.source, target=excluded.target, "
                     "machine=COALESCE(memory.machine, excluded.machine), editor=excluded.editor, "
                     "origin=excluded.origin, created=MIN(memory.created, excluded.created), "
                     "updated=excluded.updated, note=COALESCE(excluded.note, memory.note)" + action))
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                have = self._conn.execute("SELECT COUNT(*) FROM memory").fetchone()[0]
                updated: dict[str, str] = {}
                keys = list(dict.fromkeys(r[0] for r in rows))
                for start in range(0, len(keys), _CHUNK):
                    chunk = keys[start:start + _CHUNK]
                    updated.update(self._conn.execute(
                        f"SELECT key, updated FROM memory WHERE key IN ({','.join('?' * len(chunk))})", chunk))
                new = len(set(keys) - set(updated))
                if have + new > self.max_entries:
                    raise CorrectionError(f"the translation memory {self.path.name} holds {have} entries; {new} "
                                          f"more would pass its limit of {self.max_entries} ({ENV_TM_MAX} sets it)")
                for row in rows:  # what the statement will do, row by row, as SQLite applies them
                    old = updated.get(row[0])
                    if old is None:
                        counts["added"] += 1
                    elif prefer in (None, "theirs") or (prefer == "newer" and row[7] > old):
                        counts["replaced"] += 1
                    else:
                        counts["kept"] += 1
                        continue
                    updated[row[0]] = row[7]
                self._conn.executemany(upsert, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return checked, counts

    # -- what Kabar translated (for quality from corrections: eval.postedits) ---------------------------------------
    def record(self, rows: Iterable[dict], *, at: str | None = None) -> int:
        """Record sentences Kabar translated: dicts with ``source``, ``machine``, ``model``, ``article`` and optional
        ``outlet``, ``date``, ``checks`` (names of the checks that flagged it), ``qe``, ``qe_low``. A sentence is
        recorded once per article and model (a rerun adds nothing); one longer than a memory sentence is skipped (it
        cannot be corrected). Past ``max_translated`` rows, the oldest are dropped. Returns how many were added."""
        import json

        when = at or _now()
        values = []
        for row in rows:
            key = memory_key(row["source"]) if isinstance(row.get("source"), str) else ""
            machine = row.get("machine")
            if not key or len(key) > MAX_SOURCE_CHARS or not isinstance(machine, str) or not machine.strip():
                continue
            qe = row.get("qe")
            values.append((key, machine[:MAX_TARGET_CHARS], str(row.get("article") or "")[:MAX_ARTICLE_CHARS],
                           str(row.get("model") or "")[:MAX_ARTICLE_CHARS],
                           str(row["outlet"])[:MAX_ARTICLE_CHARS] if row.get("outlet") else None,
                           str(row["date"])[:40] if row.get("date") else None,
                           json.dumps(sorted({str(c)[:40] for c in row.get("checks") or ()})),
                           float(qe) if isinstance(qe, (int, float)) else None, int(bool(row.get("qe_low"))), when))
        if not values:
            return 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                before = self._conn.total_changes
                self._conn.executemany("INSERT OR IGNORE INTO translated VALUES (?,?,?,?,?,?,?,?,?,?)", values)
                added = self._conn.total_changes - before
                over = self._conn.execute("SELECT COUNT(*) FROM translated").fetchone()[0] - self.max_translated
                if over > 0:
                    self._conn.execute("DELETE FROM translated WHERE rowid IN (SELECT rowid FROM translated "
                                       "ORDER BY recorded, rowid LIMIT ?)", (over,))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return added

    def translated(self, start: str | None = None, end: str | None = None) -> Iterator[dict]:
        """The recorded sentences from day ``start`` to day ``end`` (YYYY-MM-DD, both included), oldest first."""
        import json

        if "translated" not in self._tables():
            return
        low, high = start or "", (end + "U") if end else "\uffff"  # "2026-12-01U" sorts after that day's times
        last = 0
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT rowid, key, machine, article, model, outlet, date, checks, qe, qe_low, recorded "
                    "FROM translated WHERE recorded >= ? AND recorded < ? AND rowid > ? ORDER BY rowid LIMIT 1000",
                    (low, high, last)).fetchall()
            if not rows:
                return
            for row in rows:
                yield {"key": row[1], "machine": row[2], "article": row[3], "model": row[4], "outlet": row[5],
                       "date": row[6], "checks": json.loads(row[7]), "qe": row[8], "qe_low": bool(row[9]),
                       "recorded": row[10]}
            last = rows[-1][0]

    def prune_translated(self, before: str) -> int:
        """Forget the sentences recorded before day ``before`` (YYYY-MM-DD); the corrections stay. Returns how many."""
        with self._lock:
            return self._conn.execute("DELETE FROM translated WHERE recorded < ?", (before,)).rowcount

    def _tables(self) -> set[str]:
        with self._lock:
            return {name for (name,) in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def remove(self, source: str) -> bool:
        """Forget the entry for ``source``; True when there was one."""
        with self._lock:
            return self._conn.execute("DELETE FROM memory WHERE key=?", (memory_key(source),)).rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()


CURSOR_PREFIX = 60  # characters of the last key a cursor carries (with a hash of the whole key): a short URL


def _key_hash(key: str) -> str:
    import hashlib

    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _cursor(created: str, key: str) -> str:
    """A page cursor: the last entry's time, the first characters of its key and a hash of the whole key (ASCII,
    at most about 600 characters however long the key)."""
    import base64
    import json

    data = json.dumps([created[:40], key[:CURSOR_PREFIX], _key_hash(key)]).encode("ascii")
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _parse_cursor(cursor: str) -> tuple[str, str, str]:
    """(created, key prefix, key hash) of a cursor; one that is not ours is a :class:`CorrectionError`."""
    import base64
    import binascii
    import json

    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeError, binascii.Error):
        value = None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise CorrectionError("'after' is not a cursor this server gave out (use the 'next' of the previous page)")
    return value[0], value[1], value[2]


def valid_time(value) -> str | None:
    """``value`` as Kabar stores times (``YYYY-MM-DDTHH:MM:SSZ``, UTC) when it is an ISO 8601 date and time
    (a zone other than UTC is converted; no zone is taken as UTC); None for anything else."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(value.strip()) <= 10 or not 1900 <= moment.year <= 9999:  # a bare date is not a time of an edit
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def memory_path(tm: str | None, cache_dir: Path) -> Path:
    """The memory file: ``--tm FILE`` > ``$KABAR_TM`` > ``memory.sqlite`` in Kabar's cache folder."""
    return Path(tm or os.environ.get(ENV_TM) or cache_dir / "memory.sqlite").expanduser()
