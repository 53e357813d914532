"""Border services: detection, guards, turn-back policy, apprehension capacity, barriers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import CLASSROOM, run_model, tiny, total

import sim
from sim.model.agents.border_service import BorderService
from sim.model.model import CorridorModel
from sim.model.population import JourneyState as S


def _all_segments(key: str, value) -> dict:
    return {f"border_services.PL.segments.pl1.{key}": value, f"border_services.LT.segments.lt1.{key}": value}


def _both_services(key: str, value) -> dict:
    return {f"border_services.PL.{key}": value, f"border_services.LT.{key}": value}


def test_detection_probability_formula():
    data = tiny()
    pl = data["border_services"]["PL"]
    pl["detection_per_guard_km"] = 0.7
    pl["detection_per_surveillance"] = 1.3
    pl["detection_per_barrier"] = 0.4
    pl["barrier_stop"] = 0.9
    pl["line_stop"] = 0.1
    pl["segments"]["pl1"].update(guards=33, length_km=60, surveillance=0.25, barrier_km=15)
    model = CorridorModel(sim.load_scenario(data))
    service = model.border_services["PL"]
    assert isinstance(service, BorderService)
    p_detect, p_stop = service.segment_arrays()
    assert p_detect[0] == pytest.approx(1 - math.exp(-(0.7 * 33 / 60 + 1.3 * 0.25 + 0.4 * 15 / 60)))
    assert p_stop[0] == pytest.approx(0.1 + (0.9 - 0.1) * 15 / 60)
    # without a barrier: guards and surveillance only, and the plain line-stop share
    lt = model.config.border_services["LT"]
    seg = lt.segments["lt1"]
    p_detect, p_stop = model.border_services["LT"].segment_arrays()
    assert p_detect[0] == pytest.approx(1 - math.exp(-(lt.detection_per_guard_km * seg.guards / seg.length_km
                                                       + lt.detection_per_surveillance * seg.surveillance)))
    assert p_stop[0] == pytest.approx(lt.line_stop)


def test_no_guards_no_surveillance_detects_nobody():
    model = run_model(tiny(), {**_all_segments("guards", 0), **_all_segments("surveillance", 0),
                               **_both_services("inland_detection", 0)})
    p_detect, _ = model.border_services["PL"].segment_arrays()
    assert p_detect[0] == 0
    assert total(model, "attempts") == 0
    assert total(model, "apprehended") == 0
    assert total(model, "crossed") > 1000


def test_detection_rises_with_guards():
    low = CorridorModel(sim.load_scenario(tiny(), _all_segments("guards", 5)))
    high = CorridorModel(sim.load_scenario(tiny(), _all_segments("guards", 500)))
    for country in ("PL", "LT"):
        p_high = high.border_services[country].segment_arrays()[0][0]
        assert p_high > low.border_services[country].segment_arrays()[0][0]


def test_more_guards_more_detected_fewer_crossed():
    few = run_model(tiny(), _all_segments("guards", 5), seed=11)
    many = run_model(tiny(), _all_segments("guards", 400), seed=11)
    assert total(many, "attempts") > total(few, "attempts")
    assert total(many, "crossed") < total(few, "crossed")
    share_few = total(few, "attempts") / (total(few, "attempts") + total(few, "crossed"))
    share_many = total(many, "attempts") / (total(many, "attempts") + total(many, "crossed"))
    assert share_many > share_few + 0.2


def test_more_guards_via_cli_overrides(tmp_path):
    """The same comparison through `--set` on the classroom scenario, same seed."""
    sets = [f"border_services.PL.segments.{s}.guards={{g}}" for s in ("michalowo", "kuznica")]
    few = sim.run(str(_classroom_short(tmp_path)), seed=5, overrides=[s.format(g=2) for s in sets])
    many = sim.run(str(_classroom_short(tmp_path)), seed=5, overrides=[s.format(g=600) for s in sets])

    def pl(result, metric):
        s = result.summary
        return int(s[(s.metric == metric) & (s.country == "PL") & (s.place == "")].total.iloc[0])

    assert pl(many, "attempts") > pl(few, "attempts")
    assert pl(many, "crossed") < pl(few, "crossed")


def _classroom_short(tmp_path):
    path = tmp_path / "short.yaml"
    if not path.exists():
        path.write_text(f"extends: {CLASSROOM}\nname: short\nend: 2021-09-30\nevents: []\n")
    return path


def test_turn_back_share_one_detains_nobody():
    model = run_model(tiny(), _both_services("policy.turn_back_share", 1.0))
    assert total(model, "apprehended") > 0
    assert total(model, "detained") == 0
    assert total(model, "asylum_claims") == 0
    assert total(model, "turned_back") == total(model, "apprehended")
    by_state = model.population.people_by_state()
    assert by_state[S.DETAINED] == by_state[S.ASYLUM] == 0


def test_turn_back_share_zero_turns_back_nobody():
    model = run_model(tiny(), _both_services("policy.turn_back_share", 0.0))
    assert total(model, "apprehended") > 0
    assert total(model, "turned_back") == 0
    assert total(model, "detained") == total(model, "apprehended")


def test_turn_back_share_per_country():
    model = run_model(tiny(), {"border_services.PL.policy.turn_back_share": 1.0,
                               "border_services.LT.policy.turn_back_share": 0.0})
    assert total(model, "detained", "PL") == 0 and total(model, "turned_back", "PL") > 0
    assert total(model, "turned_back", "LT") == 0 and total(model, "detained", "LT") > 0


def test_apprehension_capacity_zero_apprehends_nobody_at_the_line():
    overrides = {**_both_services("apprehension_capacity_per_day", 0), **_both_services("inland_detection", 0)}
    model = run_model(tiny(), overrides)
    assert total(model, "attempts") > 0  # still detected ...
    assert total(model, "apprehended") == 0  # ... but nobody can be caught
    assert total(model, "detained") == 0 and total(model, "turned_back") == 0
    assert total(model, "crossed") > 0


def test_apprehension_capacity_limits_daily_catches():
    overrides = {**_both_services("apprehension_capacity_per_day", 5), **_both_services("inland_detection", 0)}
    model = run_model(tiny(), overrides)
    for country in ("PL", "LT"):
        daily = model.recorder.series("apprehended", country)
        assert daily.max() <= 5
        assert daily.max() == 5  # the capacity binds in this busy scenario


def test_barrier_increases_prevented():
    no_wall = run_model(tiny(), _all_segments("barrier_km", 0), seed=4)
    wall = {"border_services.PL.segments.pl1.barrier_km": 60, "border_services.LT.segments.lt1.barrier_km": 80}
    walled = run_model(tiny(), wall, seed=4)
    assert total(walled, "prevented") > 1.5 * total(no_wall, "prevented")
    share = [total(m, "prevented") / total(m, "attempts") for m in (no_wall, walled)]
    assert share[1] > share[0] + 0.2


def test_barrier_event_increases_prevented_after_its_date():
    data = tiny()
    data["border_services"]["PL"]["barrier_stop"] = 1.0
    data["border_services"]["PL"]["line_stop"] = 0.0
    data["border_services"]["PL"]["inland_detection"] = 0.0  # every attempt counted is one seen at the line
    data["events"] = [{"date": "2021-10-01", "actor": "PL", "set": {"border_services.PL.segments.pl1.barrier_km": 60}}]
    model = run_model(data)
    prevented = model.recorder.series("prevented", "PL")
    attempts = model.recorder.series("attempts", "PL")
    assert prevented[:30].sum() == 0  # line_stop 0: nobody is stopped before the barrier
    assert prevented[30:].sum() == attempts[30:].sum() > 0  # after it, every detected person is


def test_people_caught_inland_unseen_count_as_attempts():
    """Attempts are every attempt the service detects: at the line or inland (as Poland counts)."""
    never_at_line = {**_both_services("detection_per_guard_km", 0.0),
                     **_both_services("detection_per_surveillance", 0.0),
                     **_both_services("detection_per_barrier", 0.0)}
    model = run_model(tiny(), {**never_at_line, **_both_services("inland_detection", 0.5)}, seed=2)
    for country in ("PL", "LT"):
        attempts, apprehended = total(model, "attempts", country), total(model, "apprehended", country)
        assert attempts == apprehended > 0  # nobody is seen at the line: every attempt counted was caught inland
        assert total(model, "prevented", country) == 0
    unseen = run_model(tiny(), {**never_at_line, **_both_services("inland_detection", 0.0)}, seed=2)
    assert total(unseen, "attempts") == 0 < total(unseen, "crossed")


def test_barrier_built_at_a_daily_rate_stops_more_people():
    data = tiny()
    data["border_services"]["PL"]["barrier_stop"] = 1.0
    data["border_services"]["PL"]["line_stop"] = 0.0
    data["border_services"]["PL"]["segments"]["pl1"]["barrier_build_km_per_day"] = 2.0
    model = CorridorModel(sim.load_scenario(data), rng=1)
    length = data["border_services"]["PL"]["segments"]["pl1"]["length_km"]
    seen = []
    while model.running:
        model.step()
        seen.append(model.barrier_km()[model.segment_ids.index("pl1")])
    assert seen[0] == 2.0 and seen[9] == 20.0  # built day by day
    assert max(seen) == length  # never more than the segment
    prevented = model.recorder.series("prevented", "PL")
    assert prevented[-20:].sum() > prevented[:20].sum()


def test_barrier_event_restarts_building_from_its_length():
    data = tiny()
    data["border_services"]["PL"]["segments"]["pl1"]["barrier_build_km_per_day"] = 1.0
    data["events"] = [{"date": "2021-10-01", "actor": "PL", "set": {"border_services.PL.segments.pl1.barrier_km": 5}}]
    model = CorridorModel(sim.load_scenario(data), rng=1)
    j, seen = None, {}
    while model.running:
        model.step()
        j = model.segment_ids.index("pl1")
        seen[model.date.isoformat()] = model.barrier_km()[j]
    assert seen["2021-09-30"] > 5
    assert seen["2021-10-01"] == 6.0  # the event's 5 km (applied before the day), plus that day's building
    assert seen["2021-10-05"] == seen["2021-10-01"] + 4
    # setting the length it already had (0 here) still restarts the building from there
    data["events"] = [{"date": "2021-10-01", "actor": "PL", "set": {"border_services.PL.segments.pl1.barrier_km": 0}}]
    model = CorridorModel(sim.load_scenario(data), rng=1)
    while model.date.isoformat() != "2021-10-01":
        model.step()
    assert model.barrier_km()[model.segment_ids.index("pl1")] == 1.0


def test_detention_capacity_overflow_goes_to_open_reception():
    model = run_model(tiny(), {**_both_services("policy.turn_back_share", 0.0),
                               **_both_services("policy.detention_capacity", 10),
                               **_both_services("policy.abscond_per_day", 0.0)})
    pop = model.population
    for k, _country in enumerate(model.countries):
        held = pop.in_state(S.DETAINED)
        held = held[pop.place[held] == model.reception_place[k]]
        assert pop.people(held) <= 10
    assert model.people_by_state()["asylum"] > 0


def test_attempts_counts_each_detected_attempt_again():
    """A person turned back and trying again counts again (Polish counting)."""
    model = run_model(tiny(), {**_both_services("policy.turn_back_share", 1.0), **_all_segments("guards", 400)})
    arrived = total(model, "arrivals_minsk")
    assert total(model, "attempts") > arrived  # more attempts than people
    attempts = model.population.view("attempts")
    assert attempts.max() >= 2
    assert np.all(attempts >= 0)
