"""Run the Kabar CLI: ``python -m news run INPUT... --out DIR``."""
import sys

from news.cli import main

sys.exit(main())
