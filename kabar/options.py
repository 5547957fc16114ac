"""Command-line options shared by ``kabar run`` and ``kabar watch``, and what they build (fetcher, pipeline
settings, feed expansion)."""
from __future__ import annotations

import argparse
import sys

from kabar.assemble import SETTINGS
from kabar.pipeline import SOURCE_LANGS
from news import config
from news.errors import ConfigError


def add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the page and feed fetcher (``kabar run`` and ``kabar watch``)."""
    from news import fetch

    parser.add_argument("--fetch-timeout", type=float, default=fetch.DEFAULT_TIMEOUT, metavar="S",
                        help="seconds to wait for a page before giving up (default: %(default)s)")
    parser.add_argument("--max-page-mb", type=float, default=fetch.DEFAULT_MAX_BYTES / 1024 / 1024, metavar="MB",
                        help="largest page or feed read, in MB (default: %(default)s)")
    parser.add_argument("--host-delay", type=float, default=fetch.DEFAULT_HOST_DELAY, metavar="S",
                        help="seconds between two requests to the same site (default: %(default)s)")
    parser.add_argument("--max-redirects", type=int, default=fetch.DEFAULT_MAX_REDIRECTS, metavar="N",
                        help="redirects followed for one URL (default: %(default)s)")
    parser.add_argument("--page-deadline", type=float, default=fetch.DEFAULT_PAGE_DEADLINE, metavar="S",
                        help="seconds one page may take in all, redirects, retries and a slow body included "
                             "(default: %(default)s)")
    parser.add_argument("--no-private-urls", action="store_true",
                        help="refuse URLs (feed items too) that resolve to loopback, private or link-local "
                             "addresses, as the server does")


def make_fetcher(args, *, allow_private: bool = True):
    """The fetcher the fetch options describe (the command line may reach private addresses: its user is
    the operator; the server may not unless told)."""
    from news.fetch import Fetcher, FetchSettings

    if (args.fetch_timeout <= 0 or args.max_page_mb <= 0 or args.page_deadline <= 0 or args.host_delay < 0
            or args.max_redirects < 0):
        raise ConfigError("--fetch-timeout, --page-deadline and --max-page-mb must be positive, --host-delay and "
                          "--max-redirects zero or more")
    return Fetcher(FetchSettings(timeout=args.fetch_timeout, max_bytes=int(args.max_page_mb * 1024 * 1024),
                                 host_delay=args.host_delay, max_redirects=args.max_redirects,
                                 page_deadline=args.page_deadline,
                                 allow_private=allow_private and not args.no_private_urls))


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Which model, engine and device (``kabar run``, ``kabar watch`` and ``kabar serve``)."""
    from translate.registry import DEVICES, ENGINES

    parser.add_argument("--model", help=f"hub id or local folder (default: $KABAR_MODEL or {config.DEFAULT_MODEL})")
    parser.add_argument("--engine", choices=sorted(ENGINES),
                        help=f"ct2 (CTranslate2) or transformers (default: $KABAR_ENGINE or {config.DEFAULT_ENGINE})")
    parser.add_argument("--device", choices=DEVICES, help="default: $KABAR_DEVICE or auto (cuda when available)")


def add_summary_arguments(parser: argparse.ArgumentParser) -> None:
    """Summary length and summarizer (every door onto the pipeline)."""
    from summarize import SUMMARIZERS

    parser.add_argument("--sentences", default=config.DEFAULT_SUMMARY_LENGTH, metavar="N",
                        help="summary length: auto (the learned summarizer's length, 1 to 5 sentences), a number "
                             "of sentences, or a share of the article such as 20%% (default: %(default)s)")
    parser.add_argument("--summarizer", choices=list(SUMMARIZERS), default=config.DEFAULT_SUMMARIZER,
                        help="how summary sentences are chosen (default: %(default)s)")


def add_correction_arguments(parser: argparse.ArgumentParser) -> None:
    """The translation memory and the glossary (``kabar run``, ``kabar watch`` and ``kabar serve``)."""
    parser.add_argument("--tm", metavar="FILE",
                        help="translation memory: editors' corrections, used instead of the model where a sentence "
                             "matches exactly (default: $KABAR_TM or memory.sqlite in the cache folder)")
    parser.add_argument("--no-tm", action="store_true", help="do not use the translation memory")
    parser.add_argument("--glossary", metavar="FILE",
                        help="CSV/TSV of Indonesian term, English term[, note]: the English uses these terms, and a "
                             "sentence where one could not be placed is flagged (see docs/corrections.md)")


def add_pipeline_arguments(run: argparse.ArgumentParser) -> None:
    """The model, summary and cache options shared by ``kabar run`` and ``kabar watch``."""
    add_model_arguments(run)
    run.add_argument("--compute-type", help="engine precision (default: ct2 int8 on CPU, float16 on GPU)")
    run.add_argument("--beam-size", type=int, default=config.DEFAULT_BEAM_SIZE,
                     help="beam width (default: %(default)s)")
    run.add_argument("--batch-size", type=int, metavar="N",
                     help="most sentences in one batch (default: 8 for ct2 on CPU, one batch per core at a time; "
                          "64 otherwise)")
    run.add_argument("--vmap", metavar="FILE", help="ct2 only: target-vocabulary shortlist (python -m translate.vmap)")
    add_summary_arguments(run)
    run.add_argument("--lang", choices=SOURCE_LANGS, default="auto", help="source language (default: detect)")
    run.add_argument("--cache", metavar="DIR", help="cache folder (default: $KABAR_CACHE or ~/.cache/kabar)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the caches (sentences, articles)")
    run.add_argument("--no-record", action="store_true",
                     help="do not record the translated sentences beside the translation memory (recorded by default "
                          "while the memory is on: kabar eval postedits measures quality from the corrections)")
    run.add_argument("--no-article-cache", action="store_true",
                     help="process every article again (translations still come from the sentence cache)")
    add_correction_arguments(run)
    run.add_argument("--qe", action="store_true",
                     help="estimate translation quality per sentence (multilingual-e5 cosine) and flag weak ones")
    run.add_argument("--quiet", action="store_true", help="no progress bar")


def add_archive_argument(parser: argparse.ArgumentParser) -> None:
    """``--no-archive``, shared by ``kabar run`` and ``kabar watch``."""
    parser.add_argument("--no-archive", action="store_true",
                        help="do not add the articles to the output folder's search archive (archive.sqlite, "
                             "for kabar search and kabar serve --archive; about 0.3 s of embedding an article)")


def pipeline_settings(args) -> dict:
    """The settings :func:`kabar.assemble.make_pipeline` takes, from parsed arguments."""
    return {name: getattr(args, name) for name in SETTINGS} | {"cache": str(config.cache_dir(args.cache))}


def expand_feeds(feeds: list[str], fetcher) -> tuple[list[str], list[str]]:
    """The item links of every feed, and one error line a feed that could not be read."""
    from news.fetch import FetchError
    from news.read import read_feed

    links, errors = [], []
    for feed in feeds:
        try:
            found = read_feed(feed, fetcher=fetcher)
        except FetchError as exc:
            errors.append(f"feed {exc}")
            continue
        print(f"feed {feed}: {len(found)} items", file=sys.stderr)
        links += found
    return list(dict.fromkeys(links)), errors  # an item in two feeds is read once


