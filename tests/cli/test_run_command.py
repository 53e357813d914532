"""End-to-end command line: run, check, the console script, and the API writing nothing by default."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers import CLASSROOM, ROOT, SCENARIOS, cli, tiny

import sim
from sim.cli.commands import main

MANIFEST_KEYS = {"scenario", "scenario_hash", "seed", "versions", "started", "finished", "wall_seconds"}
REQUIRED_METRICS = ["arrivals_minsk", "in_minsk", "at_border", "attempts", "crossed", "apprehended", "turned_back",
                    "detained", "asylum_claims", "prevented", "onward_arrivals", "returned_minsk", "repatriated",
                    "deaths"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _daily_rows(folder: Path) -> tuple[list[str], list[dict]]:
    with open(folder / "daily.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_cli_run_succeeds(cli_classroom_run):
    proc, out = cli_classroom_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "classroom" in proc.stdout
    assert str(out) in proc.stdout


def test_cli_run_manifest(cli_classroom_run):
    _, out = cli_classroom_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert MANIFEST_KEYS <= set(manifest)
    assert manifest["seed"] == 7  # the classroom scenario's own seed
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["scenario"]["name"] == "classroom"
    assert {"corridor", "mesa", "python"} <= set(manifest["versions"])
    assert manifest["started"] <= manifest["finished"]
    assert manifest["wall_seconds"] >= 0
    assert len(manifest["events_applied"]) == 3


def test_cli_run_daily_csv(cli_classroom_run):
    _, out = cli_classroom_run
    columns, rows = _daily_rows(out)
    assert columns == ["date", "metric", "country", "place", "value"]
    totals: dict[tuple[str, str], int] = {}
    peaks: dict[str, int] = {}
    for row in rows:
        value = int(row["value"])
        assert value >= 0
        if row["place"] == "":
            key = (row["metric"], row["country"])
            totals[key] = totals.get(key, 0) + value
            peaks[row["metric"]] = max(peaks.get(row["metric"], 0), value)
    metrics = {m for m, _ in totals}
    for metric in REQUIRED_METRICS:
        assert metric in metrics, metric
        assert peaks[metric] > 0, f"{metric} never happens in the classroom run"
    assert totals[("onward_arrivals", "DE")] > 0
    for country in ("PL", "LT", "LV"):
        assert totals[("attempts", country)] > 0
    dates = sorted({row["date"] for row in rows})
    assert dates[0] == "2021-08-01" and dates[-1] == "2021-12-31" and len(dates) == 153


def test_cli_run_summary_and_flows(cli_classroom_run):
    _, out = cli_classroom_run
    with open(out / "summary.csv", newline="") as handle:
        summary = list(csv.DictReader(handle))
    assert {"metric", "country", "place", "total", "peak"} <= set(summary[0])
    attempts = [r for r in summary if r["metric"] == "attempts" and r["place"] == ""]
    assert {r["country"] for r in attempts} == {"PL", "LT", "LV"}
    with open(out / "flows.csv", newline="") as handle:
        flows = list(csv.DictReader(handle))
    assert flows and set(flows[0]) == {"from_place", "to_place", "mode", "people"}
    assert sum(int(f["people"]) for f in flows) > 0


def test_cli_run_plots(cli_classroom_run):
    _, out = cli_classroom_run
    manifest = json.loads((out / "manifest.json").read_text())
    plots = manifest.get("plots")
    assert plots, "the run drew no plots"
    for name in plots:
        path = out / name
        assert path.exists(), name
        assert path.stat().st_size > 1000, name
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == PNG_MAGIC
    assert {p.name for p in out.glob("*.png")} <= set(plots)


def test_output_tables_readable_like_plots(cli_classroom_run):
    _, out = cli_classroom_run
    for name in ("daily.csv", "summary.csv", "flows.csv", "manifest.json"):
        assert (out / name).stat().st_mode & 0o044 == 0o044, name


def _check_targets() -> list[Path]:
    """Every scenario and shared network file (sweep files are checked by the sweep tests)."""
    return sorted([*SCENARIOS.glob("*.yaml"), *SCENARIOS.glob("network/*.yaml")])


@pytest.mark.parametrize("path", _check_targets(), ids=lambda p: p.name)
def test_check_every_scenario(path, capsys):
    assert main(["check", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"OK {path}")
    assert captured.err == ""


def test_scenario_list_not_empty():
    names = {p.name for p in _check_targets()}
    assert {"classroom.yaml", "belarus_2021.yaml"} <= names


def test_check_several_files_in_a_subprocess():
    proc = cli("check", *map(str, _check_targets()))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("OK ") == len(_check_targets())


def test_console_script_help():
    script = ROOT / ".venv" / "bin" / "corridor"
    assert script.exists(), "no `corridor` console script: install the package (make setup / pip install -e .)"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "run" in proc.stdout and "check" in proc.stdout


def test_help_in_process(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "run" in out and "check" in out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error in corridor:") and "required" in err and err.count("\n") == 1


def test_api_writes_nothing_without_out(tmp_path, monkeypatch):
    outputs = ROOT / "outputs"
    before = sorted(p.relative_to(outputs) for p in outputs.rglob("*")) if outputs.exists() else []
    monkeypatch.chdir(tmp_path)
    result = sim.run(tiny())
    sim.run(str(CLASSROOM), overrides={"end": "2021-08-20", "events": []})
    assert list(tmp_path.iterdir()) == []
    after = sorted(p.relative_to(outputs) for p in outputs.rglob("*")) if outputs.exists() else []
    assert after == before
    assert len(result.daily) > 0


def test_api_writes_with_out(tmp_path):
    result = sim.run(tiny(), out=tmp_path / "run", plots=False)
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert names == {"daily.csv", "summary.csv", "flows.csv", "manifest.json"}
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["scenario_hash"] == result.manifest["scenario_hash"]
    assert "plots" not in manifest


def test_cli_run_default_folder_seed_and_set(tmp_path, monkeypatch, capsys):
    path = tmp_path / "tiny.yaml"
    data = tiny()
    data["end"] = "2021-09-20"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.chdir(tmp_path)
    rc = main(["run", str(path), "--seed", "42", "--no-plots", "--quiet",
               "--set", "border_services.PL.policy.turn_back_share=1", "--set", "name=renamed"])
    assert rc == 0, capsys.readouterr().err
    runs = list((tmp_path / "outputs" / "renamed").iterdir())
    assert len(runs) == 1 and runs[0].name.endswith("-seed42")
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["seed"] == 42
    assert manifest["scenario"]["border_services"]["PL"]["policy"]["turn_back_share"] == 1.0
    assert not list(runs[0].glob("*.png"))


def test_rerun_into_the_same_folder_replaces_the_whole_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(CLASSROOM), "--out", str(out), "--quiet"]) == 0
    assert (out / "flow_map.png").exists()
    (out / "report.html").write_text("made from the first run")
    assert main(["run", str(CLASSROOM), "--out", str(out), "--quiet", "--no-plots", "--seed", "9"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["daily.csv", "flows.csv", "manifest.json", "summary.csv"]  # nothing left of the first run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == manifest["scenario"]["seed"] == 9
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging or old folders left


def test_out_folder_with_other_files_is_left_alone(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    assert main(["run", str(CLASSROOM), "--out", str(out), "--quiet", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert "not a Corridor run" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_check_reports_every_file_and_the_network_fragment(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    rc = main(["check", str(bad), str(CLASSROOM), str(SCENARIOS / "network" / "corridor.yaml")])
    captured = capsys.readouterr()
    assert rc == 2
    assert f"OK {CLASSROOM}" in captured.out
    assert "network file (" in captured.out
    assert "bad.yaml" in captured.err and "1 of 3 files have problems" in captured.err


def test_set_of_a_key_a_dated_event_sets_again_gets_a_note(capsys):
    key = "border_services.PL.policy.turn_back_share"
    assert main(["check", str(SCENARIOS / "belarus_2021.yaml"), "--set", f"{key}=0"]) == 0
    err = capsys.readouterr().err
    assert f"--set {key} holds until 2021-09-02" in err and f"events.6.set.{key}" in err
    assert main(["check", str(SCENARIOS / "belarus_2021.yaml"), "--set", f"{key}=0",
                 "--set", f"events.6.set.{key}=0"]) == 0
    assert "holds until" in capsys.readouterr().err  # the note stays (the start value is still overridden)
    assert main(["check", str(SCENARIOS / "belarus_2021.yaml"), "--set", "migrants.minsk_days=5"]) == 0
    assert capsys.readouterr().err == ""  # no event sets it: no note
