"""Search the archive: keyword (SQLite FTS5, BM25), meaning (e5 embeddings, usearch) or both (hybrid).

Hybrid ranking fuses the two lists by reciprocal rank (score = sum of w / (60 + rank), Cormack, Clarke and
Büttcher, SIGIR 2009), so an English query finds an Indonesian article by meaning even where its words or
its translation do not match, and an exact name still ranks first. The keyword list's weight w is the
square of the share of the query's words that occur in the archive at all (the meaning list's is 1): a query
whose words the archive holds (a translated archive, an Indonesian query) fuses as plain RRF, while an English
query over text kept untranslated, which only its names can match, is ranked by meaning (bench/search.py: the
FLORES recall@1 of the hybrid goes from 0.76 to 0.99 on the test half, IndoSum's stays 0.99). Every hit carries its matching
sentence: the one holding the most query terms (marked, HTML-escaped), or, for a hit found by meaning
only, the summary sentence closest to the query.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from kabar.archive import Archive, day_text, parse_day, vectors_of
from news.errors import KabarError

MODES = ("hybrid", "keyword", "embedding")
DEFAULT_MODE = "hybrid"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32
MAX_OUTLET_CHARS = 100
CANDIDATES = 100  # each list fused holds this many; a hit outside both is not found
RRF_K = 60  # Cormack et al. (2009)
EXACT_BELOW = 20_000  # with a filter leaving fewer articles than this, the embedding search is exact over them
_WORD = re.compile(r"\w+")
_OPEN, _CLOSE = "\x02", "\x03"


class SearchError(KabarError):
    """A query or filter that cannot be searched (empty, too long, a bad date or mode)."""


@dataclass(frozen=True)
class Query:
    """A checked search request."""

    text: str
    mode: str = DEFAULT_MODE
    limit: int = DEFAULT_LIMIT
    date_from: int | None = None
    date_to: int | None = None
    outlet: str | None = None
    group: bool = True  # one hit a story (its best-ranked report)
    undated: bool = False  # with a date filter, also the articles that have no date

    def filters(self) -> str:
        """The filters in words, as the command line spells them (for "no article matches ... with ...")."""
        parts = [f"--from {day_text(self.date_from)}" if self.date_from is not None else "",
                 f"--to {day_text(self.date_to)}" if self.date_to is not None else "",
                 f"--outlet {self.outlet!r}" if self.outlet else "",
                 "--undated" if self.undated and (self.date_from is not None or self.date_to is not None) else ""]
        return " ".join(p for p in parts if p)


def make_query(text: str, *, mode: str | None = None, limit: int | None = None, date_from: str | None = None,
               date_to: str | None = None, outlet: str | None = None, group: bool = True,
               undated: bool = False) -> Query:
    """A :class:`Query` from what a user typed; :class:`SearchError` names what is wrong with it."""
    text = " ".join(str(text or "").split())
    if not text:
        raise SearchError("The search query is empty: type a few words, e.g. banjir Bekasi or flood Bekasi.")
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"The search query has {len(text)} characters; the limit is {MAX_QUERY_CHARS}.")
    mode = mode or DEFAULT_MODE
    if mode not in MODES:
        raise SearchError(f"{str(mode)[:40]!r} is not a search mode; choose one of: {', '.join(MODES)}.")
    limit = DEFAULT_LIMIT if limit is None else limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {str(limit)[:40]!r}.")
    days = []
    for name, value in (("from", date_from), ("to", date_to)):
        value = (value or "").strip()
        exact = len(value) == 10 and value[4] == value[7] == "-" and (value[:4] + value[5:7] + value[8:]).isdigit() \
            and value.isascii()
        day = parse_day(value) if exact else None  # exactly YYYY-MM-DD: not 20260101, not a week date 2026-W01-1
        if value and day is None:
            raise SearchError(f"{name} date {value[:40]!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01.")
        days.append(day)
    if days[0] is not None and days[1] is not None and days[0] > days[1]:
        raise SearchError(f"The from date ({date_from}) is after the to date ({date_to}).")
    outlet = " ".join(str(outlet or "").split()) or None
    if outlet and len(outlet) > MAX_OUTLET_CHARS:
        raise SearchError(f"The outlet has {len(outlet)} characters; the limit is {MAX_OUTLET_CHARS}.")
    return Query(text, mode, limit, days[0], days[1], outlet, group, bool(undated))


@dataclass(frozen=True)
class Hit:
    """One article found: where it ranks, why, and its matching sentence."""

    id: str
    title: str | None
    score: float
    date: str | None
    outlet: str | None
    url: str | None
    lang: str | None
    sentence: str  # the matching sentence in English (the translation of ``sentence_src``)
    sentence_src: str | None  # the same sentence in the article's language, for a translated article
    highlight: str  # ``sentence`` as HTML: escaped, query terms in <mark>
    highlight_src: str | None
    keyword_rank: int | None  # 1-based place in the keyword list (None: not found by keyword)
    embedding_rank: int | None
    similarity: float | None  # cosine of the query and the article's closest embedding
    story: int
    reports: int
    outlets: tuple[str, ...]
    also: tuple[str, ...] = field(default=())  # other reports of the same story (ids)
    title_source: str | None = None  # the headline as the article gave it, where it differs from the English one

    def to_dict(self) -> dict:
        """A plain dict for JSON."""
        return asdict(self) | {"outlets": list(self.outlets), "also": list(self.also)}


def keyword_terms(text: str) -> list[str]:
    """The words of a query that keyword search looks for: stop words dropped unless nothing else is left."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    stop = _stopwords()
    kept = [w for w in words if w not in stop] or words
    return kept[:MAX_QUERY_TERMS]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from importlib import resources

    words: set[str] = set()
    for lang in ("en", "id"):
        text = resources.files("summarize").joinpath(f"stopwords/{lang}.txt").read_text(encoding="utf-8")
        words.update(w.strip().lower() for w in text.split() if w.strip())
    return frozenset(words)


def _match_expression(terms: list[str]) -> str:
    """An FTS5 expression for any of ``terms``, each a quoted string (no operator a user typed is read)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _filters(q: Query, alias: str = "a") -> tuple[str, list]:
    clauses, args = [], []
    if q.date_from is not None:
        clauses.append(f"{alias}.day >= ?")
        args.append(q.date_from)
    if q.date_to is not None:
        clauses.append(f"{alias}.day <= ?")
        args.append(q.date_to)
    if (q.date_from is not None or q.date_to is not None) and not q.undated:
        clauses.append(f"{alias}.date IS NOT NULL")  # an undated article is filed under its run day: not a date
    if q.outlet:
        clauses.append(f"{alias}.outlet = ? COLLATE NOCASE")
        args.append(q.outlet)
    return "".join(f" AND {c}" for c in clauses), args


def keyword_ranking(archive: Archive, q: Query, terms: list[str], count: int = CANDIDATES) -> list[tuple[int, float]]:
    """(rowid, BM25 score, higher is better) of the best keyword matches; the title weighs four times more."""
    if not terms:
        return []
    where, args = _filters(q)
    rows = archive.db.execute(
        "SELECT a.rowid, bm25(text_index, 4.0, 1.0, 1.0) AS s FROM text_index JOIN articles a ON a.rowid = "
        f"text_index.rowid WHERE text_index MATCH ?{where} ORDER BY s LIMIT ?",
        [_match_expression(terms), *args, count]).fetchall()
    return [(rowid, -score) for rowid, score in rows]


def embedding_ranking(archive: Archive, q: Query, vector: np.ndarray,
                      count: int = CANDIDATES) -> list[tuple[int, float]]:
    """(rowid, cosine) of the articles closest to ``vector`` by their article or summary embedding."""
    where, args = _filters(q)
    total = len(archive)
    if not total:
        return []
    if where:
        allowed = archive.db.execute(f"SELECT COUNT(*) FROM articles a WHERE 1{where}", args).fetchone()[0]
        if allowed == 0:
            return []
        if allowed <= EXACT_BELOW:  # exact over the articles the filter leaves
            best: dict[int, float] = {}
            cursor = archive.db.execute("SELECT a.rowid, v.article, v.summary FROM articles a JOIN vectors v ON "
                                        f"v.rowid = a.rowid WHERE 1{where}", args)
            while chunk := cursor.fetchmany(4096):
                matrix = np.frombuffer(b"".join(x + y for _, x, y in chunk), dtype=np.float16).reshape(-1, 2,
                                                                                                       vector.size)
                scores = (matrix.astype(np.float32) @ vector).max(axis=1)
                best.update(zip((r for r, _, _ in chunk), scores.tolist()))
            return sorted(best.items(), key=lambda kv: -kv[1])[:count]
        fetch = min(2 * total, 2 * count * max(1, -(-total // allowed)))
    else:
        fetch = min(2 * total, 2 * count)
    index = archive.vector_index()
    matches = index.search(vector.astype(np.float32), fetch)
    best = {}
    for key, distance in zip(matches.keys.tolist(), matches.distances.tolist()):
        rowid = int(key) // 2
        best[rowid] = max(best.get(rowid, -1.0), 1.0 - float(distance))
    if where:
        keep = {r for (r,) in archive.select_in(f"SELECT a.rowid FROM articles a WHERE 1{where} AND a.rowid IN",
                                                  list(best), args)}
        best = {r: s for r, s in best.items() if r in keep}
    return sorted(best.items(), key=lambda kv: -kv[1])[:count]


def fuse(*rankings: list[tuple[int, float]], weights: tuple[float, ...] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked (rowid, score) lists, each list's terms times its weight (default 1):
    (rowid, fused score), best first."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or (1.0,) * len(rankings)):
        for place, (rowid, _) in enumerate(ranking, 1):
            fused[rowid] = fused.get(rowid, 0.0) + weight / (RRF_K + place)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def keyword_weight(archive: Archive, terms: list[str]) -> float:
    """The keyword list's weight in the hybrid: the squared share of the query's words that occur somewhere in
    the archive (as FTS5 tokenizes and stems them)."""
    if not terms:
        return 0.0
    found = sum(1 for t in terms if archive.db.execute("SELECT 1 FROM text_index WHERE text_index MATCH ? LIMIT 1",
                                                       (_match_expression([t]),)).fetchone())
    return (found / len(terms)) ** 2


def search(archive: Archive, q: Query) -> list[Hit]:
    """The articles that best answer ``q``, best first (one a story unless ``q.group`` is false)."""
    terms = keyword_terms(q.text)
    keyword = keyword_ranking(archive, q, terms) if q.mode != "embedding" else []
    vector = archive.embedder.query(q.text) if q.mode != "keyword" else None
    embedding = embedding_ranking(archive, q, vector) if vector is not None else []
    if q.mode == "hybrid":
        ranked = fuse(keyword, embedding, weights=(keyword_weight(archive, terms) if keyword else 0.0, 1.0))
    else:
        ranked = keyword if q.mode == "keyword" else embedding
    keyword_place = {r: i for i, (r, _) in enumerate(keyword, 1)}
    embedding_place = {r: i for i, (r, _) in enumerate(embedding, 1)}
    similarity = dict(embedding)
    original = "title_source" if archive.has_title_source else "NULL"  # an archive made before English headlines
    rows = {row[0]: row for row in archive.select_in(
        "SELECT rowid, id, title, date, day, outlet, url, lang, source_text, english_text, summary_indices, story, "
        f"{original} FROM articles WHERE rowid IN", [r for r, _ in ranked])}
    stories = archive.stories([rows[r][1] for r, _ in ranked if r in rows])
    hits, seen_stories = [], {}
    for rowid, score in ranked:
        row = rows.get(rowid)
        if row is None:
            continue
        story = stories.get(row[1])
        if q.group and story is not None and story.key in seen_stories:
            continue
        sentence, sentence_src, mark, mark_src = _matching_sentence(archive, row, terms if rowid in keyword_place
                                                                    else [], vector)
        hit = Hit(id=row[1], title=row[2], score=round(float(score), 6), date=row[3],
                  outlet=row[5], url=row[6], lang=row[7], sentence=sentence, sentence_src=sentence_src,
                  highlight=mark, highlight_src=mark_src, keyword_rank=keyword_place.get(rowid),
                  embedding_rank=embedding_place.get(rowid),
                  similarity=round(similarity[rowid], 4) if rowid in similarity else None,
                  story=story.key if story else rowid, reports=story.reports if story else 1,
                  outlets=story.outlets if story else tuple(o for o in [row[5]] if o),
                  also=tuple(i for i in story.ids if i != row[1]) if story else (), title_source=row[12])
        if story is not None:
            seen_stories[story.key] = hit
        hits.append(hit)
        if len(hits) >= q.limit:
            break
    return hits


def _matching_sentence(archive: Archive, row, terms: list[str], vector: np.ndarray | None):
    """(English sentence, source sentence, their HTML with query terms marked) of the best sentence of ``row``."""
    rowid, source, english = row[0], row[8].split("\n") if row[8] else [], row[9].split("\n") if row[9] else []
    marked_en, marked_src = english, source
    if terms:
        found = archive.db.execute(
            f"SELECT highlight(text_index, 1, '{_OPEN}', '{_CLOSE}'), highlight(text_index, 2, '{_OPEN}', "
            f"'{_CLOSE}') FROM text_index WHERE text_index MATCH ? AND rowid = ?",
            (_match_expression(terms), rowid)).fetchone()
        if found:
            marked_en = found[0].split("\n") if found[0] else []
            marked_src = found[1].split("\n") if found[1] else []
    counts = [(m.count(_OPEN) if m else 0) for m in marked_en]
    counts_src = [(m.count(_OPEN) if m else 0) for m in marked_src]
    n = max(len(english), len(source))
    if n == 0:
        return "", None, "", None
    score = [(counts[i] if i < len(counts) else 0) + (counts_src[i] if i < len(counts_src) else 0) for i in range(n)]
    best = max(range(n), key=lambda i: (score[i], -i))
    if score[best] == 0:
        best = _closest_summary_sentence(archive, row, vector)
    en = english[best] if best < len(english) else ""
    src = source[best] if best < len(source) else None
    mark_en = marked_en[best] if best < len(marked_en) else en
    mark_src = marked_src[best] if best < len(marked_src) else src
    if not en and src is not None:  # no English kept (an untranslated article): the sentence in its own language
        return src, src, _to_html(mark_src), _to_html(mark_src)
    return en, src, _to_html(mark_en), _to_html(mark_src) if src is not None else None


def _closest_summary_sentence(archive: Archive, row, vector: np.ndarray | None) -> int:
    indices = json.loads(row[10]) if row[10] else []
    if vector is None or not indices:
        return indices[0] if indices else 0
    blob = archive.db.execute("SELECT sentences FROM vectors WHERE rowid = ?", (row[0],)).fetchone()
    if blob is None:
        return indices[0]
    scores = vectors_of(blob[0]) @ vector
    return indices[int(np.argmax(scores))] if len(scores) else indices[0]


def _to_html(marked: str) -> str:
    """Escape ``marked`` and turn the FTS markers into <mark> elements (nothing else becomes markup)."""
    out = []
    for part in marked.split(_OPEN):
        inner, sep, rest = part.partition(_CLOSE)
        if sep:
            out.append(f"<mark>{html.escape(inner)}</mark>{html.escape(rest.replace(_CLOSE, ''))}")
        else:
            out.append(html.escape(part.replace(_CLOSE, "")))
    return "".join(out)
