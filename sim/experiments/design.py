"""Experimental designs: grid, Latin hypercube, Sobol (Saltelli) and Morris.

Every design returns a :class:`Design`: the table of samples (one row per
parameter combination, in original units, cast to the parameter type) and,
for the sensitivity designs, the unit matrix ``X`` that SALib's analysers
need together with the SALib ``problem`` dict.

Number of samples (multiply by ``replicates`` for the number of runs):

* grid: product of the value counts (values, grid points or named levels).
* lhs: ``samples``.
* morris: r * (D + 1) with r trajectories and D parameters.
* sobol: N * (D + 2) (first and total order), N * (2D + 2) with second order.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SweepFileError
from sim.experiments.sweep_checks import check_sobol_samples
from sim.experiments.sweep_file import MAX_RUNS, SweepSpec, base_values, cast_value


@dataclass
class Design:
    """Samples of a sweep.

    Attributes:
        samples: One row per sample; columns = parameter key paths.
        X: Raw (uncast) design matrix, samples x parameters, or None (grid).
        problem: SALib problem dict (names, bounds, num_vars).
        method: Design name.

    """

    samples: pd.DataFrame
    X: np.ndarray | None
    problem: dict
    method: str


def problem_of(spec: SweepSpec) -> dict:
    """SALib problem dict for parameters with ranges."""
    names = list(spec.parameters)
    bounds = [list(spec.parameters[n].range) if spec.parameters[n].range else [0.0, 1.0] for n in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _grid_values(spec: SweepSpec) -> list[list[Any]]:
    out = []
    for p in spec.parameters.values():
        if p.levels is not None:
            out.append(list(p.levels))
        elif p.values is not None:
            out.append(list(p.values))
        else:
            out.append(list(np.linspace(p.range[0], p.range[1], p.num)))
    return out


def runs_needed(method: str, d: int, n: int, replicates: int = 1, second_order: bool = False) -> int:
    """Count the model runs a design needs.

    Args:
        method: morris or sobol (or lhs, where ``n`` is the sample count).
        d: Number of parameters D.
        n: Trajectories r (morris) or base sample N (sobol).
        replicates: Seeds per sample.
        second_order: Sobol with second-order indices.

    Returns:
        Total runs.

    """
    per = {"morris": n * (d + 1), "sobol": n * ((2 * d + 2) if second_order else (d + 2))}.get(method, n)
    return per * replicates


def planned_samples(spec: SweepSpec, method: str) -> int:
    """Samples the design will hold, counted from the sweep file alone (nothing is allocated)."""
    d = len(spec.parameters)
    if method == "grid":
        return math.prod(len(p.levels) if p.levels is not None else len(p.values) if p.values is not None
                         else int(p.num or 1) for p in spec.parameters.values())
    if method == "lhs":
        return int(spec.design.samples or 0)
    n = (spec.design.trajectories or 10) if method == "morris" else (spec.design.samples or 8)
    return runs_needed(method, d, n, 1, spec.design.second_order)


def check_size(spec: SweepSpec, method: str) -> int:
    """Refuse a design of more than :data:`~sim.experiments.sweep_file.MAX_RUNS` runs before building it.

    Returns:
        The number of runs (samples × replicates).
    """
    runs = planned_samples(spec, method) * spec.replicates
    if runs > MAX_RUNS:
        raise SweepFileError(f"Sweep file {spec.path}: the {method} design plans {runs:,} runs "
                             f"({planned_samples(spec, method):,} samples x {spec.replicates} replicates), more than "
                             f"the {MAX_RUNS:,} a sweep may plan (docs/sweeps.md).")
    return runs


def build_design(spec: SweepSpec, method: str | None = None) -> Design:
    """Build the samples of a sweep.

    Args:
        spec: The validated sweep.
        method: Override the design method (used by ``sensitivity``).

    Returns:
        The design.

    Raises:
        SweepFileError: If the design lacks a needed setting, or a Sobol base sample is not a
            power of two (checked here, not when the file is loaded, so every caller is covered).

    """
    method = method or spec.design.method
    check_size(spec, method)
    d = spec.design
    names = list(spec.parameters)
    seed = d.seed if d.seed is not None else spec.seed
    problem = problem_of(spec)
    X = None
    if method in ("lhs", "sobol", "morris"):
        missing = [n for n in names if spec.parameters[n].range is None]
        if missing and spec.parameters[missing[0]].levels is not None:
            raise SweepFileError(f"Sweep file {spec.path}: 'parameters.{missing[0]}.levels': design '{method}' cannot "
                                 "sample named levels (categories); use 'design: grid'.")
        if missing:
            raise SweepFileError(f"Sweep file {spec.path}: 'parameters.{missing[0]}': design '{method}' needs "
                                 "a numeric 'range: [low, high]'.")
    if method == "grid":
        rows = list(itertools.product(*_grid_values(spec)))
    elif method == "lhs":
        if not d.samples:
            raise SweepFileError(f"Sweep file {spec.path}: 'design.samples': the lhs design needs a number of samples.")
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(d.samples)
        lo = np.array([b[0] for b in problem["bounds"]])
        hi = np.array([b[1] for b in problem["bounds"]])
        X = qmc.scale(unit, lo, hi)
        rows = [tuple(r) for r in X]
    elif method == "sobol":
        from SALib.sample import sobol

        n = d.samples or 8
        check_sobol_samples(spec.path, n)
        X = sobol.sample(problem, n, calc_second_order=d.second_order, seed=seed)
        rows = [tuple(r) for r in X]
    elif method == "morris":
        from SALib.sample import morris

        r = d.trajectories or 10
        X = morris.sample(problem, r, num_levels=d.levels, seed=seed)
        rows = [tuple(r_) for r_ in X]
    else:  # pragma: no cover - schema rejects it
        raise SweepFileError(f"Sweep file {spec.path}: 'design.method': unknown design '{method}'.")
    bases = base_values(spec)
    cast = [
        {n: cast_value(v, spec.parameters[n], bases.get(n)) for n, v in zip(names, row, strict=True)} for row in rows
    ]
    samples = pd.DataFrame(cast, columns=names)
    samples.index.name = "sample"
    return Design(samples=samples, X=X, problem=problem, method=method)
