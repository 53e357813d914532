"""What one day's rules hand to each other, and the arrays they derive from the live scenario: declared here.

:class:`Today` holds the few things a rule leaves for a later rule of the same day (who still waits
for a seat, who leaves Minsk today, ...); :class:`~sim.model.model.CorridorModel` makes a fresh one
at the start of every day, so nothing carries over by accident. :class:`ScenarioArrays` holds the
numpy arrays the rules read from the scenario as it stands (demand rates, segment values, route
masks, daily temperatures); the model makes a fresh one whenever the scenario changes (a dated
event, a live change in the demo), so a rule never reads a value of yesterday's scenario.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.scenario.schema import VISA_TYPES

NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass
class Today:
    """The state one day's rules pass on to each other (see ``docs/model.md``, "Process overview").

    Attributes:
        day: The day index.
        waiting_pool: Parties at an origin still waiting for a seat after today's give-ups, in the
            order they arrived (set by :func:`~sim.model.agents.migrant.wait_at_origin`).
        seat_pool: The waiting parties who can pay a package, as every carrier sells from them
            today (:class:`~sim.model.agents.carrier.SeatPool`, built once after the flights).
        leaving_minsk: Parties leaving Minsk for the border today (set by
            :func:`~sim.model.agents.migrant.minsk_day`; the transit state drives some, the rest
            go alone in :func:`~sim.model.agents.migrant.leave_minsk_unaided`).
        attempting: Parties crossing tonight, before the border services resolve them.
        attempting_country: The country index of each of ``attempting`` (of its segment), read once
            for every border service.
        segment_probabilities: Choice probabilities over the border segments, steered by the
            transit state (True) or not (False), computed when first needed today.
        detection: Per border service index: detection and line-stop probability of each of its
            segments today (barriers grow by the day).
    """

    day: int
    waiting_pool: np.ndarray = field(default_factory=lambda: NO_ROWS)
    seat_pool: object | None = None
    leaving_minsk: np.ndarray = field(default_factory=lambda: NO_ROWS)
    attempting: np.ndarray = field(default_factory=lambda: NO_ROWS)
    attempting_country: np.ndarray = field(default_factory=lambda: NO_ROWS)
    segment_probabilities: dict[bool, np.ndarray] = field(default_factory=dict)
    detection: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


class ScenarioArrays:
    """Arrays derived from the live scenario, each computed when first read and kept until it changes.

    Args:
        model: The model whose ``config`` (the scenario as it stands today) they are read from.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.config = model.config
        self._segment_values: dict[str, np.ndarray] = {}
        self._refused: dict[tuple[str, int], np.ndarray] = {}
        self._may_fly: dict[tuple[str, int], np.ndarray] = {}

    # ------------------------------------------------------------------ the world
    @cached_property
    def temperature(self) -> np.ndarray:
        """Mean temperature (°C) of every day of the run, from ``monthly_temperature_c``."""
        m, sc = self.model, self.config
        months = np.array([(sc.start + dt.timedelta(days=d)).month - 1 for d in range(m.n_days)])
        return np.asarray(sc.monthly_temperature_c, dtype=float)[months]

    @cached_property
    def origin_rates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per origin: new parties a day (mean), and the mean, sd and floor of money per person."""
        m, sc = self.model, self.config
        factor = np.full(len(m.origin_ids), sc.demand.scale * sc.scale)
        for k, origin_id in enumerate(m.origin_ids):
            for actor in m.state_actors.values():
                factor[k] *= actor.demand_multiplier(origin_id)
        origins = [sc.demand.origins[o] for o in m.origin_ids]
        weekly = np.array([o.people_per_week for o in origins])
        money = np.array([(o.money_usd.mean, o.money_usd.sd, o.money_usd.min) for o in origins]).reshape(-1, 3)
        return weekly * factor / 7 / sc.demand.party_size.mean, money[:, 0], money[:, 1], money[:, 2]

    @cached_property
    def destination_p(self) -> np.ndarray:
        """Chance of each EU destination, from the ``destinations`` weights."""
        dests = self.config.migrants.destinations
        weights = np.array([dests[d] for d in self.model.destination_ids], dtype=float)
        return weights / weights.sum()

    @cached_property
    def month(self) -> np.ndarray:
        """Month index (0 = January) of every day of the run."""
        m, sc = self.model, self.config
        return np.array([(sc.start + dt.timedelta(days=d)).month - 1 for d in range(m.n_days)])

    @cached_property
    def departures_seasonality(self) -> np.ndarray:
        """Multiplier of new travellers on every day of the run (``demand.seasonality``)."""
        return np.asarray(self.config.demand.seasonality, dtype=float)[self.month]

    @cached_property
    def crossing_seasonality(self) -> np.ndarray:
        """Multiplier of how often people set off to cross, every day of the run (``migrants.crossing_seasonality``)."""
        return np.asarray(self.config.migrants.crossing_seasonality, dtype=float)[self.month]

    @cached_property
    def visa_shares(self) -> np.ndarray:
        """Per origin: cumulative shares of the visa types applied for (VISA_TYPES order)."""
        rows = []
        for o in self.model.origin_ids:
            shares = self.config.demand.origins[o].visa_types
            row = np.array([shares.get(t, 0.0) for t in VISA_TYPES], dtype=float)
            rows.append(np.cumsum(row / row.sum()))
        return np.array(rows).reshape(len(self.model.origin_ids), len(VISA_TYPES))

    # ------------------------------------------------------------------ actors
    @cached_property
    def transit_state(self):
        """The state actor that moves people to the borders (Belarus), if any."""
        return next((a for a in self.model.state_actors.values() if a.role == "transit"), None)

    @cached_property
    def gateway_states(self) -> list:
        """Per route: the gateway state actor whose visas its travellers need (None for a route into Minsk)."""
        m = self.model
        by_place = {a.spec.gateway: a for a in m.state_actors.values() if a.role == "gateway"}
        return [by_place.get(m.place_ids[g]) if g >= 0 else None for g in m.route_gateway]

    @cached_property
    def gateway_steer(self) -> np.ndarray | None:
        """Per segment: the factor a gateway state's steering puts on Belarus's, for travellers it let through."""
        m = self.model
        steers = [a.spec.steer for a in m.state_actors.values() if a.role == "gateway" and a.spec.steer]
        if not steers:
            return None
        factor = np.ones(len(m.countries))
        for steer in steers:
            factor *= np.array([steer.get(c, 0.0) for c in m.countries])
        return factor[m.segment_country]

    @cached_property
    def home_flight_nationalities(self) -> np.ndarray:
        """Nationality indices with a repatriation flight running (by any carrier)."""
        found: set[int] = set()
        for carrier in self.model.carriers.values():
            found |= carrier.repatriation_active()
        return np.array(sorted(found), dtype=np.int16)

    @cached_property
    def cheapest_package(self) -> float:
        """The lowest package price of any carrier (USD)."""
        return min((c.package_price_usd for c in self.config.carriers.values()), default=0.0)

    def refused_mask(self, carrier_id: str, i: int) -> np.ndarray:
        """True for each nationality index route ``i`` of ``carrier_id`` will not carry."""
        key = (carrier_id, i)
        if key not in self._refused:
            m = self.model
            spec = self.config.carriers[carrier_id]
            route = spec.routes[m.route_refs[i][1]]
            mask = np.zeros(len(m.nationalities), dtype=bool)
            names = set(spec.refused_nationalities) | set(route.refused_nationalities)
            mask[[m.nationalities.index(n) for n in names]] = True
            self._refused[key] = mask
        return self._refused[key]

    def may_fly(self, carrier_id: str, i: int) -> np.ndarray:
        """True for each origin whose travellers route ``i`` serves and carries (nationality not refused)."""
        key = (carrier_id, i)
        if key not in self._may_fly:
            m = self.model
            route = self.config.carriers[carrier_id].routes[m.route_refs[i][1]]
            mask = np.zeros(len(m.origin_ids), dtype=bool)
            mask[[m.origin_ids.index(o) for o in (route.serves or [route.from_])]] = True
            self._may_fly[key] = mask & ~self.refused_mask(carrier_id, i)[m.origin_nationality]
        return self._may_fly[key]

    # ------------------------------------------------------------------ borders
    def segment_values(self, name: str) -> np.ndarray:
        """One value of every border segment's field ``name``, in segment order."""
        if name not in self._segment_values:
            m, sc = self.model, self.config
            self._segment_values[name] = np.array(
                [getattr(sc.border_services[m.countries[m.segment_country[j]]].segments[sid], name)
                 for j, sid in enumerate(m.segment_ids)], dtype=float)
        return self._segment_values[name]

    @cached_property
    def emergency(self) -> np.ndarray:
        """Per border country: whether it has a state of emergency (no aid workers allowed in)."""
        return np.array([self.config.border_services[c].policy.state_of_emergency for c in self.model.countries])

    @cached_property
    def procedure(self) -> tuple[np.ndarray, np.ndarray]:
        """Per border country: daily chance of absconding from custody, and of being granted asylum."""
        rows = [(p.abscond_per_day, p.asylum_acceptance)
                for p in (self.config.border_services[c].policy for c in self.model.countries)]
        table = np.array(rows).reshape(-1, 2)
        return table[:, 0], table[:, 1]


__all__ = ["NO_ROWS", "ScenarioArrays", "Today"]
