"""Mesa's own data tooling on the model: a ``DataCollector`` of each day's country totals, fed by the recorder.

Example (as in Mesa's examples)::

    import mesa
    from sim.model.model import CorridorModel
    from sim.scenario.loader import load_scenario

    sc = load_scenario("scenarios/classroom.yaml")
    rows = mesa.batch_run(CorridorModel, parameters={"scenario": [sc]}, rng=[1, 2], max_steps=200,
                          data_collection_period=1, display_progress=False)
    model = CorridorModel(sc, rng=1)
    model.run_to_end()
    model.datacollector.get_model_vars_dataframe()[["attempts_PL", "at_border_PL"]].plot()

The model reporters are named ``<metric>_<country>`` and ``<metric>_total`` for the metrics a user
plots: ``attempts``, ``at_border``, ``crossed``, ``turned_back``, ``deaths`` (per border country) and
``onward_arrivals`` (per destination country). Each is the value **of that day** (a flow's count
that day, a stock's level at the day's end), the same numbers as the run's ``daily.csv``: the
recorder holds them already, and :class:`CountryTotals` sums a day's keys into countries once per
day for all reporters together, so collecting costs one small matrix product a day.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

COLLECTED = ("attempts", "at_border", "crossed", "turned_back", "deaths", "onward_arrivals")


class CountryTotals:
    """Each day's totals per country of the :data:`COLLECTED` metrics, read from the recorder's arrays.

    Args:
        recorder: The model's :class:`~sim.model.recorder.Recorder`.
    """

    def __init__(self, recorder) -> None:
        self.recorder = recorder
        self.names: list[str] = []
        self._sums: dict[str, np.ndarray] = {}  # metric -> keys × (countries + total) 0/1 matrix
        self._columns: dict[str, int] = {}
        for metric in COLLECTED:
            countries = recorder.countries_of(metric)
            order = sorted({c for c in countries if c})
            matrix = np.zeros((len(countries), len(order) + 1), dtype=np.int64)
            for j, country in enumerate(order):
                matrix[countries == country, j] = 1
            matrix[:, -1] = 1
            self._sums[metric] = matrix
            for j, label in enumerate([*order, "total"]):
                name = f"{metric}_{label}"
                self.names.append(name)
                self._columns[name] = (metric, j)
        self._day = None
        self._today: dict[str, np.ndarray] = {}

    def value(self, name: str) -> int:
        """Today's value of reporter ``name`` (``attempts_PL``, ``onward_arrivals_total``, ...)."""
        day = self.recorder.day
        if day != self._day:
            self._today = {m: self.recorder.values[m][day] @ s for m, s in self._sums.items()}
            self._day = day
        metric, column = self._columns[name]
        return int(self._today[metric][column])


def _report(name: str, model) -> int:
    return model.country_totals.value(name)


def country_collector(totals: CountryTotals) -> mesa.DataCollector:
    """A Mesa ``DataCollector`` with one model reporter per name of ``totals``."""
    return mesa.DataCollector(model_reporters={name: partial(_report, name) for name in totals.names})
