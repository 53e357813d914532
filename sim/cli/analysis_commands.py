"""``corridor validate`` and ``corridor calibrate`` (listed in :mod:`sim.cli.commands`)."""

from __future__ import annotations

import os
from pathlib import Path

from sim.cli.run_commands import add_posterior_arguments, add_set_argument, posterior_for, seed_number
from sim.errors import ScenarioError

INTERRUPTED = "Interrupted; a calibration's finished work is not kept: run it again to start over."


def _default_out(kind: str, scenario: str) -> Path:
    from sim.files import output_folder

    return output_folder(Path("outputs"), Path(scenario).stem, kind)


def _check_seeds(n: int) -> None:
    if n < 1:
        raise ScenarioError(f"--seeds must be at least 1 (got {n}).", file="--seeds")


def _check_workers(n: int | None) -> int:
    if n is None:
        return max(1, min(4, os.cpu_count() or 1))
    if n < 1:
        raise ScenarioError(f"--workers must be at least 1 (got {n}).", file="--workers")
    return n


def add_validate_parser(subparsers):
    """``validate SCENARIO --seeds N [--out DIR]``."""
    p = subparsers.add_parser("validate", help="score a scenario against observed official figures")
    p.add_argument("scenario", help="scenario YAML file (its 'observed:' names the data)")
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--root-seed", type=seed_number, help="root of the SeedSequence (default: the scenario's seed)")
    p.add_argument("--workers", type=int, help="local processes (default: min(4, CPUs))")
    p.add_argument("--observed", help="observed CSV (default: the scenario's 'observed:')")
    p.add_argument("--checks", help="CSV of public figures for outcomes that are not fitted (default: "
                                    "<observed>_checks.csv beside the observed file, if there is one)")
    add_set_argument(p)
    add_posterior_arguments(p, default_from_scenario=True)
    p.add_argument("--out", help="output folder (default outputs/<scenario>/validation)")
    return p


def cmd_validate(args) -> int:
    """Run the seeds, print the table, write validation.csv/json and plots."""
    from sim.analysis.validation import validate
    from sim.analysis.validation_report import format_table

    _check_seeds(args.seeds)
    workers = _check_workers(args.workers)
    from sim.scenario.loader import load_scenario

    posterior = posterior_for(args, load_scenario(args.scenario, overrides=args.set))
    report = validate(args.scenario, n_seeds=args.seeds, root_seed=args.root_seed, workers=workers,
                      observed=args.observed, overrides=args.set, checks=args.checks, posterior=posterior)
    folder = Path(args.out) if args.out else _default_out("validation", args.scenario)
    paths = report.write(folder)
    from sim.plots.validation_plots import plot_outcomes
    from sim.runs.api import run

    first = run(args.scenario, seed=report.seeds[0], overrides=args.set)
    paths.append(plot_outcomes(first.daily, folder / "validation_outcomes.png",
                               f"Outcomes without an official monthly series (seed {report.seeds[0]})"))
    print(format_table(report))
    print("\nWrote " + ", ".join(str(p) for p in paths))
    return 0


def add_calibrate_parser(subparsers):
    """``calibrate SCENARIO --params FILE [--seeds N] [--out DIR]``."""
    p = subparsers.add_parser("calibrate", help="fit free parameters to observed figures (minimise ARD)")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--params", required=True, help="YAML: parameters: {key.path: [low, high]} (+ options)")
    p.add_argument("--seeds", type=int,
                   help="seeds per evaluation, the same at every one (default: the file's options, else 3)")
    p.add_argument("--root-seed", type=seed_number, help="root of the SeedSequence (default: the scenario's seed)")
    p.add_argument("--workers", type=int, help="local processes (default: min(4, CPUs))")
    p.add_argument("--maxiter", type=int, help="optimiser iterations (default from the params file, else 8)")
    p.add_argument("--popsize", type=int, help="differential evolution population factor (default 4)")
    p.add_argument("--observed", help="observed CSV (default: the scenario's 'observed:')")
    p.add_argument("--no-loco", action="store_true", help="skip the leave-one-country-out check")
    p.add_argument("--out", help="output folder (default outputs/<scenario>/calibration)")
    return p


def cmd_calibrate(args) -> int:
    """Fit, print the fit, write the calibrated scenario and calibration.json."""
    from sim.analysis.calibration import calibrate, format_result

    if args.seeds is not None:
        _check_seeds(args.seeds)
    workers = _check_workers(args.workers)
    folder = Path(args.out) if args.out else _default_out("calibration", args.scenario)
    result = calibrate(args.scenario, args.params, n_seeds=args.seeds, root_seed=args.root_seed, workers=workers,
                       maxiter=args.maxiter, popsize=args.popsize, observed=args.observed, loco=not args.no_loco,
                       verbose=True)
    paths = result.write(folder)
    print(format_result(result))
    print("\nWrote " + ", ".join(str(p) for p in paths))
    return 0
