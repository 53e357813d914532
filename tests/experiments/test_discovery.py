"""Scenario discovery (``corridor discover``): conditions, PRIM on a sweep folder with a known answer, outputs, errors.

The PRIM tests need the ``ema`` extra (``pytest.importorskip``); the condition and error tests do not.
"""

import json
import sys

import numpy as np
import pandas as pd
import pytest

from sim.cli.commands import main
from sim.errors import CommandLineError
from sim.experiments.discovery.condition import parse_condition

N_SAMPLES, REPLICATES = 200, 2
PARAMETERS = {"flights": {"range": [0.5, 7.0]}, "asylum_off": {"values": [True, False]},
              "mode": {"values": ["air", "land", "sea"]}, "k": {"range": [0, 9]}, "noise": {"range": [0.0, 1.0]}}
OUTCOMES = {"attempts": {"metric": "attempts", "country": "PL"}, "deaths": {"metric": "deaths"},
            "arrivals": {"metric": "onward_arrivals"}}


def write_sweep_folder(folder, failed=()):
    """A sweep folder as `corridor sweep` writes it, whose answers are known.

    attempts > 20000 exactly when flights >= 5 and asylum_off; deaths >= 8 exactly when k >= 6;
    arrivals > 3000 exactly when mode is land or sea. noise never matters.
    """
    rng = np.random.default_rng(12)
    samples = pd.DataFrame({"flights": rng.uniform(0.5, 7.0, N_SAMPLES), "asylum_off": rng.random(N_SAMPLES) < 0.5,
                            "mode": rng.choice(["air", "land", "sea"], N_SAMPLES), "k": rng.integers(0, 10, N_SAMPLES),
                            "noise": rng.uniform(0, 1, N_SAMPLES)})
    rows = []
    for s, p in samples.iterrows():
        for r in range(REPLICATES):
            run = s * REPLICATES + r
            values = {"attempts": (25_000 if p.flights >= 5 and p.asylum_off else 8_000) + rng.normal(0, 1000),
                      "deaths": (10 if p.k >= 6 else 2) + int(rng.integers(0, 3)),
                      "arrivals": (5_000 if p["mode"] in ("land", "sea") else 1_000) + rng.normal(0, 200)}
            status = "failed" if run in failed else "ok"
            for name, value in values.items():
                rows.append({"run": run, "sample": s, "replicate": r, "seed": 100 + r, "status": status,
                             "error": "boom" if status != "ok" else "", "outcome": name,
                             "value": value if status == "ok" else np.nan, **p.to_dict()})
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "runs.csv", index=False)
    samples.rename_axis("sample").reset_index().to_csv(folder / "samples.csv", index=False)
    manifest = {"kind": "sweep", "sweep": "synthetic.yaml", "parameters": PARAMETERS, "outcomes": OUTCOMES,
                "replicates": REPLICATES, "runs": N_SAMPLES * REPLICATES, "method": "lhs"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return write_sweep_folder(tmp_path_factory.mktemp("discovery") / "sweep")


@pytest.fixture
def ema():
    return pytest.importorskip("ema_workbench")


def test_the_shipped_benghazi_lhs_sweep():
    import datetime as dt
    import re

    from helpers import ROOT

    from sim.experiments.sweep_file import parameter_keys
    from sim.experiments.sweep_reader import load_sweep

    spec = load_sweep(ROOT / "scenarios" / "sweeps" / "benghazi_2025_lhs.yaml")
    assert spec.design.method == "lhs" and spec.design.samples * spec.replicates >= 500
    keys = parameter_keys(spec)
    # a lever is a key of the scenario or the same key inside one of its dated events (events.N.set.<key>)
    inner = [re.sub(r"^events\.\d+\.set\.", "", k) for k in keys]
    stable = ("carriers.belavia.routes.BEN-MSQ.", "state_actors.belarus.", "border_services.PL.",
              "border_services.LT.", "border_services.LV.")
    assert all(k.startswith(stable) for k in inner), keys  # the names the rebuilt scenario keeps
    for key in ("carriers.belavia.routes.BEN-MSQ.flights_per_week", "carriers.belavia.routes.BEN-MSQ.load_factor",
                "state_actors.belarus.transport_per_day", "state_actors.belarus.steer.PL",
                "state_actors.belarus.steer.LT", "state_actors.belarus.steer.LV",
                "border_services.PL.policy.turn_back_share", "border_services.LT.policy.turn_back_share",
                "border_services.LV.policy.turn_back_share", "border_services.PL.policy.asylum_claim_share"):
        assert key in inner, key
    assert any(k.startswith("border_services.PL.segments.") and "barrier" in k for k in inner)
    assert {"attempts_PL", "attempts_LT", "attempts_LV", "deaths_total", "onward_arrivals_total"} <= set(spec.outcomes)
    for o in spec.outcomes.values():  # windowed to 2025, whatever year the base scenario starts
        assert o.start >= dt.date(2025, 1, 1) and o.end == dt.date(2025, 12, 31)


def test_named_levels_are_categories_in_the_files_order_even_when_they_look_like_numbers(tmp_path):
    from sim.experiments.discovery.cases import read_cases

    labels = ["none", "1", "3", "14", "007"]  # sorted as text: 007, 1, 14, 3, none
    rows = []
    for s, label in enumerate(labels):
        for r in range(2):
            rows.append({"run": 2 * s + r, "sample": s, "replicate": r, "seed": 100 + r, "status": "ok", "error": "",
                         "outcome": "attempts", "value": 1000.0 * s + r, "flights": label, "noise": 0.1 * r})
    pd.DataFrame(rows).to_csv(tmp_path / "runs.csv", index=False)
    levels = {label: {"events.16.set.x": i} for i, label in enumerate(labels)}
    manifest = {"kind": "sweep", "parameters": {"flights": {"levels": dict(sorted(levels.items()))},
                                                "noise": {"range": [0, 1]}},
                "level_order": {"flights": labels}, "outcomes": {"attempts": {"metric": "attempts"}}, "runs": 10}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, sort_keys=True))
    cases = read_cases(tmp_path)
    assert isinstance(cases.x["flights"].dtype, pd.CategoricalDtype)
    assert list(cases.x["flights"].cat.categories) == labels and cases.x["flights"].tolist()[-2:] == ["007", "007"]
    assert pd.api.types.is_numeric_dtype(cases.x["noise"])
    del manifest["level_order"]  # an older manifest: the labels sorted
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert list(read_cases(tmp_path).x["flights"].cat.categories) == sorted(labels)


def _fails(capsys, args, *expected):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("Error") and err.count("\n") == 1, err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    return err


# ----------------------------------------------------------------- the condition
def test_conditions_parse_evaluate_and_render():
    names = ["attempts", "deaths", "pl-x"]
    values = {"attempts": np.array([0.0, 15_000, 30_000]), "deaths": np.array([40.0, 1, 31]),
              "pl-x": np.array([1.0, 9, 9])}
    cases = {
        "attempts > 20_000": [False, False, True],
        "attempts >= 2e4 or deaths >= 30": [True, False, True],
        "1000 < attempts <= 20000": [False, True, False],
        "not (attempts > 10000 and deaths < 5)": [True, False, True],
        "(attempts + deaths) / 2 > 10000": [False, False, True],
        "attempts > 5 AND `pl-x` ≥ 5": [False, True, True],
        "-attempts < -20000": [False, False, True],
    }
    for text, expected in cases.items():
        assert parse_condition(text, names).evaluate(values).tolist() == expected, text
    c = parse_condition("attempts > 20_000 and (deaths >= 30 or deaths < 2)", names)
    assert c.render() == "attempts > 20000 and (deaths >= 30 or deaths < 2)"
    assert c.words() == "attempts > 20,000 and (deaths ≥ 30 or deaths < 2)"
    assert c.slug() == "attempts_gt_20000_and_deaths_ge_30_or_deaths_lt_2"
    assert c.names == ("attempts", "deaths")
    assert parse_condition("attempts - (deaths - 3) > 0", names).render() == "attempts - (deaths - 3) > 0"
    assert len(parse_condition(" or ".join(["attempts > 1"] * 25), names).slug()) <= 100


@pytest.mark.parametrize(("text", "why"), [
    ("", "empty"),
    ("attempts > 20,000", "write 20000 or 20_000"),
    ("attempts = 3", "single '='"),
    ("attempts > 1 && deaths > 2", "'and' / 'or'"),
    ("attempts >", "not a valid condition"),
    ("attempts", "must compare outcomes with numbers"),
    ("attempts > 'many'", "only numbers can be compared"),
    ("attempts > True", "only numbers can be compared"),
    ("__import__('os').system('true') > 1", "function call"),
    ("attempts.real > 1", "attribute"),
    ("attempts in [1, 2]", "'in' and 'is' do not"),
    ("(attempts > 1) > 0", "cannot be compared or added again"),
    ("attempts ** 2 > 1", "only + - * /"),
    ("lambda: 1", "Lambda"),
    ("`pl-x > 1", "backtick"),
    ("x" * 600, "more than the 500 allowed"),
])
def test_malformed_conditions_are_one_paragraph(text, why):
    with pytest.raises(CommandLineError) as err:
        parse_condition(text, ["attempts", "deaths"])
    assert why in err.value.message and err.value.message.startswith("Error in --where")
    assert "\n" not in err.value.message


def test_unknown_names_get_a_did_you_mean_or_are_told_to_be_parameters():
    with pytest.raises(CommandLineError, match=r"no outcome 'Attempts' \(did you mean 'attempts'\?\)"):
        parse_condition("Attempts > 3", ["attempts", "deaths"])
    with pytest.raises(CommandLineError, match=r"'flights' is a parameter of the sweep"):
        parse_condition("flights > 3", ["attempts"], ["flights"])


# ----------------------------------------------------------------- errors through the CLI
def test_condition_errors_through_the_command_line(sweep, capsys, tmp_path):
    _fails(capsys, ["discover", str(sweep), "--where", "atempts > 20000", "--out", str(tmp_path / "o")],
           "did you mean 'attempts'", "the sweep's outcomes are attempts, deaths, arrivals")
    _fails(capsys, ["discover", str(sweep), "--where", "attempts >> 3", "--out", str(tmp_path / "o")],
           "Error in --where")
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > 1e9", "--out", str(tmp_path / "o")],
           "holds in none of the 400 runs", "attempts ranges from")
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > -1", "--out", str(tmp_path / "o")],
           "holds in every one")
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > 1", "--threshold", "1.5"], "--threshold")
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > 1", "--threshold", "lots"], "invalid float")
    _fails(capsys, ["discover", str(sweep)], "--where")
    assert not (tmp_path / "o").exists()


def test_folders_that_are_not_sweeps(tmp_path, capsys):
    _fails(capsys, ["discover", str(tmp_path / "missing"), "--where", "a > 1"], "does not exist")
    _fails(capsys, ["discover", str(tmp_path), "--where", "a > 1"], "no manifest.json")
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "ensemble"}))
    _fails(capsys, ["discover", str(tmp_path), "--where", "a > 1"], "of a ensemble plan")
    (tmp_path / "manifest.json").write_text("{not json")
    _fails(capsys, ["discover", str(tmp_path), "--where", "a > 1"], "not valid JSON")
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep", "parameters": PARAMETERS,
                                                        "outcomes": OUTCOMES}))
    _fails(capsys, ["discover", str(tmp_path), "--where", "a > 1"], "no runs.csv")
    (tmp_path / "runs.csv").write_text("run,sample\n1,2\n")
    _fails(capsys, ["discover", str(tmp_path), "--where", "a > 1"], "lacks the column(s)")


def test_a_sweep_whose_runs_all_failed(tmp_path, capsys):
    folder = write_sweep_folder(tmp_path / "s", failed=range(N_SAMPLES * REPLICATES))
    _fails(capsys, ["discover", str(folder), "--where", "attempts > 1"], "none of the 400 runs")


def test_missing_ema_extra_is_exit_2_with_the_install_hint(sweep, capsys, tmp_path, monkeypatch):
    for name in ("ema_workbench", "ema_workbench.analysis", "ema_workbench.analysis.prim"):
        monkeypatch.setitem(sys.modules, name, None)
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > 20000", "--out", str(tmp_path / "o")],
           'pip install -e ".[ema]"')


# ----------------------------------------------------------------- PRIM on the known answer
@pytest.fixture(scope="module")
def found(sweep):
    pytest.importorskip("ema_workbench")
    assert main(["discover", str(sweep), "--where", "attempts > 20000"]) == 0
    return sweep / "discovery" / "attempts_gt_20000"


def test_prim_finds_the_known_box_and_writes_every_output(found):
    files = {p.name for p in found.iterdir()}
    assert files == {"summary.md", "trajectory.csv", "trajectory.png", "box_limits.csv", "box.png", "cases.csv",
                     "discovery.json"}
    assert (found / "box.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    limits = pd.read_csv(found / "box_limits.csv").set_index("parameter")
    assert set(limits.index) == {"flights", "asylum_off"}  # noise, k and mode are never restricted
    assert 4.7 < limits.loc["flights", "lower"] <= 5.05 and pd.isna(limits.loc["flights", "upper"])
    assert json.loads(limits.loc["asylum_off", "kept"]) == ["True"]
    assert limits["significant"].all() and (limits[["qp_lower"]].max() < 1e-6).all()
    info = json.loads((found / "discovery.json").read_text())
    assert info["box"]["density"] > 0.95 and info["box"]["coverage"] > 0.95
    assert info["per"] == "run" and info["counts"]["cases"] == 400
    trajectory = pd.read_csv(found / "trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and trajectory.loc[trajectory["chosen"], "step"].item() == info["step"]
    assert {"step", "n", "k", "coverage", "density", "mass", "res_dim", "phase"} <= set(trajectory.columns)
    cases = pd.read_csv(found / "cases.csv")
    assert len(cases) == 400 and cases["in_box"].sum() == info["box"]["n"]
    assert (cases.loc[cases["in_box"], "condition"].mean()) == pytest.approx(info["box"]["density"])
    summary = (found / "summary.md").read_text()
    assert "`flights` ≥ " in summary and "`asylum_off` = true" in summary and "attempts > 20,000" in summary
    assert "this box holds" in summary and "each run a case" in summary and "Box chosen:" in summary


def test_integer_and_categorical_levers(sweep, ema, tmp_path, capsys):
    assert main(["discover", str(sweep), "--where", "deaths >= 8", "--out", str(tmp_path / "k")]) == 0
    limits = pd.read_csv(tmp_path / "k" / "box_limits.csv").set_index("parameter")
    assert list(limits.index) == ["k"] and limits.loc["k", "lower"] == 6  # a whole number, not PRIM's 5.5
    assert "`k` ≥ 6" in capsys.readouterr().out
    assert main(["discover", str(sweep), "--where", "arrivals > 3000", "--out", str(tmp_path / "m")]) == 0
    limits = pd.read_csv(tmp_path / "m" / "box_limits.csv").set_index("parameter")
    assert list(limits.index) == ["mode"] and json.loads(limits.loc["mode", "kept"]) == ["land", "sea"]
    assert "`mode` in {land, sea}" in (tmp_path / "m" / "summary.md").read_text()


def test_cases_per_sample_and_failed_runs(tmp_path, ema):
    folder = write_sweep_folder(tmp_path / "s", failed=(0, 1, 2))
    assert main(["discover", str(folder), "--where", "attempts > 20000", "--cases", "sample", "--no-plots",
                 "--out", str(tmp_path / "o")]) == 0
    info = json.loads((tmp_path / "o" / "discovery.json").read_text())
    assert info["counts"]["cases"] == N_SAMPLES - 1 and info["counts"]["failed"] == 3  # sample 0 lost both runs
    assert info["counts"]["ok"] == N_SAMPLES * REPLICATES - 3
    assert not (tmp_path / "o" / "box.png").exists()
    summary = (tmp_path / "o" / "summary.md").read_text()
    assert "samples with" in summary and "the mean over its runs" in summary and "3 others" in summary


def test_step_and_keeping_insignificant_limits(sweep, ema, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["discover", str(sweep), "--where", "attempts > 20000", "--step", "3", "--keep-insignificant",
                 "--out", str(out), "--no-plots"]) == 0
    info = json.loads((out / "discovery.json").read_text())
    assert info["step"] == 3 and "as asked with --step" in info["rule"] and info["pruned"] is False
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > 20000", "--step", "999", "--out", str(out)],
           "--step 999 is not on the peeling trajectory")


def test_an_output_folder_holding_other_files_is_refused(sweep, ema, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    _fails(capsys, ["discover", str(sweep), "--where", "attempts > 20000", "--out", str(tmp_path)],
           "not a discovery")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
