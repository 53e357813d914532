"""State actors: steering, transport, exit facilitation, blocked return, camps."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import by_key, run_model, tiny, total

import sim
from sim.model.agents.hardship import daily_death_hazard
from sim.model.model import CorridorModel
from sim.model.population import JourneyState as S


def _sent_to(model, country: str) -> int:
    """People whose chosen segment lies in ``country`` (everyone who ever left Minsk for a border)."""
    pop = model.population
    seg = pop.view("segment")
    went = seg >= 0
    k = model.countries.index(country)
    return int(pop.view("size")[went & (model.segment_country[np.maximum(seg, 0)] == k)].sum())


@pytest.mark.parametrize("target, other", [("PL", "LT"), ("LT", "PL")])
def test_steer_sends_facilitated_people_to_one_country(target, other):
    overrides = {"state_actors.belarus.facilitation": 1.0, "state_actors.belarus.transport_per_day": 100_000,
                 "state_actors.belarus.steer": {target: 1.0, other: 0.0}}
    model = run_model(tiny(), overrides)
    there, elsewhere = _sent_to(model, target), _sent_to(model, other)
    assert there > 1000
    assert elsewhere <= 0.02 * there
    assert total(model, "attempts", other) <= 0.02 * total(model, "attempts", target)


def test_without_facilitation_steer_has_no_effect():
    """Nobody is taken by Belarus, so everyone chooses a segment alone and both borders get people."""
    overrides = {"state_actors.belarus.facilitation": 0.0, "state_actors.belarus.steer": {"PL": 1.0, "LT": 0.0}}
    model = run_model(tiny(), overrides)
    assert _sent_to(model, "LT") > 0.2 * _sent_to(model, "PL")


def test_transport_capacity_limits_facilitated_rides():
    """With transport for nobody, leavers pay a taxi; with transport, the ride is free."""
    free = run_model(tiny(), {"state_actors.belarus.facilitation": 1.0,
                              "state_actors.belarus.transport_per_day": 100_000,
                              "migrants.taxi_to_border_usd": 1000})
    taxi = run_model(tiny(), {"state_actors.belarus.facilitation": 1.0, "state_actors.belarus.transport_per_day": 0,
                              "migrants.taxi_to_border_usd": 1000})
    pop_f, pop_t = free.population, taxi.population
    moved_f = pop_f.view("segment") >= 0
    moved_t = pop_t.view("segment") >= 0
    # money: 6000 - 3000 package - hotel; a 1000 USD taxi leaves less
    assert pop_f.view("money")[moved_f].mean() > pop_t.view("money")[moved_t].mean() + 500


def test_exit_facilitation_multiplies_demand():
    base = tiny()
    base["carriers"] = {}  # demand only: nobody flies, so arrivals at the origins are all we count
    base["events"] = []
    boosted = tiny()
    boosted["carriers"] = {}
    boosted["state_actors"]["haftar"] = {"name": "Eastern Libya", "country": "LY", "role": "origin",
                                         "exit_facilitation": 3.0, "origins": ["baghdad"]}
    m0 = run_model(base, seed=2)
    m1 = run_model(boosted, seed=2)

    def created(model, origin):
        pop = model.population
        k = model.origin_ids.index(origin)
        return int(pop.view("size")[pop.view("origin") == k].sum())

    assert created(m1, "baghdad") == pytest.approx(3 * created(m0, "baghdad"), rel=0.1)
    assert created(m1, "damascus") == pytest.approx(created(m0, "damascus"), rel=0.15)  # not its origin


def test_exit_facilitation_one_changes_nothing():
    data = tiny()
    data["state_actors"]["haftar"] = {"name": "Eastern Libya", "country": "LY", "role": "origin",
                                      "exit_facilitation": 1.0, "origins": ["baghdad", "damascus"]}
    m0, m1 = run_model(tiny(), seed=6), run_model(data, seed=6)
    assert m1.population.created_people == m0.population.created_people


def test_block_return_one_means_nobody_returns_to_minsk():
    short_endurance = {"migrants.endurance_days": {"mean": 4, "sd": 1, "min": 2}}
    control = run_model(tiny(), {**short_endurance, "state_actors.belarus.block_return": 0.0})
    blocked = run_model(tiny(), {**short_endurance, "state_actors.belarus.block_return": 1.0})
    assert total(control, "returned_minsk") > 100  # the comparison can fail
    assert total(blocked, "returned_minsk") == 0
    by_state = blocked.people_by_state()
    assert by_state["returning"] == by_state["waiting_return"] == by_state["returned_home"] == 0


def test_block_return_half_blocks_some():
    short_endurance = {"migrants.endurance_days": {"mean": 4, "sd": 1, "min": 2}}
    control = run_model(tiny(), {**short_endurance, "state_actors.belarus.block_return": 0.0}, seed=8)
    half = run_model(tiny(), {**short_endurance, "state_actors.belarus.block_return": 0.5}, seed=8)
    assert 0 < total(half, "returned_minsk") < total(control, "returned_minsk")


def _deadly(camp_open: bool, exposure_factor: float = 0.0) -> dict:
    data = tiny()
    data["migrants"]["exposure"] = {"base_daily_death": 0.01, "cold_factor": 0.0}
    data["state_actors"]["belarus"]["camp"] = {"open": camp_open, "place": "grodno", "capacity": 100_000,
                                               "exposure_factor": exposure_factor}
    return data


def test_camp_reduces_deaths():
    closed = run_model(_deadly(False), seed=9)
    opened = run_model(_deadly(True, 0.0), seed=9)
    partly = run_model(_deadly(True, 0.5), seed=9)
    assert total(closed, "deaths") > 50
    assert total(opened, "deaths") == 0  # a big camp with no exposure shelters everyone
    assert 0 < total(partly, "deaths") < total(closed, "deaths")


def test_camp_hazard_scales_with_capacity():
    """A camp too small for everyone shelters only its share of the people near it."""
    data = _deadly(True, 0.0)
    data["state_actors"]["belarus"]["camp"]["capacity"] = 1
    model = CorridorModel(sim.load_scenario(data))
    for _ in range(30):
        model.step()
    rows = model.population.in_state(S.AT_BORDER)
    assert rows.size > 10
    people = model.population.people(rows)
    hazard = daily_death_hazard(model, rows)
    expected = 0.01 * (1 + model.population.days_forest[rows] / 30) * (1 - 1 / people)
    np.testing.assert_allclose(hazard, expected, rtol=1e-6)


def test_camp_elsewhere_does_not_help():
    data = _deadly(True, 0.0)
    data["places"]["brest"] = {"name": "Brest", "lat": 52.10, "lon": 23.69, "country": "BY", "kind": "staging"}
    data["state_actors"]["belarus"]["camp"]["place"] = "brest"
    far = run_model(data, seed=9)
    closed = run_model(_deadly(False), seed=9)
    assert total(far, "deaths") == total(closed, "deaths")


def test_transit_state_is_the_transit_actor():
    data = tiny()
    data["state_actors"] = {"eu": {"name": "EU", "country": "EU", "role": "eu"}, **data["state_actors"]}
    model = CorridorModel(sim.load_scenario(data))
    assert model.arrays.transit_state is model.state_actors["belarus"]
    data["state_actors"].pop("belarus")
    model = CorridorModel(sim.load_scenario(data))
    assert model.arrays.transit_state is None
    while model.running:  # runs without a transit state: everyone goes unaided
        model.step()
    assert by_key(model, "attempts").sum() + by_key(model, "crossed").sum() > 0
