"""validate scores the rows a calibration saw apart from the later rows a projection is tested on."""

import json

import numpy as np
import pytest
import yaml
from helpers import CLASSROOM

import sim
from sim.analysis.scores import forecast_predictions
from sim.analysis.validation import validate
from sim.cli.commands import main
from sim.outcomes.observed import build_targets
from sim.scenario.observed_file import load_observed

HEADER = "country,metric,period_start,period_end,value,aggregation\n"


@pytest.fixture()
def two_years(tmp_path):
    """A classroom variant over 2021-2022, 'calibrated' until the end of 2021, and a made-up observed file."""
    scenario = tmp_path / "two_years.yaml"
    scenario.write_text(yaml.safe_dump({"extends": str(CLASSROOM), "name": "two_years", "start": "2021-01-01",
                                        "end": "2022-12-31", "events": [], "calibrated_until": "2021-12-31"}))
    observed = tmp_path / "made_up.csv"
    observed.write_text(HEADER
                        + "PL,attempts,2021-01-01,2021-12-31,20000,period_total\n"
                        + "PL,attempts,2021-06-01,2021-06-30,2000,period_total\n"
                        + "PL,attempts,2021-07-01,2021-07-31,2500,period_total\n"
                        + "PL,attempts,2022-06-01,2022-06-30,1500,period_total\n"      # out of sample
                        + "PL,attempts,2022-01-01,2022-12-31,15000,period_total\n"     # out of sample
                        + "LV,prevented,2021-01-01,2021-12-31,4000,period_total\n"
                        + "LV,prevented,2022-01-01,2022-12-31,3000,period_total\n")   # out of sample
    return scenario, observed


def test_rows_after_calibrated_until_are_scored_apart(two_years, tmp_path):
    scenario, observed = two_years
    report = validate(scenario, n_seeds=2, observed=observed, checks=False)
    assert list(report.rows["sample"]) == ["in", "in", "in", "out", "out", "in", "out"]
    assert report.summary["calibrated_until"] == "2021-12-31"
    assert report.summary["overall"]["rows"] == 4 and report.summary["out_of_sample"]["rows"] == 3
    series = report.series.set_index(["sample", "series"])
    assert series.loc[("out", "PL attempts"), "rows"] == 2 and series.loc[("in", "PL attempts"), "rows"] == 3
    # out of sample, a forecast uses only figures published by calibrated_until: 2021's level and its June
    rows = report.rows.set_index(["country", "period_start", "period_end"])
    assert rows.loc[("PL", "2022-06-01", "2022-06-30"), "baseline_same_months"] == pytest.approx(2000)
    assert rows.loc[("PL", "2022-01-01", "2022-12-31"), "baseline_last_year"] == pytest.approx(20000)
    assert rows.loc[("LV", "2022-01-01", "2022-12-31"), "baseline_last_year"] == pytest.approx(4000)
    assert np.isnan(rows.loc[("PL", "2022-01-01", "2022-12-31"), "baseline_trend"])  # needs two earlier years
    summary = json.loads(json.dumps(report.summary))  # valid JSON (no NaN)
    assert "beats_every_forecast" in summary


def test_a_projection_never_forecasts_from_rows_after_the_split(two_years):
    scenario, observed = two_years
    sc = sim.load_scenario(scenario)
    targets = build_targets(sc, load_observed(observed))
    sc_end = sc.calibrated_until
    forecasts = forecast_predictions(targets, sc_end)
    # the 2022 June row is not forecast from anything of 2022, although the 2022 annual row exists
    assert forecasts["same_months"][3] == pytest.approx(2000)
    assert forecasts["last_year"][3] == pytest.approx(20000 / 365 * 30)


def test_the_cli_prints_both_parts(two_years, tmp_path, capsys):
    scenario, observed = two_years
    assert main(["validate", str(scenario), "--observed", str(observed), "--seeds", "2", "--out",
                 str(tmp_path / "v")]) == 0
    out = capsys.readouterr().out
    assert "In sample (rows ending by 2021-12-31" in out and "Out of sample (rows ending after 2021-12-31)" in out
    assert (tmp_path / "v" / "validation.csv").exists()
