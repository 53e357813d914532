"""Scores of simulated against observed figures: relative errors, ARD, and naive baselines.

The relative error of a row is ``|sim - obs| / obs``; the ARD of a series (country × metric) is the
mean of its rows' relative errors; the overall ARD is the mean over series (each series weighs the
same, however many rows it has).

Naive baselines predict each scored row from the *other* rows of its series (leave-one-out), on
daily rates (value / days in the period, so rows of different lengths are comparable):

* ``flat``: the mean daily rate of the other rows, times the row's days;
* ``ramp``: a least-squares line of daily rate against the period's mid-date through the other
  rows, evaluated at the row's mid-date (clipped at 0; ``flat`` when fewer than two other rows);
* ``last``: the daily rate of the most recent other row whose period ends before the row's
  mid-date (the nearest later row for the first one), carried forward.

The same baselines fitted in-sample (all rows of the series, including the one scored) are
reported as well, for reference.

Forecasting baselines (:func:`forecast_predictions`) use only figures published *before* a row: last
year's level, the same months of last year, and the trend of the last two years. They are the honest
yardstick of a projection: a row after the calibration's last day is forecast only from what was
known on that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.outcomes.observed import Target

BASELINES = ("flat", "ramp", "last")


def relative_errors(sim: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """``|sim - obs| / obs`` elementwise."""
    return np.abs(np.asarray(sim, float) - np.asarray(obs, float)) / np.asarray(obs, float)


def ard(sim, obs, series, scored=None) -> tuple[float, dict]:
    """Overall ARD (mean over series of the mean relative error of their rows) and per-series ARD.

    Args:
        sim: Simulated values, one per row.
        obs: Observed values, one per row.
        series: Series label per row (rows with the same label form one series).
        scored: Optional booleans; rows marked False are left out.
    """
    sim, obs = np.asarray(sim, float), np.asarray(obs, float)
    series = list(series)
    scored = np.ones(len(obs), bool) if scored is None else np.asarray(scored, bool)
    err = relative_errors(sim, obs)
    per: dict[str, float] = {}
    for s in dict.fromkeys(series):
        mask = np.array([x == s for x in series]) & scored
        if mask.any():
            per[s] = float(err[mask].mean())
    overall = float(np.mean(list(per.values()))) if per else float("nan")
    return overall, per


def _rate(t: Target) -> float:
    return t.value / t.days


def _predict(t: Target, others: list[Target], kind: str) -> float:
    if not others:
        return float("nan")
    rates = np.array([_rate(o) for o in others])
    mids = np.array([o.mid for o in others])
    if kind == "flat" or (kind == "ramp" and len(others) < 2):
        rate = rates.mean()
    elif kind == "ramp":
        if np.ptp(mids) == 0:
            rate = rates.mean()
        else:
            slope, icpt = np.polyfit(mids, rates, 1)
            rate = max(0.0, slope * t.mid + icpt)
    elif kind == "last":
        ends = np.array([o.end.toordinal() for o in others])
        before = np.flatnonzero(ends < t.mid)
        if before.size:
            rate = rates[before[np.argmax(ends[before])]]
        else:
            rate = rates[np.argmin(np.abs(mids - t.mid))]
    else:
        raise ValueError(kind)
    return float(rate * t.days)


def baseline_predictions(targets: list[Target], in_sample: bool = False) -> dict[str, np.ndarray]:
    """Predictions of each naive baseline for every target (NaN for unscored rows).

    Leave-one-out by default (a row's own value is never used to predict it); ``in_sample``
    fits each baseline on all scored rows of the series.
    """
    out = {k: np.full(len(targets), np.nan) for k in BASELINES}
    for k, t in enumerate(targets):
        if not t.scored:
            continue
        same = [o for o in targets if o.series == t.series and o.scored]
        others = same if in_sample else [o for o in same if o.row != t.row]
        for kind in BASELINES:
            if in_sample and kind == "last":
                # in-sample "last": the row's own rate carried forward is the row itself, so use the
                # previous row's rate (the first row keeps its own)
                prev = [o for o in same if o.end < t.end]
                src = max(prev, key=lambda o: o.end) if prev else t
                out[kind][k] = _rate(src) * t.days
            else:
                out[kind][k] = _predict(t, others, kind)
    return out


def score(values: np.ndarray, targets: list[Target]) -> tuple[float, dict]:
    """ARD of one run's values (unscored rows and rows with NaN left out)."""
    obs = np.array([t.value for t in targets])
    scored = np.array([t.scored for t in targets]) & ~np.isnan(values)
    return ard(np.nan_to_num(values), obs, [t.series for t in targets], scored)


def coverage(values: np.ndarray, targets: list[Target]) -> dict[int, float | None]:
    """Share of the scored rows whose observed value lies inside the replicates' central 90 % and 50 % bands.

    Args:
        values: Replicates × targets (one row per run).
        targets: The observed rows.

    Returns:
        ``{90: share, 50: share}`` (None when no row is scored).
    """
    obs = np.array([t.value for t in targets])
    scored = np.array([t.scored for t in targets], dtype=bool)
    out: dict[int, float | None] = {}
    for q in (90, 50):
        low, high = np.percentile(values, 50 - q / 2, axis=0), np.percentile(values, 50 + q / 2, axis=0)
        inside = (obs >= low) & (obs <= high)
        out[q] = float(inside[scored].mean()) if scored.any() else None
    return out


# --------------------------------------------------------------------------- forecasting baselines
FORECASTS = ("last_year", "same_months", "trend")


def _annual(rows: list[Target], year: int) -> Target | None:
    """The row of a whole calendar year, if the series has one."""
    for o in rows:
        if o.start == dt.date(year, 1, 1) and o.end == dt.date(year, 12, 31):
            return o
    return None


def _forecast(t: Target, known: list[Target], kind: str) -> float:
    year = t.start.year
    if kind == "same_months":
        for o in known:
            if o.start == _year_earlier(t.start) and o.end == _year_earlier(t.end):
                return o.value * t.days / o.days
        return float("nan")
    last = _annual(known, year - 1)
    if last is None:
        return float("nan")
    if kind == "last_year":
        return _rate(last) * t.days
    before = _annual(known, year - 2)
    if before is None:
        return float("nan")
    return max(0.0, 2 * _rate(last) - _rate(before)) * t.days


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def forecast_predictions(targets: list[Target], until: dt.date | None = None) -> dict[str, np.ndarray]:
    """Naive forecasts of every scored row from earlier figures of its series only.

    * ``last_year``: the daily rate of the series' previous calendar year (a whole-year row), times the row's days;
    * ``same_months``: the row of the same period a year earlier, scaled to the row's days;
    * ``trend``: the previous year's daily rate carried on by the change from the year before (clipped at 0).

    A row is forecast from the rows of its series that end before it starts; with ``until`` (the last day
    the calibration saw), a row after it is forecast only from rows ending by ``until`` (what was known
    when the projection was made). NaN where the earlier figures a forecast needs are missing.
    """
    out = {k: np.full(len(targets), np.nan) for k in FORECASTS}
    for k, t in enumerate(targets):
        if not t.scored:
            continue
        horizon = t.start if until is None or t.end <= until else min(t.start, until + dt.timedelta(days=1))
        known = [o for o in targets if o.series == t.series and o.end < horizon]
        for kind in FORECASTS:
            out[kind][k] = _forecast(t, known, kind)
    return out
