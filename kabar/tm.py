"""``kabar tm``: the translation memory from the command line (add, list, remove, export, import, prune-recorded)."""
from __future__ import annotations

import argparse
import json
import sys

from news import config


def _memory_options(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--tm", metavar="FILE", default=default,
                        help="the memory file (default: $KABAR_TM or memory.sqlite in the cache folder)")
    parser.add_argument("--cache", metavar="DIR", default=default,
                        help="cache folder (default: $KABAR_CACHE or ~/.cache/kabar)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar tm``; ``--tm`` and ``--cache`` go before or after the action."""
    _memory_options(parser, None)
    sub = parser.add_subparsers(dest="tm_command", required=True, metavar="ACTION")
    real_add_parser = sub.add_parser

    def add_parser(name, **kwargs):  # every action also takes --tm and --cache (after it, as users type them)
        action = real_add_parser(name, **kwargs)
        _memory_options(action, argparse.SUPPRESS)
        return action

    sub.add_parser = add_parser
    add = sub.add_parser("add", help="remember the English of one Indonesian sentence")
    add.add_argument("source", help="the Indonesian sentence, as Kabar split it")
    add.add_argument("english", help="the English to use from now on")
    add.add_argument("--editor", help="who made the correction")
    add.add_argument("--machine", help="the machine translation it replaces (kept for later fine-tuning)")
    listing = sub.add_parser("list", help="print every entry (oldest first)")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    remove = sub.add_parser("remove", help="forget the entry of one Indonesian sentence")
    remove.add_argument("source")
    prune = sub.add_parser("prune-recorded", help="forget the translated sentences recorded before a day (for kabar "
                                                  "eval postedits); the corrections stay")
    prune.add_argument("--before", required=True, metavar="YYYY-MM-DD", help="the first day kept")
    for name, verb in (("export", "write every entry to FILE"), ("import", "add every unit of FILE")):
        action = sub.add_parser(name, help=f"{verb} (TMX 1.4 or TSV, by the file's extension or --format)")
        action.add_argument("file", metavar="FILE")
        action.add_argument("--format", choices=["tmx", "tsv"])
        if name == "import":
            action.add_argument("--prefer", choices=["newer", "theirs", "ours"], default="newer",
                                help="where the memory has a sentence already: keep the entry updated later "
                                     "(default; the memory's on a tie), the file's, or the memory's")


def run(args) -> int:
    """Run one ``kabar tm`` action; returns the exit code."""
    from translate.exchange import export_file, import_file
    from translate.memory import TranslationMemory, memory_path

    path = memory_path(args.tm, config.cache_dir(args.cache))
    memory = TranslationMemory(path, readonly=args.tm_command in ("list", "export"))  # readers change nothing
    try:
        if args.tm_command == "add":
            entry = memory.add(args.source, args.english, editor=args.editor, machine=args.machine)
            print(f"remembered: {entry.source} -> {entry.target} ({path})", file=sys.stderr)
        elif args.tm_command == "list":
            for entry in memory.entries():
                if args.json:
                    print(json.dumps(entry.to_dict(), ensure_ascii=False))
                else:
                    print(f"{entry.source}\t{entry.target}")
        elif args.tm_command == "remove":
            if not memory.remove(args.source):
                print(f"error: no entry for {args.source!r} in {path}", file=sys.stderr)
                return 1
            print("removed", file=sys.stderr)
        elif args.tm_command == "prune-recorded":
            from eval.postedits import check_period

            before, _ = check_period(args.before, None, names=("before", "to"))
            print(f"forgot {memory.prune_translated(before)} recorded sentences from before {before} ({path})",
                  file=sys.stderr)
        elif args.tm_command == "export":
            count = export_file(memory, args.file, args.format)
            print(f"exported {count} entries to {args.file}", file=sys.stderr)
        else:
            counts = import_file(memory, args.file, args.format, prefer=args.prefer)
            kept = {"newer": "ours newer", "ours": "ours kept", "theirs": "the same"}[args.prefer]
            print(f"imported {args.file}: {counts['added']} added, {counts['replaced']} replaced "
                  f"({'newer' if args.prefer == 'newer' else args.prefer}), {counts['kept']} kept ({kept}); "
                  f"{len(memory)} in {path}", file=sys.stderr)
    finally:
        memory.close()
    return 0
