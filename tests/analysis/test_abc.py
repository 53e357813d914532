"""ABC-SMC calibration: the twin experiment, reproducibility, resuming, and the files it writes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import twin_files

from sim.analysis.abc import calibrate_abc
from sim.cli import main as cli_main
from sim.errors import PlanMismatch
from sim.scenario.loader import load_scenario
from sim.scenario.posterior_file import read_posterior

pytest.importorskip("pyabc")

TRUTH = {"border_services.PL.detection_per_guard_km": 1.2, "state_actors.belarus.steer.LT": 0.4}
RANGES = {"border_services.PL.detection_per_guard_km": [0.2, 3.0], "state_actors.belarus.steer.LT": [0.05, 2.0]}
SMALL = {"population": 20, "generations": 3}


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("twin")
    scenario, params = twin_files(folder, TRUTH, RANGES, SMALL)
    result = calibrate_abc(scenario, params, out=folder / "abc", workers=1, root_seed=5)
    return scenario, params, result


def test_the_twin_experiment_recovers_the_known_values(twin):
    _, _, result = twin
    table = result.table.set_index("parameter")
    for key, value in TRUTH.items():
        assert table.loc[key, "q05"] <= value <= table.loc[key, "q95"], key
    assert table.loc["state_actors.belarus.steer.LT", "share_of_range"] < 0.6  # the data narrow Belarus's steering
    assert result.facts["generations"] == 3 and result.facts["simulations"] >= 60


def test_it_writes_a_posterior_the_runs_can_use(twin):
    scenario, _, result = twin
    out = result.out
    for name in ("abc.db", "plan.json", "posterior.csv", "posterior_summary.md", "posterior_summary.json",
                 "plots/posterior_marginals.png", "plots/posterior_pairs.png", "twin_calibrated.yaml"):
        assert (out / name).exists(), name
    post = read_posterior(out / "posterior.csv")
    assert post.generation == 2 and len(post) == SMALL["population"] and set(post.keys) == set(TRUTH)
    assert np.isclose(post.weights.sum(), 1.0)
    calibrated = load_scenario(out / "twin_calibrated.yaml")
    assert calibrated.posterior_file == out / "posterior.csv"
    medians = result.table.set_index("parameter")["median"]
    assert calibrated.border_services["PL"].detection_per_guard_km == pytest.approx(
        medians["border_services.PL.detection_per_guard_km"], abs=1e-6)
    summary = json.loads((out / "posterior_summary.json").read_text())
    assert summary["effective sample size of the posterior"] <= SMALL["population"]
    assert [g["generation"] for g in summary["per_generation"]] == [0, 1, 2]
    md = (out / "posterior_summary.md").read_text()
    assert "| Parameter | Prior | Range | Median | 5-95 % |" in md and "Most correlated pairs" in md


def test_resuming_and_workers_change_nothing(twin, tmp_path):
    scenario, params, result = twin
    part = tmp_path / "part"
    calibrate_abc(scenario, params, out=part, workers=2, root_seed=5, generations=2)  # as if killed after 2
    assert read_posterior(part / "posterior.csv").generation == 1
    calibrate_abc(scenario, params, out=part, workers=2, root_seed=5)  # the same command resumes
    assert (part / "posterior.csv").read_bytes() == (result.out / "posterior.csv").read_bytes()
    assert len(json.loads((part / "abc_log.json").read_text())) == 2


def test_another_plan_in_the_same_folder_is_refused(twin, capsys):
    scenario, params, result = twin
    with pytest.raises(PlanMismatch, match="differs in: population"):
        calibrate_abc(scenario, params, out=result.out, workers=1, root_seed=5, population=30)
    code = cli_main(["calibrate", str(scenario), "--params", str(params), "--method", "abc", "--root-seed", "6",
                     "--out", str(result.out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "another plan" in err and "root_seed" in err and "Traceback" not in err


def test_leave_one_country_out_predicts_each_country_from_the_others(twin):
    from sim.analysis.abc_loco import add_loco

    _, _, result = twin
    rows = add_loco(result)
    assert [r["held_out"] for r in rows] == ["LT", "PL"]
    for r in rows:
        assert r["fitted_on"] == sorted({"LT", "PL"} - {r["held_out"]}) and r["rows"] == 2
        assert 0 <= r["coverage_50"] <= r["coverage_90"] <= 1 and r["ard_of_median_prediction"] >= 0
        assert (result.out / f"loco_{r['held_out']}" / "abc.db").exists()
        # the error is learnt from the fitted country's rows only: two rows are too few to teach it
        assert r["observation_error"] is None and r["coverage_90_with_error"] is None
    assert json.loads((result.out / "loco.json").read_text()) == json.loads(json.dumps(rows))
    assert "## Leave one country out" in (result.out / "posterior_summary.md").read_text()


def test_leave_one_country_out_scores_published_bands_with_an_error_from_the_fitted_rows(twin, monkeypatch):
    from sim.analysis import observation_error
    from sim.analysis.abc_loco import add_loco

    _, _, result = twin
    monkeypatch.setattr(observation_error, "MIN_ROWS", 2)  # the twin has two rows per country
    rows = add_loco(result)  # the held-out fits resume from their databases; only the predictive runs again
    for r in rows:
        assert r["observation_error"]["rows"] == 2  # the fitted country's rows, never the held-out ones
        assert 0 <= r["coverage_50_with_error"] <= r["coverage_90_with_error"] <= 1
    md = (result.out / "posterior_summary.md").read_text()
    assert "Inside 90 %, with error" in md and md.count("## Leave one country out") == 1  # replaced, not appended
