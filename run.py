"""Thin entry point: ``python run.py run scenarios/belarus_2021.yaml`` (see README)."""

import sys

from sim.cli.commands import main

if __name__ == "__main__":
    sys.exit(main())
