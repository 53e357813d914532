"""Country outlines for the maps, read from the package's Natural Earth files (:mod:`sim.plots.geodata`).

Nothing is fetched: the files ship inside the package (see ``sim/plots/geodata/README.md``).
:func:`outlines_for` picks the finest file that covers a map: 1:10m for the Belarus border
region, 1:50m for the whole corridor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

# file name -> (west, south, east, north) it covers, finest first
REGIONS = {"border_region_10m": (19.0, 50.0, 33.0, 58.0), "corridor_50m": (-25.0, -10.0, 75.0, 72.0)}


@dataclass(frozen=True)
class Country:
    """One country's outline: its code, name and rings (``(n, 2)`` lon/lat arrays, holes included)."""

    code: str
    name: str
    rings: tuple[np.ndarray, ...]
    largest: np.ndarray  # the outer ring with the largest area (where a name goes)


@dataclass(frozen=True)
class Outlines:
    """The outlines of one region: countries, land borders (keyed ``"BY-PL"``, codes sorted) and coast."""

    name: str
    box: tuple[float, float, float, float]
    countries: dict[str, Country]
    borders: dict[str, tuple[np.ndarray, ...]]
    coast: tuple[np.ndarray, ...]
    meta: dict

    def border(self, a: str, b: str) -> tuple[np.ndarray, ...]:
        """The land border between two countries (empty when they do not meet in this region)."""
        return self.borders.get("-".join(sorted((a, b))), ())


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])))


@cache
def load(name: str) -> Outlines:
    """Read one of the package's outline files (cached: each is read once per process).

    Raises:
        KeyError: ``name`` is not one of :data:`REGIONS`.

    """
    if name not in REGIONS:
        raise KeyError(f"no outline file {name!r}; there are {sorted(REGIONS)}")
    data = json.loads(resources.files("sim.plots.geodata").joinpath(f"{name}.json").read_text(encoding="utf-8"))
    countries = {}
    for code, entry in data["countries"].items():
        rings = tuple(np.asarray(ring, dtype=float) for polygon in entry["polygons"] for ring in polygon)
        outers = [np.asarray(polygon[0], dtype=float) for polygon in entry["polygons"]]
        countries[code] = Country(code, entry["name"], rings, max(outers, key=_area))
    borders = {pair: tuple(np.asarray(line, dtype=float) for line in lines) for pair, lines in data["borders"].items()}
    coast = tuple(np.asarray(line, dtype=float) for line in data["coast"])
    return Outlines(name, REGIONS[name], countries, borders, coast, data["meta"])


def outlines_for(lon_min: float, lon_max: float, lat_min: float, lat_max: float) -> Outlines:
    """The finest outlines that cover the box (the coarsest file when none covers all of it)."""
    for name, (west, south, east, north) in REGIONS.items():
        if west <= lon_min and lon_max <= east and south <= lat_min and lat_max <= north:
            return load(name)
    return load(list(REGIONS)[-1])
