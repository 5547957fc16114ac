"""``kabar translate [FILE]``: one Indonesian sentence a line in, one English line out."""
from __future__ import annotations

import argparse
import sys

from news import config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar translate``."""
    from translate.registry import DEVICES, ENGINES

    parser.add_argument("file", nargs="?", help="input file, one sentence a line (default: standard input)")
    parser.add_argument("--model", help=f"hub id or local folder (default: $KABAR_MODEL or {config.DEFAULT_MODEL})")
    parser.add_argument("--engine", choices=sorted(ENGINES),
                        help=f"ct2 (CTranslate2) or transformers (default: $KABAR_ENGINE or {config.DEFAULT_ENGINE})")
    parser.add_argument("--device", choices=DEVICES, help="default: $KABAR_DEVICE or auto (cuda when available)")
    parser.add_argument("--beam-size", type=int, default=config.DEFAULT_BEAM_SIZE,
                        help="beam width (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    """Translate each input line; the output has exactly as many lines as the input."""
    from translate.registry import load_translator

    with (open(args.file, encoding="utf-8") if args.file else sys.stdin) as handle:  # the input first: a bad
        lines = [line.rstrip("\n") for line in handle]                               # name fails before the model
    translator = load_translator(args.model, args.engine, device=args.device, beam_size=args.beam_size)
    for line in translator.translate(lines):
        print(line.replace("\n", " "))
    return 0
