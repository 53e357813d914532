"""The run tables derived from the daily table: ``summary.csv`` and the country totals an ensemble stores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.recorder import METRICS

STOCKS = frozenset(m.name for m in METRICS if m.stock)


def summary_table(daily: pd.DataFrame) -> pd.DataFrame:
    """``summary.csv``: totals and peaks per metric, country and place (place '' = country total).

    For stocks (``in_minsk``, ``at_border``, ``state_*``) the total is the value on the last day
    (``kind`` stock); for flows it is the sum over the run (``kind`` flow). The peak is the largest
    daily value, on its first date (``peak_date``).
    """
    values = daily.groupby(["metric", "country", "place"], sort=True)["value"]
    table = pd.DataFrame({"sum": values.sum(), "last": values.last(), "peak": values.max(),
                          "peak_row": values.idxmax()}).reset_index()
    is_stock = table["metric"].isin(STOCKS) | table["metric"].str.startswith("state_")
    return pd.DataFrame({
        "metric": table["metric"], "country": table["country"], "place": table["place"],
        "kind": is_stock.map({True: "stock", False: "flow"}),
        "total": table["last"].where(is_stock, table["sum"]).astype("int64"),
        "peak": table["peak"].astype("int64"),
        "peak_date": daily["date"].to_numpy()[table["peak_row"].to_numpy()],
    })


def totals_matrix(daily: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pack the country-total rows (place '') of a daily table densely.

    Returns:
        (dates, keys, values): date strings (n_dates,), keys "metric|country" (n_keys,), int64
        values (n_dates, n_keys); absent cells are 0.
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
