"""Independent checks: public figures for outcomes that are never fitted."""

import json

import numpy as np
import pytest
from sweep_helpers import CLASSROOM, ROOT

import sim
from sim.analysis.independent_checks import check_table, check_values, default_checks_path, load_checks
from sim.cli.commands import main as cli
from sim.errors import ScenarioError
from sim.model.model import CorridorModel
from sim.outcomes.sources import RecorderSeries

HEADER = "outcome,country,period_start,period_end,statistic,low,high,quality,source,note\n"


def _checks(tmp_path, body: str):
    path = tmp_path / "obs_checks.csv"
    path.write_text(HEADER + body)
    return path


def test_check_values_are_sums_and_peaks_of_the_run(tmp_path):
    path = _checks(tmp_path, "onward_arrivals,DE,2021-09-01,2021-10-31,total,1,10,approximate,test,\n"
                             "at_border,PL,2021-08-01,2021-12-31,peak,1,10,approximate,test,\n"
                             "deaths,,2021-08-01,2021-12-31,total,0,5,approximate,test,\n"
                             "repatriated,,2030-01-01,2030-02-01,total,0,5,approximate,test,outside the run\n")
    checks = load_checks(path)
    model = CorridorModel(sim.load_scenario(CLASSROOM), rng=3)
    model.run_to_end()
    values = check_values(RecorderSeries(model.recorder, model.config.start), checks)
    daily = sim.run(CLASSROOM, seed=3).daily
    totals = daily[daily["place"] == ""]

    def pick(metric, country):
        rows = totals[(totals["metric"] == metric) & (totals["country"].isin([country] if country else
                                                                             totals["country"].unique()))]
        return rows

    de = pick("onward_arrivals", "DE")
    assert values[0] == de[(de["date"] >= "2021-09-01") & (de["date"] <= "2021-10-31")]["value"].sum() > 0
    assert values[1] == pick("at_border", "PL")["value"].max() > 0
    assert values[2] == pick("deaths", "")["value"].sum()
    assert np.isnan(values[3])
    table = check_table(checks, np.array([values, values]))
    assert table.loc[1, "verdict"].startswith("above")
    assert table.loc[3, "verdict"] == "not simulated"


def test_bad_checks_files(tmp_path):
    with pytest.raises(ScenarioError, match="unknown outcome 'hugs'"):
        load_checks(_checks(tmp_path, "hugs,DE,2021-09-01,2021-10-31,total,1,10,a,b,\n"))
    with pytest.raises(ScenarioError, match="statistic"):
        load_checks(_checks(tmp_path, "deaths,,2021-09-01,2021-10-31,mean,1,10,a,b,\n"))
    with pytest.raises(ScenarioError, match="out of order"):
        load_checks(_checks(tmp_path, "deaths,,2021-09-01,2021-10-31,total,10,1,a,b,\n"))
    with pytest.raises(ScenarioError, match="does not exist"):
        load_checks(tmp_path / "none.csv")


def test_checks_must_name_countries_the_run_reports(tmp_path, capsys):
    from sim.analysis.independent_checks import check_against_scenario

    scenario = sim.load_scenario(CLASSROOM)
    check_against_scenario(load_checks(_checks(tmp_path, "onward_arrivals,DE,2021-09-01,2021-10-31,total,1,10,a,b,\n")),
                           scenario)
    with pytest.raises(ScenarioError, match="no country 'de'") as exc:
        check_against_scenario(load_checks(_checks(tmp_path, "onward_arrivals,de,2021-09-01,2021-10-31,total,1,10,a,"
                                                             "b,\n")), scenario)
    assert "did you mean 'DE'" in exc.value.hint
    observed = ROOT / "tests" / "data" / "classroom_observed.csv"
    bad = _checks(tmp_path, "attempts,XX,2021-09-01,2021-10-31,total,1,10,a,b,\n")
    assert cli(["validate", str(CLASSROOM), "--seeds", "1", "--observed", str(observed), "--checks", str(bad)]) == 2
    assert "no country 'XX'" in capsys.readouterr().err


def test_verdict_when_the_range_ends_at_zero(tmp_path):
    checks = load_checks(_checks(tmp_path, "deaths,,2021-08-01,2021-12-31,total,0,0,a,b,\n"))
    assert check_table(checks, np.array([[3.0]])).loc[0, "verdict"] == "above (the range ends at 0)"
    assert check_table(checks, np.array([[0.0]])).loc[0, "verdict"] == "inside"


def test_shipped_checks_file_loads_beside_the_observed_file():
    observed = ROOT / "data" / "observed" / "observed_2021.csv"
    assert default_checks_path(observed).name == "observed_2021_checks.csv"
    checks = load_checks(default_checks_path(observed))
    assert {c.outcome for c in checks} >= {"onward_arrivals", "repatriated", "at_border", "deaths"}
    assert all(c.source for c in checks)


def test_validate_reports_the_checks(tmp_path, capsys):
    observed = ROOT / "tests" / "data" / "classroom_observed.csv"
    checks = _checks(tmp_path, "onward_arrivals,DE,2021-08-01,2021-12-31,total,1,100000,approximate,test,\n")
    out = tmp_path / "val"
    assert cli(["validate", str(CLASSROOM), "--seeds", "2", "--workers", "1", "--observed", str(observed),
                "--checks", str(checks), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "independent check (not fitted)" in printed and "inside" in printed
    assert (out / "checks.csv").exists()
    summary = json.loads((out / "validation.json").read_text())
    assert summary["independent_checks"][0]["verdict"] == "inside"
