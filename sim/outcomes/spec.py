"""What an outcome is: a statistic of one metric's daily series, for one country or all, over a window.

Sweeps, ensembles, comparisons, validation's independent checks and the EMA Workbench adapter all
name their outcomes with :class:`OutcomeSpec`; :mod:`sim.outcomes.values` computes them, the same
way whatever the runs were read from (a live recorder, a tidy daily table, stored country totals).

Example::

    pl_attempts_oct: {metric: attempts, country: PL, start: 2021-10-01, end: 2021-10-31}
    deaths: {metric: deaths}                          # all countries summed
    peak_at_border: {metric: at_border, stat: peak}   # largest daily value
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from sim.errors import SweepFileError, did_you_mean
from sim.model.population import STATE_NAMES
from sim.model.recorder import METRICS

STATS = ("sum", "peak", "mean", "final")
# Metrics a run records: the recorder's, each border country's official count, and the journey states.
KNOWN_METRICS = frozenset({m.name for m in METRICS} | {"reported"})


class OutcomeSpec(BaseModel):
    """A scalar summary of one run.

    ``stat`` over the daily series of ``metric`` for ``country`` (all countries summed when
    omitted) or for one ``place`` (a border segment, route or destination), restricted to
    ``start``..``end`` (inclusive): ``sum``, ``peak`` (largest daily value), ``mean`` or
    ``final`` (the last day's value).
    """

    model_config = ConfigDict(extra="forbid")

    metric: str
    country: str | None = None
    place: str = ""
    stat: Literal["sum", "peak", "mean", "final"] = "sum"
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _window(self) -> OutcomeSpec:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"empty date window: start {self.start} is after end {self.end}")
        return self


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


def similar_hint(word: str, choices) -> str:
    """Return ' (did you mean 'X'?)' for a case-insensitive or close match, else ''."""
    choices = [c for c in choices if c]
    same = [c for c in choices if c.lower() == str(word).lower()]
    found = f"did you mean '{same[0]}'?" if same else did_you_mean(word, choices)
    return f" ({found})" if found else ""


def check_metric_names(outcomes: dict[str, OutcomeSpec], where: str) -> None:
    """Refuse outcomes naming a metric or journey state that no run records.

    Countries, places and date windows need the scenario (:mod:`sim.experiments.sweep_checks`).

    Args:
        outcomes: Name -> outcome.
        where: Start of the message, e.g. ``Sweep file sweeps/x.yaml``.

    Raises:
        SweepFileError: Naming the outcome, with a did-you-mean.
    """
    for name, o in outcomes.items():
        if o.metric.startswith("state_"):
            if o.metric[6:] not in STATE_NAMES:
                states = [f"state_{s}" for s in STATE_NAMES]
                raise SweepFileError(
                    f"{where}: 'outcomes.{name}.metric': unknown journey state '{o.metric}'"
                    f"{similar_hint(o.metric, states)}; the states are {', '.join(states)}.")
        elif o.metric not in KNOWN_METRICS:
            raise SweepFileError(
                f"{where}: 'outcomes.{name}.metric': unknown metric '{o.metric}'"
                f"{similar_hint(o.metric, KNOWN_METRICS)}; known metrics are {', '.join(sorted(KNOWN_METRICS))} "
                "and state_<name>.")
