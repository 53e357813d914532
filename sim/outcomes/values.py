"""Every scalar outcome, and every simulated figure counted the way its country counts it: the one home.

* :func:`outcome_value` / :func:`outcome_values`: an :class:`~sim.outcomes.spec.OutcomeSpec`
  (statistic of a metric for a country, place and window) of one run. Used by sweeps, ensembles,
  comparisons, validation's independent checks and other outcomes, and the EMA Workbench adapter.
* :func:`target_values`: each observed row's simulated value, counted as its country counts it
  (:class:`~sim.outcomes.observed.Target`: the raw metrics its counting rules name, summed over the
  row's period). Used by validation, calibration and the run's observed-vs-simulated plot
  (:func:`observed_comparison`).

Each takes a :class:`~sim.outcomes.sources.Series` source, so the numbers are the same whether a
run is read from its recorder, its tidy table or the totals an ensemble stored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outcomes.observed import Target
from sim.outcomes.sources import Series
from sim.outcomes.spec import OutcomeSpec


def _window(source: Series, o: OutcomeSpec) -> slice:
    first = 0 if o.start is None else max(0, source.day_index(o.start))
    last = source.days - 1 if o.end is None else min(source.days - 1, source.day_index(o.end))
    return slice(first, max(first, last + 1))


def outcome_value(source: Series, o: OutcomeSpec) -> float:
    """One outcome of one run: ``o.stat`` of the series over ``o``'s window (0.0 when nothing is selected)."""
    values = source.series(o.metric, o.country, o.place)
    if values is None:
        return 0.0
    part = np.asarray(values)[_window(source, o)]
    if part.size == 0:
        return 0.0
    if o.stat == "sum":
        return float(part.sum())
    if o.stat == "peak":
        return float(part.max())
    if o.stat == "mean":
        return float(part.mean())
    return float(part[-1])


def outcome_values(source: Series, outcomes: dict[str, OutcomeSpec]) -> dict[str, float]:
    """Every outcome of one run, by name."""
    return {name: outcome_value(source, o) for name, o in outcomes.items()}


def target_values(source: Series, targets: list[Target]) -> np.ndarray:
    """The simulated value of each observed row, counted the way its country counts it.

    The sum, over the row's days inside the run, of the country totals of the raw metrics its
    counting rules name (``target.components``); NaN when no day of the period was simulated or the
    run records none of those metrics for that country.
    """
    cache: dict[tuple[str, str], np.ndarray | None] = {}
    out = np.full(len(targets), np.nan)
    for k, t in enumerate(targets):
        if t.last < t.first:
            continue
        parts = []
        for metric in t.components:
            key = (metric, t.country)
            if key not in cache:
                series = source.series(metric, t.country)
                cache[key] = None if series is None else np.concatenate([[0], np.cumsum(series)])
            if cache[key] is not None:
                parts.append(cache[key][t.last + 1] - cache[key][t.first])
        if parts:
            out[k] = float(sum(parts))
    return out


def observed_comparison(source: Series, targets: list[Target], observed: pd.DataFrame) -> pd.DataFrame:
    """The observed rows with their simulated values, for the observed-vs-simulated plot.

    Args:
        source: The run.
        targets: :func:`~sim.outcomes.observed.build_targets` of ``observed``.
        observed: The observed table.

    Returns:
        ``observed`` with ``counted_as`` (the raw metrics summed), ``simulated``, ``period_days``,
        ``simulated_days``, ``coverage`` and ``ratio`` (simulated / observed) added.
    """
    simulated = target_values(source, targets)
    return observed.assign(
        counted_as=[" + ".join(t.components) for t in targets], simulated=simulated,
        simulated_days=[max(0, t.last - t.first + 1) for t in targets], period_days=[t.days for t in targets],
        coverage=[t.coverage for t in targets],
        ratio=simulated / observed["value"].where(observed["value"] != 0).to_numpy(dtype=float))
