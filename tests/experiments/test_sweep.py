"""Sweeps: designs, engines give identical results, resume after a kill, failures, bad files."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from sweep_helpers import CLASSROOM, ROOT, SHORT, sweep_file

import sim
from sim.cli.commands import main as cli
from sim.experiments.design import build_design, runs_needed
from sim.experiments.sweep import run_sweep
from sim.experiments.sweep_reader import load_sweep
from sim.outcomes.sources import TableSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.values import outcome_values
from sim.seeds import spawn_seeds


def test_designs_sample_counts(tmp_path):
    params = {"border_services.PL.policy.turn_back_share": {"range": [0.1, 0.9]},
              "demand.scale": {"range": [0.5, 1.5]},
              "migrants.max_attempts": {"range": [5, 20]}}
    for design, n in [({"method": "lhs", "samples": 7}, 7),
                      ({"method": "morris", "trajectories": 3}, runs_needed("morris", 3, 3)),
                      ({"method": "sobol", "samples": 4}, runs_needed("sobol", 3, 4))]:
        spec = load_sweep(sweep_file(tmp_path, parameters=params, design=design))
        d = build_design(spec)
        assert len(d.samples) == n
        assert d.samples["border_services.PL.policy.turn_back_share"].between(0.1, 0.9).all()
        assert d.samples["migrants.max_attempts"].map(type).eq(int).all()  # int in the scenario: stays int
    assert runs_needed("morris", 10, 10, replicates=2) == 220
    assert runs_needed("sobol", 10, 256) == 256 * 12
    grid = build_design(load_sweep(sweep_file(tmp_path)))
    assert len(grid.samples) == 4


def test_outcome_statistics():
    daily = pd.DataFrame({
        "date": ["2021-10-01", "2021-10-02", "2021-11-01", "2021-10-01", "2021-10-01"],
        "metric": ["attempts"] * 4 + ["at_border"],
        "country": ["PL", "PL", "PL", "LT", "PL"],
        "place": ["", "", "", "", ""],
        "value": [3, 4, 10, 5, 9],
    })
    outs = {"pl_oct": OutcomeSpec(metric="attempts", country="PL", start="2021-10-01", end="2021-10-31"),
            "all": OutcomeSpec(metric="attempts"), "peak": OutcomeSpec(metric="attempts", stat="peak"),
            "none": OutcomeSpec(metric="deaths")}
    assert outcome_values(TableSeries(daily), outs) == {"pl_oct": 7.0, "all": 22.0, "peak": 10.0, "none": 0.0}


def test_seeds_from_seed_sequence():
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(5).spawn(3)]
    assert spawn_seeds(5, 3) == expected
    assert spawn_seeds(5, 5)[:3] == expected


def test_local_pool_and_dask_give_identical_results(tmp_path):
    pytest.importorskip("dask.distributed")
    spec = load_sweep(sweep_file(tmp_path))
    pool = run_sweep(spec, tmp_path / "pool", workers=2, progress=False, plots=True)
    dask = run_sweep(spec, tmp_path / "dask", engine="dask", workers=1, progress=False, plots=False)
    assert pool.execution.ok == dask.execution.ok == 8
    assert dask.execution.engine == "dask" and pool.execution.engine == "local"
    for name in ("runs.csv", "summary.csv", "samples.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes()
    runs = pd.read_csv(tmp_path / "pool" / "runs.csv")
    assert len(runs) == 8 * 4 and set(runs["status"]) == {"ok"}
    assert (tmp_path / "pool" / "runs.parquet").exists()
    assert (tmp_path / "pool" / "plots" / "pl_attempts_aug.png").exists()
    manifest = json.loads((tmp_path / "pool" / "manifest.json").read_text())
    assert manifest["runs"] == 8 and manifest["failed"] == 0
    # a sample's value equals a direct sim.run with its overrides and seed
    row = runs[(runs["run"] == 5) & (runs["outcome"] == "deaths")].iloc[0]
    samples = pd.read_csv(tmp_path / "pool" / "samples.csv")
    over = {**spec.overrides, **samples.drop(columns="sample").iloc[int(row["sample"])].to_dict()}
    direct = sim.run(str(CLASSROOM), seed=int(row["seed"]), overrides=over)
    assert outcome_values(TableSeries(direct.daily), {"d": spec.outcomes["deaths"]})["d"] == row["value"]


def test_killed_sweep_resumes_without_redoing_runs(tmp_path):
    path = sweep_file(tmp_path)  # 8 runs
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(path), "--workers", "1",
                             "--out", str(out), "--no-progress", "--no-plots"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        if out.joinpath("runs").is_dir() and len(list(out.joinpath("runs").glob("run_*.json"))) >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(out.joinpath("runs").glob("run_*.json"))
    assert 2 <= len(done) < 8, "the sweep should have been killed part-way"
    for p in done:  # no corrupt records
        assert json.loads(p.read_text())["status"] == "ok"
    (out / "runs" / ".run_000099.json.abc.tmp").write_text('{"trunc')  # what a kill mid-write leaves
    mtimes = {p.name: p.stat().st_mtime_ns for p in done}
    res = run_sweep(load_sweep(path), out, workers=2, progress=False, plots=False)
    assert res.execution.skipped == len(done)
    assert res.execution.ok == 8 and res.execution.failed == 0
    assert {p.name: p.stat().st_mtime_ns for p in done} == mtimes  # finished runs were not redone
    assert not list((out / "runs").glob("*.tmp"))
    run_sweep(load_sweep(path), tmp_path / "clean", workers=2, progress=False, plots=False)
    assert (out / "runs.csv").read_bytes() == (tmp_path / "clean" / "runs.csv").read_bytes()
    again = run_sweep(load_sweep(path), out, workers=2, progress=False, plots=False)
    assert again.execution.skipped == 8


def test_failing_run_is_recorded_and_sweep_goes_on(tmp_path, monkeypatch, capsys):
    path = sweep_file(tmp_path)
    bad_seed = spawn_seeds(11, 2)[1]
    real_run = sim.run

    def flaky(scenario, seed=None, **kw):
        if seed == bad_seed:
            raise RuntimeError("simulated crash")
        return real_run(scenario, seed=seed, **kw)

    monkeypatch.setattr(sim.experiments.engines, "run", flaky)
    code = cli(["sweep", str(path), "--workers", "1", "--out", str(tmp_path / "o"), "--no-progress", "--no-plots"])
    assert code == 0
    err = capsys.readouterr()
    assert "4 ok, 4 failed" in err.out and "simulated crash" in err.err
    runs = pd.read_csv(tmp_path / "o" / "runs.csv", keep_default_na=False)
    failed = runs[runs["status"] == "failed"]
    assert set(failed["replicate"]) == {1} and failed["error"].str.contains("simulated crash").all()
    summary = pd.read_csv(tmp_path / "o" / "summary.csv")
    assert (summary["n"] == 1).all() and (summary["failed"] == 1).all()
    monkeypatch.setattr(sim.experiments.engines, "run", real_run)
    res = run_sweep(load_sweep(path), tmp_path / "o", workers=1, progress=False, plots=False, retry_failed=True)
    assert res.execution.ok == 8 and res.execution.skipped == 4


BAD = [
    ({"parameters": {"border_services.PL.policy.no_such_lever": {"values": [1, 2]}}},
     "parameters.border_services.PL.policy.no_such_lever"),
    ({"parameters": {"demand.scale": {"range": [2.0, 1.0], "num": 3}}}, "empty range"),
    ({"parameters": {"demand.scale": {"values": []}}}, "'values' is empty"),
    ({"design": "factorial"}, "unknown design 'factorial'"),
    ({"outcomes": {"x": {"metric": "arrivals_paris"}}}, "outcomes.x.metric"),
    ({"outcomes": {"x": {"metric": "deaths", "stat": "median"}}}, "outcomes.x.stat"),
    ({"replicate": 3}, "'replicate': unknown key"),
    ({"base": "nowhere.yaml"}, "nowhere.yaml"),
    ({"parameters": {"border_services.PL.policy.turn_back_share": {"values": [1.5]}}},
     "parameters.border_services.PL.policy.turn_back_share"),
    # outcomes that would be silent zeros in every run
    ({"outcomes": {"x": {"metric": "attempts", "country": "XX"}}}, "'outcomes.x.country': 'XX' is not a country"),
    ({"outcomes": {"x": {"metric": "attempts", "country": "pl"}}}, "did you mean 'PL'?"),
    ({"outcomes": {"x": {"metric": "attempts", "place": "kuznca"}}}, "did you mean 'kuznica'?"),
    ({"outcomes": {"x": {"metric": "attempts", "country": "LT", "place": "kuznica"}}}, "a place of PL, not of LT"),
    ({"outcomes": {"x": {"metric": "arrivals_minsk", "place": "kuznica"}}}, "its places are BGW-MSQ, IST-MSQ"),
    ({"outcomes": {"x": {"metric": "state_bogus"}}}, "unknown journey state 'state_bogus'"),
    ({"outcomes": {"x": {"metric": "state_crossed", "country": "PL"}}}, "not split by country"),
    ({"outcomes": {"x": {"metric": "onward_arrivals", "country": "LV"}}}, "its countries are DE, FR, NL, PL"),
    ({"outcomes": {"x": {"metric": "deaths", "start": "2022-03-01", "end": "2022-03-31"}}},
     "lies outside the run (2021-08-01 to 2021-09-15"),
    # multipliers
    ({"parameters": {"guards_x": {"keys": ["border_services.PL.reception"], "values": [2]}}},
     "'parameters.guards_x.keys': 'border_services.PL.reception' is 'bialystok'"),
    ({"parameters": {"guards_x": {"keys": ["border_services.PL.segments.kuznica.gaurds"], "values": [2]}}},
     "parameters.guards_x.keys"),
    ({"parameters": {"guards_x": {"keys": [], "values": [2]}}}, "'keys' is empty"),
    ({"design": {"method": "sobol", "samples": 10},
      "parameters": {"demand.scale": {"range": [0.5, 1.0]}}}, "power of two (got 10)"),
]


@pytest.mark.parametrize(("changes", "needle"), BAD)
def test_bad_sweep_file_exits_2_with_a_clear_message(tmp_path, capsys, changes, needle):
    path = sweep_file(tmp_path, **changes)
    assert cli(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and needle in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_not_yaml_and_missing_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: [unclosed\n")
    assert cli(["sweep", str(bad)]) == 2
    assert cli(["sweep", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "not valid YAML" in err and "does not exist" in err and "Traceback" not in err


def test_other_plan_in_out_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "o"
    path = sweep_file(tmp_path, parameters={"demand.scale": {"values": [0.5]}}, replicates=1)
    assert cli(["sweep", str(path), "--out", str(out), "--no-progress", "--no-plots"]) == 0
    other = sweep_file(tmp_path, "other.yaml", parameters={"demand.scale": {"values": [0.7]}}, replicates=1)
    assert cli(["sweep", str(other), "--out", str(out), "--no-progress"]) == 2
    assert "different plan" in capsys.readouterr().err


def test_missing_dask_extra_gives_install_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    monkeypatch.setitem(sys.modules, "distributed", None)
    code = cli(["sweep", str(sweep_file(tmp_path)), "--engine", "dask", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and 'pip install -e ".[dask]"' in err and len(err.strip().splitlines()) == 1


def test_malformed_scheduler_address_exits_2(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    path = sweep_file(tmp_path, parameters={"demand.scale": {"values": [0.5]}}, replicates=1)
    for address in ("notanaddress", "foo://bar:1"):
        code = cli(["sweep", str(path), "--engine", "dask", "--scheduler", address, "--out", str(tmp_path / "o"),
                    "--no-progress"])
        err = capsys.readouterr().err
        assert code == 2 and f"--scheduler '{address}' is not a Dask scheduler address" in err
        assert "tcp://HOST:8786" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_zero_workers_is_refused(tmp_path, capsys):
    from sim.errors import EngineUnavailable
    from sim.experiments.engines import make_engine

    assert cli(["sweep", str(sweep_file(tmp_path)), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--workers must be 1 or more (got 0)" in capsys.readouterr().err
    with pytest.raises(EngineUnavailable, match="1 or more"):
        make_engine("local", 0)


def test_mapping_grid_values_are_run_plotted_and_written_as_json(tmp_path):
    dests = [{"berlin": 1.0}, {"berlin": 0.5, "warsaw": 0.5}]
    path = sweep_file(tmp_path, replicates=1, parameters={
        "migrants.destinations": {"values": dests},
        "border_services.PL.policy.turn_back_share": {"values": [0.2, 0.8]}},
        outcomes={"onward_pl": {"metric": "onward_arrivals", "country": "PL"}, "deaths": {"metric": "deaths"}})
    res = run_sweep(load_sweep(path), tmp_path / "o", workers=1, progress=False, plots=True)
    assert res.execution.ok == 4 and res.warnings == []
    for name in ("onward_pl.png", "deaths.png"):
        assert (tmp_path / "o" / "plots" / name).stat().st_size > 5_000
    runs = pd.read_csv(tmp_path / "o" / "runs.csv")
    assert set(runs["migrants.destinations"]) == {json.dumps(d, sort_keys=True) for d in dests}
    onward = runs[runs["outcome"] == "onward_pl"].groupby("migrants.destinations")["value"].sum()
    assert onward[json.dumps(dests[0], sort_keys=True)] == 0 < onward[json.dumps(dests[1], sort_keys=True)]


def test_a_failing_plot_is_a_warning_not_a_lost_report(tmp_path, monkeypatch, capsys):
    from sim.plots import experiment_plots as plots

    def broken(*args, **kwargs):
        raise TypeError("unhashable type: 'dict'")

    monkeypatch.setattr(plots, "plot_outcomes_vs_parameters", broken)
    path = sweep_file(tmp_path, parameters={"demand.scale": {"values": [0.5]}}, replicates=1)
    assert cli(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "1 ok, 0 failed" in out
    assert "warning: plots/<outcome>.png not drawn (TypeError: unhashable type: 'dict')" in err
    assert "Traceback" not in err
    for name in ("runs.csv", "summary.csv", "manifest.json"):
        assert (tmp_path / "o" / name).exists()


def test_stale_parquet_is_removed_without_pyarrow(tmp_path, monkeypatch):
    path = sweep_file(tmp_path, parameters={"demand.scale": {"values": [0.5]}}, replicates=1)
    out = tmp_path / "o"
    out.mkdir()
    (out / "runs.parquet").write_bytes(b"an old table")

    def no_pyarrow(*args, **kwargs):
        raise ImportError("Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'.")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", no_pyarrow)
    res = run_sweep(load_sweep(path), out, workers=1, progress=False, plots=False)
    assert res.execution.ok == 1 and (out / "runs.csv").exists()
    assert not (out / "runs.parquet").exists()


def test_multiplier_scales_every_key_together(tmp_path):
    from sim.experiments.design import build_design
    from sim.experiments.sweep import plan_tasks

    keys = ["border_services.PL.segments.michalowo.guards", "border_services.PL.segments.kuznica.guards",
            "border_services.PL.apprehension_capacity_per_day"]
    path = sweep_file(tmp_path, replicates=1, overrides={**SHORT, "border_services.PL.segments.kuznica.guards": 50},
                      parameters={"pl_x": {"keys": keys, "values": [0.5, 2.0]}})
    spec = load_sweep(path)
    tasks = plan_tasks(spec, build_design(spec))
    assert [{k: t.overrides[k] for k in keys} for t in tasks] == [
        {keys[0]: 20.0, keys[1]: 25.0, keys[2]: 200},   # base 40, fixed override 50, int 400 stays int
        {keys[0]: 80.0, keys[1]: 100.0, keys[2]: 800}]
    res = run_sweep(spec, tmp_path / "o", workers=1, progress=False, plots=False)
    assert list(pd.read_csv(tmp_path / "o" / "samples.csv").columns) == ["sample", "pl_x"]
    direct = sim.run(str(CLASSROOM), seed=tasks[1].seed, overrides=tasks[1].overrides)
    value = res.runs[(res.runs["sample"] == 1) & (res.runs["outcome"] == "pl_attempts_aug")]["value"].item()
    assert outcome_values(TableSeries(direct.daily), {"x": spec.outcomes["pl_attempts_aug"]})["x"] == value


def test_multiplier_can_reach_into_an_event_value(tmp_path):
    from sim.experiments.design import build_design
    from sim.experiments.sweep import plan_tasks

    key = "events.1.set.border_services.PL.policy.turn_back_share"  # classroom: 0.8 from 1 Oct
    spec = load_sweep(sweep_file(tmp_path, overrides={}, outcomes={"d": {"metric": "deaths"}},
                                 parameters={"tb_x": {"keys": [key], "values": [0.5, 1.2]}}))
    assert [t.overrides[key] for t in plan_tasks(spec, build_design(spec))][::2] == [0.4, 0.96]
    assert sim.load_scenario(str(CLASSROOM), overrides={key: 0.4}).events[1].set[key[13:]] == 0.4


def _event_keys(scenario) -> list[tuple[int, str]]:
    return [(i, key) for i, event in enumerate(scenario.events) for key in event.set]


def test_example_sweeps_vary_no_key_a_dated_event_overwrites():
    """A swept starting value that an event overwrites is swept in that event too (events.N.set.<key>)."""
    from sim.experiments.sweep_file import parameter_keys

    for f in sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")):
        spec = load_sweep(f)
        base = sim.load_scenario(str(spec.base_path), overrides=dict(spec.overrides) or None)
        keys = set(parameter_keys(spec))
        for key in keys:
            hit = [e for i, e in _event_keys(base) if (key == e or key.startswith(e + ".") or e.startswith(key + "."))
                   and f"events.{i}.set.{e}" not in keys]
            assert not hit, f"{f.name}: {key} is overwritten by a dated event ({hit})"


def test_morris_screen_covers_the_named_levers():
    from sim.experiments.sensitivity import planned_runs
    from sim.experiments.sweep_file import parameter_keys

    spec = load_sweep(ROOT / "scenarios" / "sweeps" / "belarus_2021_morris.yaml", method="morris")
    keys = parameter_keys(spec)
    assert len(spec.parameters) == 10 and planned_runs(spec, "morris") == 10 * 11 * 2 == 220
    assert "state_actors.belarus.facilitation" in keys
    assert any(k.endswith("flights_per_week") for k in keys)
    assert {f"border_services.{c}.detection_per_guard_km" for c in ("PL", "LT", "LV")} <= set(keys)
    assert any("barrier" in k for k in keys)
    readme = (ROOT / "README.md").read_text() + (ROOT / "docs" / "sweeps.md").read_text()
    assert "220 runs" in readme and "| 10 | 220 |" in readme


def test_example_sweep_files_are_valid():
    folder = ROOT / "scenarios" / "sweeps"
    files = sorted(folder.glob("*.yaml"))
    assert files
    for f in files:
        spec = load_sweep(f)
        assert len(build_design(spec).samples) > 0
        assert yaml.safe_load(f.read_text())["outcomes"]



def test_worker_death_fails_only_its_run():
    from sweep_helpers import KillWorkerOnSeed

    from sim.experiments.engines import RunTask, make_engine

    tasks = [RunTask(index=i, scenario=str(CLASSROOM), seed=i, overrides=SHORT, collect=KillWorkerOnSeed(3))
             for i in range(6)]
    engine = make_engine("local", 2)
    try:
        recs = {r["index"]: r for r in engine.map_unordered(tasks)}
    finally:
        engine.close()
    assert sorted(recs) == list(range(6))
    assert [i for i, r in recs.items() if r["status"] == "failed"] == [3]
    assert "died" in recs[3]["error"]


def test_engine_errors_are_not_stored_and_stop_the_sweep(tmp_path, monkeypatch, capsys):
    from sim.experiments import sweep as runner

    class Unreachable:  # e.g. Dask workers without the project installed
        name, workers = "dask", 2

        def map_unordered(self, tasks):
            for t in tasks:
                yield {"index": t.index, "seed": t.seed, **t.meta, "status": "failed",
                       "error": "RuntimeError: cannot deserialize the task", "engine_error": True}

        def close(self):
            pass

    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: Unreachable())
    out = tmp_path / "o"
    assert cli(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "cannot run the simulator" in err and "Traceback" not in err
    assert not list((out / "runs").glob("run_*"))  # nothing recorded: re-running retries every run


def test_one_writer_per_output_folder(tmp_path, capsys):
    from sim.experiments.store import RunStore

    holder = RunStore(tmp_path / "o")  # as if another command were running there
    assert cli(["sweep", str(sweep_file(tmp_path)), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "in use by another running command" in capsys.readouterr().err
    holder.close()


def test_multiplier_of_a_non_numeric_key_is_refused_even_without_key_checks(tmp_path):
    from sim.errors import SweepFileError
    from sim.experiments.sweep import plan_tasks
    from sim.experiments.sweep_file import base_values, expand

    for key, needle in [("border_services.PL.reception", "is 'bialystok'"),
                        ("border_services.PL.segments.kuznica.gaurds", "has no value")]:
        path = sweep_file(tmp_path, replicates=1, parameters={"guards_x": {"keys": [key], "values": [2]}})
        spec = load_sweep(path, check_keys=False)
        assert base_values(spec) == {key: None if "gaurds" in key else "bialystok"}
        with pytest.raises(SweepFileError, match=f"'parameters.guards_x.keys': '{key}' {needle}.*not a number"):
            plan_tasks(spec, build_design(spec))  # never a `key: None` (or 'bialystok') override
        with pytest.raises(SweepFileError, match="cannot be multiplied"):
            expand(spec, {"guards_x": 2.0}, base_values(spec))


def test_base_values_lets_a_bug_in_loading_raise(tmp_path, monkeypatch):
    import sim.scenario.loader
    from sim.experiments.sweep_file import base_values

    spec = load_sweep(sweep_file(tmp_path))
    assert base_values(spec)["demand.scale"] == 1.0

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr(sim.experiments.sweep_file, "load_scenario", broken)
    assert base_values(spec)["demand.scale"] == 1.0  # loaded once by load_sweep: not read again
    spec.overrides = {**spec.overrides, "demand.scale": 0.9}  # a changed override reloads ...
    with pytest.raises(RuntimeError, match="a bug"):  # ... and a bug is not turned into None values
        base_values(spec)


def test_a_sweep_reads_its_base_scenario_file_once(monkeypatch):
    import sim.experiments.sweep_checks
    import sim.scenario.loader
    from sim.experiments.store import scenario_fingerprint
    from sim.experiments.sweep import plan_tasks
    from sim.scenario.schema import Scenario

    real = sim.scenario.loader.load_scenario
    from_file = []

    def counting(source, overrides=None):
        if not isinstance(source, (Scenario, dict)):
            from_file.append(str(source))
        return real(source, overrides)

    monkeypatch.setattr(sim.experiments.sweep_file, "load_scenario", counting)
    monkeypatch.setattr(sim.experiments.sweep_checks, "load_scenario", counting)
    spec = load_sweep(ROOT / "scenarios" / "sweeps" / "belarus_2021_morris.yaml")
    design = build_design(spec)
    assert len(plan_tasks(spec, design)) == 220
    scenario_fingerprint(spec.base_scenario())
    assert from_file == [str(spec.base_path)]


def test_recorder_key_spaces_match_the_model_for_every_shipped_scenario():
    from sim.model.model import CorridorModel
    from sim.model.recorder import key_spaces
    from sim.scenario.loader import is_network_fragment

    files = [f for f in sorted((ROOT / "scenarios").glob("*.yaml")) if not is_network_fragment(f)]
    assert len(files) >= 4
    for f in files:
        scenario = sim.load_scenario(str(f))
        model = CorridorModel(scenario, rng=0)
        spaces = key_spaces(scenario)
        assert spaces == model.recorder.key_spaces, f.name
        # the model's own indexes (which rows its rules add to) follow the same order
        assert [label for label, _ in spaces["segment"]] == model.segment_ids, f.name
        assert [model.countries[k] for k in model.segment_country] == [c for _, c in spaces["segment"]], f.name
        assert [label for label, _ in spaces["route"]] == model.route_labels, f.name
        assert [label for label, _ in spaces["destination"]] == model.destination_ids, f.name
        assert [label for label, _ in spaces["repatriation"]] == model.repat_labels, f.name
        assert list(model.recorder.counting_rules) == list(scenario.border_services), f.name


def test_every_recorded_metric_is_a_known_outcome_metric(tmp_path):
    from sim.errors import SweepFileError
    from sim.model.recorder import METRICS
    from sim.outcomes.spec import check_metric_names

    names = [m.name for m in METRICS] + ["reported", "state_crossed"]
    check_metric_names({n: OutcomeSpec(metric=n) for n in names}, f"Sweep file {tmp_path / 'x.yaml'}")
    with pytest.raises(SweepFileError, match="unknown metric 'atempts' \\(did you mean 'attempts'\\?\\)"):
        check_metric_names({"a": OutcomeSpec(metric="atempts")}, f"Sweep file {tmp_path / 'x.yaml'}")


def test_run_sweep_refuses_zero_workers_before_writing(tmp_path):
    from sim.errors import EngineUnavailable

    spec = load_sweep(sweep_file(tmp_path))
    with pytest.raises(EngineUnavailable, match=r"--workers must be 1 or more \(got 0\)"):
        run_sweep(spec, tmp_path / "o", workers=0, progress=False)
    assert not (tmp_path / "o").exists()


def test_draw_safely_names_the_error_and_lets_interrupts_through():
    from sim.experiments.sweep import draw_safely

    warnings: list[str] = []
    for exc in (ValueError("bad grid value\nsecond line"), OSError()):
        def draw(exc=exc):
            raise exc
        draw_safely("plots/x.png", draw, warnings)
    assert warnings == ["plots/x.png not drawn (ValueError: bad grid value); the tables are complete.",
                        "plots/x.png not drawn (OSError); the tables are complete."]
    for stop in (KeyboardInterrupt, SystemExit):
        def interrupted(stop=stop):
            raise stop()
        with pytest.raises(stop):
            draw_safely("plots/x.png", interrupted, warnings)
    assert len(warnings) == 2


def test_parquet_errors_of_data_or_disk_are_warnings_and_bugs_raise(tmp_path, monkeypatch):
    from sim.experiments.sweep import _write_parquet

    runs = pd.DataFrame({"run": [0], "value": [1.0]})
    path = tmp_path / "runs.parquet"
    errors = [ValueError("bad column"), TypeError("mixed types"), OSError("disk full")]
    pyarrow = pytest.importorskip("pyarrow")
    errors.append(pyarrow.lib.ArrowNotImplementedError("no such type"))
    for exc in errors:
        path.write_bytes(b"an old table")

        def failing(*args, exc=exc, **kwargs):
            raise exc

        monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
        warnings: list[str] = []
        _write_parquet(path, runs, warnings)
        assert not path.exists()  # never a stale table beside a fresh runs.csv
        assert warnings == [f"runs.parquet not written ({type(exc).__name__}: {exc}); runs.csv has the same table."]

    def buggy(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", buggy)
    with pytest.raises(ZeroDivisionError):
        _write_parquet(path, runs, [])


def test_the_benghazi_questions_sweep_levels_follow_the_scenarios_events():
    """'off' restores what was in force before Poland's suspension; each flights level sets events 16-18 alike."""
    from sim.scenario.keypaths import get_path

    spec = load_sweep(ROOT / "scenarios" / "sweeps" / "benghazi_2025_questions.yaml")
    base = spec.base_scenario()
    suspension = base.events[7]
    assert suspension.date.isoformat() == "2025-03-27" and "suspends the right to apply for asylum" in suspension.note
    data = base.model_dump(by_alias=True)
    before = {k: get_path(data, k, source="test") for k in suspension.set}
    for event in sorted(base.events, key=lambda e: e.date):  # the values in force the day before event 7
        if event.date < suspension.date:
            before.update({k: v for k, v in event.set.items() if k in before})
    off = spec.parameters["pl_asylum_suspension"].levels["off"]
    expected = {f"events.7.set.{k}": v for k, v in before.items()}
    assert off == expected, "copy the scenario's pre-suspension PL values into the sweep's 'off' level"
    assert spec.parameters["pl_asylum_suspension"].levels["on"] == {}
    flights = spec.parameters["benghazi_flights"].levels
    key = "carriers.belavia.routes.BEN-MSQ.flights_per_week"
    assert all(key in base.events[i].set for i in (16, 17, 18))
    assert flights["reported"] == {}
    for label, level in flights.items():
        if label != "reported":
            assert level == {f"events.{i}.set.{key}": 0 if label == "none" else float(label) for i in (16, 17, 18)}
    steering = spec.parameters["belarus_steering"].levels
    assert "state_actors.belarus.steer" in base.events[2].set and steering["fitted"] == {}
    assert all(k.startswith("events.2.set.state_actors.belarus.steer.") for lv in steering.values() for k in lv)
    assert spec.replicates == 5 and spec.design.method == "grid"
