"""``kabar summarize INPUT...``: the extractive summary of each article in its own language (no model needed)."""
from __future__ import annotations

import argparse
import json
import sys

from news import config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar summarize``."""
    from summarize import SUMMARIZERS

    parser.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt/.md/.html files, .jsonl files or folders")
    parser.add_argument("--sentences", default=config.DEFAULT_SUMMARY_LENGTH, metavar="N",
                        help="summary length: auto, a number of sentences or a share of the article such as 20%% "
                             "(default: %(default)s)")
    parser.add_argument("--summarizer", choices=sorted(SUMMARIZERS), default=config.DEFAULT_SUMMARIZER,
                        help="how sentences are rated (default: %(default)s)")
    parser.add_argument("--lang", choices=("auto", "id", "en"), default="auto",
                        help="the articles' language, for stop words (default: detected)")
    parser.add_argument("--encoding", help="encoding of input files that are not UTF-8 (e.g. latin-1)")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object a line (id, lang, summary_indices, summary) instead of text")


def run(args: argparse.Namespace) -> int:
    """Summarize every input; exit code 1 when any article could not be read or had no text."""
    from news.article import clean_and_split
    from news.detect import detect
    from news.read import read_inputs
    from summarize import SUMMARIZERS
    from summarize.base import choose, parse_length

    n, ratio = parse_length(args.sentences, config.DEFAULT_SUMMARY_SENTENCES)
    summarizer = SUMMARIZERS[args.summarizer]()
    failed = 0
    for doc in read_inputs(args.inputs, encoding=args.encoding):
        cleaned, sentences = clean_and_split(doc.text, title=doc.title) if doc.ok else (None, [])
        if not sentences:
            failed += 1
            print(f"error: {doc.error or f'{doc.source}: no text left after removing boilerplate'}", file=sys.stderr)
            continue
        lang = detect(cleaned.text).lang if args.lang == "auto" else args.lang
        chosen = choose(summarizer, sentences, "id" if lang == "ms" else lang, n=n, ratio=ratio,
                        fallback=config.DEFAULT_SUMMARY_SENTENCES)
        summary = [sentences[i] for i in chosen]
        if args.json:
            print(json.dumps({"id": doc.id, "source": doc.source, "lang": lang, "summary_indices": chosen,
                              "summary": summary}, ensure_ascii=False))
        else:
            print(f"# {doc.id} ({lang})")
            print("\n".join(f"- {s}" for s in summary) + "\n")
    return 1 if failed else 0
