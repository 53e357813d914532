"""Seeds: every seed a replicate, an ensemble, a validation or a calibration runs with, every posterior draw and error.

``spawn_seeds(root, n)[i]`` is ``SeedSequence(root).spawn(n)[i].generate_state(1)[0]``: the first
``n`` seeds of a larger set are the same, so an ensemble can be extended in place and a sweep's
replicate ``r`` uses the same seed in every sample (common random numbers). Calibration draws its
seeds from a stream of its own (:func:`calibration_seeds`), so a fit is never scored on the very
draws it was fitted to.
"""

from __future__ import annotations

import numpy as np

CALIBRATION_STREAM = 104_729  # spawn key of the calibration seeds: a stream apart from every other
POSTERIOR_STREAM = 130_363  # spawn key of the draws from a posterior: replicate r draws with the r-th child
OBSERVATION_STREAM = 155_921  # spawn key of the observation errors added in validation (sim.analysis.observation_error)


def spawn_seeds(root: int, n: int) -> list[int]:
    """``n`` independent integer seeds from one root seed (see the module docstring)."""
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(root).spawn(n)]


def calibration_seeds(root: int, n: int) -> list[int]:
    """``n`` seeds for calibration from ``root``, on a SeedSequence stream the other seeds never use."""
    seq = np.random.SeedSequence(root, spawn_key=(CALIBRATION_STREAM,))
    return [int(s.generate_state(1)[0]) for s in seq.spawn(n)]


def posterior_draws(root: int, n: int, weights) -> list[int]:
    """Which parameter set of a posterior each of ``n`` replicates uses: drawn by weight, on a stream of its own.

    Replicate ``r`` draws with the ``r``-th child of ``SeedSequence(root, spawn_key=(POSTERIOR_STREAM,))``, so
    the first ``n`` draws of a larger ensemble are the same, and two scenarios compared with the same root
    and the same posterior use the same parameter set in each pair of runs.
    """
    weights = np.asarray(weights, dtype=float)
    cdf = np.cumsum(weights / weights.sum())
    children = np.random.SeedSequence(root, spawn_key=(POSTERIOR_STREAM,)).spawn(n)
    return [int(min(cdf.searchsorted(np.random.default_rng(c).random(), side="right"), len(cdf) - 1))
            for c in children]


def observation_error_rngs(root: int, n: int) -> list[np.random.Generator]:
    """One generator per replicate for the observation errors of a validation, on a stream of their own.

    Replicate ``r`` draws with the ``r``-th child of ``SeedSequence(root, spawn_key=(OBSERVATION_STREAM,))``, so
    the first ``n`` replicates of a larger validation draw the same errors, and the runs' own seeds are untouched.
    """
    children = np.random.SeedSequence(root, spawn_key=(OBSERVATION_STREAM,)).spawn(n)
    return [np.random.default_rng(c) for c in children]
