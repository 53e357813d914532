"""Migrant rules: demand, patience, money, party sizes, segment choice, destinations."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import CLASSROOM, by_key, run_model, tiny, total

import sim
from sim.model.agents import migrant as rules
from sim.model.model import CorridorModel
from sim.model.population import JourneyState as S


def test_demand_rate_matches_people_per_week():
    model = run_model(tiny(), seed=1)
    weeks = model.n_days / 7
    assert model.population.created_people == pytest.approx(1000 * weeks, rel=0.05)


def test_demand_scale_and_run_scale_multiply_demand():
    base = run_model(tiny(), seed=1).population.created_people
    doubled = run_model(tiny(), {"demand.scale": 2.0}, seed=1).population.created_people
    assert doubled == pytest.approx(2 * base, rel=0.06)
    assert run_model(tiny(), {"scale": 0.5}, seed=1).population.created_people == pytest.approx(base / 2, rel=0.06)


def test_party_sizes_within_bounds_and_mean():
    data = tiny()
    data["demand"]["party_size"] = {"mean": 3.0, "max": 6}
    model = run_model(data)
    pop = model.population
    sizes = pop.view("size")[pop.view("state") != S.DEAD]
    assert sizes.min() >= 1 and sizes.max() <= 6
    assert 2.5 < sizes.mean() < 3.2  # 1 + Poisson(2), capped at 6


def test_patience_one_day_nobody_waits():
    model = run_model(tiny(), {"demand.patience_days": 1})
    assert total(model, "arrivals_minsk") == 0
    assert model.people_by_state()["stayed_home"] == model.population.created_people


def test_travellers_who_cannot_pay_do_not_book():
    data = tiny()
    for origin in data["demand"]["origins"].values():
        origin["money_usd"] = {"mean": 3200, "sd": 0, "min": 3200}  # price 3000 + 300 reserve needed
    model = run_model(data)
    assert total(model, "arrivals_minsk") == 0
    data["carriers"]["air"]["package_price_usd"] = 2900
    assert total(run_model(data), "arrivals_minsk") > 0


def test_destination_weights_respected():
    data = tiny()
    data["places"]["paris"] = {"name": "Paris", "lat": 48.86, "lon": 2.35, "country": "FR", "kind": "destination"}
    data["migrants"]["destinations"] = {"berlin": 1.0, "paris": 0.0}
    model = run_model(data)
    onward = by_key(model, "onward_arrivals")
    assert onward[0] > 1000 and onward[1] == 0
    data["migrants"]["destinations"] = {"berlin": 1.0, "paris": 1.0}
    onward = by_key(run_model(data), "onward_arrivals")
    assert onward[1] == pytest.approx(onward[0], rel=0.15)


def test_onward_days_delay_arrivals():
    data = tiny()
    data["migrants"]["onward_days"] = 10
    model = run_model(data)
    crossed = model.recorder.series("crossed")
    onward = model.recorder.series("onward_arrivals")
    first_cross = int(np.flatnonzero(crossed)[0])
    assert onward[: first_cross + 10].sum() == 0
    assert onward[first_cross + 10] > 0


def test_segment_probabilities_are_a_distribution():
    model = CorridorModel(sim.load_scenario(CLASSROOM))
    for _ in range(40):
        model.step()
        for steered in (True, False):
            p = rules.segment_probabilities(model, steered)
            assert p.shape == (len(model.segment_ids),)
            assert (p >= 0).all()
            assert p.sum() == pytest.approx(1.0)


def test_distance_weight_sends_unaided_to_nearest_segment():
    data = tiny()
    data["links"][4]["km"] = 2000  # grodno - varena (LT) is now far
    data["migrants"]["segment_choice"] = {"distance_weight": 50.0}
    data["state_actors"]["belarus"]["facilitation"] = 0.0
    model = run_model(data)
    assert total(model, "attempts", "LT") + total(model, "crossed", "LT") == 0
    assert total(model, "attempts", "PL") + total(model, "crossed", "PL") > 1000


def test_geometric_days_at_least_one_with_the_right_mean():
    model = CorridorModel(sim.load_scenario(tiny()))
    draws = rules.geometric(model, 5.0, 20_000)
    assert draws.min() >= 1
    assert draws.mean() == pytest.approx(5.0, rel=0.05)
    assert (rules.geometric(model, 0.2, 100) == 1).all()  # means below a day are one day


def test_minsk_stay_about_minsk_days():
    data = tiny()
    data["migrants"]["minsk_days"] = 10
    short = run_model(tiny(), seed=3)
    long = run_model(data, seed=3)
    assert long.recorder.series("in_minsk").mean() > 2 * short.recorder.series("in_minsk").mean()


def test_pressure_to_cross_makes_attempts_sooner():
    calm = run_model(tiny(), {"state_actors.belarus.pressure_to_cross": 0.0,
                              "migrants.attempt_interval_days": 8}, seed=2)
    pressed = run_model(tiny(), {"state_actors.belarus.pressure_to_cross": 1.0,
                                 "migrants.attempt_interval_days": 8}, seed=2)
    resolved = [total(m, "attempts") + total(m, "crossed") for m in (calm, pressed)]
    assert resolved[1] > resolved[0]
