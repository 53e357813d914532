"""Bad input: every class of mistake gives exit code 2 and a one-paragraph message naming the key."""

from __future__ import annotations

import pytest
import yaml
from helpers import CLASSROOM, cli, tiny

import sim
from sim.cli.commands import main
from sim.errors import EXIT_BAD_INPUT, ScenarioError


def _write(tmp_path, body: str, name: str = "bad.yaml", extends: bool = True) -> str:
    text = (f"extends: {CLASSROOM}\n" if extends else "") + body
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _check_fails(capsys, args, *expected) -> str:
    rc = main(args)
    captured = capsys.readouterr()
    assert rc == EXIT_BAD_INPUT == 2
    err = captured.err
    assert "Traceback" not in err
    assert err.startswith("Error"), err
    assert err.count("\n") == 1, "the message is one paragraph"
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert not captured.out.startswith("OK")
    return err


# (name, YAML body extending classroom, strings the message must contain)
FILE_CASES = [
    ("unknown_key", "demand:\n  patience_dayz: 3\n", ["demand.patience_dayz", "did you mean 'patience_days'"]),
    ("unknown_top_key", "seeed: 3\n", ["'seeed'", "did you mean 'seed'"]),
    ("unknown_nested_key", "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {seatz: 3}\n",
     ["carriers.belavia.routes.IST-MSQ.seatz", "did you mean 'seats'"]),
    ("unknown_key_in_policy", "border_services:\n  PL:\n    policy: {turnback_share: 0.3}\n",
     ["border_services.PL.policy.turnback_share", "turn_back_share"]),
    ("wrong_type_int", "seed: abc\n", ["'seed'", "integer"]),
    ("wrong_type_number", "demand:\n  patience_days: [1, 2]\n", ["demand.patience_days"]),
    ("wrong_type_mapping", "carriers: 5\n", ["'carriers'"]),
    ("wrong_type_bool", "carriers:\n  belavia: {sanctioned: maybe}\n", ["carriers.belavia.sanctioned"]),
    ("wrong_literal", "places:\n  minsk: {kind: capital}\n", ["places.minsk.kind", "minsk"]),
    ("bad_weekday", "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {weekdays: [Monday]}\n",
     ["carriers.belavia.routes.IST-MSQ.weekdays"]),
    ("negative_flights", "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {flights_per_week: -1}\n",
     ["carriers.belavia.routes.IST-MSQ.flights_per_week", "greater than or equal to 0", "-1"]),
    ("probability_above_one", "border_services:\n  PL:\n    policy: {turn_back_share: 1.5}\n",
     ["border_services.PL.policy.turn_back_share", "less than or equal to 1"]),
    ("negative_guards", "border_services:\n  PL:\n    segments:\n      kuznica: {guards: -5}\n",
     ["border_services.PL.segments.kuznica.guards"]),
    ("barrier_longer_than_segment", "border_services:\n  PL:\n    segments:\n      kuznica: {barrier_km: 500}\n",
     ["border_services.PL.segments.kuznica", "barrier_km"]),
    ("party_mean_above_max", "demand:\n  party_size: {mean: 5, max: 2}\n", ["demand.party_size", "mean"]),
    ("end_before_start", "end: 2021-07-01\n", ["end", "before start"]),
    ("route_from_unknown_place", "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {from: istanbull}\n",
     ["carriers.belavia.routes.IST-MSQ.from", "istanbull", "did you mean 'istanbul'"]),
    ("route_from_wrong_kind", "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {from: grodno}\n",
     ["carriers.belavia.routes.IST-MSQ.from", "grodno"]),
    ("route_serves_no_demand", "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {serves: [erbil]}\n",
     ["carriers.belavia.routes.IST-MSQ.serves.0", "erbil"]),
    ("refused_unknown_nationality", "carriers:\n  belavia: {refused_nationalities: [XX]}\n",
     ["carriers.belavia.refused_nationalities", "XX"]),
    ("repatriation_to_unknown", "carriers:\n  belavia:\n    repatriation:\n      MSQ-BGW: {to: bagdad}\n",
     ["carriers.belavia.repatriation.MSQ-BGW.to", "did you mean 'baghdad'"]),
    ("steer_unknown_country", "state_actors:\n  belarus:\n    steer: {PL: 0.5, DE: 0.5}\n",
     ["state_actors.belarus.steer.DE", "no border service"]),
    ("camp_unknown_place", "state_actors:\n  belarus:\n    camp: {place: bruzgy}\n",
     ["state_actors.belarus.camp.place", "bruzgy"]),
    ("segment_unknown_place", "border_services:\n  PL:\n    segments:\n      kuznica: {place: kuznika}\n",
     ["border_services.PL.segments.kuznica.place", "did you mean 'kuznica'"]),
    ("segment_in_other_country", "border_services:\n  PL:\n    segments:\n      kuznica: {place: salcininkai}\n",
     ["border_services.PL.segments.kuznica.place"]),
    ("reception_unknown", "border_services:\n  PL: {reception: bialistok}\n",
     ["border_services.PL.reception", "bialystok"]),
    ("destination_unknown", "migrants:\n  destinations: {berlinn: 1.0}\n",
     ["migrants.destinations.berlinn", "did you mean 'berlin'"]),
    ("origin_demand_unknown_place", "demand:\n  origins:\n    bagdad: {nationality: IQ, people_per_week: 5}\n",
     ["demand.origins.bagdad"]),
    ("event_actor_unknown", "events:\n  - {date: 2021-09-02, actor: polnd, set: {seed: 3}}\n",
     ["events.0.actor", "polnd"]),
    ("event_outside_run", "events:\n  - {date: 2022-09-02, set: {border_services.PL.policy.turn_back_share: 0.3}}\n",
     ["events.0.date", "2022-09-02", "outside the run"]),
    ("event_before_start", "events:\n  - {date: 2021-07-31, set: {border_services.PL.policy.turn_back_share: 0.3}}\n",
     ["events.0.date"]),
    ("event_nonexistent_key", "events:\n  - {date: 2021-09-02, set: {border_services.PL.policy.turn_back_shar: 0.3}}\n",
     ["events.0.set.border_services.PL.policy.turn_back_shar", "did you mean 'turn_back_share'"]),
    ("event_nonexistent_carrier", "events:\n  - {date: 2021-09-02, set: {carriers.belavio.sanctioned: true}}\n",
     ["carriers.belavio", "did you mean 'belavia'"]),
    ("event_bad_value", "events:\n  - {date: 2021-09-02, set: {border_services.PL.policy.turn_back_share: 3}}\n",
     ["border_services.PL.policy.turn_back_share", "less than or equal to 1"]),
    ("event_bad_reference", "events:\n  - {date: 2021-09-02, set: {state_actors.belarus.steer: {XX: 1}}}\n",
     ["state_actors.belarus.steer.XX"]),
    ("event_forbidden_part", "events:\n  - {date: 2021-09-02, set: {places.minsk.lat: 50}}\n",
     ["events.0.set.places.minsk.lat", "cannot change"]),
    ("event_empty_set", "events:\n  - {date: 2021-09-02, set: {}}\n", ["events.0.set"]),
    ("event_unknown_field", "events:\n  - {date: 2021-09-02, when: x, set: {seed: 1}}\n",
     ["events.0.when"]),
    ("event_second_of_many", "events:\n  - {date: 2021-09-02, set: {border_services.PL.policy.turn_back_share: 0.3}}\n"
     "  - {date: 2021-09-03, set: {border_services.LT.guards: 3}}\n", ["events.1.set.border_services.LT.guards"]),
]


@pytest.mark.parametrize("body, expected", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_scenario_file(tmp_path, capsys, body, expected):
    path = _write(tmp_path, body)
    err = _check_fails(capsys, ["check", path], *expected)
    assert path in err  # the message names the file


def test_line_number_of_the_bad_key(tmp_path, capsys):
    path = _write(tmp_path, "name: x\nseed: 1\ndemand:\n  scale: -3\n")
    _check_fails(capsys, ["check", path], "line 5", "demand.scale")


def test_missing_required_key(tmp_path, capsys):
    data = tiny()
    del data["demand"]
    path = tmp_path / "nodemand.yaml"
    path.write_text(yaml.safe_dump(data))
    _check_fails(capsys, ["check", str(path)], "'demand'", "required")


def test_missing_required_nested_key(tmp_path, capsys):
    data = tiny()
    del data["carriers"]["air"]["routes"]["BGW-MSQ"]["seats"]
    path = tmp_path / "noseats.yaml"
    path.write_text(yaml.safe_dump(data))
    _check_fails(capsys, ["check", str(path)], "carriers.air.routes.BGW-MSQ.seats", "required")


def test_no_minsk(tmp_path, capsys):
    data = tiny()
    data["places"]["minsk"]["kind"] = "staging"
    path = tmp_path / "nominsk.yaml"
    path.write_text(yaml.safe_dump(data))
    _check_fails(capsys, ["check", str(path)], "places", "minsk")


def test_malformed_yaml(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\n  bad: [\nfoo\n")
    _check_fails(capsys, ["check", str(path)], "not valid YAML", "line 2", str(path))


def test_impossible_date_in_file(tmp_path, capsys):
    """PyYAML raises ValueError (not YAMLError) for 2021-13-45; it used to escape as a traceback."""
    path = _write(tmp_path, "start: 2021-13-45\n")
    _check_fails(capsys, ["check", path], path, "'2021-13-45' is not a calendar date", "key 'start'", "YYYY-MM-DD")
    _write(tmp_path, "start: 2021-02-30\n")
    _check_fails(capsys, ["check", path], "'2021-02-30' is not a calendar date", "key 'start'")


def test_yaml_not_a_mapping(tmp_path, capsys):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    _check_fails(capsys, ["check", str(path)], "mapping")


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    _check_fails(capsys, ["check", str(path)], "required")


def test_missing_file(tmp_path, capsys):
    path = str(tmp_path / "nothere.yaml")
    _check_fails(capsys, ["check", path], path, "does not exist")


def test_missing_file_run(tmp_path, capsys):
    path = str(tmp_path / "nothere.yaml")
    _check_fails(capsys, ["run", path, "--out", str(tmp_path / "out")], "does not exist")
    assert not (tmp_path / "out").exists()


def test_binary_file(tmp_path, capsys):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    _check_fails(capsys, ["check", str(path)], str(path))


def test_extends_missing_file(tmp_path, capsys):
    path = tmp_path / "child.yaml"
    path.write_text("extends: parent_missing.yaml\nname: child\n")
    _check_fails(capsys, ["check", str(path)], "extends", "parent_missing.yaml", "does not exist")


def test_extends_not_a_path(tmp_path, capsys):
    path = tmp_path / "child.yaml"
    path.write_text("extends: [a, b]\nname: child\n")
    _check_fails(capsys, ["check", str(path)], "extends")


def test_extends_loop(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    _check_fails(capsys, ["check", str(tmp_path / "a.yaml")], "extends", "loop (a.yaml → b.yaml → a.yaml)",
                 "read through 'extends' in")


def test_long_extends_chain_is_fine_until_the_limit(tmp_path, capsys):
    from sim.scenario.yaml_reader import MAX_EXTENDS_DEPTH

    # f_k extends f_(k-1) ... f0 extends classroom.yaml, which extends network/corridor.yaml
    (tmp_path / "f0.yaml").write_text(f"extends: {CLASSROOM}\n")
    top = MAX_EXTENDS_DEPTH - 2  # f_top pulls in exactly MAX_EXTENDS_DEPTH files
    for i in range(1, top + 1):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\nseed: {i}\n")
    assert main(["check", str(tmp_path / f"f{top}.yaml")]) == 0
    assert capsys.readouterr().out.startswith("OK")
    (tmp_path / "deeper.yaml").write_text(f"extends: f{top}.yaml\n")
    _check_fails(capsys, ["check", str(tmp_path / "deeper.yaml")], "chains more than")


def test_yaml_alias_that_contains_itself(tmp_path, capsys):
    path = _write(tmp_path, "description: &a [*a]\n")
    _check_fails(capsys, ["check", path], "alias refers to the value it is part of", "line 2")


def test_yaml_alias_bomb_is_refused_quickly(tmp_path, capsys):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = _write(tmp_path, "\n".join(lines) + "\n", extends=False)
    _check_fails(capsys, ["check", path], "holds more than 200,000 values")


def test_misspelt_required_key_gets_did_you_mean(tmp_path, capsys):
    text = CLASSROOM.read_text().replace("flights_per_week:", "flight_per_week:", 1)
    text = text.replace("extends: network/", f"extends: {CLASSROOM.parent}/network/")
    assert "flight_per_week" in text and str(CLASSROOM.parent) in text
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    _check_fails(capsys, ["check", str(path)], "flight_per_week", "not part of the scenario schema",
                 "did you mean 'flights_per_week'?")


def test_counting_rule_until_before_from(capsys):
    _check_fails(capsys, ["check", str(CLASSROOM), "--set",
                          "border_services.PL.counts=[{metrics: [attempts], from: 2021-12-01, until: 2021-09-01}]"],
                 "until (2021-09-01) is before from (2021-12-01)")


def test_scenario_name_cannot_climb_out_of_the_output_folder(capsys):
    _check_fails(capsys, ["check", str(CLASSROOM), "--set", "name=../../x"], "key 'name'", "output folder")


def test_set_without_a_key(capsys):
    _check_fails(capsys, ["run", str(CLASSROOM), "--set", "=3"], "--set", "names no key")


def test_wrong_type_and_range_errors_carry_hints(capsys):
    err = _check_fails(capsys, ["check", str(CLASSROOM), "--set",
                                "border_services.PL.segments.michalowo.guards=many"], "Hint: write a number")
    assert "Hint:" in err
    err = _check_fails(capsys, ["check", str(CLASSROOM), "--set", "end=2021-05-01"], "is before start")
    assert "datetime.date" not in err


def test_error_in_parent_names_parent_file(tmp_path, capsys):
    parent = _write(tmp_path, "seed: -1\n", name="parent.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\n")
    err = _check_fails(capsys, ["check", str(child)], "'seed'")
    assert parent in err and "line 2" in err


# --set problems: (override, strings the message must contain)
SET_CASES = [
    ("border_services.PL.policy.turn_bak=0.3", ["--set", "border_services.PL.policy.turn_bak",
                                                "did you mean 'turn_back_share'"]),
    ("nokey", ["--set", "'nokey'", "="]),
    ("seed.x=3", ["--set", "seed"]),
    ("border_services..x=3", ["border_services..x", "not a valid key path"]),
    ("seed=-3", ["seed", "greater than or equal to 0"]),
    ("border_services.PL.policy.turn_back_share=high", ["border_services.PL.policy.turn_back_share"]),
    ("carriers.belavia.routes.IST-MSQ.flights_per_week=-2", ["carriers.belavia.routes.IST-MSQ.flights_per_week"]),
    ("events.7.date=2021-09-01", ["events.7"]),
    ("state_actors.belarus.steer={PL: 1, XX: 1}", ["state_actors.belarus.steer.XX"]),
    ("end=2021-07-01", ["end", "before start"]),
    ("end=2021-02-30", ["--set", "end", "not a calendar date"]),
]


@pytest.mark.parametrize("override, expected", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_bad_set(capsys, override, expected):
    _check_fails(capsys, ["check", str(CLASSROOM), "--set", override], *expected)


def test_bad_set_on_run_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    override = "border_services.PL.segments.kuznica.gards=3"
    _check_fails(capsys, ["run", str(CLASSROOM), "--out", str(out), "--set", override],
                 "border_services.PL.segments.kuznica.gards", "did you mean 'guards'")
    assert not out.exists()


def test_bad_input_in_a_subprocess(tmp_path):
    """The real command line: exit code 2, one message on stderr, no traceback."""
    bad = _write(tmp_path, "carriers:\n  belavia:\n    routes:\n      IST-MSQ: {flights_per_week: -1}\n")
    proc = cli("check", bad)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "carriers.belavia.routes.IST-MSQ.flights_per_week" in proc.stderr
    proc = cli("run", str(CLASSROOM), "--out", str(tmp_path / "o"), "--set", "demand.scale=lots")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "demand.scale" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_api_raises_scenario_error():
    data = tiny()
    data["carriers"]["air"]["routes"]["BGW-MSQ"]["from"] = "atlantis"
    with pytest.raises(ScenarioError) as exc:
        sim.run(data)
    assert exc.value.key_path == "carriers.air.routes.BGW-MSQ.from"
    assert exc.value.exit_code == 2
    assert "atlantis" in str(exc.value)


@pytest.mark.parametrize("change, key", [
    (lambda d: d["border_services"]["LT"]["segments"].update(pl1=d["border_services"]["PL"]["segments"]["pl1"]),
     "border_services.LT.segments.pl1"),
    (lambda d: d["carriers"].update(air2={"name": "Air 2", "package_price_usd": 1,
                                          "routes": {"BGW-MSQ": d["carriers"]["air"]["routes"]["BGW-MSQ"]}}),
     "carriers.air2"),
    (lambda d: d["border_services"]["PL"].update(segments={}), "border_services.PL.segments"),
    (lambda d: d["migrants"].update(destinations={}), "migrants.destinations"),
    (lambda d: d["migrants"].update(destinations={"berlin": -1}), "migrants.destinations.berlin"),
    (lambda d: d["migrants"].update(destinations={"berlin": 0}), "migrants.destinations"),
    (lambda d: d["state_actors"]["belarus"]["steer"].update(PL=-0.5), "state_actors.belarus.steer.PL"),
    (lambda d: d["border_services"]["PL"]["segments"]["pl1"].update(staging="vilnius"),
     "border_services.PL.segments.pl1.staging"),
    (lambda d: d["state_actors"]["belarus"].update(origins=["cairo"]), "state_actors.belarus.origins.0"),
    (lambda d: d.update(end="2035-01-01"), None),
    (lambda d: d["links"][0].update(mode="boat"), "links.0.mode"),
    (lambda d: d["links"][0].update(to="minks"), "links.0.to"),
    (lambda d: d["places"]["minsk"].update(lat=123), "places.minsk.lat"),
    (lambda d: d["places"]["minsk"].update(country="BLR"), "places.minsk.country"),
    (lambda d: d.update(monthly_temperature_c=[1, 2, 3]), "monthly_temperature_c"),
])
def test_reference_and_range_errors_in_dicts(change, key):
    data = tiny()
    change(data)
    with pytest.raises(ScenarioError) as exc:
        sim.load_scenario(data)
    if key is not None:
        assert exc.value.key_path == key, exc.value.message
        assert key in exc.value.message



def test_negative_seed_on_the_command_line(tmp_path, capsys):
    _check_fails(capsys, ["run", str(CLASSROOM), "--seed", "-1", "--out", str(tmp_path / "o"), "--no-plots"], "seed")


def test_negative_seed_in_the_api():
    with pytest.raises(ScenarioError):
        sim.run(tiny(), seed=-5)


def test_non_integer_seed_is_a_usage_error(capsys):
    _check_fails(capsys, ["run", str(CLASSROOM), "--seed", "abc"], "--seed", "not a whole number", "--help")


def test_out_is_an_existing_file(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    rc = main(["run", str(CLASSROOM), "--out", str(target), "--no-plots", "--quiet"])
    err = capsys.readouterr().err
    assert rc != 0
    assert str(target) in err and "Traceback" not in err
    assert target.read_text() == "not a folder"
