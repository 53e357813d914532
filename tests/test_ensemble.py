"""Seed ensembles: seeds, quantile bands, fan charts, extension in place, CLI errors."""

import json

import pandas as pd
from sweep_helpers import short_scenario

from sim.cli_analysis import main as cli
from sim.ensemble import run_ensemble
from sim.sweep.runner import spawn_seeds


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
    more = run_ensemble(scen, 4, root_seed=4, out=out, workers=1, progress=False, plots=False)
    assert more.execution.skipped == 3 and more.execution.ok == 4
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
