"""Fuzzing the loader: a mutated scenario either loads or raises ScenarioError, and then runs."""

from __future__ import annotations

import copy

import pytest
from helpers import CLASSROOM, tiny
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.model.model import CorridorModel
from sim.scenario.loader import load_scenario

RUN_DAYS = 20

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**6, max_value=10**6),
    st.sampled_from([-1, 0, 1, -0.5, 1.5, 10**9, 10**15, 1e300, -1e300, float("inf"), float("nan")]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "minsk", "PL", "2021-09-15", "2021-13-45", "yes", "Mon", "kuznica"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=6), scalars, max_size=2))


def _paths(node, prefix=()):
    """Every key path in nested dicts and lists."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append(prefix + (key,))
            out.extend(_paths(value, prefix + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append(prefix + (i,))
            out.extend(_paths(value, prefix + (i,)))
    return out


def _parent(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


def _mutate(data, draw) -> dict:
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        op = draw(st.sampled_from(["delete", "replace", "replace", "rename", "add"]))
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(key)
        elif op == "add":
            target = parent[key] if isinstance(parent[key], dict) else parent
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.data())
def test_mutated_scenario_loads_or_fails_cleanly(data):
    base = tiny()
    base["events"] = [{"date": "2021-09-05", "actor": "PL", "set": {"border_services.PL.policy.turn_back_share": 0.9}},
                      {"date": "2021-09-10", "set": {"carriers.air.routes.DAM-MSQ.flights_per_week": 0}}]
    mutated = _mutate(base, data.draw)
    try:
        scenario = load_scenario(mutated)
    except ScenarioError as exc:
        assert exc.message.startswith("Error")
        return
    model = CorridorModel(scenario)
    for _ in range(RUN_DAYS):
        model.step()
    pop = model.population
    assert pop.people_by_state().sum() == pop.created_people


def _numeric_paths(data):
    return [p for p in _paths(data)
            if isinstance(_parent(data, p)[p[-1]], int | float) and not isinstance(_parent(data, p)[p[-1]], bool)]


finite_numbers = st.one_of(
    st.sampled_from([0, 0.0, -1, 1, 1e-9, 0.5, 0.999, 1.001, 2, 7, 100, 1e4, 1e5, -1e5]),
    st.floats(min_value=-1e5, max_value=1e5, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-1000, max_value=10**5),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.data())
def test_numeric_mutations_load_or_fail_cleanly_and_run(data):
    """Numbers only, so many more scenarios validate and run; every one that validates must run."""
    mutated = tiny()
    mutated["events"] = [{"date": "2021-09-05", "actor": "PL",
                          "set": {"border_services.PL.policy.turn_back_share": 0.9}}]
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(_numeric_paths(mutated)))
        _parent(mutated, path)[path[-1]] = data.draw(finite_numbers)
    try:
        scenario = load_scenario(mutated)
    except ScenarioError:
        return
    model = CorridorModel(scenario)
    for _ in range(RUN_DAYS):
        model.step()
    pop = model.population
    assert pop.people_by_state().sum() == pop.created_people
    assert (pop.view("size") > 0).all()


# Values that validate but crash a run, found by fuzzing. Each test passes once the scenario is either
# refused with a ScenarioError or runs.
CRASHES = [
    pytest.param({"links.2.km": float("inf")}, id="link_km_inf"),
    pytest.param({"migrants.attempt_interval_days": float("inf")}, id="attempt_interval_inf"),
    pytest.param({"border_services.PL.policy.processing_days": float("inf")}, id="processing_days_inf"),
    pytest.param({"demand.origins.baghdad.people_per_week": float("inf")}, id="people_per_week_inf"),
    pytest.param({"demand.origins.baghdad.people_per_week": 1e15}, id="people_per_week_huge"),
    pytest.param({"state_actors.belarus.steer.PL": -1.0}, id="steer_negative"),  # fixed in sim/references.py
    pytest.param({"state_actors.belarus.steer.PL": float("nan")}, id="steer_nan"),
    pytest.param({"migrants.destinations.berlin": 0.0}, id="destinations_all_zero"),
    pytest.param({"migrants.destinations.berlin": float("inf")}, id="destination_inf"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("overrides", CRASHES)
def test_known_crashers_are_refused_or_run(overrides):
    try:
        scenario = load_scenario(tiny(), overrides)
    except ScenarioError:
        return
    model = CorridorModel(scenario)
    for _ in range(RUN_DAYS + 10):
        model.step()


yaml_fragments = st.sampled_from(["a: 1\n", "- x\n", "seed: 2021-13-45\n", "start: 2021-02-30\n", "{", "}", "[", ": :",
                                  "\t", "!!python/name:os.system\n", "&a [*a]\n", "key: !!binary zz\n", "? x\n",
                                  "end: 1e999\n", "name: [1, 2\n", "\x00", "%YAML 9.9\n---\n", "--- a\n--- b\n"])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.one_of(yaml_fragments, st.text(max_size=20)), max_size=5))
def test_random_yaml_text_fails_cleanly(tmp_path_factory, parts):
    path = tmp_path_factory.mktemp("yaml") / "random.yaml"
    path.write_text(f"extends: {CLASSROOM}\n" + "".join(parts), encoding="utf-8", errors="surrogatepass")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert exc.message.startswith("Error")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(["seed", "end", "start", "demand.scale", "border_services.PL.policy.turn_back_share",
                        "state_actors.belarus.steer", "carriers.air.routes.BGW-MSQ.weekdays", "events.0.date",
                        "migrants.destinations", "nope.nope", "", "places.minsk"]),
       st.one_of(yaml_fragments, st.text(max_size=15), st.sampled_from(["2021-02-30", "-1", "1e999", "null", "[]"])))
def test_random_set_values_fail_cleanly(key, value):
    data = tiny()
    data["events"] = [{"date": "2021-09-05", "set": {"border_services.PL.policy.turn_back_share": 0.9}}]
    try:
        load_scenario(data, [f"{key}={value}"])
    except ScenarioError as exc:
        assert exc.message.startswith("Error")
