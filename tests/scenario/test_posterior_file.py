"""The posterior file: strict reading, the last generation, weighted medians and reproducible draws."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import CLASSROOM

from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.posterior_file import read_posterior
from sim.seeds import posterior_draws

HEADER = "generation,particle,weight,distance,demand.scale,migrants.max_attempts\n"


def write(tmp_path, body: str, name: str = "posterior.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def test_the_last_generation_is_the_posterior(tmp_path):
    path = write(tmp_path, "0,0,1,0.9,5.0,3\n0,1,1,0.8,6.0,4\n1,0,3,0.2,1.0,10\n1,1,1,0.3,2.0,12\n")
    post = read_posterior(path)
    assert post.generation == 1 and len(post) == 2
    assert post.keys == ("demand.scale", "migrants.max_attempts")
    assert np.allclose(post.weights, [0.75, 0.25])
    assert post.overrides(1) == {"demand.scale": 2, "migrants.max_attempts": 12}  # whole numbers stay whole
    assert post.median() == {"demand.scale": 1, "migrants.max_attempts": 10}  # weighted: set 0 holds 75 %
    assert len(post.sha256) == 64 and post.describe()["sets"] == 2


def test_draws_follow_the_weights_and_the_root_seed(tmp_path):
    weights = np.array([0.7, 0.2, 0.1])
    draws = posterior_draws(5, 4000, weights)
    assert draws == posterior_draws(5, 4000, weights)  # same root, same sets
    assert draws != posterior_draws(6, 4000, weights)
    share = np.bincount(draws, minlength=3) / 4000
    assert np.allclose(share, weights, atol=0.03)
    assert posterior_draws(5, 10, weights) == draws[:10]  # replicate r's set does not depend on how many run


@pytest.mark.parametrize(("body", "needle"), [
    ("0,0,abc,0.1,1.0,3\n", "row 2: a value is not a number"),
    ("0,0,-1,0.1,1.0,3\n", "weights not negative"),
    ("0,0,nan,0.1,1.0,3\n", "must be finite"),
    ("0,0,0,0.1,1.0,3\n", "add up to 0"),
])
def test_bad_rows_are_named(tmp_path, body, needle):
    with pytest.raises(ScenarioError) as err:
        read_posterior(write(tmp_path, body))
    assert needle in str(err.value) and "posterior.csv" in str(err.value)


def test_a_file_without_parameters_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("generation,particle,weight,distance\n0,0,1,0.1\n")
    with pytest.raises(ScenarioError, match="names no parameter"):
        read_posterior(path)


def test_a_scenario_names_its_posterior_relative_to_itself(tmp_path):
    write(tmp_path, "0,0,1,0.1,1.0,3\n", name="fit.csv")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {CLASSROOM}\nposterior: fit.csv\n")
    assert load_scenario(scenario).posterior_file == tmp_path / "fit.csv"
    scenario.write_text(f"extends: {CLASSROOM}\nposterior: missing.csv\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario)
    assert "posterior" in str(err.value) and "missing.csv" in str(err.value)


def test_a_users_set_takes_the_keys_under_it_out_of_a_drawn_set(tmp_path):
    """--set events=[] removes the events a posterior set reaches into: the user's value wins, no error."""
    from helpers import ROOT

    from sim.cli import main as cli_main

    post = read_posterior(ROOT / "scenarios" / "calibration" / "belarus_2021_abc" / "posterior.csv")
    full = post.overrides(0)
    assert any(k.startswith("events.") for k in full)
    kept = post.overrides_under(0, ["events", "migrants.minsk_days"])
    assert not any(k.startswith("events.") for k in kept) and "migrants.minsk_days" not in kept
    assert {k: v for k, v in full.items() if not k.startswith("events.") and k != "migrants.minsk_days"} == kept
    # a prefix of a name is not a path
    assert post.overrides_under(0, ["events.2.set.state_actors.belarus.steer.L"]) == full
    assert cli_main(["validate", str(ROOT / "scenarios" / "belarus_2021.yaml"), "--seeds", "1", "--workers", "1",
                     "--set", "end=2021-07-15", "--set", "events=[]", "--out", str(tmp_path / "v")]) == 0
