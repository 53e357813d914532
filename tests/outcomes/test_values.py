"""The one outcomes module: every source gives the same numbers; figures are counted as their country counts."""

from pathlib import Path

import numpy as np
import pytest
from observed_helpers import by_hand, write_observed

import sim
from sim.model.model import CorridorModel
from sim.outcomes.observed import build_targets
from sim.outcomes.sources import MatrixSeries, RecorderSeries, TableSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.tables import summary_table, totals_matrix
from sim.outcomes.values import observed_comparison, outcome_values, target_values
from sim.scenario.observed_file import load_observed

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"
OUTCOMES = {
    "attempts_pl": OutcomeSpec(metric="attempts", country="PL"),
    "attempts_sep": OutcomeSpec(metric="attempts", start="2021-09-01", end="2021-09-30"),
    "peak_at_border": OutcomeSpec(metric="at_border", stat="peak"),
    "mean_in_minsk": OutcomeSpec(metric="in_minsk", stat="mean"),
    "final_dead": OutcomeSpec(metric="state_dead", stat="final"),
    "reported_lt": OutcomeSpec(metric="reported", country="LT", end="2021-10-15"),
    "reported_all": OutcomeSpec(metric="reported"),
    "onward_de": OutcomeSpec(metric="onward_arrivals", country="DE"),
    "nobody": OutcomeSpec(metric="attempts", country="XX"),
    "before_the_run": OutcomeSpec(metric="deaths", end="2020-01-01"),
}


@pytest.fixture(scope="module")
def model_and_result():
    scenario = sim.load_scenario(CLASSROOM)
    model = CorridorModel(scenario, rng=4)
    model.run_to_end()
    return model, sim.run(CLASSROOM, seed=4)


def test_recorder_table_and_stored_totals_give_the_same_outcomes(model_and_result):
    model, result = model_and_result
    from_recorder = outcome_values(RecorderSeries(model.recorder, model.config.start), OUTCOMES)
    from_table = outcome_values(TableSeries(result.daily), OUTCOMES)
    from_matrix = outcome_values(MatrixSeries(*totals_matrix(result.daily)), OUTCOMES)
    assert from_recorder == from_table == from_matrix
    assert from_recorder["attempts_pl"] > 0 and from_recorder["nobody"] == 0.0
    assert from_recorder["before_the_run"] == 0.0
    by_table = result.summary.set_index(["metric", "country", "place"])
    assert from_recorder["attempts_pl"] == by_table.loc[("attempts", "PL", ""), "total"]
    assert from_recorder["final_dead"] == by_table.loc[("state_dead", "", ""), "total"]


def test_an_outcome_of_one_place(model_and_result):
    model, result = model_and_result
    segment = model.segment_ids[0]
    spec = {"one": OutcomeSpec(metric="attempts", place=segment)}
    value = outcome_values(RecorderSeries(model.recorder, model.config.start), spec)["one"]
    assert value == outcome_values(TableSeries(result.daily), spec)["one"]
    assert value == model.recorder.values["attempts"][:, 0].sum()


def test_figures_are_counted_as_their_country_counts_them(model_and_result, tmp_path):
    model, result = model_and_result
    path = write_observed(tmp_path, result.daily)
    table = load_observed(path)
    targets = build_targets(result.scenario, table, str(path))
    from_table = target_values(TableSeries(result.daily), targets)
    from_recorder = target_values(RecorderSeries(model.recorder, model.config.start), targets)
    assert np.array_equal(from_table, from_recorder, equal_nan=True)
    daily = result.daily
    assert targets[1].components == ("turned_back", "prevented")  # Lithuania's "not allowed to enter"
    both = sum(by_hand(daily, "LT", m, "2021-08-15", "2021-10-15") for m in ("turned_back", "prevented"))
    assert by_hand(daily, "LT", "prevented", "2021-08-15", "2021-10-15") > 0  # the rule makes a difference
    assert from_table[1] == both
    assert from_table[0] == by_hand(daily, "PL", "attempts", "2021-09-01", "2021-09-30") > 0
    assert np.isnan(from_table[2])  # a period wholly before the run
    first_days = sorted(daily["date"].unique())[:10]
    assert from_table[3] == by_hand(daily, "PL", "attempts", first_days[0], first_days[-1])


def test_observed_comparison_adds_coverage_and_ratio(model_and_result, tmp_path):
    _, result = model_and_result
    path = write_observed(tmp_path, result.daily)
    table = load_observed(path)
    comp = observed_comparison(TableSeries(result.daily), build_targets(result.scenario, table, str(path)), table)
    assert list(comp["counted_as"]) == ["attempts", "turned_back + prevented", "prevented + turned_back", "attempts"]
    assert comp.loc[0, "coverage"] == 1.0 and comp.loc[0, "ratio"] == pytest.approx(comp.loc[0, "simulated"] / 1000)
    assert comp.loc[2, "coverage"] == 0 and comp.loc[2, "simulated_days"] == 0
    assert comp.loc[3, "simulated_days"] == 10 and 0 < comp.loc[3, "coverage"] < 1


def test_a_row_the_scenario_cannot_count_is_refused_unless_lenient(model_and_result, tmp_path):
    _, result = model_and_result
    table = load_observed(write_observed(tmp_path, result.daily)).assign(country="XX")
    with pytest.raises(sim.ScenarioError, match="'XX'"):
        build_targets(result.scenario, table)
    lenient = build_targets(result.scenario, table, strict=False)
    assert lenient[0].components == ("attempts",)
    assert np.isnan(target_values(TableSeries(result.daily), lenient)).all()


def test_summary_table_totals_flows_and_keeps_the_last_value_of_stocks(model_and_result):
    _, result = model_and_result
    summary = summary_table(result.daily).set_index(["metric", "country", "place"])
    daily = result.daily[(result.daily["place"] == "")]
    at_border = daily[(daily["metric"] == "at_border") & (daily["country"] == "PL")].sort_values("date")
    assert summary.loc[("at_border", "PL", ""), "total"] == at_border["value"].iloc[-1]
    assert summary.loc[("at_border", "PL", ""), "peak"] == at_border["value"].max()
    assert summary.loc[("at_border", "PL", ""), "kind"] == "stock"
    deaths = daily[daily["metric"] == "deaths"]["value"].sum()
    assert summary.loc[summary.index.get_level_values(0) == "deaths", "total"].sum() >= deaths
