"""A posterior file: the parameter sets an ABC-SMC calibration accepted, with their weights.

``posterior.csv`` (written by ``corridor calibrate --method abc``) has one row per accepted parameter
set: ``generation, particle, weight, distance``, then one column per scenario key path the set fixes
(``demand.scale``, ``events.2.set.state_actors.belarus.steer.LV``, ...). The sets of the last
generation are the posterior; a run that uses the posterior takes one of them, drawn by weight
(:func:`sim.seeds.posterior_draws`), as ``--set`` overrides.

A scenario that ships a posterior names it in its header (``posterior: calibration/x_posterior.csv``,
relative to the scenario file): ensembles, comparisons and validations then draw from it unless told
``--no-posterior``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError, quoted
from sim.files import read_csv_rows, read_text
from sim.scenario.keypaths import within
from sim.seeds import posterior_draws

FIXED = ("generation", "particle", "weight", "distance")
WHAT = "posterior file"
MAX_POSTERIOR_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Posterior:
    """The last generation of a posterior file.

    Attributes:
        path: The file.
        keys: The scenario key paths each set fixes.
        values: The sets (rows) × keys.
        weights: The importance weights of the sets (summing to 1).
        generation: The generation the sets come from.
        sha256: The file's SHA-256, for the manifest.
    """

    path: Path
    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    generation: int
    sha256: str

    def __len__(self) -> int:
        return len(self.weights)

    def overrides(self, i: int) -> dict[str, float]:
        """Set ``i`` as ``{key path: value}`` overrides (whole numbers stay whole)."""
        return {k: _plain(v) for k, v in zip(self.keys, self.values[i], strict=True)}

    def overrides_under(self, i: int, given) -> dict[str, float]:
        """Set ``i`` without the keys a user's own overrides decide (the user wins, as in :func:`sim.run`).

        A key is the user's when the user sets it or a key path above it: ``--set events=[]`` takes every
        ``events.N...`` key of the set out, since those events are no longer there to set.

        Args:
            i: The set.
            given: The user's key paths.
        """
        mine = [str(k) for k in given]
        return {k: v for k, v in self.overrides(i).items() if not any(within(k, g) for g in mine)}

    def draws(self, root: int, n: int) -> list[int]:
        """The sets ``n`` replicates of root seed ``root`` use (:func:`sim.seeds.posterior_draws`)."""
        return posterior_draws(root, n, self.weights)

    def median(self) -> dict[str, float]:
        """The weighted median of every key (what a calibrated scenario writes as its values)."""
        order = np.argsort(self.values, axis=0)
        out = {}
        for j, key in enumerate(self.keys):
            cdf = np.cumsum(self.weights[order[:, j]])
            out[key] = _plain(self.values[order[int(np.searchsorted(cdf, 0.5)), j], j])
        return out

    def describe(self) -> dict:
        """File, hash and size, for manifests."""
        return {"file": str(self.path), "sha256": self.sha256, "generation": self.generation, "sets": len(self)}


def _plain(value: float):
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else round(value, 6)


_READ: dict[tuple, Posterior] = {}  # (file, size, mtime) -> Posterior: each worker of an ensemble reads a file once


def read_posterior(path) -> Posterior:
    """Read and check a posterior file; every problem is a :class:`~sim.errors.ScenarioError` naming the row."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key in _READ:
        return _READ[key]
    post = _read_posterior(path)
    if key is not None:
        _READ.clear()  # keep one: a process uses one posterior at a time
        _READ[key] = post
    return post


def _read_posterior(path: Path) -> Posterior:
    label = quoted(path, 200)
    rows = read_csv_rows(path, FIXED, what=WHAT, limit=MAX_POSTERIOR_BYTES)
    keys = tuple(k for k in rows[0] if k not in FIXED and k != "_line")
    if not keys:
        raise ScenarioError("the posterior file names no parameter (no column besides generation, particle, weight "
                            "and distance).", file=label, hint="give a posterior.csv written by `corridor calibrate "
                                                               "--method abc`.")
    parsed = []
    for row in rows:
        try:
            numbers = [float(row[k]) for k in (*FIXED, *keys)]
        except ValueError:
            raise ScenarioError(f"row {row['_line']}: a value is not a number.", file=label) from None
        if not all(math.isfinite(x) for x in numbers) or numbers[2] < 0:
            raise ScenarioError(f"row {row['_line']}: values must be finite and weights not negative.", file=label)
        parsed.append(numbers)
    table = np.array(parsed)
    last = int(table[:, 0].max())
    part = table[table[:, 0] == last]
    weights = part[:, 2]
    if weights.sum() <= 0:
        raise ScenarioError(f"the weights of generation {last} add up to 0.", file=label)
    sha = hashlib.sha256(read_text(path, what=WHAT, limit=MAX_POSTERIOR_BYTES).encode()).hexdigest()
    return Posterior(path, keys, part[:, len(FIXED):], weights / weights.sum(), last, sha)
