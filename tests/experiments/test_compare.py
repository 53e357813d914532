"""Compare: two tiny scenarios with the same seeds -> table, CSV and plots."""

import json

import pandas as pd
import yaml
from sweep_helpers import short_scenario

import sim
from sim.cli.commands import main as cli
from sim.experiments.compare import difference


def test_compare_two_scenarios(tmp_path, capsys):
    a = short_scenario(tmp_path, "baseline")
    b = short_scenario(tmp_path, "more_turn_backs", border_services={"PL": {"policy": {"turn_back_share": 0.95}}})
    out = tmp_path / "cmp"
    assert cli(["compare", str(a), str(b), "--seeds", "3", "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    md = (out / "compare.md").read_text()
    assert ("| Outcome | baseline | more_turn_backs | Difference | 5-95 % of runs | 95 % CI of the mean | Change |"
            in md)
    assert "The intervals include: seed" in md
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
    assert "neither a scenario file nor an ensemble or run output folder" in capsys.readouterr().err


def test_a_sweep_folder_is_refused_with_a_clear_message(tmp_path, capsys):
    a = short_scenario(tmp_path)
    sweep = tmp_path / "sweep_out"
    (sweep / "runs").mkdir(parents=True)
    (sweep / "plan.json").write_text(json.dumps({"kind": "sweep", "fingerprint": "x"}))
    assert cli(["compare", str(a), str(sweep), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"'{sweep}' is the output folder of a sweep plan, not of an ensemble" in err
    assert "corridor ensemble" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()  # nothing was run


def _run_folder(tmp_path, name, seed, **changes):
    folder = tmp_path / f"run_{name}"
    sim.run(str(short_scenario(tmp_path, name, **changes)), seed=seed).write(folder, plots=False)
    return folder


def test_run_folders_compare_as_one_seed_inputs(tmp_path, capsys, monkeypatch):
    import sim.experiments.compare as compare_mod

    written = []
    real = compare_mod.atomic_write_text
    monkeypatch.setattr(compare_mod, "atomic_write_text", lambda p, t: (written.append(p.name), real(p, t)))
    a = _run_folder(tmp_path, "base", 5)
    b = _run_folder(tmp_path, "strict", 5, border_services={"PL": {"policy": {"turn_back_share": 0.95}}})
    out = tmp_path / "cmp"
    assert cli(["compare", str(a), str(b), "--out", str(out), "--no-progress"]) == 0
    assert "mean over 1 runs" in capsys.readouterr().out
    table = pd.read_csv(out / "compare.csv")
    daily_a = pd.read_csv(a / "daily.csv", keep_default_na=False)
    daily_b = pd.read_csv(b / "daily.csv", keep_default_na=False)

    def total(d, metric, country):
        return d[(d["metric"] == metric) & (d["country"] == country) & (d["place"] == "")]["value"].sum()

    row = table[table["outcome"] == "attempts_PL"].iloc[0]
    assert row["mean_a"] == total(daily_a, "attempts", "PL") and row["mean_b"] == total(daily_b, "attempts", "PL")
    assert row["n"] == 1 and pd.isna(row["ci_low"])
    for name in ("fan_attempts.png", "differences.png"):
        assert (out / "plots" / name).exists()
    assert "inputs.json" in written  # written atomically
    assert json.loads((out / "inputs.json").read_text()) == {"run_base": str(a), "run_strict": str(b)}


def test_outcomes_file_is_checked_against_the_inputs(tmp_path, capsys):
    a = _run_folder(tmp_path, "base", 1)
    for outcome, needle in [({"metric": "attempts", "country": "pl"}, "did you mean 'PL'?"),
                            ({"metric": "attempts", "country": "PL", "place": "kuznica"}, "leave 'place' out"),
                            ({"metric": "deaths", "start": "2023-01-01"}, "lies outside the run")]:
        path = tmp_path / "outcomes.yaml"
        path.write_text(yaml.safe_dump({"outcomes": {"x": outcome}}))
        assert cli(["compare", str(a), str(a), "--outcomes", str(path), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert f"Outcomes file {path}: 'outcomes.x" in err and needle in err and "Traceback" not in err


def test_differences_title_clears_the_panel_titles(tmp_path):
    from sim.experiments.compare import differences_figure

    table = pd.DataFrame([{"outcome": o, "baseline": "base", "scenario": s, "diff": 1.0, "ci_low": 0.0,
                           "ci_high": 2.0} for o in ("attempts_PL", "deaths_total") for s in ("a", "b")])
    fig = differences_figure(table)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = fig._suptitle.get_window_extent(renderer)
    for ax in fig.axes:
        assert ax.title.get_window_extent(renderer).y1 <= top.y0
