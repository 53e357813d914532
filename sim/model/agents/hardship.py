"""A day in the forest at the border: exposure, running down, giving up and setting off.

Part of the migrant rules (:mod:`sim.model.agents.migrant`), kept apart because it is the one
rule that touches every person at the border every day.
"""

from __future__ import annotations

import numpy as np

from sim.model.population import JourneyState as S


def daily_death_hazard(model, rows: np.ndarray) -> np.ndarray:
    """Chance per person of dying today in the forest.

    ``base * (1 + cold_factor * max(0, threshold - T) / 10) * (1 + days_in_forest / scale)``,
    times ``emergency_factor`` where the border country has a state of emergency (no aid
    workers allowed in), times the camp's ``exposure_factor`` for those a camp shelters.
    """
    pop, exp = model.population, model.config.migrants.exposure
    temp = model.arrays.temperature[model.day]
    cold = 1 + exp.cold_factor * max(0.0, exp.cold_threshold_c - temp) / 10
    hazard = exp.base_daily_death * cold * (1 + pop.days_forest[rows] / exp.forest_days_scale)
    emergency = model.arrays.emergency
    hazard = hazard * np.where(emergency[model.segment_country[pop.segment[rows]]], exp.emergency_factor, 1.0)
    transit = model.arrays.transit_state
    if transit is not None and transit.spec.camp.open and transit.spec.camp.place is not None:
        camp = transit.spec.camp
        near = model.segment_staging[pop.segment[rows]] == model.place_index[camp.place]
        near |= model.segment_place[pop.segment[rows]] == model.place_index[camp.place]
        people_near = pop.people(rows[near])
        if people_near:
            sheltered = min(1.0, camp.capacity * model.config.scale / people_near)
            hazard = np.where(near, hazard * (1 - sheltered * (1 - camp.exposure_factor)), hazard)
    return np.minimum(hazard, 1.0)


def _deaths(model, rows: np.ndarray) -> np.ndarray:
    """Draw deaths per party; split the dead into their own rows. Returns surviving rows."""
    pop, rec = model.population, model.recorder
    hazard = daily_death_hazard(model, rows)
    size = pop.size[rows]
    p_any = 1 - (1 - hazard) ** size
    hit = np.flatnonzero(model.rng.random(rows.size) < p_any)
    if hit.size == 0:
        return rows
    # at least one dies in a hit party; the others each die with the same hazard
    dead = 1 + model.rng.binomial(size[hit] - 1, hazard[hit])
    hit_rows = rows[hit]
    rec.add_by_key("deaths", pop.segment[hit_rows], dead)
    whole = dead >= pop.size[hit_rows]
    pop.state[hit_rows[whole]] = S.DEAD
    part = ~whole
    pop.split(hit_rows[part], dead[part], state=S.DEAD)
    return rows[pop.state[rows] == S.AT_BORDER]


def forest_day(model) -> None:
    """Apply one day at the border to every party there."""
    pop, rules = model.population, model.config.migrants
    rows = pop.in_state(S.AT_BORDER)
    if rows.size == 0:
        return
    rows = _deaths(model, rows)
    temp = model.arrays.temperature[model.day]
    cold = max(0.0, rules.exposure.cold_threshold_c - temp) / 10
    pop.endurance[rows] -= 1 + rules.cold_endurance_factor * cold
    pop.money[rows] -= rules.daily_cost_border_usd
    pop.days_forest[rows] += 1

    exhausted = (pop.endurance[rows] <= 0) | (pop.money[rows] <= 0) | (pop.attempts[rows] >= rules.max_attempts)
    home_flights = model.arrays.home_flight_nationalities
    if home_flights.size:
        pulled = np.isin(pop.nationality[rows], home_flights)
        exhausted |= pulled & (model.rng.random(rows.size) < rules.repatriation_pull)
    give_up = rows[exhausted]
    transit = model.arrays.transit_state
    if transit is not None and give_up.size:
        blocked = model.rng.random(give_up.size) < transit.spec.block_return
        give_up = give_up[~blocked]
    if give_up.size:
        pop.state[give_up] = S.RETURNING
        pop.next_day[give_up] = model.day + model.segment_days[pop.segment[give_up]]
        pop.place[give_up] = model.segment_staging[pop.segment[give_up]]
        model.recorder.add_flows(model.segment_back_matrix, np.bincount(
            pop.segment[give_up], weights=pop.size[give_up], minlength=len(model.segment_ids)))
    staying = rows[pop.state[rows] == S.AT_BORDER]
    setting_off = staying[pop.next_day[staying] <= model.day]
    pop.state[setting_off] = S.ATTEMPTING
