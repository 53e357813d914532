"""Global sensitivity analysis with SALib (Morris screening, Sobol indices).

The sweep file's parameters must all have ranges. The design of the file is
replaced by the chosen method; the sweep runs resumably into its own folder,
each sample's outcome is averaged over its replicates and the averages are
passed to SALib.

Runs needed (D parameters, R replicates per sample):

* Morris: r * (D + 1) * R with r trajectories (``design.trajectories``,
  default 10). Ten levers, r = 10, R = 2: 220 runs.
* Sobol: N * (D + 2) * R for first and total order (``design.samples`` = N,
  a power of two, default 8; ``second_order: true`` needs N * (2D + 2) * R).
  Ten levers, N = 256, R = 2: 6144 runs.

Screen with Morris first, then run Sobol on the few levers that matter.
Outputs in the sweep folder: ``sensitivity_<method>.csv`` and
``plots/sensitivity_<method>_<outcome>.png`` (tornado / sorted bars).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SweepFileError
from sim.experiments.design import Design, runs_needed
from sim.experiments.sweep import SweepResult, draw_safely, run_sweep
from sim.experiments.sweep_file import SweepSpec
from sim.files import atomic_write_frame

METHODS = ("morris", "sobol")


@dataclass
class SensitivityResult:
    """Indices of every parameter for every outcome."""

    indices: pd.DataFrame
    sweep: SweepResult
    skipped: dict[str, str]
    csv: Path
    warnings: list[str] = field(default_factory=list)


def planned_runs(spec: SweepSpec, method: str) -> int:
    """Count the runs a method needs for this sweep file (see the module docstring)."""
    d = len(spec.parameters)
    n = (spec.design.trajectories or 10) if method == "morris" else (spec.design.samples or 8)
    return runs_needed(method, d, n, spec.replicates, spec.design.second_order)


def _sample_means(runs: pd.DataFrame, outcome: str, n_samples: int) -> np.ndarray:
    sub = runs[(runs["outcome"] == outcome) & (runs["status"] == "ok")]
    means = sub.groupby("sample")["value"].mean()
    return means.reindex(range(n_samples)).to_numpy(dtype=float)


def analyze(spec: SweepSpec, method: str, result: SweepResult, seed: int | None = None) -> tuple[pd.DataFrame, dict]:
    """Compute SALib indices for every outcome of a finished sweep.

    Args:
        spec: The sweep.
        method: morris or sobol.
        result: The sweep run with that design.
        seed: Seed of SALib's bootstrap (defaults to the sweep seed).

    Returns:
        (indices table, {outcome: reason} for outcomes that were skipped).

    """
    from SALib.analyze import morris as morris_a
    from SALib.analyze import sobol as sobol_a

    design = result.design
    problem = design.problem
    seed = spec.seed if seed is None else seed
    n = len(design.samples)
    rows, skipped = [], {}
    for o in spec.outcomes:
        y = _sample_means(result.runs, o, n)
        if np.isnan(y).any():
            skipped[o] = f"{int(np.isnan(y).sum())} of {n} samples have no successful run"
            continue
        if method == "morris":
            res = morris_a.analyze(problem, design.X, y, num_levels=spec.design.levels, seed=seed)
            for i, name in enumerate(problem["names"]):
                rows.append({"outcome": o, "parameter": name, "mu": res["mu"][i], "mu_star": res["mu_star"][i],
                             "mu_star_conf": res["mu_star_conf"][i], "sigma": res["sigma"][i]})
        else:
            res = sobol_a.analyze(problem, y, calc_second_order=spec.design.second_order, seed=seed)
            for i, name in enumerate(problem["names"]):
                rows.append({"outcome": o, "parameter": name, "S1": res["S1"][i], "S1_conf": res["S1_conf"][i],
                             "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
    return pd.DataFrame(rows), skipped


def plot_indices(indices: pd.DataFrame, method: str, folder: Path) -> list[Path]:
    """Tornado of mu* (Morris) or S1/ST bars (Sobol) per outcome."""
    from sim.plots.experiment_plots import tornado

    paths = []
    for o, g in indices.groupby("outcome", sort=False):
        names = g["parameter"].tolist()
        path = folder / f"sensitivity_{method}_{o}.png"
        if method == "morris":
            paths.append(tornado(names, g["mu_star"].to_numpy(), g["mu_star_conf"].to_numpy(),
                                 f"Morris screening: {o} (bars mu*, orange sigma)", "mu* (mean |elementary effect|)",
                                 path, second=(g["sigma"].to_numpy(), None, "sigma"), first_label="mu* (95 % CI)"))
        else:
            paths.append(tornado(names, g["ST"].to_numpy(), g["ST_conf"].to_numpy(), f"Sobol indices: {o}",
                                 "index (95 % CI)", path, second=(g["S1"].to_numpy(), g["S1_conf"].to_numpy(), "S1"),
                                 first_label="ST"))
    return paths


def run_sensitivity(spec: SweepSpec, method: str, out: str | Path, engine: str | None = None,
                    workers: int | None = None, scheduler: str | None = None, progress: bool = True,
                    plots: bool = True, retry_failed: bool = False,
                    on_plan: Callable[[Design], object] | None = None, posterior=None) -> SensitivityResult:
    """Run the method's design for a sweep file and compute SALib indices.

    Args:
        spec: The sweep (all parameters need ranges).
        method: morris or sobol.
        out: Output folder (resumable).
        engine: local or dask.
        workers: Worker processes.
        scheduler: Dask scheduler address.
        progress: Progress bar.
        plots: Write plots.
        retry_failed: Re-run failed runs.
        on_plan: Called with the design once it is built and checked, before any run
            (see :func:`~sim.experiments.sweep.run_sweep`).
        posterior: A posterior file the replicates draw parameter sets from (see ``run_sweep``): the indices
            then average over parameter uncertainty as well as seeds.

    Returns:
        The indices and the underlying sweep result.

    Raises:
        SweepFileError: Unknown method, parameters without ranges or a Sobol base sample
            that is not a power of two.

    """
    if method not in METHODS:
        raise SweepFileError(f"Sweep file {spec.path}: unknown sensitivity method '{method}'; use morris or sobol.")
    out = Path(out)
    result = run_sweep(spec, out, engine=engine, workers=workers, scheduler=scheduler, progress=progress,
                       method=method, retry_failed=retry_failed, plots=False, on_plan=on_plan, posterior=posterior)
    indices, skipped = analyze(spec, method, result)
    csv = out / f"sensitivity_{method}.csv"
    atomic_write_frame(csv, indices)
    warnings: list[str] = []
    if plots and not indices.empty:
        draw_safely(f"plots/sensitivity_{method}_<outcome>.png", lambda: plot_indices(indices, method, out / "plots"),
                    warnings)
    return SensitivityResult(indices=indices, sweep=result, skipped=skipped, csv=csv, warnings=warnings)
