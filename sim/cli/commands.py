"""The command line: the table of every command, and the one guard between them and the user.

Each command is a pair of functions in a module of :mod:`sim.cli`: ``add_<name>_parser(subparsers)``
and ``cmd_<name>(args) -> int``, listed in :data:`COMMANDS`. Commands import what they need when
they run, so ``corridor --help`` and the light commands stay fast and a missing optional extra
only affects the command that needs it.

:func:`main` is the one guard: every :class:`~sim.errors.CorridorError` (bad input anywhere, an
output that cannot be written) is printed as its one-paragraph message with exit code 2, never a
traceback; Ctrl-C prints what was kept and exits with 130.
"""

from __future__ import annotations

import argparse
import sys

from sim.cli import analysis_commands, discovery_commands, experiment_commands, run_commands, teaching_commands
from sim.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, CommandLineError, CorridorError
from sim.files import write_error

# name -> (module, what an interruption leaves behind)
COMMANDS = {
    "run": (run_commands, "Interrupted; files already written are complete."),
    "check": (run_commands, "Interrupted."),
    "ensemble": (experiment_commands, experiment_commands.INTERRUPTED),
    "sweep": (experiment_commands, experiment_commands.INTERRUPTED),
    "sensitivity": (experiment_commands, experiment_commands.INTERRUPTED),
    "compare": (experiment_commands, experiment_commands.INTERRUPTED),
    "discover": (discovery_commands, discovery_commands.INTERRUPTED),
    "validate": (analysis_commands, "Interrupted; nothing was written."),
    "calibrate": (analysis_commands, analysis_commands.INTERRUPTED),
    "demo": (teaching_commands, "Demo stopped."),
    "report": (teaching_commands, "Interrupted; files already written are complete."),
}


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors told as one paragraph (and exit code 2) through the one guard."""

    def error(self, message: str):
        """Raise the problem as a :class:`~sim.errors.CommandLineError` instead of printing usage and exiting."""
        raise CommandLineError(f"{message}.", file=self.prog, hint=f"see `{self.prog} --help`.")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of :data:`COMMANDS`."""
    parser = _Parser(prog="corridor", description="Corridor: migration through Minsk to the EU.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, interrupted) in COMMANDS.items():
        p = getattr(module, f"add_{name}_parser")(sub)
        p.set_defaults(func=getattr(module, f"cmd_{name}"), interrupted=interrupted)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    try:
        args = build_parser().parse_args(argv)
    except CommandLineError as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_code
    try:
        return int(args.func(args) or 0)
    except CorridorError as exc:
        print(exc.message, file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"\n{args.interrupted}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # the machine, not the input: a disk that filled up under a library, a lost mount
        print(write_error(exc.filename or "the output folder", exc).message, file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
