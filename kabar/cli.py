"""The ``kabar`` command: ``kabar run INPUT... --out DIR`` (the batch job) and the doors onto every other layer.

``kabar serve``, ``kabar translate``, ``kabar summarize`` and ``kabar eval`` are filled by their own layers'
CLI modules (``add_arguments(parser)`` and ``run(args)``); this module sits above them all.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

from kabar.assemble import SETTINGS, make_pipeline
from kabar.pipeline import SOURCE_LANGS, process_documents
from kabar.writers import ResultStore
from news import config
from news.errors import KabarError
from news.read import count_inputs, read_inputs
from summarize.base import parse_length

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


COMMANDS = {
    # name: (module with add_arguments(parser) and run(args), one-line help)
    "run": ("kabar.cli", "translate and summarize articles (files, folders, JSONL) into an output folder"),
    "serve": ("ui.cli", "serve the Gradio app, Kabar's REST API and LibreTranslate-compatible routes"),
    "translate": ("translate.cli", "translate lines Indonesian -> English (one sentence a line)"),
    "summarize": ("summarize.cli", "extractive summary of each article in its own language (no model needed)"),
    "eval": ("eval.cli", "evaluation harness: BLEU/chrF/TER with CIs, test sets, ROUGE, quality estimates"),
}


def add_arguments(run: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar run``."""
    from translate.registry import DEVICES, ENGINES

    run.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt/.md/.html files, .jsonl files or folders")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder (results.jsonl, articles/, index.html)")
    run.add_argument("--model", help=f"hub id or local folder (default: $KABAR_MODEL or {config.DEFAULT_MODEL})")
    run.add_argument("--engine", choices=sorted(ENGINES),
                     help=f"ct2 (CTranslate2) or transformers (default: $KABAR_ENGINE or {config.DEFAULT_ENGINE})")
    run.add_argument("--device", choices=DEVICES, help="default: $KABAR_DEVICE or auto (cuda when available)")
    run.add_argument("--compute-type", help="engine precision (default: ct2 int8 on CPU, float16 on GPU)")
    run.add_argument("--beam-size", type=int, default=config.DEFAULT_BEAM_SIZE,
                     help="beam width (default: %(default)s)")
    run.add_argument("--batch-size", type=int, metavar="N",
                     help="most sentences in one batch (default: 8 for ct2 on CPU, one batch per core at a time; "
                          "64 otherwise)")
    run.add_argument("--vmap", metavar="FILE", help="ct2 only: target-vocabulary shortlist (python -m translate.vmap)")
    run.add_argument("--sentences", default=config.DEFAULT_SUMMARY_LENGTH, metavar="N",
                     help="summary length: auto (the learned summarizer's length, 1 to 5 sentences), a number "
                          "of sentences, or a share of the article such as 20%% (default: %(default)s)")
    run.add_argument("--summarizer", choices=["learned", "textrank", "lead"], default=config.DEFAULT_SUMMARIZER,
                     help="how summary sentences are chosen (default: %(default)s)")
    run.add_argument("--lang", choices=SOURCE_LANGS, default="auto", help="source language (default: detect)")
    run.add_argument("--encoding", help="encoding of input files that are not UTF-8 (e.g. latin-1)")
    run.add_argument("--cache", metavar="DIR", help="cache folder (default: $KABAR_CACHE or ~/.cache/kabar)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the caches (sentences, articles)")
    run.add_argument("--no-article-cache", action="store_true",
                     help="process every article again (translations still come from the sentence cache)")
    run.add_argument("--force", action="store_true", help="reprocess articles already in results.jsonl")
    run.add_argument("--qe", action="store_true",
                     help="estimate translation quality per sentence (multilingual-e5 cosine) and flag weak ones")
    run.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                     help="run on Ray Data: a local instance, or a cluster address (ray://host:10001, auto)")
    run.add_argument("--ray-actors", type=int, default=2, metavar="N",
                     help="pipeline actors, one model each (default: %(default)s)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")


class HelpFormatter(argparse.HelpFormatter):
    """Help that ends every option with its default, where it has one worth printing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
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
    settings = {name: getattr(args, name) for name in SETTINGS} | {"cache": str(config.cache_dir(args.cache))}
    # With --ray every actor builds its own pipeline; the driver only reads and writes (but still
    # rejects a bad summary length before anything starts).
    parse_length(args.sentences, config.DEFAULT_SUMMARY_SENTENCES)  # a bad length fails before any work
    pipeline = None if args.ray else make_pipeline(settings)
    store = ResultStore(args.out)
    if args.force:
        store.done.clear()
    skipped = len(store.done)
    counts = {"ok": 0, "skipped": 0, "error": 0}
    start = time.perf_counter()
    from tqdm import tqdm

    bar = tqdm(total=count_inputs(args.inputs, exclude=[args.out]), unit="article", disable=args.quiet, file=sys.stderr,
               dynamic_ncols=True)

    def pending():
        """Documents not yet done, streamed (memory stays flat however large the input)."""
        for doc in read_inputs(args.inputs, encoding=args.encoding, exclude=[args.out]):
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
    try:
        for result in results:
            store.write(result)
            counts[result.status] += 1
            for message in result.errors if result.status != "ok" else ():
                tqdm.write(f"{result.status}: {message}", file=sys.stderr)
            bar.update(1)
    finally:
        bar.close()
        store.close()
    seconds = time.perf_counter() - start
    print(f"{counts['ok']} translated/passed through, {counts['skipped']} skipped (language), "
          f"{counts['error']} failed, {skipped} already done; {seconds:.1f}s -> {store.path}", file=sys.stderr)
    cache = getattr(pipeline._translator, "hits", None) if pipeline else None
    if cache is not None:
        print(f"sentence cache: {pipeline._translator.hits} hits, {pipeline._translator.misses} misses",
              file=sys.stderr)
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
