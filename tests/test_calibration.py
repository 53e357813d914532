"""Calibration: a twin experiment recovers a known value; bad parameter files; the calibrated file."""

import pandas as pd
import pytest
import yaml
from sweep_helpers import CLASSROOM

from sim.calibration import calibrate, load_params
from sim.cli import main as cli
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.validation import build_targets, load_observed, run_values, seeds_for

KEY = "border_services.PL.detection_per_guard_km"
TRUE = 1.4


def _twin(tmp_path):
    """A short classroom scenario and 'observed' data made by the model itself at KEY = TRUE."""
    scenario = tmp_path / "twin.yaml"
    scenario.write_text(yaml.safe_dump({"extends": str(CLASSROOM), "name": "twin", "end": "2021-10-15",
                                        "events": [], "observed": "twin_observed.csv"}))
    template = pd.DataFrame(
        [["PL", "attempts", f"2021-{m:02d}-01", f"2021-{m:02d}-{d}", 1.0, "period_total"]
         for m, d in [(8, 31), (9, 30)]] +
        [["LT", "turned_back", "2021-08-01", "2021-10-15", 1.0, "period_total"]],
        columns=["country", "metric", "period_start", "period_end", "value", "aggregation"])
    truth = load_scenario(scenario, {KEY: TRUE})
    targets = build_targets(truth, load_observed(template))
    seed = seeds_for(truth.seed, 1)[0]
    template["value"] = run_values(truth, seed, targets)[0]
    template.to_csv(tmp_path / "twin_observed.csv", index=False)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"parameters": {KEY: [0.3, 3.0]},
                                      "options": {"seeds": 1, "maxiter": 4, "popsize": 6}}))
    return scenario, params


def test_twin_experiment_recovers_known_value(tmp_path):
    scenario, params = _twin(tmp_path)
    result = calibrate(scenario, params, workers=1, loco=False)
    assert result.best[KEY] == pytest.approx(TRUE, rel=0.25)
    assert result.ard < 0.1 and result.ard <= result.ard_start
    paths = result.write(tmp_path / "out")
    calibrated = load_scenario(paths[0])  # extends the base file, sets the fitted value
    assert calibrated.border_services["PL"].detection_per_guard_km == pytest.approx(result.best[KEY])
    assert "calibrated" in paths[0].read_text().lower()


def test_bad_params_files(tmp_path, capsys):
    sc = load_scenario(CLASSROOM)
    p = tmp_path / "p.yaml"
    p.write_text("parameters: {migrants.no_such_key: [1, 2]}\n")
    with pytest.raises(ScenarioError, match="does not fit the scenario"):
        load_params(p, sc)
    p.write_text("parameters: {migrants.attempt_interval_days: [3, 1]}\n")
    with pytest.raises(ScenarioError, match="must be below"):
        load_params(p, sc)
    p.write_text("parameters: {border_services.PL.policy.turn_back_share: [0.5, 2.0]}\n")
    with pytest.raises(ScenarioError):
        load_params(p, sc)  # 2.0 is not a probability
    p.write_text("parameters: {migrants.attempt_interval_days: [1, 3]}\nplausibility: {happiness: [1, 2]}\n")
    with pytest.raises(ScenarioError, match="unknown outcome"):
        load_params(p, sc)
    assert cli(["calibrate", str(CLASSROOM), "--params", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
