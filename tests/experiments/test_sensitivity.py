"""Sensitivity: Morris and Sobol indices for every parameter on a tiny sweep."""

import pandas as pd
import pytest
from sweep_helpers import sweep_file

from sim.cli.commands import main as cli
from sim.experiments.sensitivity import planned_runs, run_sensitivity
from sim.experiments.sweep_reader import load_sweep

PARAMS = {"demand.scale": {"range": [0.5, 1.5]}, "state_actors.belarus.facilitation": {"range": [0.2, 1.0]}}


@pytest.mark.parametrize(("method", "design", "runs", "cols"), [
    ("morris", {"method": "morris", "trajectories": 2}, 6, ["mu_star", "mu_star_conf", "sigma"]),
    ("sobol", {"method": "grid", "samples": 2}, 8, ["S1", "S1_conf", "ST", "ST_conf"]),
])
def test_indices_for_every_parameter(tmp_path, method, design, runs, cols):
    spec = load_sweep(sweep_file(tmp_path, parameters=PARAMS, design=design, replicates=1), method=method)
    assert planned_runs(spec, method) == runs
    planned = []
    res = run_sensitivity(spec, method, tmp_path / "out", workers=2, progress=False, on_plan=planned.append)
    assert res.sweep.execution.ok == runs
    assert len(planned) == 1 and len(planned[0].samples) * spec.replicates == runs
    idx = pd.read_csv(res.csv)
    assert len(idx) == len(PARAMS) * len(spec.outcomes)
    for o, g in idx.groupby("outcome"):
        assert set(g["parameter"]) == set(PARAMS)
        assert g[cols].notna().all().all() or o == "deaths"
    assert (tmp_path / "out" / "plots" / f"sensitivity_{method}_onward_de.png").exists()


def test_sensitivity_needs_ranges(tmp_path, capsys):
    path = sweep_file(tmp_path)  # grid with a values list
    assert cli(["sensitivity", str(path), "--method", "morris", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "needs a numeric 'range" in err and "Traceback" not in err


def test_sobol_sample_count_must_be_a_power_of_two(tmp_path, capsys):
    import warnings

    from sim.errors import SweepFileError
    from sim.experiments.design import build_design

    path = sweep_file(tmp_path, parameters=PARAMS, design={"method": "grid", "samples": 12}, replicates=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SALib's raw UserWarning must not reach the user
        assert cli(["sensitivity", str(path), "--method", "sobol", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "'design.samples': a Sobol design needs a power of two (got 12)" in err and "use 8 or 16" in err
    assert "Traceback" not in err and "UserWarning" not in err and len(err.strip().splitlines()) == 1
    spec = load_sweep(sweep_file(tmp_path, parameters=PARAMS, design={"method": "sobol", "samples": 8}))
    spec.design.samples = 6
    with pytest.raises(SweepFileError, match="use 4 or 8"):
        build_design(spec)


def test_bad_worker_count_is_the_only_message(tmp_path, capsys):
    path = sweep_file(tmp_path, parameters=PARAMS, design={"method": "morris", "trajectories": 2}, replicates=1)
    assert cli(["sensitivity", str(path), "--method", "morris", "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--workers must be 1 or more (got 0)" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
