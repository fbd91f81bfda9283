"""``python -m xaso.index score …`` — the same command as ``xaso score``."""

import sys

from xaso.index.cli import main

sys.exit(main())
