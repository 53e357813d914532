"""BorderService: one country's border guard, resolving last night's crossing attempts."""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.agents import migrant as rules
from sim.model.population import JourneyState as S


class BorderService(mesa.Agent):
    """Guards, surveillance and barriers per segment; a policy for those it apprehends.

    Each attempt is resolved in turn:

    1. **Detection** with ``p = 1 - exp(-s * (a * guards / km + b * surveillance + c * barrier_km / km))``
       (a barrier slows people down, so they are seen more often; ``s`` is the month's
       ``detection_seasonality``, 1 unless the scenario says otherwise).
       Undetected people are through.
    2. A detected person is **stopped at the line** with
       ``line_stop + (barrier_stop - line_stop) * barrier_km / length_km``
       (``prevented``; they stay in Belarus and try again).
    3. The rest are **apprehended** up to ``apprehension_capacity_per_day`` people;
       beyond it they slip through.
    4. Of the apprehended, ``turn_back_share`` are **turned back** to Belarus; the others
       are **detained** (closed centre while places last, else open reception) and
       claim asylum with ``asylum_claim_share``.
    5. People who got through are caught inland with ``inland_detection`` and then
       handled as in step 4; the rest travel on to their destination.

    ``attempts`` counts every attempt the service detects: stopped at the line, apprehended at
    the border, or caught inland after crossing unseen (steps 2, 3 and 5), as the Polish Border
    Guard counts them: a person turned back who tries again counts again.

    ``barrier_km`` is the barrier standing today: the scenario's value plus what has been
    built since at ``barrier_build_km_per_day`` (:meth:`sim.model.model.CorridorModel.barrier_km`).
    """

    def __init__(self, model, country: str) -> None:
        super().__init__(model)
        self.country = country
        self.index = model.countries.index(country)
        self.segment_rows = np.flatnonzero(model.segment_country == self.index)

    @property
    def spec(self):
        """This service's block of the live scenario."""
        return self.model.config.border_services[self.country]

    def segment_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Detection probability and line-stop probability for each of this service's segments."""
        cache = self.model.today.detection
        if self.index not in cache:
            cache[self.index] = self._segment_arrays()
        return cache[self.index]

    def _segment_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        spec, values, rows = self.spec, self.model.arrays.segment_values, self.segment_rows
        guards, km, surv = values("guards")[rows], values("length_km")[rows], values("surveillance")[rows]
        barrier = self.model.barrier_km()[rows] / km
        hazard = (spec.detection_per_guard_km * guards / km + spec.detection_per_surveillance * surv
                  + spec.detection_per_barrier * barrier)
        season = spec.detection_seasonality[self.model.arrays.month[self.model.day]]
        p_detect = 1 - np.exp(-(hazard if season == 1.0 else hazard * season))
        p_stop = spec.line_stop + (spec.barrier_stop - spec.line_stop) * barrier
        return p_detect, p_stop

    def detention_free(self) -> int:
        """Places left in closed detention."""
        pop = self.model.population
        held = pop.in_state(S.DETAINED)
        held = held[pop.place[held] == self.model.reception_place[self.index]]
        return int(self.spec.policy.detention_capacity * self.model.config.scale) - pop.people(held)

    def resolve_attempts(self) -> None:
        """Resolve every attempt started last night at this service's segments."""
        m, pop, rec = self.model, self.model.population, self.model.recorder
        rows = m.today.attempting[m.today.attempting_country == self.index]
        rows = rows[pop.state[rows] == S.ATTEMPTING]  # (a service changes only its own parties' states)
        if rows.size == 0:
            return
        local = np.searchsorted(self.segment_rows, pop.segment[rows])
        p_detect, p_stop = self.segment_arrays()
        detected = m.rng.random(rows.size) < p_detect[local]
        stopped = detected & (m.rng.random(rows.size) < p_stop[local])
        inside = rows[detected & ~stopped]
        seg, size = pop.segment, pop.size
        rec.add_by_key("attempts", seg[rows[detected]], size[rows[detected]])
        rec.add_by_key("prevented", seg[rows[stopped]], size[rows[stopped]])
        rules.back_to_forest(m, rows[stopped])

        capacity = int(self.spec.apprehension_capacity_per_day * m.config.scale)
        caught_mask = np.cumsum(size[inside]) <= capacity
        caught, slipped = inside[caught_mask], inside[~caught_mask]
        unseen = rows[~detected]
        through = np.concatenate([unseen, slipped])
        inland = m.rng.random(through.size) < self.spec.inland_detection
        found = unseen[inland[: unseen.size]]  # caught inland without having been seen at the line
        rec.add_by_key("attempts", seg[found], size[found])
        caught = np.concatenate([caught, through[inland]])
        through = through[~inland]
        rec.add_by_key("crossed", seg[through], size[through])
        rules.cross_into_eu(m, through, self.index)
        self.handle_apprehended(caught)

    def handle_apprehended(self, caught: np.ndarray) -> None:
        """Turn back or detain apprehended parties, as today's policy says."""
        m, pop, rec = self.model, self.model.population, self.model.recorder
        if caught.size == 0:
            return
        policy = self.spec.policy
        seg, size = pop.segment, pop.size
        rec.add_by_key("apprehended", seg[caught], size[caught])
        back = m.rng.random(caught.size) < policy.turn_back_share
        rec.add_by_key("turned_back", seg[caught[back]], size[caught[back]])
        rules.back_to_forest(m, caught[back])
        held = caught[~back]
        if held.size == 0:
            return
        rec.add_by_key("detained", seg[held], size[held])
        claims = m.rng.random(held.size) < policy.asylum_claim_share
        pop.claimed[held] = claims
        rec.add_by_key("asylum_claims", seg[held[claims]], size[held[claims]])
        closed = np.cumsum(size[held]) <= max(0, self.detention_free())
        pop.state[held] = np.where(closed, S.DETAINED, S.ASYLUM)
        pop.place[held] = m.reception_place[self.index]
        pop.next_day[held] = m.day + rules.geometric(m, policy.processing_days, held.size)
        m.recorder.add_flows(m.segment_entry_matrix, np.bincount(seg[held], weights=size[held],
                                                                 minlength=len(m.segment_ids)))
