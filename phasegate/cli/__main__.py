"""``python -m phasegate.cli``: the ``phasegate`` command (as the console script runs it)."""

import sys

from . import main

sys.exit(main())
