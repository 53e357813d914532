"""The command line: ``corridor COMMAND ...`` (also ``python run.py ...``)."""

from sim.cli.commands import main

__all__ = ["main"]
