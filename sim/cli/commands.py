"""Command line: ``corridor run|check ...`` (also ``python run.py ...``).

Bad input never shows a traceback: every :class:`~sim.errors.ScenarioError` is printed as
one paragraph and the exit code is 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from sim.errors import EXIT_BAD_INPUT, ScenarioError

# Optional command groups, each a module with ``add_<name>_parser(subparsers)`` and
# ``cmd_<name>(args) -> int`` functions; a missing module simply adds no commands.
COMMAND_MODULES = ("sim.cli.experiment_commands", "sim.cli.analysis_commands", "sim.cli.teaching_commands")


def cmd_run(args) -> int:
    """Run one scenario and write its outputs."""
    from sim.cli.summary_screen import summary_screen
    from sim.runs.api import run
    from sim.runs.folder import default_run_dir
    from sim.scenario.loader import overridden_by_events

    result = run(args.scenario, seed=args.seed, overrides=args.set, progress=not args.quiet and sys.stderr.isatty())
    for note in overridden_by_events(result.scenario, args.set):
        print(note, file=sys.stderr)
    folder = Path(args.out) if args.out else default_run_dir(Path("outputs"), result.scenario.name, result.seed)
    if not args.quiet:
        print(f"Simulated {result.scenario.days} days in {result.manifest['wall_seconds']:.2f} s; writing tables"
              + ("" if args.no_plots else " and drawing the plots (a few seconds)") + "...", file=sys.stderr)
    result.write(folder, plots=not args.no_plots)
    print(summary_screen(result, folder))
    return 0


def cmd_check(args) -> int:
    """Validate scenario files without running them; report every file, then fail if any was bad."""
    from sim.scenario.loader import check_network_fragment, is_network_fragment, load_scenario, overridden_by_events

    bad = 0
    for path in args.files:
        try:
            if is_network_fragment(path):
                print(f"OK {path}: {check_network_fragment(path)}")
                continue
            scenario = load_scenario(path, overrides=args.set)
            for note in overridden_by_events(scenario, args.set):
                print(note, file=sys.stderr)
        except ScenarioError as exc:
            print(exc.message, file=sys.stderr)
            bad += 1
            continue
        print(f"OK {path}: '{scenario.name}', {scenario.start} to {scenario.end} ({scenario.days} days), "
              f"{len(scenario.places)} places, {len(scenario.carriers)} carriers, "
              f"{len(scenario.border_services)} border services, {len(scenario.events)} events.")
    if bad and len(args.files) > 1:
        print(f"{bad} of {len(args.files)} files have problems.", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="corridor", description="Corridor: migration through Minsk to the EU.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run one scenario and write tables and plots")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", help="output folder (default outputs/<scenario>/<run-id>)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's seed)")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a scenario value; repeatable")
    p.add_argument("--no-plots", action="store_true", help="write tables only")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="validate scenario files without running")
    p.add_argument("files", nargs="+", help="scenario YAML files")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE")
    p.set_defaults(func=cmd_check)

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        for attr in sorted(dir(module)):
            if attr.startswith("add_") and attr.endswith("_parser"):
                name = attr[4:-7]
                getattr(module, attr)(sub)
                if name in sub.choices and sub.choices[name].get_default("func") is None:
                    sub.choices[name].set_defaults(func=getattr(module, f"cmd_{name}"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FileExistsError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        target = exc.filename or "the output folder"
        print(f"Error: cannot write to '{target}' ({exc.strerror}). Hint: choose another --out folder.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("Interrupted; files already written are complete.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
