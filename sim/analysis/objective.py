"""What a calibration minimises: the ARD of the fitted rows, averaged over fixed seeds; runs as short as the rows allow.

Both methods of ``corridor calibrate`` (differential evolution, :mod:`sim.analysis.calibration`; ABC-SMC,
:mod:`sim.analysis.abc`) score a parameter vector with :class:`Objective`: the scenario with the
parameters set is run for each seed (common random numbers), each observed row is counted the way
its country counts it, and the score is the overall ARD of :mod:`sim.analysis.scores`.

A run needs to go no further than the last fitted row: :func:`fit_horizon` cuts the scenario there
(and drops the dated events after it, keeping every event before it at the place a parameter's key
path names), which is what makes calibrating a four-year scenario on three years affordable.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

import numpy as np

from sim.analysis.params_file import ParamSpec
from sim.analysis.scores import score
from sim.analysis.validation import run_values
from sim.errors import ScenarioError
from sim.outcomes.observed import Target
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

EVENT_KEY = re.compile(r"^events\.(\d+)(\..*)?$")


def fit_horizon(base: dict, targets: list[Target]) -> tuple[dict, dict[int, int]]:
    """The scenario data cut at the last day any scored row needs, and where each kept event now stands.

    Returns:
        ``(data, moved)``: the shorter scenario (``end`` moved earlier, later events left out) and a map
        from an event's index in the full scenario to its index in the shorter one.
    """
    scored = [t for t in targets if t.scored]
    end = base["end"] if not scored else min(base["end"], max(t.end for t in scored))
    if not isinstance(end, dt.date) or end >= base["end"]:
        return base, {i: i for i in range(len(base.get("events", [])))}
    out = copy.deepcopy(base)
    out["end"] = end
    kept = [(i, e) for i, e in enumerate(base.get("events", [])) if e["date"] <= end]
    out["events"] = [e for _, e in kept]
    return out, {old: new for new, (old, _) in enumerate(kept)}


def moved_overrides(values: dict, moved: dict[int, int]) -> dict:
    """Overrides with every ``events.N...`` key path renumbered for a scenario cut by :func:`fit_horizon`."""
    out = {}
    for key, value in values.items():
        m = EVENT_KEY.match(key)
        if m is None:
            out[key] = value
            continue
        old = int(m.group(1))
        if old not in moved:
            raise ScenarioError(f"the parameter {key} sets an event dated after the last fitted row, so no run of "
                                "the calibration would see it.", key_path=key,
                                hint="fit only values that act within the observed period.")
        out[f"events.{moved[old]}{m.group(2) or ''}"] = value
    return out


class Objective:
    """Mean over fixed seeds of the overall ARD for a parameter vector (picklable for process pools).

    Args:
        base: Scenario data (``observed`` left out) the parameters are set on.
        spec: The free parameters.
        targets: The observed rows.
        seeds: The calibration seeds (the same at every evaluation).
        countries: Score these countries' rows only (leave one country out); all when None.
    """

    def __init__(self, base: dict, spec: ParamSpec, targets: list[Target], seeds: list[int],
                 countries: set[str] | None = None) -> None:
        self.spec, self.seeds = spec, seeds
        self.source = base  # before the cut: what another objective of the same scenario starts from
        self.targets = [t for t in targets if countries is None or t.country in countries]
        self.base, self.moved = fit_horizon(base, self.targets)

    def scenario(self, x) -> Scenario:
        """The (shortened) scenario with the parameters set."""
        return load_scenario(copy.deepcopy(self.base), moved_overrides(self.spec.values(x), self.moved))

    def runs(self, x, seeds: list[int] | None = None) -> list[tuple[np.ndarray, dict]]:
        """``(values of the targets, other outcomes)`` of one run per seed."""
        sc = self.scenario(x)
        return [run_values(sc, s, self.targets) for s in (self.seeds if seeds is None else seeds)]

    def evaluate(self, x) -> tuple[float, dict]:
        """Mean ARD over the seeds, and the mean of the other outcomes (reported, never fitted)."""
        runs = self.runs(x)
        scores = [score(values, self.targets)[0] for values, _ in runs]
        others = [other for _, other in runs]
        mean_other = {k: float(np.mean([o[k] for o in others])) for k in others[0]
                      if isinstance(others[0][k], (int, float))}
        return float(np.mean(scores)), mean_other

    def per_series(self, x) -> tuple[float, dict[str, float]]:
        """The overall ARD and the ARD of each observed series for a parameter vector, averaged over the seeds."""
        scores = [score(values, self.targets) for values, _ in self.runs(x)]
        return float(np.mean([s[0] for s in scores])), {k: float(np.mean([s[1][k] for s in scores]))
                                                         for k in scores[0][1]}

    def __call__(self, x) -> float:
        """The objective: the mean ARD."""
        return self.evaluate(x)[0]
