"""Reading an observed-data CSV: official figures a run is compared with, checked row by row.

One row per official figure: ``country, metric, period_start, period_end, value, aggregation``
(``period_total`` or ``cumulative``), plus free columns (quality, definition, source). The file is
read strictly (:func:`sim.files.read_csv_rows`): every value a finite positive number, every date a
calendar date, every period in order. A scenario's ``observed:`` file is checked when the scenario
is loaded, so a bad one stops ``check`` and ``run`` before anything runs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError, quoted
from sim.files import read_csv_rows

REQUIRED_COLUMNS = ("country", "metric", "period_start", "period_end", "value", "aggregation")
AGGREGATIONS = ("period_total", "cumulative")
WHAT = "observed data file"


def _date(text: str, where: str, label: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{where}: '{quoted(text, 30)}' is not a date written as YYYY-MM-DD.", file=label,
                            hint="write a calendar date, e.g. 2021-08-01.") from None


def load_observed(path) -> pd.DataFrame:
    """Read and check an observed CSV (or check a DataFrame with its columns); every problem is a ScenarioError."""
    if isinstance(path, pd.DataFrame):
        label = "observed data"
        rows = [{**{k: str(v) for k, v in r.items()}, "_line": i + 2}
                for i, r in enumerate(path.to_dict(orient="records"))]
        missing = [c for c in REQUIRED_COLUMNS if c not in path.columns]
        if missing:
            raise ScenarioError(f"the observed data lacks the column(s) {', '.join(missing)}.", file=label,
                                hint=f"columns needed: {', '.join(REQUIRED_COLUMNS)}.")
        if not rows:
            raise ScenarioError("the observed data has no rows.", file=label)
    else:
        label = quoted(path, 200)
        rows = read_csv_rows(Path(path), REQUIRED_COLUMNS, what=WHAT)
    for row in rows:
        where = f"row {row['_line']}"
        if not re.fullmatch(r"[A-Z]{2}", row["country"]):
            raise ScenarioError(f"{where}: country '{quoted(row['country'], 20)}' is not a two-letter code.",
                                file=label, hint="write the ISO code, e.g. PL, LT, LV.")
        if not re.fullmatch(r"[a-z_]{1,40}", row["metric"]):
            raise ScenarioError(f"{where}: metric '{quoted(row['metric'], 40)}' is not a metric name.", file=label,
                                hint="e.g. attempts, turned_back, prevented, detained.")
        if row["aggregation"] not in AGGREGATIONS:
            raise ScenarioError(f"{where}: unknown aggregation '{quoted(row['aggregation'], 30)}'.", file=label,
                                hint=f"use one of {', '.join(AGGREGATIONS)}.")
        start, end = _date(row["period_start"], where, label), _date(row["period_end"], where, label)
        if end < start:
            raise ScenarioError(f"{where}: period_end is before period_start.", file=label)
        try:
            value = float(row["value"])
        except ValueError:
            raise ScenarioError(f"{where}: value '{quoted(row['value'], 30)}' is not a number.", file=label) from None
        if not math.isfinite(value) or value <= 0:
            raise ScenarioError(f"{where}: value must be a finite positive number (relative errors divide by it), "
                                f"not '{quoted(row['value'], 30)}'.", file=label)
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "_line"} for r in rows])
    table["value"] = table["value"].astype(float)
    return table.reset_index(drop=True)
