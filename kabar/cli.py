"""The ``kabar`` command: ``kabar run INPUT... --out DIR`` (the batch job) and the doors onto every other layer.

``kabar serve``, ``kabar translate``, ``kabar summarize`` and ``kabar eval`` are filled by their own layers'
CLI modules (``add_arguments(parser)`` and ``run(args)``); this module sits above them all.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kabar.assemble import make_pipeline
from kabar.options import (
    add_archive_argument,
    add_fetch_arguments,
    add_pipeline_arguments,
    expand_feeds,
    make_fetcher,
    pipeline_settings,
)
from kabar.pipeline import process_documents
from kabar.writers import ResultStore
from news import config
from news.errors import ConfigError, KabarError
from news.read import count_inputs, read_inputs
from summarize.base import parse_length

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a program ended by SIGPIPE


COMMANDS = {
    # name: (module with add_arguments(parser) and run(args), one-line help)
    "run": ("kabar.cli", "translate and summarize articles (files, folders, JSONL, URLs, feeds) into an output folder"),
    "watch": ("kabar.watch", "follow RSS/Atom feeds: translate each new or edited item, keep an English edition"),
    "search": ("kabar.search_cli", "search the archive of a run or watch folder (keywords and meaning, English or "
               "Indonesian), one line a story"),
    "serve": ("ui.cli", "serve the Gradio app, Kabar's REST API and LibreTranslate-compatible routes"),
    "translate": ("translate.cli", "translate lines Indonesian -> English (one sentence a line)"),
    "summarize": ("summarize.cli", "extractive summary of each article in its own language (no model needed)"),
    "tm": ("kabar.tm", "the translation memory of editors' corrections: add, list, remove, export/import TMX or TSV"),
    "eval": ("eval.cli", "evaluation harness: BLEU/chrF/TER with CIs, test sets, ROUGE, quality estimates"),
}


def add_arguments(run: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar run``."""
    run.add_argument("inputs", nargs="*", metavar="INPUT",
                     help=".txt/.md/.html files, .jsonl files, folders, or http(s) URLs of article pages")
    run.add_argument("--feed", action="append", default=[], metavar="URL",
                     help="an RSS or Atom feed: every item's page is fetched and processed (repeatable)")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder (results.jsonl, articles/, index.html)")
    add_pipeline_arguments(run)
    add_fetch_arguments(run)
    run.add_argument("--encoding", help="encoding of input files that are not UTF-8 (e.g. latin-1)")
    run.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                     help="run on Ray Data: a local instance, or a cluster address (ray://host:10001, auto)")
    run.add_argument("--ray-actors", type=int, default=2, metavar="N",
                     help="pipeline actors, one model each (default: %(default)s)")
    run.add_argument("--force", action="store_true", help="reprocess articles already in results.jsonl")
    add_archive_argument(run)


class HelpFormatter(argparse.HelpFormatter):
    """Help that ends every option with its default, where it has one worth printing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if ("%(default)" in text or "default:" in text.lower() or action.default in (None, False, [], argparse.SUPPRESS)
                or not action.option_strings):
            return text  # a help that names its default itself is not given a second one
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kabar``: one subcommand a door, each filled by its own layer's CLI module."""
    import importlib

    from kabar import __version__

    parser = argparse.ArgumentParser(prog="kabar", description="Kabar: Indonesian news in, English out, with "
                                     "summaries in both languages and quality scores.", formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"kabar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                                 formatter_class=HelpFormatter)
        command.set_defaults(module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def run(args) -> int:
    """Run the batch job described by parsed ``args``; returns the exit code."""
    if not args.inputs and not args.feed:
        raise ConfigError("nothing to read: give files, folders or URLs, or --feed URL")
    missing = [i for i in args.inputs if "://" not in i and not os.path.lexists(i)]
    if missing:  # before any output folder is made or model loaded: one line, exit 2
        raise ConfigError(f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}: no such file or folder "
                          f"(give existing files or folders, or http(s) URLs); nothing was written")
    settings = pipeline_settings(args)
    # With --ray every actor builds its own pipeline; the driver only reads and writes (but still
    # rejects a bad summary length before anything starts).
    parse_length(args.sentences, config.DEFAULT_SUMMARY_SENTENCES)  # a bad length fails before any work
    pipeline = None if args.ray else make_pipeline(settings)
    out_is_new = not Path(args.out).exists()  # removed again if the run cannot start (no model, say)
    # a finished article whose corrections or glossary changed since is made again (with --ray, the driver's
    # own pipeline only checks: it never loads a model)
    checker = pipeline or make_pipeline(settings)
    store = ResultStore(args.out, archive=not args.no_archive, stale=None if args.force else checker.out_of_date)
    if args.force:
        store.done.clear()
    skipped = len(store.done)
    if store.redo:
        why = {"memory": "the translation memory now translates a sentence differently",
               "glossary": "made with another glossary"}
        counted = {reason: sum(1 for r in store.redo.values() if r == reason) for reason in why}
        print(f"redoing {len(store.redo)} finished article{'s' if len(store.redo) != 1 else ''}: "
              + "; ".join(f"{n} {why[reason]}" for reason, n in counted.items() if n), file=sys.stderr)
    counts = {"ok": 0, "skipped": 0, "error": 0}
    start = time.perf_counter()
    fetcher = make_fetcher(args)
    links, feed_errors = expand_feeds(args.feed, fetcher)
    for message in feed_errors:
        print(f"error: {message}", file=sys.stderr)
    counts["error"] += len(feed_errors)
    inputs = list(dict.fromkeys(list(args.inputs) + links))  # a page named twice (and in a feed) is read once
    from tqdm import tqdm

    bar = tqdm(total=count_inputs(inputs, exclude=[args.out]), unit="article", disable=args.quiet, file=sys.stderr,
               dynamic_ncols=True)

    def pending():
        """Documents not yet done, streamed (memory stays flat however large the input)."""
        for doc in read_inputs(inputs, encoding=args.encoding, exclude=[args.out], fetcher=fetcher):
            if doc.id in store.done:
                bar.update(1)
            else:
                yield doc

    docs = pending()
    if args.ray:
        from kabar.scaleout import run_on_ray

        results = run_on_ray(docs, settings, address=args.ray, actors=config.positive_int("--ray-actors",
                                                                                          args.ray_actors))
    else:
        results = process_documents(pipeline, docs)
    written, could_not_start = 0, False
    try:
        for result in results:
            store.write(result)
            written += 1
            counts[result.status] += 1
            for message in result.errors if result.status != "ok" else ():
                tqdm.write(f"{result.status}: {message}", file=sys.stderr)
            bar.update(1)
    except KabarError:
        could_not_start = written == 0
        raise
    finally:
        bar.close()
        store.close()
        fetcher.close()
        if could_not_start and out_is_new:  # nothing was done: leave no empty results folder behind
            shutil.rmtree(args.out, ignore_errors=True)
    seconds = time.perf_counter() - start
    print(f"{counts['ok']} translated/passed through, {counts['skipped']} skipped (language), "
          f"{counts['error']} failed, {skipped} already done"
          + (f", {len(store.redo)} redone for changed corrections" if store.redo else "")
          + f"; {seconds:.1f}s -> {store.path}", file=sys.stderr)
    cache = getattr(pipeline._translator, "hits", None) if pipeline else None
    if cache is not None:
        print(f"sentence cache: {pipeline._translator.hits} hits, {pipeline._translator.misses} misses",
              file=sys.stderr)
    if pipeline is not None and pipeline.memory_hits:
        print(f"translation memory: {pipeline.memory_hits} sentences from editors' corrections", file=sys.stderr)
    if pipeline is not None and pipeline.article_cache is not None:
        print(f"article cache: {pipeline.articles_reused} articles reused", file=sys.stderr)
    return EXIT_SOME_FAILED if counts["error"] else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kabar``: parse ``argv`` and run the subcommand; library errors become exit code 2."""
    import importlib

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return importlib.import_module(args.module).run(args)
    except KabarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: finished work is saved; run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (kabar ... | head): stop quietly, as other programs do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit must not fail again
        return EXIT_BROKEN_PIPE
    except UnicodeDecodeError as exc:
        print(f"error: the input is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
              "convert it first, e.g. iconv -f latin1 -t utf-8", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file named on the command line: missing, a folder, not readable
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
