"""Runs, ensembles and comparisons that draw parameter sets from a posterior."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import CLASSROOM

import sim
from sim.cli import main as cli_main
from sim.errors import ScenarioError
from sim.experiments.ensemble import run_ensemble, run_outcomes
from sim.outcomes.spec import default_outcomes

LOW, HIGH = 0.3, 1.6


@pytest.fixture
def posterior(tmp_path):
    path = tmp_path / "posterior.csv"
    path.write_text("generation,particle,weight,distance,demand.scale\n"
                    f"0,0,1,0.9,9.0\n1,0,1,0.2,{LOW}\n1,1,1,0.3,{HIGH}\n")
    return path


def test_a_run_takes_the_set_it_draws_as_overrides(posterior):
    drawn = sim.run(CLASSROOM, seed=4, posterior=posterior, draw=1)
    by_hand = sim.run(CLASSROOM, seed=4, overrides={"demand.scale": HIGH})
    pd.testing.assert_frame_equal(drawn.daily, by_hand.daily)
    used = drawn.manifest["posterior"]
    assert used["set"] == 1 and used["values"] == {"demand.scale": HIGH} and used["generation"] == 1
    assert sim.run(CLASSROOM, seed=4).manifest["posterior"] is None
    with pytest.raises(ScenarioError, match="holds 2 parameter sets; there is no set 5"):
        sim.run(CLASSROOM, seed=4, posterior=posterior, draw=5)


def test_overrides_win_over_the_posterior(posterior):
    a = sim.run(CLASSROOM, seed=4, posterior=posterior, draw=1, overrides={"demand.scale": LOW})
    b = sim.run(CLASSROOM, seed=4, overrides={"demand.scale": LOW})
    pd.testing.assert_frame_equal(a.daily, b.daily)


def test_an_ensemble_records_which_set_each_run_took(tmp_path, posterior):
    out = tmp_path / "ens"
    result = run_ensemble(CLASSROOM, seeds=6, root_seed=2, out=out, workers=1, progress=False, plots=False,
                          posterior=posterior)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["file"] == str(posterior) and manifest["posterior"]["sets"] == 2
    assert len(manifest["posterior"]["draws"]) == 6 and set(manifest["posterior"]["draws"]) <= {0, 1}
    runs = run_outcomes(out, default_outcomes())
    assert runs["posterior_set"].tolist() == manifest["posterior"]["draws"]  # each run took the set the plan names
    again = run_ensemble(CLASSROOM, seeds=6, root_seed=2, out=tmp_path / "again", workers=2, progress=False,
                         plots=False, posterior=posterior)
    assert json.loads((tmp_path / "again" / "manifest.json").read_text())["posterior"] == manifest["posterior"]
    assert result.bands.equals(again.bands)


def test_the_cli_says_where_the_intervals_come_from(tmp_path, posterior, capsys):
    out = tmp_path / "cmp"
    assert cli_main(["compare", str(CLASSROOM), str(CLASSROOM), "--seeds", "4", "--workers", "1", "--out", str(out),
                     "--no-progress", "--posterior", str(posterior)]) == 0
    md = (out / "compare.md").read_text()
    assert "parameter uncertainty" in md and "paired by seed and parameter set" in md
    table = pd.read_csv(out / "compare.csv")
    assert (table["diff"] == 0).all()  # the same scenario, the same seeds and the same sets
