"""Loading scenarios: extends chains, deep merge, --set overrides parsed as YAML, sources."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from helpers import BELARUS, CLASSROOM, tiny

import sim
from sim.errors import ScenarioError, did_you_mean
from sim.scenario import schema
from sim.scenario.keypaths import parse_set, set_path, split_path
from sim.scenario.yaml_reader import deep_merge, load_raw


def test_load_classroom():
    sc = sim.load_scenario(CLASSROOM)
    assert isinstance(sc, schema.Scenario)
    assert sc.name == "classroom"
    assert sc.start == dt.date(2021, 8, 1) and sc.end == dt.date(2021, 12, 31)
    assert sc.days == 153
    assert "minsk" in sc.places  # from the network file it extends
    assert sc.border_services["PL"].segments["kuznica"].guards == 30
    assert len(sc.events) == 3


def test_load_from_dict_and_from_scenario():
    data = tiny()
    sc = sim.load_scenario(data)
    assert data == tiny()  # the input is not changed
    again = sim.load_scenario(sc)
    assert again == sc
    assert again is not sc


def test_load_accepts_path_objects_and_strings():
    assert sim.load_scenario(Path(CLASSROOM)) == sim.load_scenario(str(CLASSROOM))


def test_extends_chain_merges(tmp_path):
    (tmp_path / "sub").mkdir()
    middle = tmp_path / "sub" / "middle.yaml"
    middle.write_text(f"""extends: {CLASSROOM}
name: middle
border_services:
  PL:
    policy: {{turn_back_share: 0.1}}
    segments:
      kuznica: {{guards: 99}}
""")
    top = tmp_path / "top.yaml"
    top.write_text("""extends: sub/middle.yaml
name: top
border_services:
  PL:
    apprehension_capacity_per_day: 7
    segments:
      kuznica: {surveillance: 0.9}
events: []
""")
    sc = sim.load_scenario(top)
    pl = sc.border_services["PL"]
    assert sc.name == "top"  # the top file wins
    assert pl.apprehension_capacity_per_day == 7  # from the top
    assert pl.policy.turn_back_share == 0.1  # from the middle
    assert pl.policy.asylum_claim_share == 0.5  # from classroom, a sibling of the middle's change
    assert pl.segments["kuznica"].guards == 99  # middle
    assert pl.segments["kuznica"].surveillance == 0.9  # top
    assert pl.segments["kuznica"].length_km == 20  # classroom
    assert set(pl.segments) == {"kuznica", "michalowo"}
    assert sc.events == []  # lists are replaced, not merged
    assert sc.start == dt.date(2021, 8, 1)  # classroom
    assert "berlin" in sc.places  # network/corridor.yaml, three levels up


def test_extends_relative_to_the_file_not_the_cwd(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "parent.yaml").write_text(f"extends: {CLASSROOM}\nname: parent\nseed: 99\n")
    child = tmp_path / "a" / "child.yaml"
    child.write_text("extends: ../b/parent.yaml\nname: child\n")
    monkeypatch.chdir(CLASSROOM.parent)  # ../b/parent.yaml does not exist from here
    sc = sim.load_scenario(child)
    assert sc.name == "child" and sc.seed == 99


def test_load_raw_lines_name_their_file(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {CLASSROOM}\n\nseed: 5\n")
    data, lines = load_raw(child)
    assert "extends" not in data
    assert data["seed"] == 5
    assert lines[("seed",)] == (str(child), 3)
    assert lines[("name",)][0] == str(CLASSROOM)
    assert lines[("places",)][0].endswith("corridor.yaml")


def test_deep_merge():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    top = {"a": {"c": [3], "e": {"f": 1}}, "g": None}
    merged = deep_merge(base, top)
    assert merged == {"a": {"b": 1, "c": [3], "e": {"f": 1}}, "d": 1, "g": None}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}  # inputs untouched
    merged["a"]["e"]["f"] = 2
    assert top["a"]["e"]["f"] == 1  # no shared structure


def test_set_overrides_parsed_as_yaml():
    sc = sim.load_scenario(CLASSROOM, [
        "border_services.PL.policy.turn_back_share=0.25",
        "carriers.belavia.sanctioned=true",
        "state_actors.belarus.steer={PL: 1, LT: 0, LV: 0}",
        "end=2021-10-31",
        "name=renamed run",
        "migrants.destinations.berlin=1",
        "events=[]",
    ])
    assert sc.border_services["PL"].policy.turn_back_share == 0.25
    assert sc.carriers["belavia"].sanctioned is True
    assert sc.state_actors["belarus"].steer == {"PL": 1.0, "LT": 0.0, "LV": 0.0}
    assert sc.end == dt.date(2021, 10, 31)
    assert sc.name == "renamed run"
    assert sc.migrants.destinations["berlin"] == 1.0
    assert sc.events == []


def test_set_override_of_default_not_in_file():
    sc = sim.load_scenario(CLASSROOM, ["border_services.PL.barrier_stop=0.95",
                                       "migrants.exposure.forest_days_scale=7",
                                       "border_services.LT.policy.processing_days=12"])
    assert sc.border_services["PL"].barrier_stop == 0.95
    assert sc.migrants.exposure.forest_days_scale == 7
    assert sc.border_services["LT"].policy.processing_days == 12
    assert sc.border_services["LV"].policy.processing_days == 90  # others keep the default


def test_set_override_list_index():
    sc = sim.load_scenario(CLASSROOM, ["events.1.set={border_services.PL.policy.turn_back_share: 0.4}"])
    assert sc.events[1].set == {"border_services.PL.policy.turn_back_share": 0.4}


def test_overrides_as_dict_parse_strings():
    sc = sim.load_scenario(tiny(), {"border_services.PL.policy.turn_back_share": "0.3", "seed": 9,
                                    "state_actors.belarus.steer": "{PL: 1, LT: 0}", "name": "a name"})
    assert sc.border_services["PL"].policy.turn_back_share == 0.3
    assert sc.seed == 9
    assert sc.state_actors["belarus"].steer == {"PL": 1.0, "LT": 0.0}
    assert sc.name == "a name"


def test_later_override_wins():
    sc = sim.load_scenario(CLASSROOM, ["seed=1", "seed=2"])
    assert sc.seed == 2


def test_overrides_do_not_touch_the_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {CLASSROOM}\nname: s\n")
    before = path.read_text()
    sim.load_scenario(path, ["seed=3"])
    assert path.read_text() == before


def test_observed_path_resolved_relative_to_scenario():
    sc = sim.load_scenario(BELARUS)
    assert sc.observed == "../data/observed/observed_2021.csv"  # kept as written: the hash must not see where
    assert sc.observed_file.resolve() == (BELARUS.parent / "../data/observed/observed_2021.csv").resolve()
    assert sc.observed_file.exists()
    again = sim.load_scenario(sc, {"seed": 3})  # a scenario loaded from a scenario keeps its folder
    assert again.observed_file == sc.observed_file


def test_scenario_hash_does_not_depend_on_the_checkout_folder(tmp_path):
    import shutil

    from sim.runs.provenance import scenario_hash

    copy = tmp_path / "elsewhere"
    shutil.copytree(BELARUS.parent, copy / "scenarios")
    shutil.copytree(BELARUS.parent.parent / "data", copy / "data")
    assert scenario_hash(sim.load_scenario(copy / "scenarios" / BELARUS.name)) == scenario_hash(
        sim.load_scenario(BELARUS))


def test_observed_given_with_set_is_read_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.csv").write_text("country,metric,period_start,period_end,value,aggregation\n"
                                       "PL,attempts,2021-08-01,2021-08-31,3500,period_total\n")
    sc = sim.load_scenario(BELARUS, ["observed=mine.csv"])
    assert sc.observed_file == tmp_path / "mine.csv"
    with pytest.raises(ScenarioError, match="observed data file does not exist"):
        sim.load_scenario(BELARUS, ["observed=missing.csv"])
    with pytest.raises(ScenarioError, match="lacks the column"):
        sim.load_scenario(BELARUS, ["observed=/etc/passwd"])


def test_parse_set():
    assert parse_set("a.b=1") == ("a.b", 1)
    assert parse_set(" a.b =x=y") == ("a.b", "x=y")
    assert parse_set("a=") == ("a", "")
    assert parse_set("a=[1, 2]") == ("a", [1, 2])
    assert parse_set("a=: not yaml [") == ("a", ": not yaml [")
    assert parse_set("a=2021-02-30") == ("a", "2021-02-30")  # an impossible date stays text
    with pytest.raises(ScenarioError):
        parse_set("novalue")


def test_split_and_set_path():
    assert split_path("a.b.c") == ["a", "b", "c"]
    for bad in ("", "a..b", ".a", "a."):
        with pytest.raises(ScenarioError):
            split_path(bad)
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    set_path(data, "a.b.1.c", 5, source="t")
    assert data == {"a": {"b": [{"c": 1}, {"c": 5}]}}
    with pytest.raises(ScenarioError) as exc:
        set_path(data, "a.b.2.c", 5, source="t")
    assert exc.value.key_path == "a.b.2"
    with pytest.raises(ScenarioError) as exc:
        set_path(data, "a.x", 5, source="t")
    assert exc.value.key_path == "a.x"
    set_path(data, "a.x", 5, source="t", must_exist=False)
    assert data["a"]["x"] == 5
    with pytest.raises(ScenarioError):
        set_path(data, "a.x.y", 1, source="t")


def test_did_you_mean():
    assert did_you_mean("gards", ["guards", "surveillance"]) == "did you mean 'guards'?"
    assert did_you_mean("zzz", ["guards"]) is None


def test_scenario_error_message():
    err = ScenarioError("bad value.", file="f.yaml", key_path="a.b", line=3, hint="fix it.")
    assert err.message == "Error in f.yaml, line 3, key 'a.b': bad value. Hint: fix it."
    assert str(err) == err.message
    assert ScenarioError("oops.").message == "Error: oops."


def test_schema_defaults_filled():
    sc = sim.load_scenario(tiny())
    assert sc.border_services["PL"].policy.asylum_acceptance == 0.3
    assert len(sc.monthly_temperature_c) == 12
    assert sc.state_actors["belarus"].visa_approval == 1.0


def test_network_file_alone_is_not_a_scenario():
    with pytest.raises(ScenarioError) as exc:
        sim.load_scenario(CLASSROOM.parent / "network" / "corridor.yaml")
    assert "required" in exc.value.reason


def test_yaml_safe_loading(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(f"extends: {CLASSROOM}\nname: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ScenarioError):
        sim.load_scenario(path)


def test_round_trip_through_yaml(tmp_path):
    sc = sim.load_scenario(CLASSROOM)
    path = tmp_path / "dumped.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(by_alias=True, mode="json"), sort_keys=False))
    again = sim.load_scenario(path)
    assert again.model_dump() == sc.model_dump()  # the same content (read from another folder)


def test_events_cannot_change_who_counts_what_or_an_actors_role(tmp_path):
    data = sim.load_scenario(str(CLASSROOM)).model_dump(by_alias=True, mode="json")
    block = data["border_services"]["LV"]
    block["counts"] = [{"metrics": ["attempts"]}]
    for change, needle in (({"border_services.LV": block}, "changes the counting rules"),
                           ({"state_actors.belarus.role": "eu"}, "changes the roles")):
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump({"extends": str(CLASSROOM),
                                        "extra_events": [{"date": "2021-09-01", "set": change}]}))
        with pytest.raises(ScenarioError, match=needle):
            sim.load_scenario(str(path))
