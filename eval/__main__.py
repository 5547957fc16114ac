"""Run the evaluation CLI: ``python -m eval score|run|summ|testsets``."""
import sys

from eval.cli import main

sys.exit(main())
