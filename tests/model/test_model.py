"""CorridorModel: conservation of people every step, dates, events, recorded stocks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import BELARUS, CLASSROOM, run_model, tiny

import sim
from sim.model.model import CorridorModel
from sim.model.population import STATE_NAMES, JourneyState
from sim.model.recorder import METRICS

N_STATES = len(JourneyState)


def _step_with_conservation(model: CorridorModel) -> list[int]:
    """Step to the end, checking conservation after every step; return people created by each day."""
    pop = model.population
    created = []
    start = model.config.start
    assert model.day == -1 and model.date == start
    while model.running:
        day_before = model.day
        model.step()
        if not model.running and model.day == day_before:
            break
        assert model.day == day_before + 1
        assert model.date == start + dt.timedelta(days=model.day)
        by_state = pop.people_by_state()
        assert by_state.sum() == pop.created_people, f"people lost or made on day {model.day}"
        assert (by_state >= 0).all()
        size, state = pop.view("size"), pop.view("state")
        assert (size > 0).all(), f"an empty party on day {model.day}"
        assert state.min() >= 0 and state.max() < N_STATES
        assert model.recorder.states[model.day].sum() == pop.created_people
        created.append(pop.created_people)
    assert model.day == model.n_days - 1
    return created


def test_conservation_classroom_and_daily_state_rows():
    model = CorridorModel(sim.load_scenario(CLASSROOM), rng=7)
    created = _step_with_conservation(model)
    assert len(created) == model.n_days == 153
    assert created[-1] > 4000
    # the daily table's state_* rows sum, each day, to the people created up to that day
    daily = model.recorder.frame(model.dates())
    states = daily[daily.metric.str.startswith("state_")]
    assert set(states.metric) == {f"state_{n}" for n in STATE_NAMES if n != "in_transit"}  # no route via Moscow
    per_day = states.groupby("date")["value"].sum()
    assert list(per_day.index) == model.dates()
    assert per_day.tolist() == created


def test_conservation_belarus_2021_with_families():
    model = CorridorModel(sim.load_scenario(BELARUS), rng=2021)
    created = _step_with_conservation(model)
    sizes = model.population.view("size")
    assert sizes.max() > 1 and sizes.mean() > 1.3  # parties of several people
    assert created[-1] > 100_000
    assert model.people_by_state()["dead"] > 0  # parties lost members on the way


def test_conservation_with_deadly_big_parties():
    data = tiny()
    data["demand"]["party_size"] = {"mean": 5.0, "max": 12}
    data["migrants"]["exposure"] = {"base_daily_death": 0.03, "cold_factor": 0.0}
    model = CorridorModel(sim.load_scenario(data))
    _step_with_conservation(model)
    assert model.people_by_state()["dead"] > 100


def test_result_daily_state_rows_sum(classroom_result):
    daily = classroom_result.daily
    states = daily[daily.metric.str.startswith("state_")].groupby("date")["value"].sum()
    assert states.iloc[-1] == classroom_result.manifest["people_created"]
    assert (np.diff(states.to_numpy()) >= 0).all()


def test_date_advances_one_day_per_step_and_stops_at_end():
    data = tiny()
    data["end"] = "2021-09-10"
    model = CorridorModel(sim.load_scenario(data))
    assert model.n_days == 10
    dates = []
    while model.running:
        model.step()
        dates.append(model.date)
    assert dates == [dt.date(2021, 9, 1) + dt.timedelta(days=d) for d in range(10)]
    assert model.dates() == [d.isoformat() for d in dates]
    created = model.population.created_people
    model.step()  # past the end: nothing happens
    assert model.day == 9 and not model.running
    assert model.population.created_people == created


def test_one_day_run():
    data = tiny()
    data["end"] = data["start"]
    model = run_model(data)
    assert model.n_days == 1 and model.day == 0
    assert model.recorder.states[0].sum() == model.population.created_people


def test_event_applied_on_its_date():
    data = tiny()
    data["events"] = [
        {"date": "2021-09-11", "actor": "PL", "note": "emergency",
         "set": {"border_services.PL.policy.state_of_emergency": True}},
        {"date": "2021-09-21", "actor": "PL", "set": {"border_services.PL.policy.turn_back_share": 0.9}},
    ]
    model = CorridorModel(sim.load_scenario(data))
    seen = {}
    while model.running:
        model.step()
        policy = model.config.border_services["PL"].policy
        seen[model.date] = (policy.state_of_emergency, policy.turn_back_share)
    assert seen[dt.date(2021, 9, 10)] == (False, 0.5)
    assert seen[dt.date(2021, 9, 11)] == (True, 0.5)
    assert seen[dt.date(2021, 9, 20)] == (True, 0.5)
    assert seen[dt.date(2021, 9, 21)] == (True, 0.9)
    assert seen[dt.date(2021, 10, 30)] == (True, 0.9)
    assert model.events_applied == [("2021-09-11", "emergency"),
                                    ("2021-09-21", "border_services.PL.policy.turn_back_share")]


def test_events_in_file_order_do_not_matter():
    data = tiny()
    data["events"] = [
        {"date": "2021-10-01", "set": {"border_services.PL.policy.turn_back_share": 0.1}},
        {"date": "2021-09-15", "set": {"border_services.PL.policy.turn_back_share": 0.9}},
    ]
    model = run_model(data)
    assert model.config.border_services["PL"].policy.turn_back_share == 0.1
    assert [d for d, _ in model.events_applied] == ["2021-09-15", "2021-10-01"]


def test_events_of_one_date_apply_in_list_order():
    """A later event of the same date wins (what extra_events of a file that extends rely on)."""
    data = tiny()
    data["events"] = [
        {"date": "2021-09-15", "note": "first", "set": {"border_services.PL.policy.turn_back_share": 0.9}},
        {"date": "2021-09-01", "note": "earlier", "set": {"border_services.PL.policy.turn_back_share": 0.7}},
        {"date": "2021-09-15", "note": "second", "set": {"border_services.PL.policy.turn_back_share": 0.2}},
    ]
    model = run_model(data)
    assert model.config.border_services["PL"].policy.turn_back_share == 0.2
    assert [n for _, n in model.events_applied] == ["earlier", "first", "second"]


def test_event_on_first_day_applies_before_it():
    data = tiny()
    data["events"] = [{"date": data["start"], "set": {"carriers.air.sanctioned": True}}]
    model = CorridorModel(sim.load_scenario(data))
    model.step()
    assert model.config.carriers["air"].sanctioned
    while model.running:
        model.step()
    assert model.recorder.values["arrivals_minsk"].sum() == 0


def test_route_closed_by_event_no_arrivals_after_its_date():
    data = tiny()
    data["events"] = [{"date": "2021-09-25", "actor": "air",
                       "set": {"carriers.air.routes.DAM-MSQ.flights_per_week": 0}}]
    model = run_model(data)
    day = (dt.date(2021, 9, 25) - dt.date(2021, 9, 1)).days
    dam = model.recorder.values["arrivals_minsk"][:, model.route_labels.index("DAM-MSQ")]
    bgw = model.recorder.values["arrivals_minsk"][:, model.route_labels.index("BGW-MSQ")]
    assert dam[day - 7 : day].sum() > 0
    assert dam[day:].sum() == 0
    assert bgw[day:].sum() > 0


def test_route_reopened_by_event_flies_again_after_booking_lead():
    data = tiny()
    data["carriers"]["air"]["routes"]["DAM-MSQ"]["flights_per_week"] = 0
    data["events"] = [{"date": "2021-09-25", "set": {"carriers.air.routes.DAM-MSQ.flights_per_week": 7}}]
    model = run_model(data)
    day = 24
    dam = model.recorder.values["arrivals_minsk"][:, model.route_labels.index("DAM-MSQ")]
    assert dam[: day + 7].sum() == 0  # seats for the reopened route are sold a week ahead
    assert dam[day + 7 :].sum() > 0


def test_scenario_not_changed_by_a_run():
    data = tiny()
    data["events"] = [{"date": "2021-09-25", "set": {"carriers.air.routes.DAM-MSQ.flights_per_week": 0}}]
    scenario = sim.load_scenario(data)
    before = scenario.model_dump()
    model = CorridorModel(scenario)
    while model.running:
        model.step()
    assert scenario.model_dump() == before
    assert model.config.carriers["air"].routes["DAM-MSQ"].flights_per_week == 0  # the live copy changed


def test_recorder_keys_and_nonnegative(tiny_model):
    rec = tiny_model.recorder
    for spec in METRICS:
        values = rec.values[spec.name]
        assert values.shape[0] == tiny_model.n_days
        assert values.shape[1] == len(rec.key_spaces[spec.keys])
        assert (values >= 0).all(), spec.name
    assert (rec.edge_flows >= 0).all()
    # country totals are the sum of their segments
    for country in tiny_model.countries:
        seg = tiny_model.segment_country == tiny_model.countries.index(country)
        assert (rec.series("attempts", country) == rec.values["attempts"][:, seg].sum(axis=1)).all()


def test_flow_identities(tiny_model):
    """Every resolved attempt is prevented, apprehended or crossed; apprehended are turned back or detained."""
    rec = tiny_model.recorder
    apprehended = rec.values["apprehended"].sum()
    assert apprehended == rec.values["turned_back"].sum() + rec.values["detained"].sum()
    assert rec.values["asylum_claims"].sum() <= rec.values["detained"].sum()
    assert rec.values["prevented"].sum() <= rec.values["attempts"].sum()
    by_state = tiny_model.people_by_state()
    assert by_state["at_destination"] == rec.values["onward_arrivals"].sum()
    assert by_state["dead"] == rec.values["deaths"].sum()


def test_stocks_match_population(tiny_model):
    rec, by_state = tiny_model.recorder, tiny_model.people_by_state()
    last = tiny_model.day
    assert rec.values["in_minsk"][last].sum() == by_state["in_minsk"] + by_state["waiting_return"]
    assert rec.values["at_border"][last].sum() == by_state["at_border"] + by_state["attempting"]


def test_people_by_place_counts_live_people(tiny_model):
    places = tiny_model.people_by_place()
    assert set(places) == set(tiny_model.place_ids)
    assert places["berlin"] == tiny_model.people_by_state()["at_destination"]
    assert all(v >= 0 for v in places.values())


@pytest.mark.parametrize("path", [CLASSROOM, BELARUS])
def test_network_reaches_every_segment(path):
    model = CorridorModel(sim.load_scenario(path))
    assert (model.segment_days >= 1).all()
    assert (model.segment_km > 0).all()


def test_reported_follows_counting_rules():
    data = tiny()
    data["border_services"]["PL"]["counts"] = [{"metrics": ["attempts"]}]
    data["border_services"]["LT"]["counts"] = [
        {"metrics": ["detained"], "until": "2021-09-30"},
        {"metrics": ["turned_back", "prevented"], "from": "2021-10-01"},
    ]
    model = run_model(data)
    rec = model.recorder
    assert (rec.reported("PL") == rec.series("attempts", "PL")).all()
    lt = rec.reported("LT")
    assert (lt[:30] == rec.series("detained", "LT")[:30]).all()
    assert (lt[30:] == (rec.series("turned_back", "LT") + rec.series("prevented", "LT"))[30:]).all()
    assert lt.sum() > 0


def test_counting_rule_outside_the_run_counts_nothing():
    data = tiny()
    data["border_services"]["LT"]["counts"] = [
        {"metrics": ["detained"], "until": "2021-08-02"},  # before the run starts
        {"metrics": ["turned_back"], "from": "2021-08-03"},
    ]
    data["border_services"]["PL"]["counts"] = [{"metrics": ["attempts"], "from": "2022-01-01"}]  # after it ends
    model = run_model(data)
    rec = model.recorder
    assert (rec.reported("LT") == rec.series("turned_back", "LT")).all()
    assert rec.reported("PL").sum() == 0
    assert rec.series("attempts", "PL").sum() > 0


def test_reported_rows_in_daily_table(classroom_result):
    daily = classroom_result.daily
    reported = daily[daily.metric == "reported"]
    assert set(reported.country) == {"PL", "LT", "LV"}
    pl = reported[reported.country == "PL"]["value"].to_numpy()
    attempts = daily[(daily.metric == "attempts") & (daily.country == "PL") & (daily.place == "")]["value"].to_numpy()
    assert (pl == attempts).all()


def test_observed_file_survives_dated_events():
    sc = sim.load_scenario(BELARUS)
    model = CorridorModel(sc)
    while not model.events_applied:
        model.step()
    assert model.config is not sc and model.config.observed_file == sc.observed_file
    assert model.config.observed_file.exists()
