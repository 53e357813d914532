"""Sweep files: named levels (``levels:``), from the file to the runs' overrides, tables and plots."""

import pandas as pd
import pytest
import yaml
from sweep_helpers import sweep_file

from sim.cli.commands import main as cli
from sim.errors import SweepFileError
from sim.experiments.design import build_design, planned_samples
from sim.experiments.sweep import plan_tasks, run_sweep
from sim.experiments.sweep_file import expand, level_labels, parameter_keys
from sim.experiments.sweep_reader import load_sweep
from sim.seeds import spawn_seeds

TURN_BACK = "border_services.PL.policy.turn_back_share"
ASYLUM = "border_services.PL.policy.asylum_claim_share"
LEVELS = {"as_scenario": {}, "hard": {TURN_BACK: 0.95, ASYLUM: 0.05}, "0": {TURN_BACK: 0.0}}


def _levels_sweep(tmp_path, levels=None, **changes):
    params = {"pl_policy": {"levels": LEVELS if levels is None else levels}, "demand.scale": {"values": [0.5, 1.0]}}
    return sweep_file(tmp_path, parameters=changes.pop("parameters", None) or params, **changes)


def test_each_level_applies_its_overrides_together_and_keeps_its_label(tmp_path):
    spec = load_sweep(_levels_sweep(tmp_path))
    assert level_labels(spec) == {"pl_policy": ["as_scenario", "hard", "0"]}
    assert parameter_keys(spec) == [TURN_BACK, ASYLUM, "demand.scale"]
    design = build_design(spec)
    assert planned_samples(spec, "grid") == len(design.samples) == 6
    assert design.samples["pl_policy"].tolist() == ["as_scenario"] * 2 + ["hard"] * 2 + ["0"] * 2
    tasks = plan_tasks(spec, design)
    by_sample = {t.meta["sample"]: t.overrides for t in tasks}
    assert TURN_BACK not in by_sample[0] and by_sample[0]["demand.scale"] == 0.5
    assert by_sample[2][TURN_BACK] == 0.95 and by_sample[2][ASYLUM] == 0.05
    assert by_sample[4][TURN_BACK] == 0.0 and ASYLUM not in by_sample[4]
    seeds = spawn_seeds(spec.seed, spec.replicates)  # the same replicate seeds in every sample: paired
    assert all(t.seed == seeds[t.meta["replicate"]] for t in tasks)


def test_yaml_labels_are_text_and_unquoted_booleans_are_refused(tmp_path):
    path = tmp_path / "s.yaml"
    base = yaml.safe_load(_levels_sweep(tmp_path).read_text())
    text = yaml.safe_dump(base, sort_keys=False).replace("'0':", "14:")
    path.write_text(text)
    assert level_labels(load_sweep(path))["pl_policy"] == ["as_scenario", "hard", "14"]
    path.write_text(text.replace("as_scenario:", "on:"))
    with pytest.raises(SweepFileError, match=r"'parameters.pl_policy.levels': the level label True is a YAML "
                                             r"boolean .* write it in quotes"):
        load_sweep(path)


BAD = [
    ({"pl_policy": {"levels": {"a": {"border_services.PL.policy.turn_back_shar": 0.5}}}},
     "'parameters.pl_policy.levels.a' cannot be applied", "did you mean 'turn_back_share'?"),
    ({"pl_policy": {"levels": {"a": 0.5}}}, "'parameters.pl_policy.levels': level 'a' is 0.5, not a mapping", ""),
    ({"pl_policy": {"levels": [{TURN_BACK: 0.5}]}}, "'levels' must be a mapping of a label", ""),
    ({"pl_policy": {"levels": {}}}, "'levels' is empty", ""),
    ({"pl_policy": {"levels": {"a": {}}, "values": [1, 2]}}, "give it alone, without 'values'", ""),
    ({"pl_policy": {"levels": {"a": {TURN_BACK: 1.5}}}}, "'parameters.pl_policy.levels.a' cannot be applied", "1.5"),
    ({"pl_policy": {"levels": {"a": {TURN_BACK: 0.5}}}, TURN_BACK: {"values": [0.2]}},
     f"it sets '{TURN_BACK}', which parameter 'pl_policy' sets too", ""),
]


@pytest.mark.parametrize(("parameters", "needle", "hint"), BAD)
def test_bad_levels_exit_2_with_one_paragraph(tmp_path, capsys, parameters, needle, hint):
    path = _levels_sweep(tmp_path, parameters=parameters)
    assert cli(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and needle in err and hint in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("method", ["lhs", "sobol", "morris"])
def test_levels_are_refused_with_designs_that_sample_ranges(tmp_path, method):
    design = {"method": method, "samples": 4, "trajectories": 2}
    if method == "lhs":
        design.pop("trajectories")
    if method == "morris":
        design.pop("samples")
    path = _levels_sweep(tmp_path, parameters={"pl_policy": {"levels": LEVELS}, "demand.scale": {"range": [0.5, 1]}},
                         design=design)
    with pytest.raises(SweepFileError, match=f"named levels are categories, which design '{method}' cannot sample"):
        load_sweep(path)
    with pytest.raises(SweepFileError, match="design 'morris' cannot sample"):
        load_sweep(_levels_sweep(tmp_path, parameters={"pl_policy": {"levels": LEVELS}}), method="morris")


def test_a_label_that_is_no_level_is_refused(tmp_path):
    spec = load_sweep(_levels_sweep(tmp_path))
    with pytest.raises(SweepFileError, match="'soft' is not one of its levels"):
        expand(spec, {"pl_policy": "soft"}, {})


def test_labels_go_into_the_tables_and_the_plots(tmp_path):
    levels = {"as_scenario": {}, "7": {TURN_BACK: 0.95}, "0": {TURN_BACK: 0}}
    path = _levels_sweep(tmp_path, replicates=1, levels=levels)
    res = run_sweep(load_sweep(path), tmp_path / "o", workers=1, progress=False, plots=True)
    assert res.execution.ok == 6 and res.warnings == []
    out = tmp_path / "o"
    for name in ("samples.csv", "runs.csv", "summary.csv"):
        table = pd.read_csv(out / name, dtype={"pl_policy": str})
        assert set(table["pl_policy"]) == {"as_scenario", "7", "0"}, name
    assert (out / "plots" / "deaths.png").stat().st_size > 5_000
    runs = pd.read_csv(out / "runs.csv", dtype={"pl_policy": str})
    attempts = runs[runs["outcome"] == "pl_attempts_aug"].groupby("pl_policy")["value"].sum()
    assert attempts["0"] != attempts["7"]  # the levels change the runs
