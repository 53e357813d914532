"""A day in the forest: death hazard, cold, endurance and giving up, split parties."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run_model, tiny, total

import sim
from sim.model.agents import hardship
from sim.model.model import CorridorModel
from sim.model.population import JourneyState as S
from sim.model.population import Population


def _model_at_border(data, days=25):
    model = CorridorModel(sim.load_scenario(data))
    for _ in range(days):
        model.step()
    rows = model.population.in_state(S.AT_BORDER)
    assert rows.size > 10
    return model, rows


def test_death_hazard_formula():
    data = tiny()
    data["migrants"]["exposure"] = {"base_daily_death": 0.001, "cold_threshold_c": 5.0, "cold_factor": 2.0,
                                    "forest_days_scale": 20, "emergency_factor": 3.0}
    data["monthly_temperature_c"] = [-15.0] * 12
    data["border_services"]["PL"]["policy"]["state_of_emergency"] = True
    model, rows = _model_at_border(data)
    pop = model.population
    hazard = hardship.daily_death_hazard(model, rows)
    cold = 1 + 2.0 * (5.0 - -15.0) / 10
    emergency = np.where(model.segment_country[pop.segment[rows]] == model.countries.index("PL"), 3.0, 1.0)
    expected = 0.001 * cold * (1 + pop.days_forest[rows] / 20) * emergency
    np.testing.assert_allclose(hazard, expected, rtol=1e-6)
    assert (pop.days_forest[rows] > 0).any()


def test_death_hazard_capped_at_one():
    data = tiny()
    data["migrants"]["exposure"] = {"base_daily_death": 1.0, "cold_factor": 5.0}
    data["monthly_temperature_c"] = [-30.0] * 12
    model = CorridorModel(sim.load_scenario(data))
    for _ in range(12):
        model.step()
    rows = model.population.in_state(S.AT_BORDER)
    if rows.size:
        assert (hardship.daily_death_hazard(model, rows) <= 1.0).all()
    assert model.people_by_state()["dead"] > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_cold_months_raise_deaths(seed):
    deaths = {}
    for label, temp in (("warm", 20.0), ("cold", -20.0)):
        data = tiny()
        data["migrants"]["exposure"] = {"base_daily_death": 0.002, "cold_factor": 2.0, "cold_threshold_c": 5.0}
        data["monthly_temperature_c"] = [temp] * 12
        deaths[label] = total(run_model(data, seed=seed), "deaths")
    assert deaths["warm"] > 0
    assert deaths["cold"] > 2 * deaths["warm"]


def test_cold_month_only_in_its_month():
    """A cold October (and warm September) puts the deaths into October."""
    data = tiny()
    data["migrants"]["exposure"] = {"base_daily_death": 0.0, "cold_factor": 10.0, "cold_threshold_c": 5.0}
    temps = [20.0] * 12
    temps[9] = -20.0  # October
    data["monthly_temperature_c"] = temps
    model = run_model(data)
    deaths = model.recorder.series("deaths")
    # base 0: hazard is 0 whatever the cold factor, so nobody dies
    assert deaths.sum() == 0
    data["migrants"]["exposure"]["base_daily_death"] = 0.001
    model = run_model(data)
    deaths = model.recorder.series("deaths")
    september, october = deaths[:30].sum(), deaths[30:].sum()
    assert october > 3 * max(september, 1)


def test_cold_uses_endurance_faster():
    data = tiny()
    data["migrants"]["cold_endurance_factor"] = 3.0
    data["state_actors"]["belarus"]["block_return"] = 0.0
    data["monthly_temperature_c"] = [20.0] * 12
    warm = total(run_model(data, seed=3), "returned_minsk")
    data["monthly_temperature_c"] = [-25.0] * 12
    cold = total(run_model(data, seed=3), "returned_minsk")
    assert cold > warm + 50


def test_endurance_exhaustion_leads_to_giving_up():
    data = tiny()
    data["state_actors"]["belarus"]["block_return"] = 0.0
    data["migrants"]["max_attempts"] = 1000
    data["migrants"]["endurance_days"] = {"mean": 1000, "sd": 0, "min": 1000}
    enduring = run_model(data, seed=5)
    data["migrants"]["endurance_days"] = {"mean": 2, "sd": 0, "min": 2}
    exhausted = run_model(data, seed=5)
    assert total(enduring, "returned_minsk") == 0  # no reason to give up
    assert total(exhausted, "returned_minsk") > 500
    assert exhausted.people_by_state()["waiting_return"] + exhausted.people_by_state()["returned_home"] > 500


def test_max_attempts_leads_to_giving_up():
    data = tiny()
    data["state_actors"]["belarus"]["block_return"] = 0.0
    data["migrants"]["endurance_days"] = {"mean": 1000, "sd": 0, "min": 1000}
    data["migrants"]["max_attempts"] = 1
    for svc in data["border_services"].values():
        svc["policy"]["turn_back_share"] = 1.0
    model = run_model(data)
    assert total(model, "returned_minsk") > 100
    pop = model.population
    gave_up = np.isin(pop.view("state"), [S.RETURNING, S.WAITING_RETURN, S.RETURNED_HOME])
    assert (pop.view("attempts")[gave_up] >= 1).all()


def test_running_out_of_money_leads_to_giving_up():
    data = tiny()
    data["state_actors"]["belarus"]["block_return"] = 0.0
    data["migrants"]["endurance_days"] = {"mean": 1000, "sd": 0, "min": 1000}
    data["migrants"]["max_attempts"] = 1000
    data["migrants"]["daily_cost_border_usd"] = 1000
    assert total(run_model(data), "returned_minsk") > 100


def test_forest_day_runs_down_endurance_and_money():
    data = tiny()
    data["monthly_temperature_c"] = [-5.0] * 12
    data["migrants"]["cold_endurance_factor"] = 1.0
    data["migrants"]["daily_cost_border_usd"] = 20
    model, rows = _model_at_border(data)
    pop = model.population
    rows = rows[pop.next_day[rows] > model.day + 1]  # not setting off tomorrow
    before_end, before_money = pop.endurance[rows].copy(), pop.money[rows].copy()
    before_days = pop.days_forest[rows].copy()
    model.recorder.day = model.day = model.day + 1
    hardship.forest_day(model)
    still = pop.state[rows] == S.AT_BORDER
    np.testing.assert_allclose(pop.endurance[rows][still], before_end[still] - (1 + 1.0 * (5 - -5) / 10), rtol=1e-5)
    np.testing.assert_allclose(pop.money[rows][still], before_money[still] - 20, rtol=1e-5)
    assert (pop.days_forest[rows][still] == before_days[still] + 1).all()


def _big_parties(death: float) -> dict:
    data = tiny()
    data["demand"]["party_size"] = {"mean": 4.0, "max": 10}
    data["migrants"]["exposure"] = {"base_daily_death": death, "cold_factor": 0.0}
    return data


def test_partial_deaths_split_parties_and_keep_people(monkeypatch):
    splits = []
    original = Population.split

    def spy(self, rows, people, **values):
        splits.append(int(np.asarray(people).sum()))
        return original(self, rows, people, **values)

    monkeypatch.setattr(Population, "split", spy)

    def check(model):
        pop = model.population
        assert pop.people_by_state().sum() == pop.created_people
        assert (pop.view("size") > 0).all()

    model = run_model(_big_parties(0.02), check=check)
    assert splits, "no party lost only some of its members"
    dead_people = model.people_by_state()["dead"]
    assert dead_people == total(model, "deaths") > 0
    pop = model.population
    dead_rows = pop.in_state(S.DEAD)
    assert dead_rows.size >= len(splits)
    # the survivors of a split party keep going: some were still alive after a death in their party
    assert sum(splits) <= dead_people


def test_deaths_draw_directly():
    """_deaths on a hand-built forest: the dead are split off, the rest stay at the border."""
    data = _big_parties(0.5)
    model, rows = _model_at_border(data, days=12)
    pop = model.population
    people_before = pop.people()
    survivors = hardship._deaths(model, rows)
    assert pop.people() == people_before
    assert (pop.state[survivors] == S.AT_BORDER).all()
    assert (pop.view("size") >= 0).all()
    assert (pop.size[survivors] > 0).all()
    dead = pop.in_state(S.DEAD)
    assert pop.people(dead) == model.recorder.values["deaths"][model.day].sum() + (
        model.recorder.values["deaths"][: model.day].sum())
