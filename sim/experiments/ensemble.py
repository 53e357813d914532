"""Seed ensembles: N seeded runs of one scenario, quantile bands, fan charts.

Run ``i`` uses seed ``SeedSequence(root_seed).spawn(N)[i].generate_state(1)[0]``,
so the first N seeds of a bigger ensemble equal those of a smaller one and an
ensemble can be extended in place (same --out, more --seeds).

Output folder::

    plan.json, manifest.json
    runs/run_000000.npz    per run: country totals (dates x metric|country) + summary
    runs_summary.csv       per run: metric, country, total, peak, peak_date
    bands.csv              per date x metric x country: n, mean, q05, q25, q50, q75, q95
    plots/fan_<metric>.png small multiples PL / LT / LV
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SweepFileError
from sim.experiments.engines import RunTask, check_workers
from sim.experiments.store import RunStore, scenario_fingerprint
from sim.experiments.sweep import QUANTILES, Execution, draw_safely, execute_tasks
from sim.files import atomic_write_frame, atomic_write_json, output_folder, read_text
from sim.outcomes.sources import MatrixSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.tables import totals_matrix
from sim.outcomes.values import outcome_values
from sim.runs.provenance import versions
from sim.scenario.posterior_file import read_posterior
from sim.seeds import spawn_seeds

FAN_METRICS = ("attempts", "at_border", "crossed", "turned_back")
_CELL_LIMIT = 20_000_000  # floats held at once while computing bands (~160 MB)


class SeriesCollector:
    """Picklable run reducer: country-total series and the run's summary."""

    def __call__(self, result) -> dict:
        """Reduce a run result to dense country totals plus summary rows."""
        dates, keys, values = totals_matrix(result.daily)
        summ = result.summary
        summ = summ[summ["place"].fillna("") == ""]
        rows = json.loads(summ.to_json(orient="records"))
        return {"summary": rows, "_arrays": {"dates": dates, "keys": keys, "values": values}}


@dataclass
class EnsembleResult:
    """A finished ensemble."""

    out: Path
    seeds: list[int]
    execution: Execution
    bands: pd.DataFrame
    label: str
    warnings: list[str] = field(default_factory=list)


def fan_metric_names() -> list[str]:
    """Metrics a fan chart can draw: those recorded per border country (PL, LT, LV panels)."""
    from sim.model.recorder import METRICS

    return [m.name for m in METRICS if m.keys in ("segment", "country")] + ["reported"]


def check_fan_metrics(metrics) -> None:
    """Reject fan-chart metrics that are not recorded per border country.

    Raises:
        SweepFileError: Naming the unknown metric and listing the valid ones.

    """
    from sim.errors import did_you_mean

    names = fan_metric_names()
    for m in metrics:
        if m not in names:
            hint = did_you_mean(m, names)
            raise SweepFileError(f"--metric '{m}': not a metric recorded per border, so no fan chart can be "
                                 f"drawn{f' ({hint})' if hint else ''}; choose from {', '.join(names)}.")


def ensemble_tasks(scenario: str | Path, seeds: list[int], overrides: dict | None) -> list[RunTask]:
    """One task per seed."""
    collect = SeriesCollector()
    return [RunTask(index=i, scenario=str(scenario), seed=s, overrides=dict(overrides or {}), collect=collect,
                    meta={"replicate": i}) for i, s in enumerate(seeds)]


def _fingerprint(scenario_hash: str, root_seed: int, posterior_sha: str | None = None) -> str:
    """Plan fingerprint: the resolved scenario (overrides applied), the root seed and the posterior drawn from."""
    plan = {"scenario_hash": scenario_hash, "root_seed": root_seed}
    if posterior_sha is not None:
        plan["posterior_sha256"] = posterior_sha
    text = json.dumps(plan, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def compute_bands(store: RunStore, n: int) -> pd.DataFrame:
    """Quantile bands over the ok runs with index < n, memory bounded.

    Args:
        store: The ensemble's store.
        n: Number of seeds in the ensemble.

    Returns:
        Long table date, metric, country, n, mean, q05, q25, q50, q75, q95.

    """
    files = [(i, p) for i, p in store.files().items() if i < n and p.suffix == ".npz"]
    dates: set[str] = set()
    keys: set[str] = set()
    for _, p in files:
        with np.load(p) as z:
            dates.update(z["dates"].tolist())
            keys.update(z["keys"].tolist())
    dates_l, keys_l = sorted(dates), sorted(keys)
    cols = ["date", "metric", "country", "n", "mean"] + [f"q{int(q * 100):02d}" for q in QUANTILES]
    if not files or not keys_l:
        return pd.DataFrame(columns=cols)
    chunk = max(1, _CELL_LIMIT // max(1, len(files) * len(dates_l)))
    parts = []
    for start in range(0, len(keys_l), chunk):
        sub_keys = keys_l[start:start + chunk]
        stack = np.zeros((len(files), len(dates_l), len(sub_keys)), dtype=np.float64)
        for j, (_, p) in enumerate(files):
            with np.load(p) as z:
                df = pd.DataFrame(z["values"], index=z["dates"], columns=z["keys"])
            stack[j] = df.reindex(index=dates_l, columns=sub_keys, fill_value=0).to_numpy(dtype=np.float64)
        qs = np.quantile(stack, QUANTILES, axis=0)  # (q, dates, keys)
        mean = stack.mean(axis=0)
        mc = [k.split("|", 1) for k in sub_keys]
        part = pd.DataFrame({
            "date": np.repeat(dates_l, len(sub_keys)),
            "metric": np.tile([m for m, _ in mc], len(dates_l)),
            "country": np.tile([c for _, c in mc], len(dates_l)),
            "n": len(files),
            "mean": mean.reshape(-1),
        })
        for q, arr in zip(QUANTILES, qs, strict=True):
            part[f"q{int(q * 100):02d}"] = arr.reshape(-1)
        parts.append(part)
    return (pd.concat(parts).sort_values(["metric", "country", "date"], kind="stable")
            .reset_index(drop=True)[cols])


def summary_table(store: RunStore, n: int) -> pd.DataFrame:
    """Per-run summaries (country totals) of runs with index < n."""
    rows = []
    for rec, _ in store.records():
        if rec["index"] >= n:
            continue
        base = {"run": rec["index"], "seed": rec["seed"], "status": rec["status"], "error": rec.get("error", "")}
        if rec["status"] != "ok":
            rows.append(base)
        rows.extend({**base, **r} for r in rec.get("summary", []))
    df = pd.DataFrame(rows)
    first = [c for c in ("run", "seed", "status", "error", "metric", "country", "place", "kind", "total", "peak",
                         "peak_date") if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


ENSEMBLE_HINT = "run `corridor ensemble` into that folder again to complete it, or give the scenario file instead."


def read_ensemble(folder: str | Path) -> list[tuple[dict, MatrixSeries]]:
    """Every run of an ensemble folder, checked whole: each seed its manifest lists, readable and ok.

    Returns:
        ``(record, series)`` per run, in seed order.

    Raises:
        SweepFileError: A run is missing, unreadable, failed or does not match the manifest (a comparison
            must use every seed it was given, or none).
    """
    folder = Path(folder)
    where = f"ensemble folder {folder}"
    try:
        manifest = json.loads(read_text(folder / "manifest.json", what="ensemble manifest", error=SweepFileError))
    except ValueError:
        raise SweepFileError(f"{where}: manifest.json is not valid JSON.", hint=ENSEMBLE_HINT) from None
    seeds = manifest.get("seeds") if isinstance(manifest, dict) else None
    seed_list = manifest.get("seed_list") if isinstance(manifest, dict) else None
    if (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1 or not isinstance(seed_list, list)
            or len(seed_list) != seeds):
        raise SweepFileError(f"{where}: manifest.json does not list the ensemble's seeds.", hint=ENSEMBLE_HINT)
    store = RunStore(folder, write=False)
    files = store.files()
    out = []
    for i, seed in enumerate(seed_list):
        path = files.get(i)
        if path is None or path.suffix != ".npz":
            raise SweepFileError(f"{where}: run {i} (seed {seed}) is missing from runs/.", hint=ENSEMBLE_HINT)
        try:
            rec, arr = store.read(path, arrays=True)
            series = MatrixSeries(arr["dates"], arr["keys"], arr["values"])
            if series.values.shape != (len(arr["dates"]), len(arr["keys"])) or \
                    not np.issubdtype(series.values.dtype, np.number):
                raise ValueError("shape")
        except Exception as exc:  # noqa: BLE001 - a corrupt file fails in many ways (zip, JSON, keys, shapes)
            raise SweepFileError(f"{where}: {path.name} cannot be read ({type(exc).__name__}).",
                                 hint=ENSEMBLE_HINT) from None
        if rec.get("status") != "ok" or rec.get("seed") != seed or rec.get("index") != i:
            why = f"failed ({str(rec.get('error', ''))[:80]})" if rec.get("status") != "ok" else "is not the run the " \
                "manifest lists"
            raise SweepFileError(f"{where}: run {i} (seed {seed}) {why}.", hint=ENSEMBLE_HINT)
        out.append((rec, series))
    return out


def run_outcomes(folder: str | Path, outcomes: dict[str, OutcomeSpec]) -> pd.DataFrame:
    """Outcomes of every run of an ensemble folder (:func:`read_ensemble`): one row per run."""
    rows = [{"run": rec["index"], "seed": rec["seed"], "posterior_set": rec.get("posterior_set", -1),
             **outcome_values(series, outcomes)} for rec, series in read_ensemble(folder)]
    return pd.DataFrame(rows, columns=["run", "seed", "posterior_set", *outcomes])


def run_ensemble(scenario: str | Path, seeds: int, root_seed: int = 0, overrides: dict[str, Any] | None = None,
                 out: str | Path | None = None, engine: str = "local", workers: int = 1, scheduler: str | None = None,
                 progress: bool = True, plots: bool = True, fan_metrics=FAN_METRICS,
                 label: str | None = None, posterior: str | Path | None = None) -> EnsembleResult:
    """Run (or resume) a seed ensemble and write its tables and fan charts.

    Args:
        scenario: Scenario YAML path.
        seeds: Number of seeded runs N.
        root_seed: Root of the SeedSequence.
        overrides: Dotted key path -> value for every run.
        out: Output folder (default outputs/ensembles/<scenario>_<N>seeds).
        engine: 'local' or 'dask'.
        workers: Worker processes.
        scheduler: Dask scheduler address.
        progress: Progress bar.
        plots: Write fan charts.
        fan_metrics: Metrics to draw as fan charts.
        label: Name used in titles and comparisons (default scenario stem).
        posterior: A posterior file: run ``i`` also takes parameter set ``draws[i]`` of it, drawn by weight on a
            stream of the root seed (:func:`sim.seeds.posterior_draws`), so the bands include parameter
            uncertainty. None: seeds only.

    Returns:
        The ensemble result.

    Raises:
        SweepFileError: For a fan-chart metric that is not recorded per border.
        EngineUnavailable: For a bad worker count or engine.
        sim.ScenarioError: If the scenario cannot be loaded.

    """
    check_fan_metrics(fan_metrics)
    check_workers(workers)
    scenario = Path(scenario).resolve()
    label = label or scenario.stem
    out = Path(out) if out else output_folder(Path("outputs/ensembles"), f"{scenario.stem}_{seeds}seeds")
    overrides = dict(overrides or {})
    seed_list = spawn_seeds(root_seed, seeds)
    scen_hash = scenario_fingerprint(scenario, overrides)
    post = read_posterior(posterior) if posterior is not None else None
    draws = post.draws(root_seed, seeds) if post is not None else None
    uncertainty = {**post.describe(), "draws": draws} if post is not None else None
    store = RunStore(out)
    plan = {"kind": "ensemble", "fingerprint": _fingerprint(scen_hash, root_seed, post.sha256 if post else None),
            "scenario_hash": scen_hash, "scenario": str(scenario), "overrides": overrides, "root_seed": root_seed}
    if post is not None:
        plan["posterior"] = uncertainty
    store.check_plan(plan)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    tasks = ensemble_tasks(scenario, seed_list, overrides)
    if post is not None:
        tasks = [dataclasses.replace(t, posterior=str(post.path), draw=d) for t, d in zip(tasks, draws, strict=True)]
    ex = execute_tasks(store, tasks, engine, workers, scheduler, progress=progress, desc=label)
    bands = compute_bands(store, seeds)
    atomic_write_frame(out / "bands.csv", bands)
    atomic_write_frame(out / "runs_summary.csv", summary_table(store, seeds))
    manifest = {**plan, "label": label, "seeds": seeds, "seed_list": seed_list, "posterior": uncertainty,
                "ok": ex.ok, "failed": ex.failed,
                "engine": ex.engine, "workers": ex.workers, "skipped_as_done": ex.skipped, "started": started,
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "seconds_this_pass": round(ex.seconds, 2), "versions": versions()}
    atomic_write_json(out / "manifest.json", manifest)
    store.close()
    warnings: list[str] = []
    if plots and not bands.empty:
        for m in fan_metrics:
            if (bands["metric"] == m).any():
                draw_safely(f"plots/fan_{m}.png", lambda m=m: _fan(bands, m, out, label, ex.ok), warnings)
    return EnsembleResult(out=out, seeds=seed_list, execution=ex, bands=bands, label=label, warnings=warnings)


def _fan(bands: pd.DataFrame, metric: str, out: Path, label: str, n_ok: int) -> None:
    from sim.plots.experiment_plots import fan_chart

    fan_chart({label: bands}, metric, out / "plots" / f"fan_{metric}.png", n_seeds={label: n_ok})
