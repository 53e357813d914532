"""``corridor ensemble``, ``sweep``, ``sensitivity`` and ``compare`` (listed in :mod:`sim.cli.commands`).

Usage::

    run.py ensemble SCENARIO --seeds N [--root-seed S] [--workers N] [--engine local|dask] [--out DIR] [--set k=v]
    run.py sweep SWEEP.yaml [--workers N] [--engine local|dask] [--scheduler ADDR] [--out DIR]
    run.py sensitivity SWEEP.yaml --method morris|sobol [--workers N] [--engine ...] [--out DIR]
    run.py compare A B [...] [--seeds N] [--root-seed S] [--outcomes FILE] [--out DIR]

Invalid input (sweep file, scenario key, missing Dask extra, a folder holding another plan) is a
:class:`~sim.errors.CorridorError` (exit 2 through the one guard); Ctrl-C returns 130 and
re-running the same command resumes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.run_commands import add_posterior_arguments, add_set_argument, posterior_for, seed_number
from sim.errors import EngineUnavailable, SweepFileError
from sim.scenario.keypaths import override_pairs

INTERRUPTED = "Interrupted: finished runs are saved; run the same command again to resume."


def _overrides(items: list[str] | None) -> dict:
    """``--set`` values as ``{key.path: value}`` (:func:`sim.scenario.keypaths.parse_set`)."""
    return dict(override_pairs(items or []))


def _engine_args(p: argparse.ArgumentParser, default_workers: int | None = 1) -> None:
    p.add_argument("--workers", type=int, default=default_workers, metavar="N", help="worker processes")
    p.add_argument("--engine", choices=("local", "dask"), default=None,
                   help='local process pool (default) or Dask distributed (pip install -e ".[dask]")')
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--out", metavar="DIR", help="output folder (re-use it to resume)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plots", action="store_true", help="skip plots")


def _check_engine(args: argparse.Namespace) -> None:
    """Refuse ``--engine dask`` without the Dask extra before anything runs.

    (``--workers`` is checked by the library functions, ``run_sweep`` and ``run_ensemble``.)
    """
    if args.engine == "dask" or args.scheduler:
        from sim.experiments.engines import DASK_HINT

        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise EngineUnavailable(DASK_HINT) from None


# ---------------------------------------------------------------- ensemble
def add_ensemble_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``ensemble``: N seeded runs, quantile bands, fan charts."""
    p = subparsers.add_parser("ensemble", help="N seeded runs of a scenario with quantile bands and fan charts",
                              description="Run a scenario with N seeds spawned from one root seed; write per-run "
                                          "summaries, 5/25/50/75/95 % bands and fan charts (PL, LT, LV).")
    p.add_argument("scenario", help="scenario YAML")
    p.add_argument("--seeds", type=int, required=True, metavar="N", help="number of seeded runs")
    p.add_argument("--root-seed", type=seed_number, default=0, metavar="S",
                   help="root of numpy SeedSequence (default 0)")
    add_set_argument(p)
    add_posterior_arguments(p, default_from_scenario=True)
    p.add_argument("--metric", action="append", dest="metrics", metavar="NAME",
                   help="metric to draw as a fan chart (repeatable; default attempts, at_border, crossed, turned_back)")
    _engine_args(p)
    return p


def cmd_ensemble(args: argparse.Namespace) -> int:
    """Run ``ensemble``."""
    from sim.experiments.ensemble import FAN_METRICS, run_ensemble
    from sim.scenario.loader import load_scenario

    if args.seeds < 1:
        raise SweepFileError("--seeds must be at least 1.")
    _check_engine(args)
    overrides = _overrides(args.set)
    scenario = load_scenario(args.scenario, overrides=overrides or None)
    posterior = posterior_for(args, scenario)
    res = run_ensemble(args.scenario, args.seeds, root_seed=args.root_seed, overrides=overrides, out=args.out,
                       engine=args.engine or "local", workers=args.workers, scheduler=args.scheduler,
                       progress=not args.no_progress, plots=not args.no_plots,
                       fan_metrics=tuple(args.metrics or FAN_METRICS), posterior=posterior)
    if posterior is not None:
        print(f"each run draws a parameter set from {posterior} (the bands include parameter uncertainty)",
              file=sys.stderr)
    ex = res.execution
    print(f"ensemble {res.label}: {ex.total} runs ({ex.ok} ok, {ex.failed} failed{_not_run(ex)}, "
          f"{ex.skipped} already done) "
          f"in {ex.seconds:.1f} s on {ex.engine} x{ex.workers} -> {res.out}")
    _warn(res.warnings)
    return 0 if ex.ok else 1


# ---------------------------------------------------------------- sweep
def add_sweep_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``sweep``: run a sweep file resumably."""
    p = subparsers.add_parser("sweep", help="parameter sweep from a sweep file (resumable)",
                              description="Run a sweep file: samples.csv, runs.csv(/.parquet), summary.csv, "
                                          "manifest.json and plots. Re-run the same command to resume.")
    p.add_argument("sweep", help="sweep YAML (see scenarios/sweeps/)")
    p.add_argument("--retry-failed", action="store_true", help="re-run runs recorded as failed")
    add_posterior_arguments(p, default_from_scenario=False)
    _engine_args(p, default_workers=None)
    return p


def _default_out(spec, suffix: str = "") -> Path:
    from sim.files import output_folder

    return output_folder(Path("outputs/sweeps"), f"{spec.name or spec.path.stem}{suffix}")


def _not_run(ex) -> str:
    return f", {ex.not_run} not run (engine errors: re-run the command to retry)" if ex.not_run else ""


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)


def _report_failures(runs, limit: int = 3) -> None:
    if runs.empty:
        return
    bad = runs[runs["status"] != "ok"].drop_duplicates("run")
    for _, r in bad.head(limit).iterrows():
        first = str(r["error"]).strip().splitlines()[0] if str(r["error"]).strip() else "?"
        print(f"  run {r['run']} (sample {r['sample']}, seed {r['seed']}) failed: {first}", file=sys.stderr)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``sweep``."""
    from sim.experiments.sweep import run_sweep
    from sim.experiments.sweep_reader import load_sweep

    spec = load_sweep(args.sweep)
    _check_engine(args)
    out = Path(args.out) if args.out else _default_out(spec)
    res = run_sweep(spec, out, engine=args.engine, workers=args.workers, scheduler=args.scheduler,
                    progress=not args.no_progress, retry_failed=args.retry_failed, plots=not args.no_plots,
                    posterior=args.posterior)
    ex = res.execution
    print(f"sweep {spec.name or spec.path.stem}: {len(res.design.samples)} samples x {spec.replicates} replicates "
          f"= {ex.total} runs: {ex.ok} ok, {ex.failed} failed{_not_run(ex)} ({ex.skipped} already done) "
          f"in {ex.seconds:.1f} s "
          f"on {ex.engine} x{ex.workers} -> {out}")
    _report_failures(res.runs)
    _warn(res.warnings)
    return 0 if ex.ok else 1


# ---------------------------------------------------------------- sensitivity
def add_sensitivity_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``sensitivity``: Morris or Sobol indices with SALib."""
    p = subparsers.add_parser(
        "sensitivity", help="SALib Morris screening or Sobol indices for a sweep file",
        description="Morris needs r*(D+1) samples (r = design.trajectories, default 10), Sobol N*(D+2) "
                    "(N = design.samples, default 8; N*(2D+2) with second_order), each times replicates. "
                    "Screen with Morris first.")
    p.add_argument("sweep", help="sweep YAML whose parameters all have ranges")
    p.add_argument("--method", choices=("morris", "sobol"), required=True)
    p.add_argument("--retry-failed", action="store_true", help="re-run runs recorded as failed")
    add_posterior_arguments(p, default_from_scenario=False)
    _engine_args(p, default_workers=None)
    return p


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run ``sensitivity``."""
    from sim.experiments.sensitivity import run_sensitivity
    from sim.experiments.sweep_reader import load_sweep

    spec = load_sweep(args.sweep, method=args.method)
    _check_engine(args)
    out = Path(args.out) if args.out else _default_out(spec, f"_{args.method}")

    def announce(design) -> None:  # once the design is built and checked: a bad one is the only message
        print(f"{args.method}: {len(spec.parameters)} parameters -> {len(design.samples) * spec.replicates} runs "
              f"(incl. {spec.replicates} replicates)", file=sys.stderr)

    res = run_sensitivity(spec, args.method, out, engine=args.engine, workers=args.workers,
                          scheduler=args.scheduler, progress=not args.no_progress, plots=not args.no_plots,
                          retry_failed=args.retry_failed, on_plan=announce, posterior=args.posterior)
    ex = res.sweep.execution
    print(f"sensitivity ({args.method}): {ex.total} runs, {ex.ok} ok, {ex.failed} failed{_not_run(ex)} -> {res.csv}")
    for o, why in res.skipped.items():
        print(f"  outcome {o} skipped: {why}", file=sys.stderr)
    if not res.indices.empty:
        col = "mu_star" if args.method == "morris" else "ST"
        for o, g in res.indices.groupby("outcome", sort=False):
            top = g.sort_values(col, ascending=False).head(3)
            print(f"  {o}: " + ", ".join(f"{r.parameter} {col}={getattr(r, col):.3g}" for r in top.itertuples()))
    _report_failures(res.sweep.runs)
    _warn(res.sweep.warnings + res.warnings)
    return 0 if not res.indices.empty else 1


# ---------------------------------------------------------------- compare
def add_compare_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``compare``: scenarios, ensemble folders or run folders side by side."""
    p = subparsers.add_parser("compare", help="compare scenarios (same seeds), ensemble folders or run folders",
                              description="Differences of each outcome from the first input with 95 % "
                                          "intervals, overlaid fan charts and a Markdown table (compare.md).")
    p.add_argument("inputs", nargs="+",
                   help="scenario YAML files, ensemble folders and/or `corridor run` folders (first = baseline)")
    p.add_argument("--seeds", type=int, default=20, metavar="N", help="seeds per scenario input (default 20)")
    p.add_argument("--root-seed", type=seed_number, default=0, metavar="S")
    p.add_argument("--outcomes", metavar="FILE", help="YAML with an 'outcomes:' mapping (e.g. a sweep file)")
    add_set_argument(p)
    add_posterior_arguments(p, default_from_scenario=True)
    _engine_args(p)
    return p


def cmd_compare(args: argparse.Namespace) -> int:
    """Run ``compare``."""
    from sim.experiments.compare import load_outcomes, run_compare

    _check_engine(args)
    outcomes = load_outcomes(args.outcomes) if args.outcomes else None
    from sim.files import output_folder

    out = Path(args.out) if args.out else output_folder(Path("outputs/compare"),
                                                          "_vs_".join(Path(x).stem for x in args.inputs)[:120])
    res = run_compare(args.inputs, out, seeds=args.seeds, root_seed=args.root_seed, outcomes=outcomes,
                      engine=args.engine or "local", workers=args.workers, scheduler=args.scheduler,
                      progress=not args.no_progress, plots=not args.no_plots, overrides=_overrides(args.set),
                      outcomes_label=f"Outcomes file {args.outcomes}", posterior=args.posterior,
                      scenario_posteriors=not args.no_posterior)
    print(res.markdown)
    print(f"-> {res.out / 'compare.md'}")
    _warn(res.warnings)
    return 0
