"""``corridor validate`` and ``corridor calibrate`` (listed in :mod:`sim.cli.commands`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.cli.run_commands import add_posterior_arguments, add_set_argument, posterior_for, seed_number
from sim.errors import ScenarioError

INTERRUPTED = ("Interrupted. --method abc keeps every finished generation in its abc.db: the same command "
               "resumes from there; --method optimise and local keep nothing: run them again to start over.")


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
    p = subparsers.add_parser("calibrate", help="fit free parameters to observed figures: a posterior (ABC-SMC) "
                                                "or one point (differential evolution, or a local search)")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--params", required=True, help="YAML: parameters: {key.path: [low, high]} (+ options)")
    p.add_argument("--method", choices=("optimise", "local", "abc", "screen"), default="optimise",
                   help="optimise: one point minimising the ARD (differential evolution over the ranges); local: "
                        "one point by Nelder-Mead from the scenario's values; abc: a posterior by ABC-SMC (pyabc; "
                        "needs the 'abc' extra); screen: how much each parameter alone moves the ARD "
                        "(default: optimise)")
    p.add_argument("--seeds", type=int,
                   help="seeds per evaluation, the same at every one (default: the file's options, else 3)")
    p.add_argument("--root-seed", type=seed_number, help="root of the SeedSequence (default: the scenario's seed)")
    p.add_argument("--workers", type=int, help="local processes (default: min(4, CPUs))")
    p.add_argument("--maxiter", type=int, help="differential evolution generations (default from the file, else 8)")
    p.add_argument("--popsize", type=int, help="differential evolution population factor (default 4)")
    p.add_argument("--evaluations", type=int, help="candidates of the local search (--method local; default from "
                                                   "the params file, else 200)")
    p.add_argument("--observed", help="observed CSV (default: the scenario's 'observed:')")
    p.add_argument("--no-loco", action="store_true", help="skip the leave-one-country-out check (optimise)")
    p.add_argument("--loco", action="store_true", help="also run the leave-one-country-out check (abc: off "
                                                       "unless given, it costs about one more calibration)")
    abc = p.add_argument_group("ABC-SMC (--method abc; default: the params file's 'abc:' options)")
    abc.add_argument("--population", type=int, help="accepted parameter sets per generation")
    abc.add_argument("--generations", type=int, help="at most this many generations")
    abc.add_argument("--max-minutes", type=float, help="stop after the generation that passes this wall time")
    abc.add_argument("--max-simulations", type=int, help="stop after this many simulations in all")
    p.add_argument("--out", help="output folder (default outputs/<scenario>/calibration, or calibration_abc)")
    return p


def cmd_calibrate(args) -> int:
    """Fit, print the fit, write the calibrated scenario and calibration.json."""
    from sim.analysis.calibration import calibrate, format_result

    if args.seeds is not None:
        _check_seeds(args.seeds)
    workers = _check_workers(args.workers)
    if args.method == "abc":
        return _calibrate_abc(args, workers)
    if args.method == "screen":
        return _screen(args, workers)
    if args.method == "local" and (args.loco or args.maxiter is not None or args.popsize is not None):
        raise ScenarioError("--method local takes --evaluations; --loco, --maxiter and --popsize belong to "
                            "differential evolution (--method optimise) or ABC-SMC.",
                            hint="drop them, or use --method optimise.")
    if args.method == "optimise" and args.evaluations is not None:
        raise ScenarioError("--evaluations is the local search's (--method local); differential evolution "
                            "takes --maxiter and --popsize.", hint="drop it, or use --method local.")
    folder = Path(args.out) if args.out else _default_out("calibration", args.scenario)
    result = calibrate(args.scenario, args.params, n_seeds=args.seeds, root_seed=args.root_seed, workers=workers,
                       maxiter=args.maxiter, popsize=args.popsize, observed=args.observed, loco=not args.no_loco,
                       verbose=True, method=args.method, evaluations=args.evaluations)
    paths = result.write(folder)
    print(format_result(result))
    print("\nWrote " + ", ".join(str(p) for p in paths))
    return 0


def _calibrate_abc(args, workers: int) -> int:
    """``calibrate --method abc``: run or resume ABC-SMC, print the posterior summary."""
    from sim.errors import EngineUnavailable

    try:
        from sim.analysis.abc import calibrate_abc
        from sim.analysis.abc_loco import add_loco
    except ImportError as exc:
        raise EngineUnavailable(f"--method abc needs pyabc, which is not installed ({exc.name} is missing).",
                                hint="pip install -e '.[abc]'") from None
    folder = Path(args.out) if args.out else _default_out("calibration_abc", args.scenario)
    print(f"ABC-SMC into {folder} (resumes from {folder}/abc.db if it is there)", file=sys.stderr)
    result = calibrate_abc(args.scenario, args.params, out=folder, workers=workers, root_seed=args.root_seed,
                           observed=args.observed, verbose=True, population=args.population,
                           generations=args.generations, max_minutes=args.max_minutes,
                           max_simulations=args.max_simulations)
    if args.loco:
        add_loco(result, verbose=True)
    print(result.text())
    print("\nWrote " + ", ".join(str(p) for p in result.written))
    return 0


def _screen(args, workers: int) -> int:
    """``calibrate --method screen``: the one-at-a-time screen of the parameters, printed and written."""
    from sim.analysis.screen import format_screen, screen_parameters
    from sim.files import atomic_write_frame

    folder = Path(args.out) if args.out else _default_out("calibration_screen", args.scenario)
    ard, table = screen_parameters(args.scenario, args.params, seeds=args.seeds or 2, workers=workers,
                                   root_seed=args.root_seed, observed=args.observed)
    atomic_write_frame(folder / "screen.csv", table)
    print(format_screen(ard, table))
    print(f"\nWrote {folder / 'screen.csv'}")
    return 0
