"""Where a run's numbers come from: the scenario's hash, the observed file's hash, the software versions.

Written into every ``manifest.json`` (runs, ensembles, sweeps, validations, calibrations), so that
an analyst can tell which scenario, data and code produced a figure.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path

from sim.scenario.schema import Scenario
from sim.version import __version__

LIBRARIES = ("numpy", "pandas", "mesa", "scipy", "SALib", "pyabc", "dask", "distributed")


def scenario_hash(scenario: Scenario, exclude: tuple[str, ...] = ("seed",)) -> str:
    """SHA-256 of the resolved scenario's canonical JSON, leaving out its ``seed``.

    Runs of one scenario with different seeds share the hash (the seed is recorded beside it).
    Paths stay as written in the scenario (``observed`` is relative to the scenario file), so
    the same scenario gives the same hash wherever the project is checked out.

    Args:
        scenario: The validated scenario.
        exclude: Top-level keys left out of the hash (by default the seed).

    Returns:
        64 hex digits.
    """
    data = scenario.model_dump(by_alias=True, mode="json")
    for key in exclude:
        data.pop(key, None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def versions() -> dict:
    """Versions of Corridor, Python and the libraries loaded in this process."""
    out = {"corridor": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        module = sys.modules.get(name)
        if module is not None:
            out[name.lower()] = getattr(module, "__version__", "?")
    return out
