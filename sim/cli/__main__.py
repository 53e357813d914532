"""``python -m sim.cli COMMAND ...``: the same as ``corridor COMMAND ...``."""

import sys

from sim.cli.commands import main

sys.exit(main())
