"""Scalar outcomes of a run, computed from its daily table.

An outcome is a statistic (sum, peak, mean, final) of one metric's daily
series for one country (or all countries summed), over an optional date
window. Only country-total rows (place '') are used unless a place is named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.sweep_file import OutcomeSpec

DEFAULT_OUTCOMES: dict[str, dict] = {
    "attempts_PL": {"metric": "attempts", "country": "PL"},
    "attempts_LT": {"metric": "attempts", "country": "LT"},
    "attempts_LV": {"metric": "attempts", "country": "LV"},
    "crossed_total": {"metric": "crossed"},
    "deaths_total": {"metric": "deaths"},
    "onward_arrivals_total": {"metric": "onward_arrivals"},
    "peak_at_border": {"metric": "at_border", "stat": "peak"},
}


def default_outcomes() -> dict[str, OutcomeSpec]:
    """Outcomes used by ``compare`` when none are given."""
    return {k: OutcomeSpec(**v) for k, v in DEFAULT_OUTCOMES.items()}


def series(daily: pd.DataFrame, o: OutcomeSpec) -> pd.Series:
    """Daily values of an outcome's metric, indexed by date string, windowed.

    Args:
        daily: Long table with columns date, metric, country, place, value.
        o: The outcome.

    Returns:
        Values summed over the selected countries per date, sorted by date.

    """
    sel = (daily["metric"] == o.metric) & (daily["place"].fillna("") == o.place)
    if o.country is not None:
        sel &= daily["country"] == o.country
    sub = daily.loc[sel, ["date", "value"]]
    s = sub.groupby("date", sort=True)["value"].sum()
    s.index = s.index.astype(str)
    if o.start is not None:
        s = s[s.index >= o.start.isoformat()]
    if o.end is not None:
        s = s[s.index <= o.end.isoformat()]
    return s


def compute(daily: pd.DataFrame, outcomes: dict[str, OutcomeSpec]) -> dict[str, float]:
    """Compute every outcome of one run.

    Args:
        daily: The run's daily table (``result.daily``).
        outcomes: Name -> outcome spec.

    Returns:
        Name -> value (float; 0.0 when the metric has no rows in the window).

    """
    out = {}
    for name, o in outcomes.items():
        v = series(daily, o).to_numpy(dtype=float)
        if v.size == 0:
            out[name] = 0.0
        elif o.stat == "sum":
            out[name] = float(v.sum())
        elif o.stat == "peak":
            out[name] = float(v.max())
        elif o.stat == "mean":
            out[name] = float(v.mean())
        else:
            out[name] = float(v[-1])
    return out


def totals_matrix(daily: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pack the country-total rows (place '') of a daily table densely.

    Args:
        daily: The run's daily table.

    Returns:
        (dates, keys, values): date strings (n_dates,), keys "metric|country"
        (n_keys,), int64 values (n_dates, n_keys); absent cells are 0.

    """
    tot = daily[daily["place"].fillna("") == ""]
    key = tot["metric"].astype(str) + "|" + tot["country"].astype(str)
    wide = (
        pd.DataFrame({"date": tot["date"].astype(str).to_numpy(), "key": key.to_numpy(),
                      "value": tot["value"].to_numpy()})
        .pivot_table(index="date", columns="key", values="value", aggfunc="sum", fill_value=0)
        .sort_index()
    )
    wide = wide.reindex(sorted(wide.columns), axis=1)
    return (wide.index.to_numpy(dtype=str), wide.columns.to_numpy(dtype=str), wide.to_numpy(dtype=np.int64))


def daily_from_matrix(dates: np.ndarray, keys: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """Inverse of :func:`totals_matrix` (country totals only, place '')."""
    metric_country = [k.split("|", 1) for k in keys]
    n_d, n_k = values.shape
    return pd.DataFrame({
        "date": np.repeat(dates, n_k),
        "metric": np.tile([m for m, _ in metric_country], n_d),
        "country": np.tile([c for _, c in metric_country], n_d),
        "place": "",
        "value": values.reshape(-1),
    })


class OutcomeCollector:
    """Picklable run reducer: ``collector(result) -> {'outcomes': {...}}``."""

    def __init__(self, outcomes: dict[str, OutcomeSpec]):
        self.outcomes = outcomes

    def __call__(self, result) -> dict:
        """Reduce a run result to its outcomes."""
        return {"outcomes": compute(result.daily, self.outcomes)}
