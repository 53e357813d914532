"""Compare: two tiny scenarios with the same seeds -> table, CSV and plots."""

import pandas as pd
from sweep_helpers import short_scenario

from sim.cli_analysis import main as cli
from sim.compare import difference


def test_compare_two_scenarios(tmp_path, capsys):
    a = short_scenario(tmp_path, "baseline")
    b = short_scenario(tmp_path, "more_turn_backs", border_services={"PL": {"policy": {"turn_back_share": 0.95}}})
    out = tmp_path / "cmp"
    assert cli(["compare", str(a), str(b), "--seeds", "3", "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    md = (out / "compare.md").read_text()
    assert "| Outcome | baseline | more_turn_backs | Difference (95 % CI) | Change |" in md
    assert "attempts_PL" in md and "paired by seed" in md
    table = pd.read_csv(out / "compare.csv")
    assert len(table) == 7 and table["paired"].all() and (table["n"] == 3).all()
    assert (table["ci_low"] <= table["diff"]).all() and (table["diff"] <= table["ci_high"]).all()
    for name in ("fan_attempts.png", "fan_at_border.png", "differences.png"):
        assert (out / "plots" / name).exists()
    assert md.strip() in capsys.readouterr().out
    # an existing ensemble folder can be compared again without re-running
    assert cli(["compare", str(out / "baseline"), str(out / "more_turn_backs"), "--out", str(tmp_path / "again"),
                "--no-plots"]) == 0
    assert (tmp_path / "again" / "compare.csv").read_text() == (out / "compare.csv").read_text()


def test_difference_paired_and_welch():
    a = pd.DataFrame({"seed": [1, 2, 3], "x": [10.0, 12.0, 14.0]})
    b = pd.DataFrame({"seed": [1, 2, 3], "x": [11.0, 13.0, 15.0]})
    d = difference(a, b, "x")
    assert d["paired"] and d["diff"] == 1.0 and d["ci_low"] == d["ci_high"] == 1.0
    c = pd.DataFrame({"seed": [7, 8, 9], "x": [11.0, 13.0, 15.0]})
    w = difference(a, c, "x")
    assert not w["paired"] and w["ci_low"] < 1.0 < w["ci_high"]


def test_compare_bad_input(tmp_path, capsys):
    a = short_scenario(tmp_path)
    assert cli(["compare", str(a), str(tmp_path / "nothing_here"), "--out", str(tmp_path / "o")]) == 2
    assert "neither a scenario file nor an ensemble" in capsys.readouterr().err
