import sys

from xaso.cli import main

sys.exit(main())
