"""The parameters file: priors and ABC-SMC options (ranges and groups are tested in test_calibration.py)."""

from __future__ import annotations

import pytest
import yaml
from helpers import CLASSROOM, SCENARIOS

from sim.analysis.params_file import fit_base, load_params
from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario

FOUR_YEARS = SCENARIOS / "belarus_2022_2025.yaml"
FOUR_YEARS_PARAMS = SCENARIOS / "calibration" / "belarus_2022_2025_params.yaml"


def write(tmp_path, data) -> str:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_priors_and_abc_options(tmp_path):
    spec = load_params(write(tmp_path, {
        "parameters": {"demand.scale": {"range": [0.1, 10], "prior": "loguniform"},
                       "migrants.minsk_days": [2, 8]},
        "abc": {"population": 40, "generations": 3}}), load_scenario(CLASSROOM))
    assert spec.prior("demand.scale") == "loguniform" and spec.prior("migrants.minsk_days") == "uniform"
    assert spec.key_paths("demand.scale") == ["demand.scale"]  # written out without keys: sets itself
    assert spec.abc["population"] == 40 and spec.abc["generations"] == 3 and spec.abc["quantile"] == 0.5
    assert spec.without("PL").priors == {"demand.scale": "loguniform"}


@pytest.mark.parametrize(("data", "needle"), [
    ({"parameters": {"demand.scale": {"range": [0.1, 2], "prior": "normal"}}}, "unknown prior 'normal'"),
    ({"parameters": {"demand.scale": {"range": [0, 2], "prior": "loguniform"}}}, "needs a range above 0"),
    ({"parameters": {"demand.scale": [0.1, 2]}, "abc": {"population": 2}}, "abc.population"),
    ({"parameters": {"demand.scale": [0.1, 2]}, "abc": {"populaton": 20}}, "did you mean 'population'"),
    ({"parameters": {"demand.scale": [0.1, 2]}, "abc": {"quantile": 1.5}}, "abc.quantile"),
])
def test_bad_priors_and_options_are_named(tmp_path, data, needle):
    with pytest.raises(ScenarioError) as err:
        load_params(write(tmp_path, data))
    assert needle in str(err.value)


def test_a_scenario_that_ships_a_posterior_can_be_calibrated_again():
    """The parameters are checked (and later fitted) on the scenario's data without its posterior: a calibration
    never draws from the posterior it replaces (whose path is relative to a file the data no longer knows)."""
    scenario = load_scenario(FOUR_YEARS)
    assert scenario.posterior is not None
    assert fit_base(scenario)["posterior"] is None and fit_base(scenario)["observed"] is None
    spec = load_params(FOUR_YEARS_PARAMS, scenario)  # raised "the posterior file does not exist" before
    assert "events.20.set.demand.scale" in spec.names
