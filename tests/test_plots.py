from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import sim
from sim.plots import observed_plot
from sim.plots import run_plots as plots

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ["border_pressure.png", "journey_states.png", "arrivals_by_route.png", "flow_map.png"]


@pytest.fixture(scope="module")
def result():
    return sim.run(ROOT / "scenarios" / "classroom.yaml", seed=1)


def _check_png(path: Path) -> None:
    assert path.exists(), path
    assert path.stat().st_size > 10_000, f"{path.name} is suspiciously small"
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert float(pixels[..., :3].std()) > 0.05, f"{path.name} looks blank"


def test_draw_all_writes_every_plot(result, tmp_path):
    paths = plots.draw_all(result, tmp_path / "plots")
    assert sorted(p.name for p in paths) == sorted(EXPECTED)  # classroom has no observed data
    for name in EXPECTED:
        _check_png(tmp_path / "plots" / name)


def test_plots_are_deterministic(result, tmp_path):
    a = plots.journey_states(result.daily, tmp_path / "a.png")
    b = plots.journey_states(result.daily, tmp_path / "b.png")
    assert a.read_bytes() == b.read_bytes()


def test_counting_label_names_the_rule():
    assert plots.counting_label("PL", [{"metrics": ["attempts"], "from": None, "until": None}]) == (
        "PL — attempts (as Poland counts)")
    label = plots.counting_label("LT", [{"metrics": ["detained"], "until": "2021-08-02"},
                                        {"metrics": ["turned_back", "prevented"], "from": "2021-08-03"}])
    assert "detained until 2 Aug 2021" in label and "turned back + prevented from 3 Aug 2021" in label


def _observed(tmp_path: Path, result) -> Path:
    dates = sorted(result.daily["date"].unique())
    rows = [
        # a calendar month inside the run, counted as a period total
        {"country": "PL", "metric": "attempts", "period_start": "2021-09-01", "period_end": "2021-09-30",
         "value": 1000, "aggregation": "period_total"},
        # a running total from mid-August to mid-October
        {"country": "LT", "metric": "turned_back", "period_start": "2021-08-15", "period_end": "2021-10-15",
         "value": 500, "aggregation": "cumulative"},
        # a period entirely before the run: nothing simulated
        {"country": "LV", "metric": "prevented", "period_start": "2020-01-01", "period_end": "2020-01-31",
         "value": 10, "aggregation": "period_total"},
        # a period that starts before the run: only the simulated part counts
        {"country": "PL", "metric": "attempts", "period_start": "2021-07-01", "period_end": dates[9],
         "value": 100, "aggregation": "period_total"},
    ]
    frame = pd.DataFrame(rows).assign(quality="reported", definition="test", source="hand-made")
    path = tmp_path / "observed.csv"
    frame.to_csv(path, index=False)
    return path


def _by_hand(daily, country, metric, start, end):
    rows = daily[(daily["country"] == country) & (daily["metric"] == metric) & (daily["place"] == "")]
    return int(rows.loc[(rows["date"] >= start) & (rows["date"] <= end), "value"].sum())


def test_observed_comparison_matches_hand_sums(result, tmp_path):
    daily = result.daily
    comp = observed_plot.observed_comparison(daily, _observed(tmp_path, result))
    assert len(comp) == 4
    pl_sep = _by_hand(daily, "PL", "attempts", "2021-09-01", "2021-09-30")
    assert pl_sep > 0
    assert comp.loc[0, "simulated"] == pl_sep
    assert comp.loc[0, "coverage"] == 1.0
    assert comp.loc[0, "ratio"] == pytest.approx(pl_sep / 1000)
    # the cumulative value is the running total of the daily series at period_end
    lt = daily[(daily["country"] == "LT") & (daily["metric"] == "turned_back") & (daily["place"] == "")]
    lt = lt[lt["date"] >= "2021-08-15"].set_index("date")["value"].cumsum()
    assert comp.loc[1, "simulated"] == lt.loc["2021-10-15"]
    assert comp.loc[1, "simulated"] == _by_hand(daily, "LT", "turned_back", "2021-08-15", "2021-10-15")
    assert np.isnan(comp.loc[2, "simulated"]) and comp.loc[2, "coverage"] == 0
    first_days = sorted(daily["date"].unique())[:10]
    assert comp.loc[3, "simulated_days"] == 10
    assert comp.loc[3, "simulated"] == _by_hand(daily, "PL", "attempts", first_days[0], first_days[-1])
    assert 0 < comp.loc[3, "coverage"] < 1


def test_observed_comparison_counts_as_the_country_counts(result, tmp_path):
    """With the scenario, LT's "turned back" is turned back + prevented, as validation counts it."""
    daily = result.daily
    comp = observed_plot.observed_comparison(daily, _observed(tmp_path, result), result.scenario)
    assert comp.loc[1, "counted_as"] == "turned_back + prevented"
    both = sum(_by_hand(daily, "LT", m, "2021-08-15", "2021-10-15") for m in ("turned_back", "prevented"))
    assert _by_hand(daily, "LT", "prevented", "2021-08-15", "2021-10-15") > 0  # the rule makes a difference
    assert comp.loc[1, "simulated"] == both
    assert comp.loc[0, "counted_as"] == "attempts"
    assert comp.loc[0, "simulated"] == _by_hand(daily, "PL", "attempts", "2021-09-01", "2021-09-30")


def test_observed_plot(result, tmp_path):
    path = observed_plot.observed_vs_simulated(result.daily, _observed(tmp_path, result), tmp_path / "obs.png")
    _check_png(path)
    assert observed_plot.observed_vs_simulated(result.daily, None, tmp_path / "none.png") is None
    assert observed_plot.observed_vs_simulated(result.daily, tmp_path / "missing.csv", tmp_path / "none.png") is None


def test_draw_all_includes_observed_when_the_scenario_has_it(result, tmp_path):
    observed = ROOT / "data" / "observed" / "observed_2021.csv"
    if not observed.exists():
        pytest.skip("no observed data file")
    with_obs = sim.run(ROOT / "scenarios" / "classroom.yaml", seed=1, overrides={"observed": str(observed)})
    if not with_obs.scenario.observed or not Path(with_obs.scenario.observed).exists():
        pytest.skip("the loader does not resolve an overridden observed path")
    names = [p.name for p in plots.draw_all(with_obs, tmp_path)]
    assert "observed_vs_simulated.png" in names
    _check_png(tmp_path / "observed_vs_simulated.png")
