"""``python -m summarize train …``: rebuild the learned summary model (see :mod:`summarize.train`);
``python -m summarize INPUT…``: the same as ``kabar summarize``."""
import argparse
import sys

from news.errors import exit_code

if sys.argv[1:2] == ["train"]:
    from summarize.train import main

    sys.exit(main(sys.argv[2:], prog="python -m summarize train"))

from summarize.cli import add_arguments, run

parser = argparse.ArgumentParser(prog="python -m summarize", description="Extractive summaries of news articles "
                                 "(python -m summarize train rebuilds the learned model).")
add_arguments(parser)
sys.exit(exit_code(run, parser.parse_args()))
