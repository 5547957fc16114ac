"""``python -m translate [FILE]``: one Indonesian sentence a line in, one English line out."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from news import config
from news.errors import KabarError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m translate``."""
    from translate.registry import DEVICES, ENGINES

    parser = argparse.ArgumentParser(prog="python -m translate", description="Translate lines Indonesian → English.")
    parser.add_argument("file", nargs="?", help="input file, one sentence a line (default: standard input)")
    parser.add_argument("--model", help=f"hub id or local folder (default: $KABAR_MODEL or {config.DEFAULT_MODEL})")
    parser.add_argument("--engine", choices=sorted(ENGINES))
    parser.add_argument("--device", choices=DEVICES)
    parser.add_argument("--beam-size", type=int, default=config.DEFAULT_BEAM_SIZE)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Translate each input line; the output has exactly as many lines as the input."""
    args = build_parser().parse_args(argv)
    try:
        from translate.registry import load_translator

        translator = load_translator(args.model, args.engine, device=args.device, beam_size=args.beam_size)
        with (open(args.file, encoding="utf-8") if args.file else sys.stdin) as handle:
            lines = [line.rstrip("\n") for line in handle]
        for line in translator.translate(lines):
            print(line.replace("\n", " "))
    except KabarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
