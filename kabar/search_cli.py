"""``kabar search``: the archive's articles that answer a query, best first (the engine is :mod:`kabar.search`)."""
from __future__ import annotations

import json

from kabar.archive import Archive
from kabar.search import DEFAULT_LIMIT, DEFAULT_MODE, MAX_LIMIT, MODES, Hit, make_query, search


def add_arguments(parser) -> None:
    """Fill the parser of ``kabar search``."""
    parser.add_argument("query", metavar="QUERY", help="words to look for, in English or Indonesian")
    parser.add_argument("--archive", required=True, metavar="DIR",
                        help="the output folder of kabar run or kabar watch (or its archive.sqlite)")
    parser.add_argument("--json", action="store_true",
                        help="print the ranked articles as a JSON array (id, title, score, sentence, ...)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"most articles listed (1 to {MAX_LIMIT})")
    parser.add_argument("--mode", choices=MODES, default=DEFAULT_MODE,
                        help="hybrid (keywords and meaning, fused), keyword (FTS5 BM25) or embedding (e5)")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="only articles dated on or after")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="only articles dated on or before")
    parser.add_argument("--outlet", help="only articles of this outlet (as kabar search lists it; any case)")
    parser.add_argument("--undated", action="store_true",
                        help="with --from/--to, also list articles that have no date (left out by default)")
    parser.add_argument("--all-reports", action="store_true",
                        help="list every report of a story (default: its best-ranked one, with the others named)")


def run(args) -> int:
    """``kabar search``: print the articles that answer the query, best first."""
    import sys

    q = make_query(args.query, mode=args.mode, limit=args.limit, date_from=args.date_from, date_to=args.date_to,
                   outlet=args.outlet, group=not args.all_reports, undated=args.undated)
    archive = Archive(args.archive, create=False)
    try:
        hits = search(archive, q)
        outlets = archive.outlets() if not hits and q.outlet else []
    finally:
        archive.close()
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        known = f" (outlets in this archive: {', '.join(outlets[:20])})" if outlets else ""
        print(f"no article matches {q.text!r}" + (f" with {q.filters()}" if q.filters() else "") + known,
              file=sys.stderr)
        return 0
    for n, h in enumerate(hits, 1):
        print(format_hit(n, h))
    return 0


def format_hit(n: int, h: Hit) -> str:
    """A hit as a few lines of plain text (the terminal listing of ``kabar search``)."""
    where = ", ".join(x for x in (h.date or "undated", h.outlet) if x)
    lines = [f"{n}. {h.title or h.id}" + (f" ({where})" if where else "") + f"  score {h.score:g}"]
    if h.reports > 1:
        lines.append(f"   {h.reports} reports: {', '.join(h.outlets) or 'outlet unknown'}")
    if h.sentence:
        lines.append(f"   > {h.sentence}")
    if h.sentence_src and h.sentence_src != h.sentence:
        lines.append(f"     ({h.lang}) {h.sentence_src}")
    lines.append(f"   {h.url or h.id}")
    return "\n".join(lines)
