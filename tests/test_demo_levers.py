"""The demo's levers without a browser: key paths, overrides, live changes and per-page models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.demo.levers import WINTER_C, apply_live, build_levers, daily_temperature, overrides_for
from sim.model import CorridorModel

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(CLASSROOM)


@pytest.fixture(scope="module")
def levers(scenario):
    return {lv.name: lv for lv in build_levers(scenario)}


def test_every_lever_of_the_issue_is_there(levers, scenario):
    routes = [f"flights:{c}:{r}" for c, car in scenario.carriers.items() for r in car.routes]
    countries = list(scenario.border_services)
    expected = routes + ["facilitation:belarus", "winter"]
    expected += [f"{kind}:{c}" for kind in ("turn_back", "guards", "barrier") for c in countries]
    assert sorted(levers) == sorted(expected)
    for lever in levers.values():
        assert lever.help, lever.name
        if lever.kind != "bool":
            assert lever.min <= lever.default <= lever.max, lever.name


def test_defaults_change_nothing(levers, scenario):
    assert overrides_for(list(levers.values()), {n: lv.default for n, lv in levers.items()}) == {}
    for lever in levers.values():  # the default written out explicitly is the scenario's own value
        loaded = sim.load_scenario(CLASSROOM, overrides=lever.overrides(lever.default))
        if lever.mode in ("set", "scale", "winter"):
            assert loaded == scenario, lever.name


def test_every_lever_at_both_ends_loads(levers):
    for lever in levers.values():
        for value in ((False, True) if lever.kind == "bool" else (lever.min, lever.max)):
            sim.load_scenario(CLASSROOM, overrides=lever.overrides(value))  # raises ScenarioError if invalid


def test_lever_values_reach_the_scenario(levers):
    values = {"flights:belavia:IST-MSQ": 0, "turn_back:PL": 1.0, "guards:LT": 2.0, "barrier:PL": 40,
              "facilitation:belarus": 0.25, "winter": True}
    sc = sim.load_scenario(CLASSROOM, overrides=overrides_for(list(levers.values()), values))
    assert sc.carriers["belavia"].routes["IST-MSQ"].flights_per_week == 0
    assert sc.border_services["PL"].policy.turn_back_share == 1.0
    assert sc.border_services["LT"].segments["salcininkai"].guards == 120
    pl = sc.border_services["PL"].segments
    assert pl["michalowo"].barrier_km == pytest.approx(30) and pl["kuznica"].barrier_km == pytest.approx(10)
    assert sc.state_actors["belarus"].facilitation == 0.25
    assert max(sc.monthly_temperature_c) == WINTER_C


def test_live_lever_acts_from_today(levers, scenario):
    model = CorridorModel(scenario)
    for _ in range(20):
        model.step()
    before = int(model.recorder.series("arrivals_minsk").sum())
    lever = levers["flights:iraqi_airways:BGW-MSQ"]
    for route in ("flights:iraqi_airways:BGW-MSQ", "flights:belavia:IST-MSQ"):
        apply_live(model, levers[route].overrides(0), note=f"{lever.label} = 0")
    assert model.config.carriers["iraqi_airways"].routes["BGW-MSQ"].flights_per_week == 0
    for _ in range(30):
        model.step()
    arrivals = model.recorder.series("arrivals_minsk")
    assert before > 0
    assert arrivals[21:].sum() == 0, "flights kept landing after both routes were closed"


def test_live_winter_lowers_the_temperature(levers, scenario):
    model = CorridorModel(scenario)
    model.step()
    apply_live(model, levers["winter"].overrides(True))
    assert np.all(model.temperature <= WINTER_C)
    assert np.allclose(daily_temperature(model.config, model.n_days), model.temperature)


def test_each_page_state_builds_its_own_model():
    pytest.importorskip("solara", reason="the demo extra (solara) is not installed")
    from sim.demo.app import DemoModel, DemoState

    first, second = DemoState(CLASSROOM), DemoState(CLASSROOM)
    a, b = DemoModel(state=first), DemoModel(state=second)
    assert a is not b and first.model is a and second.model is b
    lever = next(lv for lv in first.levers if lv.name == "turn_back:PL")
    first.set_lever(lever, 0.0)
    assert a.config.border_services["PL"].policy.turn_back_share == 0.0
    assert b.config.border_services["PL"].policy.turn_back_share == 0.5
    rebuilt = DemoModel(state=first, scenario=object())  # what Mesa's Reset does
    assert rebuilt.config.border_services["PL"].policy.turn_back_share == 0.0
    assert first.model is rebuilt
