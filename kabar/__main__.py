"""``python -m kabar …``: the same as the ``kabar`` command."""
import sys

from kabar.cli import main

sys.exit(main())
