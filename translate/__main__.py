"""``python -m translate``: translate sentences, one per line, from files or standard input."""
import sys

from translate.cli import main

sys.exit(main())
