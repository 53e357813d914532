"""Local search (``corridor calibrate --method local``): Nelder–Mead from the scenario's own values.

Where a scenario already stands near a good point (a refit after a dated event was added, say),
differential evolution spends most of its evaluations re-exploring the ranges; a local search
walks downhill from the values the scenario holds. scipy's Nelder–Mead (``adaptive``, for a dozen
or more parameters) runs in the log of each parameter whose range lies above 0 (a step is then a
factor, the same for a detection rate of 0.2 and a population of 4,000) and in the parameter
itself otherwise, clipped to the ranges. Each candidate is scored as the other methods score it:
the mean overall ARD over the calibration seeds (:class:`~sim.analysis.objective.Objective`,
common random numbers), its seeds run side by side on the workers. The first simplex steps from
the start by 0.4 in the log (a factor of 1.5) or a tenth of the range, towards the side with more room and
never past a bound; the search stays inside the ranges (scipy's bounded Nelder–Mead).

The result is one point, like ``--method optimise``, and as noisy as its seeds: it is a start for
ABC-SMC (ranges about it in a parameters file), not an estimate of what the data identify.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.analysis.objective import Objective
from sim.analysis.params_file import ParamSpec
from sim.analysis.scores import score
from sim.runs.parallel import process_context

LOG_STEP = 0.4  # the first simplex's step in the log of a positive parameter
LINEAR_STEP = 0.1  # ... and as a share of the range of one that may be 0


@dataclass
class LocalFit:
    """The best point a local search found (``x``, its mean ARD ``fun``) and the evaluations it made."""

    x: np.ndarray
    fun: float
    nfev: int


class _Coordinates:
    """The search's coordinates: log of each parameter with a positive range, the parameter itself otherwise."""

    def __init__(self, spec: ParamSpec) -> None:
        self.low, self.high = (np.array([b[k] for b in spec.bounds], dtype=float) for k in (0, 1))
        self.log = self.low > 0

    def to_z(self, x: np.ndarray) -> np.ndarray:
        return np.where(self.log, np.log(np.where(self.log, x, 1.0)), x)

    def to_x(self, z: np.ndarray) -> np.ndarray:
        x = np.where(self.log, np.exp(np.where(self.log, z, 0.0)), z)
        return np.clip(x, self.low, self.high)

    def bounds(self) -> list[tuple[float, float]]:
        """The ranges in the search's coordinates."""
        return list(zip(self.to_z(self.low).tolist(), self.to_z(self.high).tolist(), strict=True))

    def first_simplex(self, z0: np.ndarray) -> np.ndarray:
        """The start and one step from it along each coordinate, towards the side with more room (at most that room)."""
        step = np.where(self.log, LOG_STEP, LINEAR_STEP * (self.high - self.low))
        up, down = self.to_z(self.high) - z0, z0 - self.to_z(self.low)
        step = np.where(up >= down, np.minimum(step, up), -np.minimum(step, down))
        return np.vstack([z0] + [z0 + step[i] * np.eye(z0.size)[i] for i in range(z0.size)])


def _seed_score(job) -> float:
    """The ARD of one calibration seed's run for the parameter vector ``x`` (in a worker process)."""
    objective, x, seed = job
    values, _ = objective.runs(x, [seed])[0]
    return score(values, objective.targets)[0]


def local_fit(objective: Objective, spec: ParamSpec, x0: np.ndarray, evaluations: int, workers: int = 1,
              progress=None) -> LocalFit:
    """Nelder–Mead from ``x0`` for at most ``evaluations`` candidates; the best point seen.

    Args:
        objective: What a candidate scores (its seeds are run side by side on the workers).
        spec: The free parameters (their ranges bound the search).
        x0: The start, inside the ranges.
        evaluations: At most this many candidates (each one run per calibration seed).
        workers: Local processes.
        progress: Called with ``(evaluation, best ARD)`` when a candidate improves on the best.
    """
    from scipy.optimize import minimize

    coords = _Coordinates(spec)
    best = LocalFit(np.asarray(x0, dtype=float), np.inf, 0)
    pool = None

    def ard(z):
        x = coords.to_x(z)
        jobs = [(objective, x, seed) for seed in objective.seeds]
        scores = list(pool.map(_seed_score, jobs)) if pool else [_seed_score(job) for job in jobs]
        best.nfev += 1
        value = float(np.mean(scores))
        if value < best.fun:
            best.x, best.fun = x, value
            if progress is not None:
                progress(best.nfev, value)
        return value

    z0 = coords.to_z(np.asarray(x0, dtype=float))
    simplex = coords.first_simplex(z0)
    try:
        if workers > 1:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=process_context())
        minimize(ard, z0, method="Nelder-Mead", bounds=coords.bounds(),
                 options={"maxfev": int(evaluations), "adaptive": True, "initial_simplex": simplex})
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return best
