"""Daily counts of flows and stocks, kept as numpy arrays and turned into tidy tables.

Each metric has a key space (border segments, routes, destinations, ...). Flows are
added during a day; stocks are set once at its end. Country totals are derived from
the keys, so a segment's attempts and its country's attempts can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.population import OPTIONAL_STATES, STATE_NAMES, JourneyState


@dataclass(frozen=True)
class MetricSpec:
    """A metric: its key space and whether it is a stock or a flow."""

    name: str
    keys: str  # name of the key space
    stock: bool = False
    per_place: bool = True  # write one row per key (place) besides country totals
    description: str = ""


METRICS = [
    MetricSpec("arrivals_minsk", "route", description="people landing in Minsk, by route"),
    MetricSpec("in_minsk", "minsk", stock=True, per_place=False, description="people in Minsk"),
    MetricSpec("at_border", "segment", stock=True, description="people waiting or crossing at a border"),
    MetricSpec("attempts", "segment", description="crossing attempts detected by the border service"),
    MetricSpec("crossed", "segment", description="people who got through undetected"),
    MetricSpec("apprehended", "segment", description="people caught inside the EU (at the border or inland)"),
    MetricSpec("turned_back", "segment", description="apprehended people pushed back to Belarus"),
    MetricSpec("detained", "segment", description="apprehended people taken into custody"),
    MetricSpec("asylum_claims", "segment", description="asylum claims lodged"),
    MetricSpec("prevented", "segment", description="people stopped at the border line"),
    MetricSpec("onward_arrivals", "destination", description="people reaching an EU destination"),
    MetricSpec("returned_minsk", "segment", description="people who gave up at a border and reached Minsk"),
    MetricSpec("repatriated", "repatriation", description="people flown home on repatriation flights"),
    MetricSpec("deaths", "segment", description="deaths at the border"),
    MetricSpec("deported", "country", per_place=False, description="rejected claimants returned from the EU"),
]
FLOW_METRICS = [m.name for m in METRICS if not m.stock]


def key_spaces(scenario) -> dict[str, list[tuple[str, str]]]:
    """The key spaces the metrics of a run of ``scenario`` are kept in: space name → (label, country) pairs.

    In scenario order, which is the order the model indexes segments, routes, destinations and
    repatriation routes in; read from the scenario alone, so a sweep or a checks file can be
    checked against the rows a run will write without running it.
    """
    services, carriers = scenario.border_services, scenario.carriers
    return {
        "segment": [(sid, c) for c, bs in services.items() for sid in bs.segments],
        "route": [(rid, "BY") for car in carriers.values() for rid in car.routes],
        "destination": [(d, scenario.places[d].country) for d in scenario.migrants.destinations],
        "repatriation": [(rid, scenario.places[rep.to].country) for car in carriers.values()
                         for rid, rep in car.repatriation.items()],
        "country": [(c, c) for c in services],
        "minsk": [("minsk", "BY")],
    }


def recorded_states(scenario) -> list[str]:
    """The journey states a run of ``scenario`` writes: all, ``in_transit`` only where a route flies into a gateway."""
    gateway_routes = any(scenario.places[r.to].kind == "gateway" for car in scenario.carriers.values()
                         for r in car.routes.values())
    optional = {JourneyState.IN_TRANSIT: gateway_routes}
    return [name for s, name in zip(JourneyState, STATE_NAMES) if s not in OPTIONAL_STATES or optional[s]]


class Recorder:
    """Holds every metric for every day of a run.

    Args:
        days: Number of days in the run.
        key_spaces: Key space name → list of (label, country) pairs.
        counting_rules: Country → list of (metrics, first_day, last_day) for the ``reported`` series.
        edges: Network edges (from, to, mode) along which flows are counted.
        states: The journey states written to the tidy table (:func:`recorded_states`; default all).
    """

    def __init__(self, days: int, key_spaces: dict, counting_rules: dict, edges: list,
                 states: list[str] | None = None) -> None:
        self.days = days
        self.key_spaces = key_spaces
        self.counting_rules = counting_rules
        self.edges = edges
        self.values = {m.name: np.zeros((days, len(key_spaces[m.keys])), dtype=np.int64) for m in METRICS}
        self.states = np.zeros((days, len(STATE_NAMES)), dtype=np.int64)
        self.written_states = list(states or STATE_NAMES)  # the state rows of the tidy table
        self.edge_flows = np.zeros((days, len(edges)), dtype=np.int64)
        self.day = 0
        self.specs = {m.name: m for m in METRICS}
        self._country_of = {
            space: np.array([c for _, c in keys], dtype=object) for space, keys in key_spaces.items()
        }

    def add(self, metric: str, keys, people) -> None:
        """Add ``people`` to ``metric`` today, per key index (arrays or scalars)."""
        np.add.at(self.values[metric][self.day], keys, people)

    def add_by_key(self, metric: str, keys: np.ndarray, people: np.ndarray) -> None:
        """Like :meth:`add` but fast for many rows: a weighted bincount."""
        if keys.size:
            row = self.values[metric][self.day]
            row += np.bincount(keys, weights=people, minlength=row.size).astype(np.int64)

    def add_flow(self, edge_ids, people: int) -> None:
        """Count ``people`` moving along each edge of ``edge_ids`` today."""
        if people and len(edge_ids):
            self.edge_flows[self.day, edge_ids] += people

    def add_flows(self, incidence: np.ndarray, people: np.ndarray) -> None:
        """Count ``people[k]`` moving along every edge of path ``k`` today (row ``k`` of ``incidence``)."""
        self.edge_flows[self.day] += np.asarray(people, dtype=np.int64) @ incidence

    def set_stock(self, metric: str, values) -> None:
        """Set today's value of a stock metric."""
        self.values[metric][self.day] = values

    def set_states(self, people_by_state: np.ndarray) -> None:
        """Set today's people per journey state."""
        self.states[self.day] = people_by_state

    # ------------------------------------------------------------------ reading
    def countries_of(self, metric: str) -> np.ndarray:
        """The country of each key of ``metric`` ("" for keys of no country)."""
        return self._country_of[self.specs[metric].keys]

    def series(self, metric: str, country: str = "") -> np.ndarray:
        """Daily values of ``metric`` up to and including the current day.

        Args:
            metric: A metric name, ``reported`` or ``state_<name>``.
            country: A country code, or "" for the sum over all keys.
        """
        upto = self.day + 1
        if metric.startswith("state_"):
            return self.states[:upto, STATE_NAMES.index(metric[6:])]
        if metric == "reported":
            return self.reported(country)[:upto]
        values = self.values[metric][:upto]
        if not country:
            return values.sum(axis=1)
        mask = self._country_of[self.specs[metric].keys] == country
        return values[:, mask].sum(axis=1)

    def reported(self, country: str) -> np.ndarray:
        """A country's official daily count, made up as its counting rules say."""
        out = np.zeros(self.days, dtype=np.int64)
        for metrics, first, last in self.counting_rules.get(country, []):
            part = sum(self.country_series(m, country) for m in metrics)
            out[first : last + 1] += part[first : last + 1]
        return out

    def country_series(self, metric: str, country: str) -> np.ndarray:
        """Daily values of ``metric`` summed over one country's keys, for every day of the run."""
        mask = self._country_of[self.specs[metric].keys] == country
        return self.values[metric][:, mask].sum(axis=1)

    def frame(self, dates: list[str]) -> pd.DataFrame:
        """The tidy daily table: ``date, metric, country, place, value``."""
        n = len(dates)
        labels, columns = [], []

        def block(metric, country, place, values):
            labels.append((metric, country, place))
            columns.append(np.asarray(values[:n], dtype=np.int64))

        for spec in METRICS:
            keys = self.key_spaces[spec.keys]
            values = self.values[spec.name]
            for country in dict.fromkeys(c for _, c in keys):
                block(spec.name, country, "", self.country_series(spec.name, country))
            if spec.per_place:
                for j, (label, country) in enumerate(keys):
                    block(spec.name, country, label, values[:, j])
        for country in self.counting_rules:
            block("reported", country, "", self.reported(country))
        for j, name in enumerate(STATE_NAMES):
            if name in self.written_states:
                block(f"state_{name}", "", "", self.states[:, j])
        k = len(labels)
        # each label column is its k distinct strings taken n times each (a str array's take), not k * n Python strings
        block_of_row = np.repeat(np.arange(k), n)
        metric, country, place = (pd.array([lab[i] for lab in labels], dtype="str").take(block_of_row)
                                  for i in range(3))
        return pd.DataFrame({
            "date": pd.array(list(dates), dtype="str").take(np.tile(np.arange(n), k)),
            "metric": metric, "country": country, "place": place,
            "value": np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64),
        })

    def flows_frame(self) -> pd.DataFrame:
        """Cumulative people along each network edge over the run."""
        totals = self.edge_flows.sum(axis=0)
        return pd.DataFrame({
            "from_place": [e[0] for e in self.edges],
            "to_place": [e[1] for e in self.edges],
            "mode": [e[2] for e in self.edges],
            "people": totals.astype(np.int64),
        })
