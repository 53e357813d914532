"""Mesa's own tooling on the model: batch_run and the DataCollector's model reporters."""

from __future__ import annotations

import mesa
import numpy as np
from helpers import CLASSROOM

from sim.model.mesa_data import COLLECTED
from sim.model.model import CorridorModel
from sim.scenario.loader import load_scenario


def test_batch_run_works_as_in_mesas_examples():
    sc = load_scenario(CLASSROOM)
    rows = mesa.batch_run(CorridorModel, parameters={"scenario": [sc]}, rng=[1, 2], max_steps=200,
                          data_collection_period=1, display_progress=False)
    assert {r["rng"] for r in rows} == {1, 2}
    assert len(rows) == 2 * sc.days  # one row a day for each seed (the run is shorter than 200 steps)
    last = [r for r in rows if r["rng"] == 1][-1]
    model = CorridorModel(sc, rng=1)
    model.run_to_end()
    frame = model.datacollector.get_model_vars_dataframe()
    assert last["attempts_PL"] == frame["attempts_PL"].iloc[-1]  # batch_run saw the same run


def test_the_reporters_are_the_recorders_daily_country_totals():
    sc = load_scenario(CLASSROOM)
    model = CorridorModel(sc, rng=3)
    model.run_to_end()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == sc.days
    daily = model.recorder.frame(model.dates())
    for metric in COLLECTED:
        for country in sorted(set(daily.query("metric == @metric and country != ''")["country"])):
            want = daily.query("metric == @metric and country == @country and place == ''")["value"].to_numpy()
            assert np.array_equal(frame[f"{metric}_{country}"].to_numpy(), want), (metric, country)
        total = daily.query("metric == @metric and country == '' and place == ''")["value"].to_numpy()
        if len(total):
            assert np.array_equal(frame[f"{metric}_total"].to_numpy(), total), metric
    assert frame["attempts_PL"].sum() > 0 and frame["at_border_total"].max() > 0
