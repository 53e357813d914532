"""Hand-made observed rows for a classroom run, and sums by hand to check the counted values against."""

from pathlib import Path

import pandas as pd


def write_observed(tmp_path: Path, daily) -> Path:
    """Four hand-made observed rows around a classroom run (inside, cumulative, before, straddling its start)."""
    dates = sorted(daily["date"].unique())
    rows = [
        # a calendar month inside the run, counted as a period total
        {"country": "PL", "metric": "attempts", "period_start": "2021-09-01", "period_end": "2021-09-30",
         "value": 1000, "aggregation": "period_total"},
        # a running total from mid-August to mid-October
        {"country": "LT", "metric": "turned_back", "period_start": "2021-08-15", "period_end": "2021-10-15",
         "value": 500, "aggregation": "cumulative"},
        # a period entirely before the run: nothing simulated
        {"country": "LV", "metric": "prevented", "period_start": "2020-01-01", "period_end": "2020-01-31",
         "value": 10, "aggregation": "period_total"},
        # a period that starts before the run: only the simulated part counts
        {"country": "PL", "metric": "attempts", "period_start": "2021-07-01", "period_end": dates[9],
         "value": 100, "aggregation": "period_total"},
    ]
    frame = pd.DataFrame(rows).assign(quality="reported", definition="test", source="hand-made")
    path = tmp_path / "observed.csv"
    frame.to_csv(path, index=False)
    return path


def by_hand(daily, country, metric, start, end):
    rows = daily[(daily["country"] == country) & (daily["metric"] == metric) & (daily["place"] == "")]
    return int(rows.loc[(rows["date"] >= start) & (rows["date"] <= end), "value"].sum())
