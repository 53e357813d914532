"""Calibration: a twin experiment recovers a known value; bad parameter files; the calibrated file."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sweep_helpers import CLASSROOM

from sim.analysis.calibration import calibrate
from sim.analysis.params_file import load_params
from sim.analysis.validation import run_values
from sim.cli.commands import main as cli
from sim.errors import ScenarioError
from sim.outcomes.observed import build_targets
from sim.scenario.loader import load_scenario
from sim.scenario.observed_file import load_observed
from sim.seeds import calibration_seeds, spawn_seeds

TRUTH = {"border_services.PL.detection_per_guard_km": 1.4, "border_services.LT.detection_per_guard_km": 0.9}
BOUNDS = {"border_services.PL.detection_per_guard_km": [0.3, 3.0],
          "border_services.LT.detection_per_guard_km": [0.2, 2.0]}
DATA_SEEDS = spawn_seeds(999, 4)  # the "observed" figures come from draws the calibration never sees


def _twin(tmp_path, loco_options=None):
    """A short classroom scenario and 'observed' figures made by the model itself at TRUTH.

    The figures are the mean over four seeds of their own, so they carry the model's noise
    without being any one run the calibration could reproduce exactly.
    """
    scenario = tmp_path / "twin.yaml"
    scenario.write_text(yaml.safe_dump({"extends": str(CLASSROOM), "name": "twin", "end": "2021-10-15",
                                        "events": [], "observed": "twin_observed.csv"}))
    template = pd.DataFrame(
        [["PL", "attempts", f"2021-{m:02d}-01", f"2021-{m:02d}-{d}", 1.0, "period_total"]
         for m, d in [(8, 31), (9, 30)]] +
        [["LT", "turned_back", "2021-08-01", "2021-09-15", 1.0, "period_total"],
         ["LT", "turned_back", "2021-08-01", "2021-10-15", 1.0, "cumulative"]],
        columns=["country", "metric", "period_start", "period_end", "value", "aggregation"])
    template.to_csv(tmp_path / "twin_observed.csv", index=False)  # a placeholder: the scenario names the file
    truth = load_scenario(scenario, TRUTH)
    targets = build_targets(truth, load_observed(template))
    template["value"] = np.mean([run_values(truth, s, targets)[0] for s in DATA_SEEDS], axis=0).round()
    template.to_csv(tmp_path / "twin_observed.csv", index=False)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"parameters": BOUNDS,
                                      "options": loco_options or {"seeds": 2, "maxiter": 6, "popsize": 6}}))
    return scenario, params


def test_twin_experiment_recovers_known_values(tmp_path):
    scenario, params = _twin(tmp_path)
    result = calibrate(scenario, params, workers=1, loco=False)
    assert not set(result.seeds) & set(DATA_SEEDS)
    for key, value in TRUTH.items():
        assert result.best[key] == pytest.approx(value, rel=0.2), key
    assert result.ard < 0.08 and result.ard <= result.ard_start
    paths = result.write(tmp_path / "out")
    calibrated = load_scenario(paths[0])  # extends the base file, sets the fitted values
    assert calibrated.border_services["PL"].detection_per_guard_km == pytest.approx(
        result.best["border_services.PL.detection_per_guard_km"])
    assert "calibrated" in paths[0].read_text().lower()


def test_leave_one_country_out_never_fits_the_held_out_country(tmp_path):
    scenario, params = _twin(tmp_path, {"seeds": 1, "maxiter": 2, "popsize": 3})
    result = calibrate(scenario, params, workers=1, loco=True)
    rows = {r["held_out"]: r for r in result.loco}
    assert set(rows) == {"PL", "LT"}
    # the held-out country's own parameter is pinned at mid-range, not fitted; the other one is fitted
    assert rows["PL"]["pinned"] == {"border_services.PL.detection_per_guard_km": 1.65}
    assert list(rows["PL"]["values"]) == ["border_services.PL.detection_per_guard_km",
                                          "border_services.LT.detection_per_guard_km"]
    assert rows["LT"]["pinned"] == {"border_services.LT.detection_per_guard_km": 1.1}
    # and the fit used those pinned values, while the other country's parameter was free
    assert rows["PL"]["values"]["border_services.PL.detection_per_guard_km"] == 1.65
    assert rows["LT"]["values"]["border_services.LT.detection_per_guard_km"] == 1.1
    assert rows["PL"]["values"]["border_services.LT.detection_per_guard_km"] != 1.1
    for row in rows.values():
        assert row["fitted_on"] == sorted({"PL", "LT"} - {row["held_out"]})
        # scored only on the held-out country's rows: its series, not the training country's
        assert row["ard_held_out_with_loco_fit"] != row["ard_train"]


def test_calibration_seeds_are_not_validation_seeds():
    assert not set(calibration_seeds(2021, 10)) & set(spawn_seeds(2021, 100))
    assert calibration_seeds(2021, 3) == calibration_seeds(2021, 5)[:3]


def test_parameters_inside_dated_events(tmp_path):
    """A parameter may be a value a dated event sets; the calibrated file repeats every event."""
    from sim.analysis.calibration import CalibrationResult
    from sim.analysis.params_file import ParamSpec

    key = "events.1.set.border_services.PL.policy.turn_back_share"
    sc = load_scenario(CLASSROOM)
    assert sc.events[1].set == {"border_services.PL.policy.turn_back_share": 0.8}
    spec = load_params(_write(tmp_path, {"parameters": {key: [0.1, 0.9]}}), sc)
    result = CalibrationResult(str(CLASSROOM), "p.yaml", spec, [1], {key: 0.42}, 0.1, 0.2, {key: 0.8}, 1, 1.0, {})
    path = result.write(tmp_path / "cal")[0]
    again = load_scenario(path)
    assert len(again.events) == len(sc.events)
    assert again.events[1].set == {"border_services.PL.policy.turn_back_share": 0.42}
    assert [e.date for e in again.events] == [e.date for e in sc.events]
    assert ParamSpec([key], [(0.1, 0.9)]).values([0.5]) == {key: 0.5}


def _write(tmp_path, data) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


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
    p.write_text("parameters: {migrants.attempt_interval_days: [1, 3]}\nplausibility: {deaths: [1, 2]}\n")
    with pytest.raises(ScenarioError, match="checked against public figures, not fitted"):
        load_params(p, sc)
    assert cli(["calibrate", str(CLASSROOM), "--params", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_values_inside_lists_are_written_as_whole_lists(tmp_path):
    """A key path into a list (a month of a seasonal curve) writes the whole list with that item changed: an
    extending file's list replaces its parent's, and a mapping in its place would not validate."""
    from sim.analysis.calibrated_file import calibrated_yaml

    sc = load_scenario(CLASSROOM)
    curve = list(sc.migrants.crossing_seasonality)
    values = {"migrants.crossing_seasonality.1": 2.5, "migrants.crossing_seasonality.2": 2.5,
              "events.1.set.border_services.PL.policy.turn_back_share": 0.42, "demand.scale": 1.7}
    target = tmp_path / "calibrated.yaml"
    target.write_text(calibrated_yaml(str(CLASSROOM), "p.yaml", values, ["test"], target))
    again = load_scenario(target)
    assert list(again.migrants.crossing_seasonality) == [curve[0], 2.5, 2.5, *curve[3:]]
    assert again.events[1].set == {"border_services.PL.policy.turn_back_share": 0.42}
    assert again.demand.scale == 1.7 and len(again.events) == len(sc.events)
