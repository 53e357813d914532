"""Seed ensembles: seeds, quantile bands, fan charts, extension in place, CLI errors."""

import json

import pandas as pd
import pytest
import yaml
from sweep_helpers import short_scenario

import sim
from sim.cli.commands import main as cli
from sim.experiments.ensemble import run_ensemble
from sim.seeds import spawn_seeds


def test_ensemble_bands_charts_and_extension(tmp_path):
    scen = short_scenario(tmp_path)
    out = tmp_path / "ens"
    res = run_ensemble(scen, 3, root_seed=4, out=out, workers=2, progress=False)
    assert res.seeds == spawn_seeds(4, 3) and res.execution.ok == 3
    bands = pd.read_csv(out / "bands.csv", keep_default_na=False)
    assert list(bands.columns) == ["date", "metric", "country", "n", "mean", "q05", "q25", "q50", "q75", "q95"]
    pl = bands[(bands["metric"] == "attempts") & (bands["country"] == "PL")]
    assert len(pl) == 46 and (pl["n"] == 3).all()
    assert (pl["q05"] <= pl["q25"]).all() and (pl["q25"] <= pl["q50"]).all() and (pl["q75"] <= pl["q95"]).all()
    assert set(bands["country"]) >= {"PL", "LT", "LV", "BY"}
    for m in ("attempts", "at_border"):
        assert (out / "plots" / f"fan_{m}.png").stat().st_size > 10_000
    summ = pd.read_csv(out / "runs_summary.csv", keep_default_na=False)
    assert set(summ["run"]) == {0, 1, 2} and (summ["place"] == "").all()
    # serial gives the same bands; a bigger ensemble in the same folder re-uses the first runs
    serial = run_ensemble(scen, 3, root_seed=4, out=tmp_path / "serial", workers=1, progress=False, plots=False)
    assert (tmp_path / "serial" / "bands.csv").read_bytes() == (out / "bands.csv").read_bytes()
    assert serial.execution.ok == 3
    strays = [out / "plots" / ".fan_attempts.tmp.png", out / "plots" / ".fan_crossed.png.x1y2.tmp",
              out / ".bands.csv.abc.tmp", out / "runs" / ".run_000003.npz.q.tmp"]  # what a kill leaves
    for p in strays:
        p.write_bytes(b"partial")
    more = run_ensemble(scen, 4, root_seed=4, out=out, workers=1, progress=False, plots=False)
    assert more.execution.skipped == 3 and more.execution.ok == 4
    assert not any(p.exists() for p in strays)
    assert not [p for p in out.rglob(".*") if p.name != ".lock"]
    assert json.loads((out / "manifest.json").read_text())["seed_list"] == spawn_seeds(4, 4)


def test_ensemble_cli_and_bad_override(tmp_path, capsys):
    scen = short_scenario(tmp_path)
    out = tmp_path / "cli"
    assert cli(["ensemble", str(scen), "--seeds", "2", "--out", str(out), "--no-progress", "--no-plots",
                "--set", "border_services.PL.policy.turn_back_share=0.9"]) == 0
    assert "2 ok, 0 failed" in capsys.readouterr().out
    assert cli(["ensemble", str(scen), "--seeds", "2", "--out", str(tmp_path / "x"),
                "--set", "border_services.PL.policy.no_such=1"]) == 2
    err = capsys.readouterr().err
    assert "no_such" in err and "Traceback" not in err


def test_changed_parent_file_refuses_resume(tmp_path, capsys):
    """A resume into the same folder after an `extends:` parent changed must not mix scenario versions."""
    from sweep_helpers import CLASSROOM, SHORT

    parent = tmp_path / "parent.yaml"
    parent.write_text(yaml.safe_dump({"extends": str(CLASSROOM), "border_services": {"PL": {"policy": {
        "turn_back_share": 0.3}}}}))
    child = tmp_path / "child.yaml"
    child.write_text(yaml.safe_dump({"extends": "parent.yaml", "name": "child", **SHORT}))
    out = tmp_path / "ens"
    args = ["ensemble", str(child), "--out", str(out), "--no-progress", "--no-plots"]
    assert cli([*args, "--seeds", "1"]) == 0
    capsys.readouterr()
    before = sorted(p.name for p in (out / "runs").iterdir())
    parent.write_text(parent.read_text().replace("0.3", "0.9"))  # the top-level file is unchanged
    assert cli([*args, "--seeds", "2"]) == 2
    err = capsys.readouterr().err
    assert "different plan" in err and "extends" in err and str(out) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in (out / "runs").iterdir()) == before  # nothing run, nothing mixed
    # restoring the parent makes the folder resumable again
    parent.write_text(parent.read_text().replace("0.9", "0.3"))
    assert cli([*args, "--seeds", "2"]) == 0
    assert "1 already done" in capsys.readouterr().out


def test_scenario_fingerprint_ignores_what_no_run_uses(tmp_path):
    from sweep_helpers import CLASSROOM

    from sim.experiments.store import scenario_fingerprint

    a = short_scenario(tmp_path, "a")
    (tmp_path / "elsewhere.csv").write_text("country,metric,period_start,period_end,value,aggregation\n"
                                            "PL,attempts,2021-08-01,2021-08-31,10,period_total\n")
    b = short_scenario(tmp_path, "b", description="other words", observed="elsewhere.csv", seed=99)
    b.write_text(b.read_text().replace("name: b", "name: a"))
    assert scenario_fingerprint(a) == scenario_fingerprint(b)
    assert scenario_fingerprint(a) != scenario_fingerprint(a, {"demand.scale": 2})
    assert scenario_fingerprint(a) != scenario_fingerprint(CLASSROOM)


def test_unknown_fan_metric_exits_2_with_the_list(tmp_path, capsys):
    scen = short_scenario(tmp_path)
    assert cli(["ensemble", str(scen), "--seeds", "1", "--out", str(tmp_path / "o"), "--metric", "atempts"]) == 2
    err = capsys.readouterr().err
    assert "--metric 'atempts'" in err and "did you mean 'attempts'" in err and "turned_back, detained" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_zero_workers_exits_2(tmp_path, capsys):
    scen = short_scenario(tmp_path)
    for n in ("0", "-2"):
        assert cli(["ensemble", str(scen), "--seeds", "1", "--workers", n, "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert f"--workers must be 1 or more (got {n})" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_scenario_fingerprint_is_the_scenario_hash_without_run_free_keys(tmp_path):
    from sim.experiments.store import NOT_RUN_INPUTS, scenario_fingerprint
    from sim.runs.provenance import scenario_hash

    path = short_scenario(tmp_path, "a")
    scen = sim.load_scenario(str(path))
    assert scenario_fingerprint(scen) == scenario_fingerprint(path)  # a loaded scenario is not loaded again
    assert scenario_fingerprint(scen, {"demand.scale": 2}) == scenario_fingerprint(path, {"demand.scale": 2})
    assert scenario_fingerprint(scen) == scenario_hash(scen, exclude=NOT_RUN_INPUTS)[:16]
    assert {"observed", "description", "seed", "posterior", "calibrated_until"} <= set(NOT_RUN_INPUTS)
    reseeded = sim.load_scenario(str(path), overrides={"seed": 42, "description": "other words"})
    assert scenario_fingerprint(reseeded) == scenario_fingerprint(scen)
    # the default scenario_hash leaves out only the seed
    assert scenario_hash(sim.load_scenario(str(path), overrides={"seed": 42})) == scenario_hash(scen)
    assert scenario_hash(reseeded) != scenario_hash(scen)
    assert scenario_hash(reseeded, exclude=()) != scenario_hash(sim.load_scenario(str(path), overrides={"seed": 42}),
                                                                  exclude=())


def test_library_refuses_bad_workers_and_fan_metrics_before_writing(tmp_path):
    from sim.errors import EngineUnavailable, SweepFileError

    scen = short_scenario(tmp_path)
    for workers in (0, -1, 1.5, True):
        with pytest.raises(EngineUnavailable, match=r"--workers must be 1 or more \(got "):
            run_ensemble(scen, 1, out=tmp_path / "o", workers=workers, progress=False)
    with pytest.raises(SweepFileError, match="--metric 'atempts'.*did you mean 'attempts'"):
        run_ensemble(scen, 1, out=tmp_path / "o", fan_metrics=("atempts",), progress=False)
    assert not (tmp_path / "o").exists()
