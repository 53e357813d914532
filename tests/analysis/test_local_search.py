"""The local search (``calibrate --method local``): Nelder–Mead from the scenario's own values."""

import json

import numpy as np
import pytest
import yaml
from test_calibration import TRUTH, _twin

from sim.analysis.calibration import calibrate
from sim.analysis.local_search import _Coordinates
from sim.analysis.params_file import ParamSpec
from sim.cli.commands import main as cli
from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario


def test_coordinates_are_logs_of_positive_ranges_and_the_first_simplex_steps_inwards():
    spec = ParamSpec(["a", "b"], [(0.5, 2.0), (0.0, 1.0)])
    coords = _Coordinates(spec)
    z = coords.to_z(np.array([1.0, 0.25]))
    assert z.tolist() == [0.0, 0.25]  # log for a positive range, the value itself for one that may be 0
    assert coords.to_x(np.array([10.0, -3.0])).tolist() == [2.0, 0.0]  # clipped to the ranges
    simplex = coords.first_simplex(coords.to_z(np.array([1.9, 0.95])))
    assert simplex.shape == (3, 2)
    assert simplex[1, 0] == pytest.approx(np.log(1.9) - 0.4)  # log(1.9) + 0.4 would leave the range: step down
    assert simplex[2, 1] == pytest.approx(0.95 - 0.1)
    narrow = _Coordinates(ParamSpec(["c"], [(0.8, 1.0)]))  # narrower than one step: capped at the room there is
    start = narrow.to_z(np.array([0.8]))
    assert narrow.to_x(narrow.first_simplex(start)[1]).tolist() == pytest.approx([1.0])
    assert narrow.bounds() == [pytest.approx((np.log(0.8), 0.0))]


def test_local_search_walks_from_the_scenario_values_towards_the_known_ones(tmp_path):
    scenario, params = _twin(tmp_path)
    start = {k: v for k, v in yaml.safe_load(params.read_text())["parameters"].items()}
    data = yaml.safe_load(scenario.read_text())
    data["border_services"] = {"PL": {"detection_per_guard_km": 2.4}, "LT": {"detection_per_guard_km": 1.6}}
    scenario.write_text(yaml.safe_dump(data))  # start well away from the values that made the figures
    result = calibrate(scenario, params, workers=1, method="local", evaluations=30)
    assert result.method == "local" and result.evaluations <= 30 and set(start) == set(result.best)
    assert result.start["border_services.PL.detection_per_guard_km"] == 2.4
    assert result.ard < result.ard_start * 0.6
    for key, value in TRUTH.items():
        assert abs(result.best[key] - value) < abs(result.start[key] - value), key
    assert not result.loco  # the leave-one-country-out refit belongs to differential evolution
    yml, js = result.write(tmp_path / "out")
    assert "Nelder-Mead" in yml.read_text() and json.loads(js.read_text())["method"] == "local"
    assert load_scenario(yml).border_services["PL"].detection_per_guard_km == pytest.approx(
        result.best["border_services.PL.detection_per_guard_km"])


def test_cli_local_method_and_its_evaluations_option(tmp_path, capsys):
    scenario, params = _twin(tmp_path)
    out = tmp_path / "fit"
    code = cli(["calibrate", str(scenario), "--params", str(params), "--method", "local", "--evaluations", "4",
                "--workers", "1", "--out", str(out)])
    assert code == 0
    fit = json.loads((out / "calibration.json").read_text())
    assert fit["method"] == "local" and fit["evaluations"] <= 4 and fit["ard"] <= fit["ard_start"]
    assert cli(["calibrate", str(scenario), "--params", str(params), "--method", "local", "--evaluations", "0",
                "--out", str(tmp_path / "bad")]) == 2
    assert "evaluations must be at least 1" in capsys.readouterr().err


def test_options_of_the_other_methods_are_refused_with_local(tmp_path, capsys):
    scenario, params = _twin(tmp_path)
    for extra in (["--method", "local", "--loco"], ["--method", "local", "--maxiter", "3"],
                  ["--evaluations", "5"]):
        assert cli(["calibrate", str(scenario), "--params", str(params), *extra, "--out", str(tmp_path / "x")]) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(ScenarioError, match="unknown calibration method"):
        calibrate(scenario, params, method="abc")
