"""The Benghazi scenarios: the 2025 case of the four-year baseline and its two variants (loaded, not run)."""

import yaml
from helpers import SCENARIOS

import sim

FLIGHTS = "carriers.belavia.routes.BEN-MSQ.flights_per_week"
VARIANTS = ("benghazi_2025.yaml", "benghazi_2025_no_flights.yaml", "benghazi_surge.yaml")


def _last_flights_of_each_date(scenario) -> dict:
    """The value the model ends each date with: events of one date apply in list order (test_model.py)."""
    out = {}
    for event in sorted(scenario.events, key=lambda e: e.date):  # stable: list order within a date
        if FLIGHTS in event.set:
            out[event.date.isoformat()] = event.set[FLIGHTS]
    return out


def test_the_variants_keep_the_events_of_the_four_year_baseline_and_their_numbers():
    base = sim.load_scenario(SCENARIOS / "belarus_2022_2025.yaml")
    for name in VARIANTS:
        raw = yaml.safe_load((SCENARIOS / name).read_text())
        assert "events" not in raw, f"{name}: an 'events:' list would replace every event of the parent"
        scenario = sim.load_scenario(SCENARIOS / name)
        assert (scenario.start, scenario.end) == (base.start, base.end), name
        head = scenario.events[: len(base.events)]
        assert [(e.date, e.set) for e in head] == [(e.date, e.set) for e in base.events], name


def test_benghazi_2025_flies_the_reported_flights_and_the_counterfactual_none():
    base = sim.load_scenario(SCENARIOS / "belarus_2022_2025.yaml")
    reported = _last_flights_of_each_date(base)
    assert sorted(reported) == ["2025-05-01", "2025-06-01", "2025-07-01"]
    assert _last_flights_of_each_date(sim.load_scenario(SCENARIOS / "benghazi_2025.yaml")) == reported
    none = sim.load_scenario(SCENARIOS / "benghazi_2025_no_flights.yaml")
    assert _last_flights_of_each_date(none) == dict.fromkeys(reported, 0)
    assert none.carriers["belavia"].routes["BEN-MSQ"].flights_per_week == 0  # and none before May 2025


def test_the_surge_starts_on_1_may_2025_and_stays_daily():
    surge = sim.load_scenario(SCENARIOS / "benghazi_surge.yaml")
    assert set(_last_flights_of_each_date(surge).values()) == {7}
    base = sim.load_scenario(SCENARIOS / "benghazi_2025.yaml")
    extra = surge.events[len(base.events):]
    assert extra and all(e.date.isoformat() >= "2025-05-01" for e in extra)
    assert surge.state_actors["belarus"].facilitation == base.state_actors["belarus"].facilitation  # 2022-24 as base
