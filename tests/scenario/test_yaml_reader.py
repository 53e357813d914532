"""The one YAML reader refuses, with one paragraph and exit 2, every hostile or careless file it is given."""

import time

import pytest
from helpers import CLASSROOM

import sim
from sim.cli.commands import main
from sim.errors import ScenarioError
from sim.scenario.yaml_reader import MAX_DEPTH, read_yaml


def _fails(capsys, path, *expected, args=("check",)):
    t0 = time.perf_counter()
    assert main([*args, str(path)]) == 2
    assert time.perf_counter() - t0 < 10, "refusing a file must be quick"
    err = capsys.readouterr().err
    assert err.startswith("Error") and "Traceback" not in err and err.count("\n") == 1, err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    return err


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_value_no_safe_constructor_can_read_is_named_with_its_line(tmp_path, capsys):
    path = _write(tmp_path, "bool.yaml", f"extends: {CLASSROOM}\nname: !!bool maybe\n")
    _fails(capsys, path, "line 2", "key 'name'", "'maybe' cannot be read as YAML type 'bool'")
    path = _write(tmp_path, "date.yaml", f"extends: {CLASSROOM}\nend: 2021-02-30\n")
    _fails(capsys, path, "line 2", "key 'end'", "not a calendar date")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 999, 5000])
def test_deep_nesting_is_refused_without_exhausting_the_stack(tmp_path, capsys, depth):
    path = _write(tmp_path, "deep.yaml", f"extends: {CLASSROOM}\nx: " + "[" * depth + "]" * depth + "\n")
    err = _fails(capsys, path, "line 2")
    assert "nest" in err


def test_nesting_within_the_limit_reads(tmp_path):
    path = _write(tmp_path, "ok.yaml", "x: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n")
    data, _ = read_yaml(path)
    assert isinstance(data["x"], list)


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "/etc/shadow", "/etc/passwd"])
def test_extends_must_name_a_yaml_file(tmp_path, capsys, target):
    path = _write(tmp_path, "x.yaml", f"extends: {target}\n")
    err = _fails(capsys, path, "key 'extends'", "ending in .yaml or .yml")
    assert "root:" not in err and "/bin/" not in err  # nothing of the file's contents is echoed


def test_devices_and_huge_files_are_refused_before_reading(tmp_path, capsys):
    _fails(capsys, "/dev/zero", "not a regular file")
    big = tmp_path / "big.yaml"
    line = "  p{i}: {{name: P{i}, lat: 50.0, lon: 20.0, country: PL, kind: staging}}\n"
    big.write_text("places:\n" + "".join(line.format(i=i) for i in range(90_000)))
    _fails(capsys, big, "MB, more than the 5 MB a scenario file may hold")


def test_many_plain_values_are_refused_as_too_many_values_not_as_aliases(tmp_path, capsys):
    path = tmp_path / "many.yaml"
    path.write_text("places:\n" + "".join(f"  p{i}: [1, 2, 3, 4, 5, 6, 7, 8]\n" for i in range(25_000)))
    err = _fails(capsys, path, "holds more than 200,000 values")
    assert "alias" in err  # the message says aliases count, without claiming the file has any


@pytest.mark.parametrize("parent", ['"a\\0b.yaml"', "a" * 300 + ".yaml", "''"])
def test_unusable_extends_paths(tmp_path, capsys, parent):
    path = _write(tmp_path, "x.yaml", f"extends: {parent}\n")
    _fails(capsys, path, "key 'extends'")


def test_repeated_keys_are_refused_with_both_lines(tmp_path, capsys):
    path = _write(tmp_path, "dup.yaml", f"extends: {CLASSROOM}\nseed: 7\nseed: 99\n")
    _fails(capsys, path, "'seed' is written twice", "lines 2 and 3")


@pytest.mark.parametrize(("key", "value", "why"), [
    ("state_actors.belarus.visa_approval", "true", "valid number"),
    ("demand.origins.baghdad.people_per_week", '"12"', "valid number"),
    ("seed", "1.5", "valid integer"),
    ("border_services.PL.policy.state_of_emergency", "1", "valid boolean"),
])
def test_the_schema_is_strict(key, value, why):
    with pytest.raises(ScenarioError, match=why):
        sim.load_scenario(CLASSROOM, [f"{key}={value}"])


def test_whole_numbers_and_date_text_are_the_conversions_allowed():
    sc = sim.load_scenario(CLASSROOM, {"state_actors.belarus.visa_approval": 1, "end": "2021-12-20"})
    assert sc.state_actors["belarus"].visa_approval == 1.0 and sc.end.isoformat() == "2021-12-20"


def test_an_alias_that_contains_itself_is_refused(tmp_path, capsys):
    path = _write(tmp_path, "loop.yaml", "a: &x\n  b: *x\n")
    _fails(capsys, path, "refers to the value it is part of")


def test_extra_events_go_after_the_events_of_the_file_extended(tmp_path):
    base = sim.load_scenario(str(CLASSROOM))
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {CLASSROOM}\nname: child\nextra_events:\n"
                     "  - {date: 2021-08-05, note: early, set: {demand.scale: 2.0}}\n"
                     "  - {date: 2021-12-01, note: late, set: {demand.scale: 0.5}}\n")
    events = sim.load_scenario(str(child)).events
    assert len(events) == len(base.events) + 2
    assert [e.note for e in events[: len(base.events)]] == [e.note for e in base.events]  # numbers kept
    assert [e.note for e in events[-2:]] == ["early", "late"]
    grandchild = tmp_path / "grandchild.yaml"
    grandchild.write_text("extends: child.yaml\nextra_events:\n  - {date: 2021-09-01, set: {demand.scale: 3.0}}\n")
    assert len(sim.load_scenario(str(grandchild)).events) == len(base.events) + 3
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {CLASSROOM}\nextra_events:\n  - {{date: 2021-08-05, set: {{demand.scal: 2.0}}}}\n")
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(str(bad))
    assert f"events.{len(base.events)}.set" in str(err.value) and "bad.yaml, line 3" in str(err.value)
    bad.write_text(f"extends: {CLASSROOM}\nextra_events: {{date: 2021-08-05}}\n")
    with pytest.raises(ScenarioError, match="'extra_events' must be a list"):
        sim.load_scenario(str(bad))
