"""Observed official figures, and the simulated value of each counted the way its country counts it.

The observed CSV (read by :func:`sim.scenario.observed_file.load_observed`) has one row per official
figure. :func:`build_targets` turns each row into a :class:`Target`: which raw simulated metrics
make up that figure (from the country's counting rules in the scenario, see :func:`components`)
and which days of a run to sum; :func:`sim.outcomes.values.target_values` sums them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario

COUNTABLE = ("attempts", "detained", "turned_back", "prevented", "apprehended")
DESTINATION_METRICS = {"arrivals_via_belarus": "onward_arrivals"}  # a destination country's count -> the model's


def observed_path(scenario_file, scenario: Scenario, override=None) -> Path:
    """The observed CSV: ``override`` if given, else the scenario's ``observed:`` (relative to its file)."""
    if override:
        return Path(override)
    if not scenario.observed:
        raise ScenarioError("the scenario names no observed data.", file=str(scenario_file), key_path="observed",
                            hint="add 'observed: path/to.csv' to the scenario or give --observed FILE.")
    path = scenario.observed_file
    if not path.is_absolute() and scenario._base_dir is None and scenario_file is not None:
        path = Path(scenario_file).resolve().parent / path
    return path


def components(scenario: Scenario, country: str, metric: str, file: str | None = None) -> tuple[str, ...]:
    """Raw simulated metrics that make up ``country``'s observed ``metric``, from its counting rules.

    A border country's figure is made of the metrics its counting rules (``counts``) name; a
    destination country's figure of arrivals (Germany's Federal Police count of unauthorised entries
    with a Belarus reference, ``arrivals_via_belarus``) is the model's ``onward_arrivals`` there.
    """
    destinations = {scenario.places[d].country for d in scenario.migrants.destinations}
    if country not in scenario.border_services and country in destinations:
        if metric in DESTINATION_METRICS:
            return (DESTINATION_METRICS[metric],)
        raise ScenarioError(f"unknown observed metric '{metric}' for the destination country {country}.", file=file,
                            hint=f"a destination country's figure can be: {', '.join(DESTINATION_METRICS)}.")
    if country not in scenario.border_services:
        raise ScenarioError(f"the observed data names country '{country}', which has no border service in the "
                            "scenario.", file=file, hint=f"countries: {', '.join(scenario.border_services)}.")
    found: list[str] = []
    for rule in scenario.border_services[country].counts:
        if metric in rule.metrics:
            found += [m for m in rule.metrics if m not in found]
    if found:
        return tuple(found)
    if metric in COUNTABLE:
        return (metric,)
    raise ScenarioError(f"unknown observed metric '{metric}' for {country}.", file=file,
                        hint=f"metrics that can be compared: {', '.join(COUNTABLE)}.")


@dataclass
class Target:
    """One observed row, with what to sum in a run to compare with it."""

    row: int
    country: str
    metric: str
    start: dt.date
    end: dt.date
    value: float
    aggregation: str
    components: tuple[str, ...]
    first: int  # first run day index summed (clipped)
    last: int  # last run day index summed (clipped), inclusive; last < first when none
    days: int  # days in the observed period
    coverage: float
    scored: bool
    note: str = ""

    @property
    def series(self) -> str:
        """Series label: ``country metric``."""
        return f"{self.country} {self.metric}"

    @property
    def mid(self) -> float:
        """Mid-date of the period as a day ordinal."""
        return (self.start.toordinal() + self.end.toordinal()) / 2


def build_targets(scenario: Scenario, observed: pd.DataFrame, file: str | None = None,
                  strict: bool = True) -> list[Target]:
    """One :class:`Target` per observed row, clipped to the run's dates.

    Args:
        scenario: The scenario (its dates and counting rules).
        observed: The observed table (:func:`load_observed`).
        file: The observed file, for messages.
        strict: Refuse a row whose country or metric the scenario cannot count; when False (a
            run's plot), such a row is counted as the raw metric of its own name.
    """
    out = []
    for i, row in observed.iterrows():
        start = dt.date.fromisoformat(str(row["period_start"]))
        end = dt.date.fromisoformat(str(row["period_end"]))
        try:
            comp = components(scenario, str(row["country"]), str(row["metric"]), file)
        except ScenarioError:
            if strict:
                raise
            comp = (str(row["metric"]),)
        first = max(0, (start - scenario.start).days)
        last = min(scenario.days - 1, (end - scenario.start).days)
        days = (end - start).days + 1
        covered = max(0, last - first + 1)
        coverage = covered / days
        note = ""
        if coverage < 1:
            note = (f"period {start}–{end} is only {covered} of {days} days inside the run "
                    f"({scenario.start}–{scenario.end}); simulated value covers those days only; not scored")
        out.append(Target(i, str(row["country"]), str(row["metric"]), start, end, float(row["value"]),
                          str(row["aggregation"]), comp, first, last, days, coverage, coverage >= 1, note))
    return out
