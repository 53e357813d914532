"""Sweep files and compare inputs that cannot be used stop with exit 2 before anything runs or is written."""

import os
import shutil
from pathlib import Path

import pytest
import yaml
from sweep_helpers import CLASSROOM, short_scenario, sweep_file

from sim.cli.commands import main


def _fails(capsys, args, *expected):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("Error") and err.count("\n") == 1, err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"


@pytest.mark.parametrize(("change", "why"), [
    ({"parameters": {"demand.scale": {"range": [0.5, 1.0], "num": 10**12}}}, "less than or equal to 1000000"),
    ({"parameters": {"demand.scale": {"range": [0.5, 1.0], "num": 1000}},
      "replicates": 2000}, "more than the 1,000,000 a sweep may plan"),
    ({"seed": -1}, "'seed'"),
    ({"design": {"method": "lhs", "samples": 4, "seed": -3}}, "design.seed"),
    ({"sweep_name": "../../../somewhere"}, "it names the output folder"),
    ({"parameters": {"demand.scale": {"range": [0.5, float("inf")], "num": 2}}}, "finite"),
    ({"base": "/etc/passwd"}, "must name a scenario file ending in .yaml"),
    ({"parameters": {"demand.scale": {"values": [True, 2]}}}, "cannot be applied"),
])
def test_bad_sweep_files(tmp_path, capsys, monkeypatch, change, why):
    monkeypatch.chdir(tmp_path)
    change = dict(change)
    name = change.pop("sweep_name", None)
    path = sweep_file(tmp_path, **change)
    if name is not None:
        path.write_text(path.read_text().replace("name: tiny", f"name: {name}"))
    _fails(capsys, ["sweep", str(path), "--no-progress", "--no-plots"], why)
    assert not (tmp_path / "outputs").exists()


def test_a_sweep_named_after_a_file_that_cannot_name_a_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = yaml.safe_load(sweep_file(tmp_path).read_text())
    data.pop("name")
    (tmp_path / "...yaml").write_text(yaml.safe_dump(data))
    _fails(capsys, ["sweep", "...yaml", "--no-progress", "--no-plots"], "cannot name an output folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...yaml", "sweep.yaml"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    scen = short_scenario(root)
    for args in (["run", str(scen), "--out", str(root / "ra"), "--no-plots", "--quiet"],
                 ["run", str(scen), "--seed", "5", "--out", str(root / "rb"), "--no-plots", "--quiet"],
                 ["ensemble", str(scen), "--seeds", "2", "--out", str(root / "ea"), "--no-plots", "--no-progress"]):
        assert main(args) == 0
    return root, scen


def _variant(root: Path, src: str, change) -> str:
    target = root / f"{src}_{change.__name__}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root / src, target)
    change(target)
    return str(target)


def bad_json(p):
    (p / "manifest.json").write_text("{not json")


def a_list(p):
    (p / "manifest.json").write_text("[]")


def wrong_columns(p):
    (p / "daily.csv").write_text("a,b,c\n1,2,3\n")


def empty(p):
    (p / "daily.csv").write_text("")


def binary(p):
    (p / "daily.csv").write_bytes(os.urandom(4000))


def cut_mid_row(p):
    data = (p / "daily.csv").read_bytes()
    (p / "daily.csv").write_bytes(data[: len(data) // 2])


def not_a_number(p):
    lines = (p / "daily.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",x"
    (p / "daily.csv").write_text("\n".join(lines) + "\n")


def corrupt_run(p):
    (p / "runs" / "run_000000.npz").write_bytes(b"garbage")


def emptied_runs(p):
    for f in (p / "runs").iterdir():
        f.unlink()


@pytest.mark.parametrize("change", [bad_json, a_list, wrong_columns, empty, binary, cut_mid_row, not_a_number])
def test_compare_refuses_a_broken_run_folder(folders, capsys, change):
    root, _ = folders
    _fails(capsys, ["compare", _variant(root, "ra", change), str(root / "rb"), "--out", str(root / "c")])


@pytest.mark.parametrize("change", [corrupt_run, emptied_runs, bad_json])
def test_compare_refuses_an_ensemble_folder_it_cannot_use_whole(folders, capsys, change):
    root, scen = folders
    _fails(capsys, ["compare", _variant(root, "ea", change), str(root / "ea"), "--out", str(root / "c")],
           "ensemble folder")


@pytest.mark.parametrize("seeds", ["-1", "0"])
def test_compare_needs_at_least_one_seed(folders, capsys, seeds):
    root, scen = folders
    _fails(capsys, ["compare", str(scen), str(CLASSROOM), "--seeds", seeds, "--out", str(root / "c")], "--seeds")


def test_a_negative_root_seed_is_a_usage_error(folders, capsys):
    root, scen = folders
    _fails(capsys, ["ensemble", str(scen), "--seeds", "2", "--root-seed", "-1", "--out", str(root / "x")],
           "--root-seed", "not a seed")
