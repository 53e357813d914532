"""``corridor run`` and ``corridor check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import EXIT_BAD_INPUT, CorridorError


def seed_number(text: str) -> int:
    """An argparse type: a seed, a whole number of 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a whole number") from None
    if value < 0 or value >= 2**63:
        raise argparse.ArgumentTypeError(f"{value} is not a seed (a whole number from 0 to 2**63 - 1)")
    return value


def add_posterior_arguments(p: argparse.ArgumentParser, default_from_scenario: bool) -> None:
    """``--posterior FILE`` (and, where a scenario's own posterior is the default, ``--no-posterior``)."""
    p.add_argument("--posterior", metavar="FILE", help="draw a parameter set for each run from this posterior.csv "
                   + ("(default: the scenario's 'posterior:', if it names one)" if default_from_scenario else ""))
    if default_from_scenario:
        p.add_argument("--no-posterior", action="store_true",
                       help="seeds only: do not draw parameters from the scenario's posterior")


def posterior_for(args, scenario) -> Path | None:
    """The posterior the runs draw from: ``--posterior``, else the scenario's own unless ``--no-posterior``."""
    if getattr(args, "posterior", None):
        return Path(args.posterior)
    if getattr(args, "no_posterior", True):
        return None
    return scenario.posterior_file


def add_set_argument(p: argparse.ArgumentParser) -> None:
    """``--set KEY.PATH=VALUE`` (repeatable), read by :func:`sim.scenario.keypaths.parse_set`."""
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a scenario value (the value is read as YAML); repeatable")


def add_run_parser(sub) -> argparse.ArgumentParser:
    """``run SCENARIO [--out DIR] [--seed N] [--set k=v] [--no-plots] [--quiet]``."""
    p = sub.add_parser("run", help="run one scenario and write tables and plots")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", help="output folder (default outputs/<scenario>/<run-id>)")
    p.add_argument("--seed", type=seed_number, help="random seed (default: the scenario's seed)")
    add_set_argument(p)
    add_posterior_arguments(p, default_from_scenario=False)
    p.add_argument("--no-plots", action="store_true", help="write tables only")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def cmd_run(args) -> int:
    """Run one scenario and write its outputs."""
    from sim.cli.summary_screen import summary_screen
    from sim.runs.api import run
    from sim.runs.folder import default_run_dir, read_manifest
    from sim.scenario.loader import overridden_by_events

    result = run(args.scenario, seed=args.seed, overrides=args.set, progress=not args.quiet and sys.stderr.isatty(),
                 posterior=args.posterior)
    for note in overridden_by_events(result.scenario, args.set):
        print(note, file=sys.stderr)
    folder = Path(args.out) if args.out else default_run_dir(Path("outputs"), result.scenario.name, result.seed)
    if not args.quiet:
        print(f"Simulated {result.scenario.days} days in {result.manifest['wall_seconds']:.2f} s; writing tables"
              + ("" if args.no_plots else " and drawing the plots (a few seconds)") + "...", file=sys.stderr)
    result.write(folder, plots=not args.no_plots)
    print(summary_screen(result, folder, read_manifest(folder).get("plots")))
    return 0


def add_check_parser(sub) -> argparse.ArgumentParser:
    """``check FILE [FILE ...] [--set k=v]``."""
    p = sub.add_parser("check", help="validate scenario, network, sweep or calibration parameters files")
    p.add_argument("files", nargs="+", help="YAML files (scenarios, network files, sweep files, parameters files)")
    add_set_argument(p)
    return p


def _check_other(path) -> str | None:
    """Check a sweep or calibration parameters file (told apart by their keys); None for a scenario."""
    from sim.scenario.yaml_reader import read_yaml

    try:
        data, _ = read_yaml(path)
    except CorridorError:
        return None  # the scenario loader reports it
    if "base" in data and "parameters" in data:
        from sim.experiments.sweep_reader import load_sweep

        spec = load_sweep(path)
        return (f"sweep file: {len(spec.parameters)} parameters, {len(spec.outcomes)} outcomes, "
                f"design {spec.design.method}.")
    if "parameters" in data and not {"places", "demand", "border_services"} & set(data):
        from sim.analysis.params_file import read_params_file

        params = read_params_file(path)
        return (f"calibration parameters file: {len(params.parameters)} parameters (their key paths are checked "
                "against the scenario by `corridor calibrate`).")
    return None


def cmd_check(args) -> int:
    """Validate scenario, network, sweep and parameters files without running; report every file."""
    from sim.scenario.loader import check_network_fragment, is_network_fragment, load_scenario, overridden_by_events

    bad = 0
    for path in args.files:
        try:
            if is_network_fragment(path):
                print(f"OK {path}: {check_network_fragment(path)}")
                continue
            other = _check_other(path)
            if other is not None:
                print(f"OK {path}: {other}")
                continue
            scenario = load_scenario(path, overrides=args.set)
            for note in overridden_by_events(scenario, args.set):
                print(note, file=sys.stderr)
        except CorridorError as exc:
            print(exc.message, file=sys.stderr)
            bad += 1
            continue
        print(f"OK {path}: '{scenario.name}', {scenario.start} to {scenario.end} ({scenario.days} days), "
              f"{len(scenario.places)} places, {len(scenario.carriers)} carriers, "
              f"{len(scenario.border_services)} border services, {len(scenario.events)} events.")
    if bad and len(args.files) > 1:
        print(f"{bad} of {len(args.files)} files have problems.", file=sys.stderr)
    return EXIT_BAD_INPUT if bad else 0
