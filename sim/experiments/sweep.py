"""Run a sweep: plan the runs, execute them resumably, aggregate the results.

Seeds: replicate ``r`` of every sample uses the same seed, the ``r``-th child
of ``numpy.random.SeedSequence(spec.seed)`` (common random numbers, which
sharpens comparisons between samples). Run index = sample * replicates + r.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import EngineUnavailable
from sim.experiments.design import Design, build_design
from sim.experiments.engines import RunTask, check_workers, make_engine
from sim.experiments.store import RunStore, scenario_fingerprint
from sim.experiments.sweep_file import SweepSpec, base_values, expand, level_labels
from sim.files import atomic_write_bytes, atomic_write_frame, atomic_write_json
from sim.outcomes.sources import TableSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.values import outcome_values
from sim.runs.provenance import versions
from sim.scenario.posterior_file import read_posterior
from sim.seeds import spawn_seeds

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class OutcomeCollector:
    """Picklable run reducer of a sweep: ``collector(result) -> {'outcomes': {name: value}}``."""

    def __init__(self, outcomes: dict[str, OutcomeSpec]):
        self.outcomes = outcomes

    def __call__(self, result) -> dict:
        """Reduce a run result to its outcomes."""
        return {"outcomes": outcome_values(TableSeries(result.daily), self.outcomes)}


@dataclass
class Execution:
    """Counts of one execution pass."""

    total: int
    skipped: int
    ok: int
    failed: int
    seconds: float
    engine: str
    workers: int
    not_run: int = 0


def execute_tasks(store: RunStore, tasks: list[RunTask], engine: str = "local", workers: int = 1,
                  scheduler: str | None = None, progress: bool = True, retry_failed: bool = False,
                  desc: str = "runs") -> Execution:
    """Run the tasks not yet recorded in ``store``, storing each as it finishes.

    Args:
        store: Result store (decides what is already done).
        tasks: All tasks of the plan.
        engine: 'local' or 'dask'.
        workers: Worker processes.
        scheduler: Dask scheduler address.
        progress: Show a tqdm progress bar with ETA.
        retry_failed: Also re-run runs recorded as failed.
        desc: Progress bar label.

    Returns:
        Counts for this pass (failures counted over the whole store).

    """
    from tqdm import tqdm

    done = store.status()
    keep = {"ok"} if retry_failed else {"ok", "failed"}
    todo = [t for t in tasks if done.get(t.index) not in keep]
    skipped = len(tasks) - len(todo)
    t0 = time.perf_counter()
    eng = None
    name, nworkers = engine, workers
    if todo:
        eng = make_engine(engine, workers, scheduler)
        name, nworkers = eng.name, eng.workers
    bar = tqdm(total=len(tasks), initial=skipped, unit="run", desc=desc, disable=not progress,
               dynamic_ncols=True, file=sys.stderr)
    ok = failed = engine_errors = 0
    try:
        if eng is not None:
            for rec in eng.map_unordered(todo):
                if rec.get("engine_error"):  # not stored: retried on the next run of the command
                    engine_errors += 1
                    if not ok and engine_errors >= max(4, 2 * nworkers):
                        raise EngineUnavailable(
                            f"The {name} engine cannot run the simulator: {rec['error'].splitlines()[0]} "
                            "Check that the workers have the project installed (pip install -e \".[dask]\") "
                            "and can read the scenario files; finished runs are kept.")
                    bar.update(1)
                    continue
                arrays = rec.pop("_arrays", None)
                store.write(rec, arrays)
                ok += rec["status"] == "ok"
                failed += rec["status"] != "ok"
                bar.update(1)
                if failed:
                    bar.set_postfix(failed=failed, refresh=False)
    finally:
        bar.close()
        if eng is not None:
            eng.close()
    status = store.status()
    n_failed = sum(1 for t in tasks if status.get(t.index) == "failed")
    n_ok = sum(1 for t in tasks if status.get(t.index) == "ok")
    return Execution(total=len(tasks), skipped=skipped, ok=n_ok, failed=n_failed,
                     seconds=time.perf_counter() - t0, engine=name, workers=nworkers,
                     not_run=len(tasks) - n_ok - n_failed)


def plan_tasks(spec: SweepSpec, design: Design) -> list[RunTask]:
    """One task per sample x replicate, indexed sample * R + r.

    A parameter with ``keys`` (a multiplier) becomes one override per key.
    """
    seeds = spawn_seeds(spec.seed, spec.replicates)
    collect = OutcomeCollector(spec.outcomes)
    scen = str(spec.base_path)
    bases = base_values(spec) if any(p.keys for p in spec.parameters.values()) else {}
    tasks = []
    for s, row in enumerate(design.samples.to_dict(orient="records")):
        overrides = {**spec.overrides, **expand(spec, row, bases)}
        for r, seed in enumerate(seeds):
            tasks.append(RunTask(index=s * spec.replicates + r, scenario=scen, seed=seed,
                                 overrides=dict(overrides), collect=collect,
                                 meta={"sample": s, "replicate": r}))
    return tasks


def draw_safely(what: str, draw: Callable[[], object], warnings: list[str]) -> None:
    """Call ``draw``; an error in it becomes a warning line, never a lost result.

    Plots are drawn after every table is written, from data a plotting library may
    still trip over (an odd grid value, a font, a full disk), so any ``Exception``
    is turned into a warning naming its type and message. ``KeyboardInterrupt`` and
    ``SystemExit`` are not exceptions of that kind and pass through.

    Args:
        what: The plot(s) being drawn, for the warning.
        draw: Draws and writes the plot.
        warnings: Where the warning is appended.

    """
    try:
        draw()
    except Exception as exc:  # noqa: BLE001 - tables are written; a plot must not lose them
        text = str(exc).strip()
        first = f": {text.splitlines()[0]}" if text else ""
        warnings.append(f"{what} not drawn ({type(exc).__name__}{first}); the tables are complete.")


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with mappings and lists (grid values) as JSON text, for CSV and Parquet."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, (dict, list, tuple))).any():
            out[col] = out[col].map(lambda v: json.dumps(v, sort_keys=True, default=str)
                                    if isinstance(v, (dict, list, tuple)) else v)
    return out


def _parquet_errors() -> tuple[type[Exception], ...]:
    """Errors pandas / pyarrow raise for a table they cannot write (bad data or I/O)."""
    errors: tuple[type[Exception], ...] = (OSError, ValueError, TypeError)
    try:
        from pyarrow.lib import ArrowException
    except ImportError:
        return errors
    return (*errors, ArrowException)


def _write_parquet(path: Path, runs: pd.DataFrame, warnings: list[str]) -> None:
    """Write runs.parquet fresh, or remove an old one so it never goes stale.

    Without a Parquet engine only runs.csv is written; a table the engine cannot
    write becomes a warning (runs.csv holds the same table). Other errors are bugs
    and propagate.
    """
    import io

    buf = io.BytesIO()
    try:
        flat(runs).to_parquet(buf, index=False)
    except ImportError:  # no pyarrow / fastparquet: runs.csv only
        path.unlink(missing_ok=True)
        return
    except _parquet_errors() as exc:
        path.unlink(missing_ok=True)
        warnings.append(f"runs.parquet not written ({type(exc).__name__}: {exc}); runs.csv has the same table.")
        return
    atomic_write_bytes(path, buf.getvalue())


def runs_table(store: RunStore, samples: pd.DataFrame, outcomes: Iterable[str]) -> pd.DataFrame:
    """Long table: one row per run and outcome, sorted by run index."""
    rows = []
    outcomes = list(outcomes)
    for rec, _ in store.records():
        base = {"run": rec["index"], "sample": rec.get("sample"), "replicate": rec.get("replicate"),
                "seed": rec["seed"], "status": rec["status"], "error": rec.get("error", "")}
        vals = rec.get("outcomes", {})
        for o in outcomes:
            rows.append({**base, "outcome": o, "value": vals.get(o, np.nan)})
    df = pd.DataFrame(rows, columns=["run", "sample", "replicate", "seed", "status", "error", "outcome", "value"])
    if df.empty:
        return df
    params = samples.reset_index()
    df = df.merge(params, on="sample", how="left")
    order = {o: i for i, o in enumerate(outcomes)}
    df["_o"] = df["outcome"].map(order)
    return df.sort_values(["run", "_o"]).drop(columns="_o").reset_index(drop=True)


def sample_summary(runs: pd.DataFrame, samples: pd.DataFrame) -> pd.DataFrame:
    """Per sample and outcome: n ok, n failed, mean, sd and quantiles."""
    if runs.empty:
        return pd.DataFrame()
    out = []
    for (s, o), g in runs.groupby(["sample", "outcome"], sort=False):
        v = g.loc[g["status"] == "ok", "value"].to_numpy(dtype=float)
        row = {"sample": s, "outcome": o, "n": int(v.size), "failed": int((g["status"] != "ok").sum()),
               "mean": float(v.mean()) if v.size else np.nan,
               "sd": float(v.std(ddof=1)) if v.size > 1 else np.nan}
        qs = np.quantile(v, QUANTILES) if v.size else [np.nan] * len(QUANTILES)
        row.update({f"q{int(q * 100):02d}": float(x) for q, x in zip(QUANTILES, qs, strict=True)})
        out.append(row)
    df = pd.DataFrame(out).sort_values(["sample", "outcome"], kind="stable")
    return df.merge(samples.reset_index(), on="sample", how="left").reset_index(drop=True)


@dataclass
class SweepResult:
    """What a finished sweep produced."""

    out: Path
    design: Design
    execution: Execution
    runs: pd.DataFrame
    summary: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def run_sweep(spec: SweepSpec, out: str | Path, engine: str | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, method: str | None = None,
              retry_failed: bool = False, plots: bool = True,
              on_plan: Callable[[Design], object] | None = None, posterior=None) -> SweepResult:
    """Plan, execute (resumably) and aggregate a sweep.

    Args:
        spec: The validated sweep.
        out: Output folder (re-use it to resume).
        engine: Overrides ``spec.engine.kind``.
        workers: Overrides ``spec.engine.workers``.
        scheduler: Overrides ``spec.engine.scheduler``.
        progress: Progress bar.
        method: Override the design method (sensitivity).
        retry_failed: Re-run failed runs.
        plots: Write plots.
        on_plan: Called with the design once it is built and checked, before the output
            folder is touched (e.g. to tell the user how many runs are coming).
        posterior: A posterior file: replicate ``r`` of every sample also takes parameter set ``draws[r]`` of it
            (the same set in every sample, as the seed is; the sweep's own parameters win over it).

    Returns:
        The sweep result (tables are also written to ``out``).

    Raises:
        SweepFileError: For a design or parameter the base scenario cannot take.
        EngineUnavailable: For a bad worker count or engine.

    """
    out = Path(out)
    workers = spec.engine.workers if workers is None else workers
    check_workers(workers)
    design = build_design(spec, method)
    tasks = plan_tasks(spec, design)
    post = read_posterior(posterior) if posterior is not None else None
    if post is not None:
        draws = post.draws(spec.seed, spec.replicates)
        tasks = [dataclasses.replace(t, posterior=str(post.path), draw=draws[t.meta["replicate"]]) for t in tasks]
    scen_hash = scenario_fingerprint(spec.base_scenario())  # fixed overrides already applied
    if on_plan is not None:
        on_plan(design)
    store = RunStore(out)
    plan = {"kind": "sweep", "fingerprint": f"{spec.fingerprint()}-{design.method}-{scen_hash}"
                                            + (f"-{post.sha256[:16]}" if post is not None else ""),
            "scenario_hash": scen_hash, "sweep": str(spec.path),
            "base": str(spec.base_path), "method": design.method, "samples": len(design.samples),
            "replicates": spec.replicates, "runs": len(tasks)}
    store.check_plan(plan)
    warnings: list[str] = []
    atomic_write_frame(out / "samples.csv", flat(design.samples.reset_index()))
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    ex = execute_tasks(store, tasks, engine or spec.engine.kind, workers,
                       scheduler or spec.engine.scheduler, progress=progress, retry_failed=retry_failed,
                       desc=spec.name or spec.path.stem)
    runs = runs_table(store, design.samples, spec.outcomes)
    atomic_write_frame(out / "runs.csv", flat(runs))
    _write_parquet(out / "runs.parquet", runs, warnings)
    summary = sample_summary(runs, design.samples)
    atomic_write_frame(out / "summary.csv", flat(summary))
    manifest = {**plan, "outcomes": {k: v.model_dump(mode="json") for k, v in spec.outcomes.items()},
                "parameters": {k: v.model_dump(mode="json") for k, v in spec.parameters.items()},
                "level_order": level_labels(spec),  # the labels in the file's order (JSON keys are sorted)
                "design": spec.design.model_dump(mode="json"), "seed": spec.seed,
                "replicate_seeds": spawn_seeds(spec.seed, spec.replicates), "overrides": spec.overrides,
                "posterior": {**post.describe(), "draws": draws} if post is not None else None,
                "engine": ex.engine, "workers": ex.workers, "ok": ex.ok, "failed": ex.failed,
                "skipped_as_done": ex.skipped, "started": started,
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "seconds_this_pass": round(ex.seconds, 2), "versions": versions()}
    atomic_write_json(out / "manifest.json", manifest)
    store.close()
    if plots and not runs.empty:
        draw_safely("plots/<outcome>.png", lambda: _plot_sweep(runs, spec, out), warnings)
    return SweepResult(out=out, design=design, execution=ex, runs=runs, summary=summary, warnings=warnings)


def _plot_sweep(runs: pd.DataFrame, spec: SweepSpec, out: Path) -> None:
    from sim.plots.experiment_plots import plot_outcomes_vs_parameters

    plot_outcomes_vs_parameters(runs, list(spec.parameters), list(spec.outcomes), out / "plots",
                                categories=level_labels(spec))
