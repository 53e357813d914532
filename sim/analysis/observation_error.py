"""Observation and model error: how far a published figure may lie from the model's count of the same thing.

A run's count of a row is not the figure a border service publishes. Published figures are rounded,
revised and counted by rules the model only approximates (Poland's December 2021 figure is given as
anything from 838 to 1,700), and the model is not the world: it has no one-month surge at the Polish
border in October 2021. Bands made from seeds and posterior draws describe the model's own count, so
they hold the published figures less often than their level says.

The error model that turns them into bands for the *published figure* is the simplest one that can
be inferred rather than chosen::

    log(1 + observed) = log(1 + simulated) + e,    e ~ Normal(0, sigma^2), independent across rows,

with one ``sigma`` for every row of a validation: a relative error (``sigma = 0.25`` puts 90 % of
figures within a factor ``exp(1.645 * 0.25) = 1.51`` of the model's count). ``sigma`` is inferred
from the residuals of the in-sample rows under the reference prior ``p(sigma^2) ∝ 1 / sigma^2``, whose
posterior given ``n`` residuals with sum of squares ``S`` is ``sigma^2 = S / chi^2_n``. Replicate ``r``
(a parameter set and a seed) draws its own ``sigma_r`` from its own residuals, then an error for every
row, so the draws are the predictive of the joint model of parameters, seed and error; the parameters'
posterior stays as the calibration made it (the error model does not feed back into the fit: a "cut").

A row that sets ``sigma`` and is then checked against the band that ``sigma`` widened is used twice.
So for each in-sample row, ``sigma`` comes from the *other* in-sample rows only (leave one row out);
a row outside them (out of sample, or a held-out country) uses all of them. With fewer than
:data:`MIN_ROWS` rows to learn from there is no error model (None). The error draws come from a seed
stream of their own (:func:`sim.seeds.observation_error_rngs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.outcomes.observed import Target
from sim.seeds import observation_error_rngs

MIN_ROWS = 3  # rows the error is learnt from (leave-one-out leaves one fewer); fewer: no error model


@dataclass(frozen=True)
class ObservationError:
    """Draws of what each row's published figure could be, and the error scale behind them.

    Attributes:
        draws: Replicates × targets: each replicate's count with an observation and model error added.
        sigma: Per replicate, the error scale drawn from all the rows it was learnt from.
        rows: How many rows it was learnt from.
    """

    draws: np.ndarray
    sigma: np.ndarray
    rows: int

    def summary(self) -> dict:
        """Median and 5–95 % of ``sigma``, the rows it was learnt from, and the model in words."""
        return {"sigma_median": float(np.median(self.sigma)), "sigma_p05": float(np.percentile(self.sigma, 5)),
                "sigma_p95": float(np.percentile(self.sigma, 95)), "rows": self.rows,
                "model": "log(1 + observed) = log(1 + simulated) + Normal(0, sigma^2); sigma inferred per replicate "
                         "from the residuals of the rows it was learnt from (prior 1/sigma^2), each such row's own "
                         "residual left out of its own band"}


def log_residuals(values: np.ndarray, targets: list[Target]) -> np.ndarray:
    """``log(1 + observed) - log(1 + simulated)``, replicates × targets."""
    obs = np.array([t.value for t in targets], dtype=float)
    return np.log1p(obs) - np.log1p(np.clip(np.asarray(values, dtype=float), 0, None))


def observation_error(values: np.ndarray, targets: list[Target], learn_from, root: int) -> ObservationError | None:
    """Add an inferred observation and model error to every replicate's count (see the module docstring).

    Args:
        values: Simulated values, replicates × targets (NaN where a run has none).
        targets: The observed rows.
        learn_from: Booleans per target: the rows ``sigma`` is inferred from (the scored in-sample rows, or
            the fitted countries' rows).
        root: Root seed of the error draws; replicate ``r`` always draws with the same stream.

    Returns:
        The draws, or None when fewer than :data:`MIN_ROWS` rows can teach the error.
    """
    values = np.asarray(values, dtype=float)
    z = log_residuals(values, targets)
    learn = np.asarray(learn_from, dtype=bool) & ~np.isnan(z).any(axis=0)
    n = int(learn.sum())
    if n < MIN_ROWS:
        return None
    squares = np.where(learn, z, 0.0) ** 2
    total = squares.sum(axis=1)
    draws = np.empty_like(values)
    sigma = np.empty(len(values))
    for r, rng in enumerate(observation_error_rngs(root, len(values))):
        chi_all = rng.chisquare(n)
        chi_out = rng.chisquare(n - 1, size=values.shape[1])
        eps = rng.standard_normal(values.shape[1])
        s2 = np.where(learn, (total[r] - squares[r]) / chi_out, total[r] / chi_all)
        sigma[r] = np.sqrt(total[r] / chi_all)
        draws[r] = np.clip(np.expm1(np.log1p(np.clip(values[r], 0, None)) + np.sqrt(s2) * eps), 0, None)
    return ObservationError(draws, sigma, n)
