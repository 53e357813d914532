"""Hand-made observed rows for a classroom run, and sums by hand to check the counted values against."""

from pathlib import Path

import pandas as pd


def write_observed(tmp_path: Path, daily) -> Path:
    """Four hand-made observed rows around a classroom run (inside, cumulative, before, straddling its start)."""
    dates = sorted(daily["date"].unique())
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


def by_hand(daily, country, metric, start, end):
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
