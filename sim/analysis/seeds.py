"""Seeds: every seed a replicate, an ensemble, a validation or a calibration runs with comes from here.

``spawn_seeds(root, n)[i]`` is ``SeedSequence(root).spawn(n)[i].generate_state(1)[0]``: the first
``n`` seeds of a larger set are the same, so an ensemble can be extended in place and a sweep's
replicate ``r`` uses the same seed in every sample (common random numbers). Calibration draws its
seeds from a stream of its own (:func:`calibration_seeds`), so a fit is never scored on the very
draws it was fitted to.
"""

from __future__ import annotations

import numpy as np

CALIBRATION_STREAM = 104_729  # spawn key of the calibration seeds: a stream apart from every other


def spawn_seeds(root: int, n: int) -> list[int]:
    """``n`` independent integer seeds from one root seed (see the module docstring)."""
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(root).spawn(n)]


def calibration_seeds(root: int, n: int) -> list[int]:
    """``n`` seeds for calibration from ``root``, on a SeedSequence stream the other seeds never use."""
    seq = np.random.SeedSequence(root, spawn_key=(CALIBRATION_STREAM,))
    return [int(s.generate_state(1)[0]) for s in seq.spawn(n)]
