"""Scenario files, network files and --set values, mutated: `corridor check` keeps its promise (tests/fuzzing.py)."""

from pathlib import Path

import yaml
from fuzzing import FUZZ, PATHS, VALUES, holds_the_promise, mutate, mutate_text
from helpers import ROOT
from hypothesis import given
from hypothesis import strategies as st

NETWORK = ROOT / "scenarios" / "network" / "corridor.yaml"
CLASSROOM = yaml.safe_load((ROOT / "scenarios" / "classroom.yaml").read_text())
CLASSROOM["extends"] = str(NETWORK)
NETWORK_DATA = yaml.safe_load(NETWORK.read_text())
SET_KEYS = ["seed", "end", "observed", "name", "scale", "demand.scale", "demand.origins.baghdad.people_per_week",
            "border_services.PL.policy.turn_back_share", "border_services.PL.segments", "state_actors.belarus.steer",
            "carriers.belavia.routes.IST-MSQ", "events", "events.0.set", "events.0.date", "migrants.destinations",
            "places.minsk", "links.0", "monthly_temperature_c", "nope", "a..b", "=", ""]


def _write(path: Path, data, text_damage) -> Path:
    path.write_bytes(text_damage(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)))
    return path


@FUZZ
@given(st.data())
def test_mutated_scenario_files(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("scenario")
    doc = mutate(data, CLASSROOM)
    path = _write(tmp / "s.yaml", doc, lambda text: mutate_text(data, text))
    holds_the_promise(["check", str(path)], tmp, names=("s.yaml", "corridor.yaml", "--set", "/", "observed"),
                      repo=ROOT)


@FUZZ
@given(st.data())
def test_mutated_network_files(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("network")
    path = _write(tmp / "net.yaml", mutate(data, NETWORK_DATA, rounds=3), lambda text: mutate_text(data, text))
    scenario = dict(CLASSROOM, extends=str(path))
    scen = _write(tmp / "s.yaml", scenario, lambda text: text.encode())
    holds_the_promise(["check", str(path), str(scen)], tmp, names=("net.yaml", "s.yaml"), repo=ROOT)


@FUZZ
@given(st.data())
def test_set_values(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("set")
    sets = []
    for _ in range(data.draw(st.integers(1, 3), label="how many")):
        key = data.draw(st.one_of(st.sampled_from(SET_KEYS), st.text(max_size=30)), label="key")
        value = data.draw(st.one_of(VALUES.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()),
                                    PATHS, st.text(max_size=30)), label="value")
        sets += ["--set", f"{key}={value}" if data.draw(st.booleans(), label="has =") else key]
    holds_the_promise(["check", str(ROOT / "scenarios" / "classroom.yaml"), *sets], tmp,
                      names=("--set", "classroom.yaml", "corridor.yaml", "observed", "/"), repo=ROOT)
