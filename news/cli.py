"""``python -m news run INPUT... --out DIR``: translate and summarize a batch of articles."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Sequence

from news import config
from news.errors import KabarError
from news.pipeline import SOURCE_LANGS, Pipeline, process_documents
from news.read import count_inputs, read_inputs
from news.writers import ResultStore
from summarize.base import parse_length

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m news``."""
    from translate.registry import DEVICES, ENGINES

    parser = argparse.ArgumentParser(prog="python -m news", description="Kabar: Indonesian news in, English out.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="translate and summarize articles (files, folders, JSONL)")
    run.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt/.md/.html files, .jsonl files or folders")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder (results.jsonl, articles/, index.html)")
    run.add_argument("--model", help=f"hub id or local folder (default: $KABAR_MODEL or {config.DEFAULT_MODEL})")
    run.add_argument("--engine", choices=sorted(ENGINES), help=f"default: $KABAR_ENGINE or {config.DEFAULT_ENGINE}")
    run.add_argument("--device", choices=DEVICES, help="default: $KABAR_DEVICE or auto")
    run.add_argument("--compute-type", help="engine precision (ct2: int8 on CPU, float16 on GPU by default)")
    run.add_argument("--beam-size", type=int, default=config.DEFAULT_BEAM_SIZE)
    run.add_argument("--batch-size", type=int, metavar="N",
                     help="most sentences in one batch (default: 8 for ct2 on CPU, one batch per core at a time; 64 otherwise)")
    run.add_argument("--vmap", metavar="FILE", help="ct2 only: target-vocabulary shortlist (python -m translate.vmap)")
    run.add_argument("--sentences", default=str(config.DEFAULT_SUMMARY_SENTENCES), metavar="N",
                     help="summary length: a number of sentences (3) or a share of the article (20%%)")
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
    run.add_argument("--ray-actors", type=int, default=2, metavar="N", help="pipeline actors (one model each)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


SETTINGS = ("model", "engine", "device", "compute_type", "beam_size", "batch_size", "vmap", "no_cache",
            "no_article_cache", "qe", "sentences", "lang")


def make_pipeline(settings: dict) -> Pipeline:
    """A pipeline from plain settings (CLI options as a dict), so that Ray actors can build their own."""
    cache_dir = config.cache_dir(settings.get("cache"))
    from news import detect

    detect.use_cache_dir(cache_dir)

    def load():
        from translate.registry import load_translator

        extra = {"vmap": settings["vmap"]} if settings.get("vmap") else {}
        if settings.get("threads"):
            extra["threads"] = settings["threads"]
        if settings.get("batch_size"):
            extra["max_batch_size"] = config.positive_int("--batch-size", settings["batch_size"])
        translator = load_translator(settings.get("model"), settings.get("engine"), device=settings.get("device"),
                                     beam_size=settings.get("beam_size", config.DEFAULT_BEAM_SIZE),
                                     compute_type=settings.get("compute_type"), cache_dir=cache_dir,
                                     lazy=not settings.get("no_cache"), **extra)
        if settings.get("no_cache"):
            return translator
        from news.store import SentenceCache
        from translate.cached import CachedTranslator

        return CachedTranslator(translator, SentenceCache(cache_dir / "sentences.sqlite"))

    qe = None
    if settings.get("qe"):
        from eval.qe import EmbeddingQE

        qe = EmbeddingQE()
    articles = None
    if not settings.get("no_cache") and not settings.get("no_article_cache"):
        from news.store import ArticleCache

        articles = ArticleCache(cache_dir / "articles.sqlite")
    return Pipeline(load_translator=load, summary_length=settings.get("sentences"),
                    source_lang=settings.get("lang") or "auto", qe=qe, article_cache=articles)


def run(args) -> int:
    """Run the batch job described by parsed ``args``; returns the exit code."""
    settings = {name: getattr(args, name) for name in SETTINGS} | {"cache": str(config.cache_dir(args.cache))}
    # With --ray every actor builds its own pipeline; the driver only reads and writes (but still
    # rejects a bad summary length before anything starts).
    parse_length(args.sentences, config.DEFAULT_SUMMARY_SENTENCES)
    pipeline = None if args.ray else make_pipeline(settings)
    store = ResultStore(args.out)
    if args.force:
        store.done.clear()
    skipped = len(store.done)
    counts = {"ok": 0, "skipped": 0, "error": 0}
    start = time.perf_counter()
    from tqdm import tqdm

    bar = tqdm(total=count_inputs(args.inputs), unit="article", disable=args.quiet, file=sys.stderr,
               dynamic_ncols=True)

    def pending():
        """Documents not yet done, streamed (memory stays flat however large the input)."""
        for doc in read_inputs(args.inputs, encoding=args.encoding):
            if doc.id in store.done:
                bar.update(1)
            else:
                yield doc

    docs = pending()
    if args.ray:
        from news.scaleout import run_on_ray

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
    """Entry point: parse ``argv`` and run; library errors become a message and exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except KabarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: finished articles are saved; run the same command again to resume", file=sys.stderr)
        return 130
