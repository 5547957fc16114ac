"""``python -m eval …``: the same as ``kabar eval …`` (score, run, summ, qe, check, testsets)."""
import argparse
import sys

from eval.cli import add_arguments, run
from news.errors import exit_code

parser = argparse.ArgumentParser(prog="python -m eval", description="Kabar's evaluation harness.",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
add_arguments(parser)
sys.exit(exit_code(run, parser.parse_args()))
