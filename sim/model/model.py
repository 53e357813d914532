"""CorridorModel: the Mesa model of the Minsk corridor, one day per step."""

from __future__ import annotations

import copy
import datetime as dt
import functools

import mesa
import numpy as np

from sim.model.agents import migrant as rules
from sim.model.agents.border_service import BorderService
from sim.model.agents.carrier import Carrier, SeatPool, can_pay_a_package
from sim.model.agents.state_actor import StateActor
from sim.model.context import ScenarioArrays, Today
from sim.model.mesa_data import CountryTotals, country_collector
from sim.model.network import build_network, journey, minsk_id
from sim.model.population import IS_FINAL, STATE_NAMES, JourneyState, Population
from sim.model.recorder import Recorder, key_spaces, recorded_states
from sim.scenario import schema
from sim.scenario.keypaths import set_path, within

S = JourneyState


class CorridorModel(mesa.Model):
    """Migrants, carriers, border services and state actors on a network of real places.

    Args:
        scenario: A validated :class:`~sim.scenario.schema.Scenario`.
        rng: Seed (int) for every random draw; defaults to the scenario's seed.

    Attributes:
        config: The scenario as it stands today (dated events change it).
        population: The travel parties (:class:`~sim.model.population.Population`).
        recorder: Daily metrics (:class:`~sim.model.recorder.Recorder`).
        datacollector: Mesa's ``DataCollector`` of each day's country totals (:mod:`sim.model.mesa_data`).
        network: The place graph (networkx DiGraph).
        day: Index of the last simulated day (-1 before the first step).
    """

    def __init__(self, scenario: schema.Scenario, rng: int | None = None) -> None:
        seed = scenario.seed if rng is None else int(rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.config = scenario.model_copy(deep=True)
        self.n_days = scenario.days
        self.day = -1
        self.network = build_network(scenario)
        self._index_places(scenario)
        self._index_segments(scenario)
        self._index_routes(scenario)
        self.population = Population(capacity=self._expected_rows(scenario))
        self.barrier_built = np.zeros(len(self.segment_ids))  # km built at the daily rate since set by the scenario
        self.today = Today(day=-1)
        self.recorder = Recorder(self.n_days, key_spaces(scenario), self._counting_rules(scenario), self.edges,
                                 recorded_states(scenario))
        self.carriers = {cid: Carrier(self, cid) for cid in scenario.carriers}
        self.border_services = {c: BorderService(self, c) for c in scenario.border_services}
        self.state_actors = {aid: StateActor(self, aid) for aid in scenario.state_actors}
        self.arrays = ScenarioArrays(self)
        for group in scenario.initial_population:
            rules.start_with(self, group)
        self.events_applied: list[tuple[str, str]] = []
        # Mesa's event list runs each dated change before that day's step; it holds weak
        # references, so the callbacks are kept alive here.
        self._event_callbacks = [functools.partial(self.apply_event, e)
                                 for e in sorted(scenario.events, key=lambda e: e.date)]
        for callback in self._event_callbacks:
            self.schedule_event(callback, at=(callback.args[0].date - scenario.start).days + 0.5)
        # Mesa's DataCollector of each day's country totals (sim/model/mesa_data.py), for batch_run and Mesa's plots
        self.country_totals = CountryTotals(self.recorder)
        self.datacollector = country_collector(self.country_totals)
        self.running = True

    # ------------------------------------------------------------------ set-up
    def _index_places(self, sc: schema.Scenario) -> None:
        self.place_ids = list(sc.places)
        self.place_index = {p: i for i, p in enumerate(self.place_ids)}
        self.place_country = [sc.places[p].country for p in self.place_ids]
        self.minsk = self.place_index[minsk_id(sc)]
        self.origin_ids = list(sc.demand.origins)
        self.origin_place = np.array([self.place_index[o] for o in self.origin_ids], dtype=np.int16)
        self.nationalities = sorted({o.nationality for o in sc.demand.origins.values()})
        self.origin_nationality = np.array(
            [self.nationalities.index(sc.demand.origins[o].nationality) for o in self.origin_ids], dtype=np.int16)
        self.destination_ids = list(sc.migrants.destinations)
        self.destination_place = np.array([self.place_index[d] for d in self.destination_ids], dtype=np.int16)
        self.edges = [(u, v, d["mode"]) for u, v, d in self.network.edges(data=True)]
        self.edge_index = {(u, v): i for i, (u, v, _) in enumerate(self.edges)}

    def path_edges(self, source: str, target: str) -> tuple[np.ndarray, int, float]:
        """Edge indices along the quickest path, its days and km."""
        path, days, km = journey(self.network, source, target)
        ids = [self.edge_index[(u, v)] for u, v in zip(path, path[1:]) if (u, v) in self.edge_index]
        return np.array(ids, dtype=np.int64), days, km

    def _index_segments(self, sc: schema.Scenario) -> None:
        self.countries = list(sc.border_services)
        refs = [(c, sid, seg) for c, bs in sc.border_services.items() for sid, seg in bs.segments.items()]
        self.segment_ids = [sid for _, sid, _ in refs]
        self.segment_country = np.array([self.countries.index(c) for c, _, _ in refs], dtype=np.int16)
        self.segment_place = np.array([self.place_index[seg.place] for _, _, seg in refs], dtype=np.int16)
        self.segment_staging = np.array([self.place_index[seg.staging] for _, _, seg in refs], dtype=np.int16)
        minsk = self.place_ids[self.minsk]
        self.segment_days = np.zeros(len(refs), dtype=np.int32)
        self.segment_km = np.zeros(len(refs))
        self.segment_path, self.segment_back, self.segment_entry = [], [], []
        for j, (c, _, seg) in enumerate(refs):
            edges, days, km = self.path_edges(minsk, seg.place)
            self.segment_path.append(edges)
            self.segment_days[j], self.segment_km[j] = max(1, days), km
            self.segment_back.append(self.path_edges(seg.place, minsk)[0])
            self.segment_entry.append(self.path_edges(seg.place, sc.border_services[c].reception)[0])
        self.reception_place = np.array(
            [self.place_index[sc.border_services[c].reception] for c in self.countries], dtype=np.int16)
        self.onward_path = {
            (k, d): self.path_edges(sc.border_services[c].reception, dest)[0]
            for k, c in enumerate(self.countries) for d, dest in enumerate(self.destination_ids)}
        # the same paths as segment × edge (or destination × edge) matrices, to count flows in one product
        self.segment_path_matrix = self._incidence(self.segment_path)
        self.segment_back_matrix = self._incidence(self.segment_back)
        self.segment_entry_matrix = self._incidence(self.segment_entry)
        self.onward_matrix = [self._incidence([self.onward_path[(k, d)] for d in range(len(self.destination_ids))])
                              for k in range(len(self.countries))]

    def _incidence(self, paths: list[np.ndarray]) -> np.ndarray:
        """A 0/1 matrix: row ``k`` marks the edges along ``paths[k]``."""
        out = np.zeros((len(paths), len(self.edges)), dtype=np.int64)
        for k, edges in enumerate(paths):
            out[k, edges] = 1
        return out

    def _index_routes(self, sc: schema.Scenario) -> None:
        self.route_refs = [(cid, rid) for cid, car in sc.carriers.items() for rid in car.routes]
        self.route_labels = [rid for _, rid in self.route_refs]
        self.route_path = [self.path_edges(sc.carriers[c].routes[r].from_, sc.carriers[c].routes[r].to)[0]
                           for c, r in self.route_refs]
        # a route into a gateway (Moscow) lands there; its travellers go on to Minsk overland
        self.route_gateway = np.array([self.place_index[sc.carriers[c].routes[r].to]
                                       if sc.places[sc.carriers[c].routes[r].to].kind == "gateway" else -1
                                       for c, r in self.route_refs], dtype=np.int16)
        gateways = sorted({int(g) for g in self.route_gateway if g >= 0})
        minsk = self.place_ids[self.minsk]
        self.overland_path = {g: self.path_edges(self.place_ids[g], minsk)[0] for g in gateways}
        self.repat_refs = [(cid, rid) for cid, car in sc.carriers.items() for rid in car.repatriation]
        self.repat_labels = [rid for _, rid in self.repat_refs]

    def _counting_rules(self, sc: schema.Scenario) -> dict:
        rules_by_country = {}
        for country, bs in sc.border_services.items():
            spans = []
            for rule in bs.counts or [schema.CountingRuleSpec(metrics=["attempts"])]:
                first = 0 if rule.from_ is None else max(0, (rule.from_ - sc.start).days)
                last = self.n_days - 1 if rule.until is None else min(self.n_days - 1, (rule.until - sc.start).days)
                if first <= last:  # a rule wholly outside the run counts nothing
                    spans.append((list(rule.metrics), first, last))
            rules_by_country[country] = spans
        return rules_by_country

    def _expected_rows(self, sc: schema.Scenario) -> int:
        weekly = sum(o.people_per_week for o in sc.demand.origins.values()) * sc.demand.scale * sc.scale
        facil = max([1.0] + [a.exit_facilitation for a in sc.state_actors.values()])
        return int(weekly * facil * sc.days / 7 / sc.demand.party_size.mean * 1.2) + 1024

    # ------------------------------------------------------------------ changing the scenario
    def apply_event(self, event: schema.EventSpec) -> None:
        """Apply one of the scenario's dated events (Mesa runs it before that day's step)."""
        self.change_scenario(event.set, note=event.note or ", ".join(event.set), date=event.date)

    def change_scenario(self, changes: dict, note: str, date: dt.date | None = None) -> None:
        """Change the live scenario from today on: ``{key.path: value}``, validated as a whole.

        The public way to change a running model: dated events use it, and so does the demo
        when a lever moves. Every array derived from the scenario is rebuilt from the new one
        (:class:`~sim.model.context.ScenarioArrays`). A change that sets a segment's
        ``barrier_km`` (directly, or by setting the whole segment, its service's segments or the
        service) sets the barrier standing from then on: building at the daily rate restarts from
        that length, even when the length is the same as before.

        Args:
            changes: Key path → value, as in an event's ``set``.
            note: What the change is, recorded in :attr:`events_applied`.
            date: The date recorded (default: the model's current date).
        """
        data = self.config.model_dump(by_alias=True, mode="python")
        for key_path, value in changes.items():
            set_path(data, key_path, copy.deepcopy(value), source="event")
        base_dir = self.config._base_dir
        self.config = schema.Scenario.model_validate(data)
        self.config._base_dir = base_dir  # relative paths (observed) stay relative to the scenario file
        self.arrays = ScenarioArrays(self)
        self.today = Today(day=self.day)  # what today's rules derived from the old scenario is gone too
        barriers = [f"border_services.{self.countries[self.segment_country[j]]}.segments.{sid}.barrier_km"
                    for j, sid in enumerate(self.segment_ids)]
        reset = [any(within(b, k) for k in changes) for b in barriers]
        self.barrier_built[np.array(reset, dtype=bool)] = 0.0
        self.events_applied.append(((date or self.date).isoformat(), note))

    # ------------------------------------------------------------------ running
    @property
    def date(self) -> dt.date:
        """Calendar date of the last simulated day (the start date before the first step)."""
        return self.config.start + dt.timedelta(days=max(self.day, 0))

    def barrier_km(self) -> np.ndarray:
        """Barrier standing on each segment today (km): the scenario's ``barrier_km`` plus what was built since."""
        values = self.arrays.segment_values
        return np.minimum(values("barrier_km") + self.barrier_built, values("length_km"))

    def build_barriers(self) -> None:
        """A day's barrier construction on every segment with a ``barrier_build_km_per_day``."""
        values = self.arrays.segment_values
        rate = values("barrier_build_km_per_day")
        if rate.any():
            room = values("length_km") - values("barrier_km")
            self.barrier_built = np.minimum(self.barrier_built + rate, np.maximum(room, 0.0))

    def step(self) -> None:
        """Simulate one day, in the order documented in docs/model.md."""
        if self.day + 1 >= self.n_days:
            self.running = False
            return
        self.day += 1
        self.recorder.day = self.day
        self.today = Today(day=self.day)
        self.build_barriers()
        rules.arrive_at_origins(self)
        rules.wait_at_origin(self)
        for carrier in self.carriers.values():
            carrier.fly_today()
        self.today.seat_pool = SeatPool(self.population, can_pay_a_package(self, self.today.waiting_pool))
        for carrier in self.carriers.values():
            carrier.sell_seats()
        for carrier in self.carriers.values():
            carrier.fly_repatriation()
        self.population.refresh()  # after the flights: from here on nobody leaves the origin today
        rules.travel_arrivals(self)
        rules.minsk_day(self)
        for actor in self.state_actors.values():
            actor.step()
        rules.leave_minsk_unaided(self)
        attempting = self.today.attempting = self.population.in_state(S.ATTEMPTING)
        self.today.attempting_country = self.segment_country[self.population.segment[attempting]]
        for service in self.border_services.values():
            service.resolve_attempts()
        rules.forest_day(self)
        rules.in_procedure_day(self)
        rules.waiting_return_day(self)
        self._record_stocks()
        self.datacollector.collect(self)
        if self.day + 1 >= self.n_days:
            self.running = False

    def _record_stocks(self) -> None:
        pop, rec = self.population, self.recorder
        rows = pop.travelling_rows()
        state, size = pop.state[rows], pop.size[rows]
        by_state = pop.people_by_state(travelling=(state, size))
        rec.set_states(by_state)
        border = (state == S.AT_BORDER) | (state == S.ATTEMPTING)
        rec.set_stock("at_border", np.bincount(pop.segment[rows[border]], weights=size[border],
                                               minlength=len(self.segment_ids)).astype(np.int64))
        rec.set_stock("in_minsk", [int(by_state[S.IN_MINSK] + by_state[S.WAITING_RETURN])])

    def run_to_end(self, progress=None) -> None:
        """Step until the end date; ``progress`` is called with each finished day index."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.day)

    # ------------------------------------------------------------------ reading
    def people_by_state(self) -> dict[str, int]:
        """People in each journey state now."""
        return dict(zip(STATE_NAMES, map(int, self.population.people_by_state())))

    def people_by_place(self) -> dict[str, int]:
        """People at each place now (terminal states excluded, except destinations)."""
        pop = self.population
        state, place, size = pop.view("state"), pop.view("place"), pop.view("size")
        live = (place >= 0) & (~IS_FINAL[state] | (state == S.AT_DESTINATION))
        counts = np.bincount(place[live], weights=size[live], minlength=len(self.place_ids))
        return {p: int(c) for p, c in zip(self.place_ids, counts)}

    def dates(self) -> list[str]:
        """ISO dates of every day of the run."""
        return [(self.config.start + dt.timedelta(days=d)).isoformat() for d in range(self.n_days)]
