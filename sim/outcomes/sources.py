"""Where a run's daily series are read from: the live recorder, the tidy daily table, or stored totals.

Every outcome (:mod:`sim.outcomes.values`) is computed from a :class:`Series` source, so a number
is the same whether it comes from a model that just ran (:class:`RecorderSeries`, no table built:
what makes calibration affordable), from ``daily.csv`` or ``result.daily`` (:class:`TableSeries`),
or from the country totals an ensemble stores per run (:class:`MatrixSeries`).

A source answers ``series(metric, country, place)``: the daily values over every day of the run
(``None`` when the run has no such series). ``country`` ``None`` (or ``""``) sums every country;
``place`` names one key (a border segment, a route, a destination) instead of a country total.
``country`` ``""`` selects the series recorded without a country: the journey states (``state_<name>``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.model.population import STATE_NAMES
from sim.model.recorder import Recorder


class Series:
    """A run's daily series; subclasses say where they are read from.

    Attributes:
        start: The run's first day.
        days: Number of days in the run.
    """

    start: dt.date
    days: int

    def series(self, metric: str, country: str | None = None, place: str = "") -> np.ndarray | None:
        """Daily values of ``metric`` for ``country`` (all when None or "") or one ``place``; None if absent."""
        raise NotImplementedError

    def day_index(self, date: dt.date) -> int:
        """Day index of ``date`` (0 = the run's first day; may be outside the run)."""
        return (date - self.start).days


class RecorderSeries(Series):
    """Series read straight from a model's :class:`~sim.model.recorder.Recorder` (every day of the run)."""

    def __init__(self, recorder: Recorder, start: dt.date) -> None:
        self.recorder, self.start, self.days = recorder, start, recorder.days

    def series(self, metric: str, country: str | None = None, place: str = "") -> np.ndarray | None:
        """See :meth:`Series.series`."""
        rec = self.recorder
        if metric.startswith("state_"):
            name = metric[6:]
            ok = name in STATE_NAMES and not country and not place
            return rec.states[:, STATE_NAMES.index(name)] if ok else None
        if country == "":  # every other metric is recorded per country
            return None
        if metric == "reported":
            if place:
                return None
            countries = [country] if country else list(rec.counting_rules)
            if not all(c in rec.counting_rules for c in countries):
                return None
            return sum((rec.reported(c) for c in countries), np.zeros(rec.days, dtype=np.int64))
        spec = rec.specs.get(metric)
        if spec is None:
            return None
        keys = rec.key_spaces[spec.keys]
        if place:
            if not spec.per_place:
                return None
            cols = [j for j, (label, c) in enumerate(keys) if label == place and (not country or c == country)]
        else:
            cols = [j for j, (_, c) in enumerate(keys) if not country or c == country]
        if not cols:
            return None
        return rec.values[metric][:, cols].sum(axis=1)


class TableSeries(Series):
    """Series read from a tidy daily table (``date, metric, country, place, value``), indexed once.

    Args:
        daily: The table (``result.daily`` or a run folder's ``daily.csv``).
    """

    def __init__(self, daily: pd.DataFrame) -> None:
        when = pd.to_datetime(daily["date"].astype(str), format="%Y-%m-%d")
        first = when.min() if len(when) else pd.Timestamp("1970-01-01")
        self.start = first.date()
        day = ((when - first).dt.days.to_numpy() if len(when) else np.zeros(0, dtype=np.int64))
        self.days = int(day.max()) + 1 if len(day) else 0  # calendar days from the first to the last date
        place = daily["place"].fillna("").astype(str)
        table = pd.DataFrame({"metric": daily["metric"].astype(str).to_numpy(),
                              "country": daily["country"].fillna("").astype(str).to_numpy(),
                              "place": place.to_numpy(), "day": day, "value": daily["value"].to_numpy()})
        self._rows: dict[tuple[str, str, str], np.ndarray] = {}
        for (metric, country, plc), grp in table.groupby(["metric", "country", "place"], sort=False):
            values = np.zeros(self.days, dtype=np.int64)
            np.add.at(values, grp["day"].to_numpy(), grp["value"].to_numpy(dtype=np.int64))
            self._rows[(metric, country, plc)] = values

    def series(self, metric: str, country: str | None = None, place: str = "") -> np.ndarray | None:
        """See :meth:`Series.series`."""
        found = [v for (m, c, p), v in self._rows.items()
                 if m == metric and p == place and (country is None or c == country)]
        if not found:
            return None
        return np.sum(found, axis=0)

    def keys(self) -> list[tuple[str, str, str]]:
        """Every ``(metric, country, place)`` the table holds."""
        return list(self._rows)


class MatrixSeries(Series):
    """Series read from stored country totals: dates × ``metric|country`` keys (an ensemble's runs).

    Args:
        dates: ISO dates, one per row of ``values``.
        keys: ``metric|country`` per column.
        values: The totals (dates × keys).
    """

    def __init__(self, dates: Sequence[str], keys: Sequence[str], values: np.ndarray) -> None:
        self.dates = np.asarray(dates, dtype=str)
        self.start = dt.date.fromisoformat(str(self.dates[0])[:10]) if len(self.dates) else dt.date(1970, 1, 1)
        self.days = len(self.dates)
        self._cols: dict[str, list[tuple[str, int]]] = {}
        for j, key in enumerate(keys):
            metric, _, country = str(key).partition("|")
            self._cols.setdefault(metric, []).append((country, j))
        self.values = np.asarray(values)

    def keys(self) -> list[str]:
        """Every ``metric|country`` key held."""
        return [f"{metric}|{country}" for metric, cols in self._cols.items() for country, _ in cols]

    def series(self, metric: str, country: str | None = None, place: str = "") -> np.ndarray | None:
        """See :meth:`Series.series` (country totals only: a ``place`` finds nothing)."""
        if place:
            return None
        cols = [j for c, j in self._cols.get(metric, []) if country is None or c == country]
        if not cols:
            return None
        return self.values[:, cols].sum(axis=1)
