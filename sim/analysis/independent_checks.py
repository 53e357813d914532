"""Independent checks: outcomes that are never fitted, set against public figures.

Validation scores the model on the official series of the observed file, and calibration fits
to those series only. Other outcomes an analyst will be asked about (how many reached Germany,
how many were flown home, how many were stranded at the border, how many died) come out of the
mechanisms; a checks file lists the public figures they can be compared with, as a range::

    outcome,country,period_start,period_end,statistic,low,high,quality,source,note
    onward_arrivals,DE,2021-10-01,2021-10-31,total,4500,6000,approximate,Bundespolizei via DW,...

``outcome`` is a metric of the run (README, "Metrics"); ``country`` its country ('' for all);
``statistic`` is ``total`` (sum of a flow over the period) or ``peak`` (largest daily value of a
stock or flow in the period). A checks file sits beside the observed file as
``<observed name>_checks.csv`` (or is given with ``validate --checks``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError, did_you_mean, quoted
from sim.files import read_csv_rows
from sim.model.recorder import METRICS, key_spaces
from sim.outcomes.sources import Series
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.values import outcome_value

COLUMNS = ("outcome", "country", "period_start", "period_end", "statistic", "low", "high", "quality", "source")
STATISTICS = ("total", "peak")
OUTCOMES = tuple(m.name for m in METRICS)


@dataclass(frozen=True)
class Check:
    """One public figure (as a range) for an outcome that is not fitted."""

    outcome: str
    country: str
    start: dt.date
    end: dt.date
    statistic: str
    low: float
    high: float
    quality: str
    source: str
    note: str = ""

    @property
    def spec(self) -> OutcomeSpec:
        """The check as an outcome: the total (sum) or peak of its metric for its country over its period."""
        return OutcomeSpec(metric=self.outcome, country=self.country or None,
                           stat="sum" if self.statistic == "total" else "peak", start=self.start, end=self.end)

    @property
    def label(self) -> str:
        """Short label: outcome, country and period."""
        where = f" {self.country}" if self.country else ""
        return f"{self.outcome}{where} {self.statistic} {self.start:%y-%m-%d}..{self.end:%y-%m-%d}"


def default_checks_path(observed: Path) -> Path:
    """Where the checks of an observed file live: ``<observed stem>_checks.csv`` beside it."""
    return Path(observed).with_name(f"{Path(observed).stem}_checks.csv")


def load_checks(path) -> list[Check]:
    """Read a checks file strictly (:func:`sim.files.read_csv_rows`); every problem is a ScenarioError with the row."""
    path = Path(path)
    rows = read_csv_rows(path, COLUMNS, what="checks file")
    out = []
    for row in rows:
        where = f"row {row['_line']}"
        if row["outcome"] not in OUTCOMES:
            raise ScenarioError(f"{where}: unknown outcome '{quoted(row['outcome'], 40)}'.", file=str(path),
                                hint=f"outcomes: {', '.join(OUTCOMES)}.")
        if row["statistic"] not in STATISTICS:
            raise ScenarioError(f"{where}: statistic must be one of {', '.join(STATISTICS)}.", file=str(path))
        try:
            start, end = dt.date.fromisoformat(row["period_start"]), dt.date.fromisoformat(row["period_end"])
            low, high = float(row["low"]), float(row["high"])
        except ValueError:
            raise ScenarioError(f"{where}: dates must be YYYY-MM-DD and low, high numbers.", file=str(path)) from None
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ScenarioError(f"{where}: low and high must be finite numbers.", file=str(path))
        if end < start or not 0 <= low <= high:
            raise ScenarioError(f"{where}: the period or the range [low, high] is out of order.", file=str(path))
        out.append(Check(row["outcome"], row["country"], start, end, row["statistic"], low, high, row["quality"],
                         row["source"], row.get("note", "")))
    return out


def check_values(source: Series, checks: list[Check]) -> np.ndarray:
    """The run's value of each check (NaN where the check's period is outside the run)."""
    out = np.full(len(checks), np.nan)
    for k, c in enumerate(checks):
        first, last = max(0, source.day_index(c.start)), min(source.days - 1, source.day_index(c.end))
        if last >= first:
            out[k] = outcome_value(source, c.spec)
    return out


def check_table(checks: list[Check], values: np.ndarray) -> pd.DataFrame:
    """One row per check: the public range, the simulated median and 5–95 % band over seeds, a verdict."""
    values = np.asarray(values, dtype=float).reshape(-1, len(checks))
    med, lo, hi = (np.full(len(checks), np.nan) for _ in range(3))
    simulated = ~np.isnan(values).all(axis=0) if len(values) else np.zeros(len(checks), bool)
    if simulated.any():  # a check outside the run stays NaN (no all-NaN warnings)
        part = values[:, simulated]
        med[simulated] = np.nanmedian(part, axis=0)
        lo[simulated], hi[simulated] = np.nanpercentile(part, 5, axis=0), np.nanpercentile(part, 95, axis=0)
    verdict = [_verdict(c, m) for c, m in zip(checks, med)]
    return pd.DataFrame({
        "outcome": [c.outcome for c in checks], "country": [c.country for c in checks],
        "period_start": [c.start.isoformat() for c in checks], "period_end": [c.end.isoformat() for c in checks],
        "statistic": [c.statistic for c in checks], "public_low": [c.low for c in checks],
        "public_high": [c.high for c in checks], "sim_median": med, "sim_p05": lo, "sim_p95": hi,
        "verdict": verdict, "quality": [c.quality for c in checks], "source": [c.source for c in checks],
        "note": [c.note for c in checks],
    })


def _verdict(check: Check, value: float) -> str:
    """Inside the public range, or how far outside it (as a multiple of the nearer end when it is not 0)."""
    if np.isnan(value):
        return "not simulated"
    if check.low <= value <= check.high:
        return "inside"
    side, end = ("below", check.low) if value < check.low else ("above", check.high)
    return f"{side} ({value / end:.2f}x the range's end)" if end > 0 else f"{side} (the range ends at 0)"


def check_against_scenario(checks: list[Check], scenario, file: str | None = None) -> None:
    """Every check must name an outcome and a country the scenario's runs report (else a ScenarioError)."""
    spaces = key_spaces(scenario)
    for c in checks:
        keys = spaces[next(m.keys for m in METRICS if m.name == c.outcome)]
        countries = sorted({country for _, country in keys})
        if c.country and c.country not in countries:
            hint = (f"did you mean '{c.country.upper()}'?" if c.country.upper() in countries else
                    did_you_mean(c.country, countries) or f"countries of {c.outcome}: {', '.join(countries)}.")
            raise ScenarioError(f"check '{c.label}': the run reports {c.outcome} for no country '{c.country}'.",
                                file=file, hint=hint)


def format_checks(table: pd.DataFrame) -> str:
    """The checks as a plain-text table."""
    lines = [f"{'independent check (not fitted)':<44}{'public range':>16}{'sim median':>12}{'5-95 %':>18}  verdict"]
    for r in table.itertuples(index=False):
        where = f" {r.country}" if r.country else ""
        label = f"{r.outcome}{where} {r.statistic} {r.period_start[2:]}..{r.period_end[2:]}"
        band = f"{r.sim_p05:,.0f}-{r.sim_p95:,.0f}" if not np.isnan(r.sim_median) else "-"
        med = f"{r.sim_median:,.0f}" if not np.isnan(r.sim_median) else "-"
        lines.append(f"{label:<44}{f'{r.public_low:,.0f}-{r.public_high:,.0f}':>16}{med:>12}{band:>18}  {r.verdict}")
    return "\n".join(lines)
