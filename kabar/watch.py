"""``kabar watch``: follow RSS/Atom feeds and keep an English edition of them up to date.

Every ``--every`` the feeds are read; each item's page is fetched and compared with what was processed
before by URL and content hash (kept in SQLite, ``.kabar-watch.sqlite`` in the output folder). A new
item or an edited one is processed and appended to results.jsonl; an unchanged one is not touched.
index.html is rebuilt after every poll, the reports of one story listed together (the search archive,
archive.sqlite, groups them; see kabar.archive). Ctrl-C (or SIGTERM) stops cleanly; after a hard kill the next
start resumes: an item is marked done only after its result is on disk, and results.jsonl keeps the
newest line per article, so nothing is lost and nothing is listed twice.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import signal
import sqlite3
import sys
import time
from datetime import datetime
from pathlib import Path

from news.errors import ConfigError, KabarError

STATE = ".kabar-watch.sqlite"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """Seconds from ``90``, ``30s``, ``15m``, ``2h`` or ``1d``."""
    value = str(text).strip().lower()
    unit = _UNITS.get(value[-1:], None)
    number = value[:-1] if unit else value
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an interval; use seconds (90) or 30s, 15m, 2h, 1d") from None
    if not 0 <= seconds <= 7 * 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: the interval must be between 0 and 7 days")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar watch``."""
    from kabar.options import add_archive_argument, add_fetch_arguments, add_pipeline_arguments

    parser.add_argument("--feed", action="append", required=True, metavar="URL",
                        help="an RSS or Atom feed to follow (repeatable)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (results.jsonl, articles/, "
                        "index.html, and the watch state .kabar-watch.sqlite)")
    parser.add_argument("--every", type=parse_interval, default="15m", metavar="INTERVAL",
                        help="time between two polls: 90, 30s, 15m, 2h (default: 15m)")
    parser.add_argument("--polls", type=int, metavar="N", help="stop after N polls (default: run until Ctrl-C)")
    add_pipeline_arguments(parser)
    add_fetch_arguments(parser)
    add_archive_argument(parser)


STATE_COLUMNS = ("url", "id", "hash", "processed_at")


class WatchState:
    """What has been processed: URL -> article id and content hash (SQLite, one transaction an item)."""

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(path)
            self._db.execute("CREATE TABLE IF NOT EXISTS items (url TEXT PRIMARY KEY, id TEXT NOT NULL, "
                             "hash TEXT NOT NULL, processed_at TEXT NOT NULL)")
            self._db.commit()
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(items)")]
            if columns != list(STATE_COLUMNS):  # another program's table of the same name
                self._db.close()
                raise ConfigError(f"{path}: not a Kabar watch state (its items table has columns "
                                  f"{', '.join(columns)}, not {', '.join(STATE_COLUMNS)}); move the file aside to "
                                  "start afresh (results.jsonl is kept)")
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{path}: cannot use the watch state ({exc}); move the file aside to start afresh "
                              "(results.jsonl is kept)") from None

    def hash_of(self, url: str) -> str | None:
        row = self._db.execute("SELECT hash FROM items WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def mark(self, url: str, article_id: str, digest: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)",
                             (url, article_id, digest, datetime.now().isoformat(timespec="seconds")))

    def id_of(self, url: str) -> str | None:
        row = self._db.execute("SELECT id FROM items WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def content_hash(title: str | None, text: str) -> str:
    """What decides whether an item changed: its title and extracted text."""
    return hashlib.blake2b(f"{title or ''}\n{text}".encode("utf-8", "replace"), digest_size=16).hexdigest()


def poll(pipeline, feeds: list[str], fetcher, out: Path, state: WatchState, *, archive: bool = True) -> dict:
    """One pass over the feeds; returns counts of new, edited, corrected, unchanged and failed items. An unchanged
    item whose result no longer holds (a correction or the glossary changed since) is made again: corrected."""
    from kabar.options import expand_feeds
    from kabar.writers import DONE_STATUSES, ResultStore
    from news.read import read_url

    counts = {"new": 0, "edited": 0, "corrected": 0, "unchanged": 0, "failed": 0}
    links, errors = expand_feeds(feeds, fetcher)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    counts["failed"] += len(errors)
    store = ResultStore(out, archive=archive, stale=pipeline.out_of_date)
    try:
        for link in links:
            doc = read_url(link, fetcher=fetcher)
            if not doc.ok:
                if state.hash_of(link) is None:  # never processed: the failure is listed in index.html
                    store.write(pipeline.process(doc))  # (an article done before keeps its result)
                print(f"error: {doc.error}; tried again next poll", file=sys.stderr)
                counts["failed"] += 1
                continue
            digest, before = content_hash(doc.title, doc.text), state.hash_of(link)
            if digest == before and state.id_of(link) not in store.redo:
                counts["unchanged"] += 1
                continue
            result = pipeline.process(doc)
            store.write(result)
            if result.status in DONE_STATUSES:
                store.sync()  # on disk before the state says done: a kill between the two only redoes the item
                state.mark(link, result.id, digest)
                counts["corrected" if digest == before else "edited" if before else "new"] += 1
            else:
                counts["failed"] += 1
                for message in result.errors:
                    print(f"error: {message}", file=sys.stderr)
    finally:
        store.close()
    return counts


def _stop(signum, frame):
    raise KeyboardInterrupt


def run(args) -> int:
    """Poll until ``--polls`` is reached or the user stops it."""
    from kabar.assemble import make_pipeline
    from kabar.options import make_fetcher, pipeline_settings

    out = Path(args.out)
    if args.polls is not None and args.polls < 1:
        raise ConfigError(f"--polls must be 1 or more, got {args.polls}")
    out_is_new = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot write results there ({exc.strerror or exc})") from None
    pipeline = make_pipeline(pipeline_settings(args))
    fetcher = make_fetcher(args)
    state = WatchState(out / STATE)
    try:
        previous = signal.signal(signal.SIGTERM, _stop)
    except ValueError:  # not the main thread (an embedding program): Ctrl-C handling is the caller's
        previous = None
    done = failed = 0
    could_not_start = False
    try:
        while True:
            start = time.monotonic()
            counts = poll(pipeline, args.feed, fetcher, out, state, archive=not args.no_archive)
            done += 1
            failed += counts["failed"]
            corrected = f"{counts['corrected']} redone for corrections, " if counts["corrected"] else ""
            print(f"{datetime.now():%H:%M:%S} poll {done}: {counts['new']} new, {counts['edited']} edited, "
                  f"{corrected}{counts['unchanged']} unchanged, {counts['failed']} failed; {len(state)} articles in "
                  f"{out / 'index.html'} ({time.monotonic() - start:.1f}s)", file=sys.stderr)
            if args.polls is not None and done >= args.polls:
                return 1 if failed else 0  # as kabar run: 1 when any item failed
            time.sleep(args.every)
    except KeyboardInterrupt:
        print(f"stopped after {done} polls; results are saved in {out}; run the same command to go on",
              file=sys.stderr)
        return 1 if failed else 0
    except KabarError:  # e.g. no model: it loads with the first article to translate
        could_not_start = done == 0 and len(state) == 0
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        state.close()
        fetcher.close()
        if could_not_start and out_is_new:  # nothing was done: leave no results folder behind, as kabar run
            shutil.rmtree(out, ignore_errors=True)
