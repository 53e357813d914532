"""Carriers: flight schedules, suspended routes, refused nationalities, visas, sanctions, repatriation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import by_key, run_model, tiny, total

import sim
from sim.model.agents.carrier import BOOKING_LEAD_DAYS, flights_on
from sim.model.model import CorridorModel
from sim.model.population import JourneyState as S

MONDAY = dt.date(2021, 8, 2)
assert MONDAY.weekday() == 0


def _days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=d) for d in range(n)]


@pytest.mark.parametrize("start", [dt.date(2021, 1, 1), MONDAY, dt.date(2025, 5, 17), dt.date(2023, 12, 30)])
def test_fractional_weekly_flights(start):
    four_weeks = [flights_on(0.75, None, d) for d in _days(start, 28)]
    assert abs(sum(four_weeks) - 3) <= 1
    assert set(four_weeks) <= {0, 1}
    year = sum(flights_on(0.75, None, d) for d in _days(start, 364))
    assert abs(year - 0.75 * 52) <= 1


@pytest.mark.parametrize("per_week", [0.5, 1, 2.5, 3, 4, 10.5, 21])
def test_flights_spread_to_the_weekly_number(per_week):
    flights = [flights_on(per_week, None, d) for d in _days(MONDAY, 7 * 20)]
    assert abs(sum(flights) - per_week * 20) <= 1
    assert max(flights) - min(flights) <= 1  # spread evenly, never bunched


def test_seven_a_week_is_one_a_day():
    assert [flights_on(7, None, d) for d in _days(dt.date(2021, 3, 3), 60)] == [1] * 60
    assert [flights_on(14, None, d) for d in _days(dt.date(2021, 3, 3), 30)] == [2] * 30


def test_no_flights_for_zero_or_negative():
    for d in _days(MONDAY, 30):
        assert flights_on(0, None, d) == 0
        assert flights_on(-3, None, d) == 0
        assert flights_on(0, ["Mon"], d) == 0


def test_weekdays_list_respected():
    days = _days(MONDAY, 7 * 8)
    flights = {d: flights_on(2, ["Mon", "Thu"], d) for d in days}
    for d, n in flights.items():
        if d.weekday() in (0, 3):
            assert n == 1, d
        else:
            assert n == 0, d
    # one flight a week over Tue and Sat: alternating, one a week, never on other days
    flights = {d: flights_on(1, ["Sat", "Tue"], d) for d in days}
    assert sum(flights.values()) == 8
    assert all(n == 0 for d, n in flights.items() if d.weekday() not in (1, 5))
    # four flights a week on two weekdays: two each
    assert sum(flights_on(4, ["Wed", "Sun"], d) for d in days) == 32
    assert all(flights_on(4, ["Wed", "Sun"], d) == 2 for d in days if d.weekday() in (2, 6))


def test_schedule_is_anchored_to_the_calendar():
    """The same date has the same flights whatever the day the run started."""
    data_a, data_b = tiny(), tiny()
    data_b["start"] = "2021-08-20"
    for data in (data_a, data_b):
        data["carriers"]["air"]["routes"]["BGW-MSQ"]["flights_per_week"] = 2.5
    ma = CorridorModel(sim.load_scenario(data_a))
    mb = CorridorModel(sim.load_scenario(data_b))
    offset = (ma.config.start - mb.config.start).days
    for day in range(40):
        assert ma.carriers["air"].flights(0, day) == mb.carriers["air"].flights(0, day + offset)


def test_arrivals_follow_schedule_and_seats():
    data = tiny()
    route = data["carriers"]["air"]["routes"]["BGW-MSQ"]
    route.update(flights_per_week=2, weekdays=["Tue", "Fri"], seats=50, load_factor=0.5)
    model = run_model(data)
    arrivals = model.recorder.values["arrivals_minsk"][:, 0]
    dates = [dt.date.fromisoformat(d) for d in model.dates()]
    assert arrivals.sum() > 0
    for d, n in zip(dates, arrivals, strict=True):
        if d.weekday() not in (1, 4):
            assert n == 0, d
        assert n <= 25  # one flight, 50 seats at a load factor of 0.5


def _booked_on(model, route: int) -> np.ndarray:
    pop = model.population
    rows = pop.in_state(S.BOOKED)
    return rows[pop.route[rows] == route]


def test_suspended_route_sends_booked_back_with_refund():
    data = tiny()
    data["demand"]["patience_days"] = 1e12  # nobody gives up, so refunded parties stay prospective
    data["events"] = [{"date": "2021-09-20", "actor": "air", "note": "suspended",
                       "set": {"carriers.air.routes.BGW-MSQ.flights_per_week": 0}}]
    model = CorridorModel(sim.load_scenario(data))
    event_day = 19
    price = model.config.carriers["air"].package_price_usd
    while model.day < event_day - 1:
        model.step()
    booked = _booked_on(model, 0)
    booked = booked[model.population.next_day[booked] >= event_day]
    assert booked.size > 0  # the week ahead is sold
    money_before = model.population.money[booked].copy()
    while model.running:
        model.step()
    pop = model.population
    assert (pop.state[booked] == S.PROSPECTIVE).all()
    assert (pop.route[booked] == -1).all()
    np.testing.assert_allclose(pop.money[booked], money_before + price)
    arrivals = model.recorder.values["arrivals_minsk"][:, 0]
    assert arrivals[:event_day].sum() > 0
    assert arrivals[event_day:].sum() == 0
    # the other route still flies
    assert model.recorder.values["arrivals_minsk"][event_day:, 1].sum() > 0


def _travelled(model, nationality: str) -> int:
    """People of ``nationality`` who ever got beyond their origin (any state but waiting or staying home)."""
    pop = model.population
    nat = model.nationalities.index(nationality)
    mine = pop.view("nationality") == nat
    home = np.isin(pop.view("state"), [S.PROSPECTIVE, S.STAYED_HOME, S.BOOKED])
    return int(pop.view("size")[mine & ~home].sum())


def test_carrier_refused_nationalities_not_carried():
    data = tiny()
    data["carriers"]["air"]["refused_nationalities"] = ["SY"]
    model = run_model(data)
    assert _travelled(model, "SY") == 0
    assert _travelled(model, "IQ") > 1000
    assert by_key(model, "arrivals_minsk")[1] == 0  # DAM-MSQ serves only Syrians


def test_route_refused_nationalities_not_carried():
    data = tiny()
    dam = data["carriers"]["air"]["routes"]["DAM-MSQ"]
    dam["serves"] = ["baghdad", "damascus"]
    dam["refused_nationalities"] = ["SY"]
    model = run_model(data)
    assert _travelled(model, "SY") == 0
    assert by_key(model, "arrivals_minsk")[1] > 0  # the route still flies Iraqis


def test_refusal_by_event_cancels_bookings():
    data = tiny()
    data["events"] = [{"date": "2021-09-20", "set": {"carriers.air.refused_nationalities": ["SY"]}}]
    model = run_model(data)
    arrivals = model.recorder.values["arrivals_minsk"][:, 1]
    assert arrivals[:19].sum() > 0
    assert arrivals[19:].sum() == 0


def test_visa_approval_zero_nobody_reaches_minsk():
    model = run_model(tiny(), {"state_actors.belarus.visa_approval": 0})
    assert total(model, "arrivals_minsk") == 0
    assert model.population.people_by_state()[S.IN_MINSK:S.STAYED_HOME].sum() == 0
    assert model.people_by_state()["stayed_home"] > 0


def test_visa_approval_half_about_half_refused():
    full = run_model(tiny())
    half = run_model(tiny(), {"state_actors.belarus.visa_approval": 0.5})
    assert 0 < total(half, "arrivals_minsk") < total(full, "arrivals_minsk")


def test_sanctioned_carrier_flies_nothing():
    model = run_model(tiny(), {"carriers.air.sanctioned": True})
    assert total(model, "arrivals_minsk") == 0
    assert model.population.people_by_state()[S.BOOKED:S.STAYED_HOME].sum() == 0


def test_sanctions_by_event_stop_flights_that_day():
    data = tiny()
    data["events"] = [{"date": "2021-10-01", "actor": "air", "set": {"carriers.air.sanctioned": True}}]
    model = run_model(data)
    arrivals = model.recorder.values["arrivals_minsk"].sum(axis=1)
    assert arrivals[:30].sum() > 0
    assert arrivals[30:].sum() == 0


def test_seats_sold_a_week_ahead():
    model = CorridorModel(sim.load_scenario(tiny()))
    model.step()
    booked = model.population.in_state(S.BOOKED)
    assert booked.size > 0
    assert (model.population.next_day[booked] == BOOKING_LEAD_DAYS).all()
    # the first week has no flights sold yet
    for _ in range(BOOKING_LEAD_DAYS):
        model.step()
    assert model.recorder.values["arrivals_minsk"][:BOOKING_LEAD_DAYS].sum() == 0
    assert model.recorder.values["arrivals_minsk"][BOOKING_LEAD_DAYS].sum() > 0


def test_repatriation_flies_only_its_nationalities():
    data = tiny()
    data["migrants"]["endurance_days"] = {"mean": 3, "sd": 0, "min": 3}  # give up quickly
    data["migrants"]["self_return_per_day"] = 0.0
    data["state_actors"]["belarus"]["block_return"] = 0.0
    data["events"] = [{"date": "2021-10-01", "set": {"carriers.air.repatriation.MSQ-BGW.flights_per_week": 7}}]
    model = run_model(data)
    repatriated = model.recorder.values["repatriated"][:, 0]
    assert repatriated[:30].sum() == 0
    assert repatriated[30:].sum() > 0
    assert (repatriated <= 100).all()  # one flight of 100 seats a day
    pop = model.population
    rep = pop.view("state") == S.REPATRIATED
    assert (pop.view("nationality")[rep] == model.nationalities.index("IQ")).all()
    assert pop.people(np.flatnonzero(rep)) == repatriated.sum()


def test_sanctioned_carrier_flies_no_repatriation():
    data = tiny()
    data["migrants"]["endurance_days"] = {"mean": 3, "sd": 0, "min": 3}
    data["migrants"]["self_return_per_day"] = 0.0
    data["carriers"]["air"]["repatriation"]["MSQ-BGW"]["flights_per_week"] = 7
    data["events"] = [{"date": "2021-09-20", "actor": "air", "set": {"carriers.air.sanctioned": True}}]
    model = run_model(data)
    repatriated = model.recorder.values["repatriated"]
    assert repatriated[:19].sum() > 0  # flights ran before the sanctions
    assert repatriated[19:].sum() == 0


def test_duplicate_weekdays_refused_or_counted_once():
    data = tiny()
    data["carriers"]["air"]["routes"]["BGW-MSQ"].update(flights_per_week=2, weekdays=["Mon", "Mon"])
    try:
        model = CorridorModel(sim.load_scenario(data))
    except sim.ScenarioError:
        return
    assert sum(model.carriers["air"].flights(0, day) for day in range(56)) == 16
