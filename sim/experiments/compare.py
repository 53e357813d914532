"""Compare scenarios (run with the same seeds) or existing ensemble folders.

Each input is a scenario YAML (run as an ensemble with the shared seeds into
``<out>/<label>/``), an ensemble output folder (``corridor ensemble``) or the
folder of a single run (``corridor run``: ``manifest.json`` + ``daily.csv``,
one seed). Every later input
is compared with the first (the baseline): for each outcome the mean
difference with a 95 % interval, paired by seed when the runs share seeds
(common random numbers), Welch otherwise.

Outputs in ``<out>``: ``compare.csv``, ``compare.md`` (a short table to paste
into a memo), ``plots/fan_<metric>.png`` (overlaid fan charts) and
``plots/differences.png``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.errors import SweepFileError
from sim.experiments.ensemble import FAN_METRICS, read_ensemble, run_ensemble, run_outcomes
from sim.experiments.sweep import QUANTILES, draw_safely
from sim.experiments.sweep_checks import (
    OutcomeKeys,
    check_outcomes_against,
    keys_from_scenario,
    keys_from_totals,
)
from sim.files import atomic_write_frame, atomic_write_text, remove_stray_temps
from sim.outcomes.sources import TableSeries
from sim.outcomes.spec import OutcomeSpec, check_metric_names, default_outcomes
from sim.outcomes.tables import totals_matrix
from sim.outcomes.values import outcome_values
from sim.runs.folder import is_run_folder, read_daily, read_manifest
from sim.scenario.loader import load_scenario
from sim.scenario.yaml_reader import read_yaml


@dataclass
class CompareResult:
    """A finished comparison."""

    table: pd.DataFrame
    markdown: str
    out: Path
    folders: dict[str, Path]
    warnings: list[str] = field(default_factory=list)


def load_outcomes(path: str | Path | None) -> dict[str, OutcomeSpec]:
    """Outcomes from a YAML file (a sweep file or a file with ``outcomes:``).

    Args:
        path: YAML file, or None for the default outcomes.

    Returns:
        Name -> outcome spec.

    Raises:
        SweepFileError: If the file is missing or invalid.

    """
    if path is None:
        return default_outcomes()
    path = Path(path)
    raw, _ = read_yaml(path, what="outcomes file", error=SweepFileError,
                       example="write 'outcomes:' with one 'name: {metric: ..., country: ...}' per line.")
    raw = raw.get("outcomes", raw)
    try:
        outs = TypeAdapter(dict[str, OutcomeSpec]).validate_python(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SweepFileError(f"Outcomes file {path}: 'outcomes.{'.'.join(map(str, err['loc']))}': "
                             f"{err['msg']}.") from None
    if not outs:
        raise SweepFileError(f"Outcomes file {path}: 'outcomes' names no outcome.")
    check_metric_names(outs, f"Outcomes file {path}")
    return outs


INPUTS_HINT = ("compare takes scenario files, ensemble folders (from `corridor ensemble`) and run folders "
               "(from `corridor run`)")


def _plan_kind(p: Path) -> str | None:
    try:
        plan = json.loads((p / "plan.json").read_text())
    except (OSError, ValueError):
        return None
    return plan.get("kind") if isinstance(plan, dict) else None


def is_ensemble_folder(p: Path) -> bool:
    """Tell whether ``p`` is an ensemble output folder (plan kind 'ensemble', with runs/)."""
    return p.is_dir() and (p / "runs").is_dir() and _plan_kind(p) == "ensemble"


def input_kind(x: str) -> str:
    """Classify a compare input: 'scenario', 'ensemble' or 'run'.

    Raises:
        SweepFileError: For a sweep folder, a missing path or any other folder.

    """
    p = Path(x)
    if p.is_file():
        return "scenario"
    if is_ensemble_folder(p):
        return "ensemble"
    if is_run_folder(p):
        return "run"
    if p.is_dir() and (p / "plan.json").exists():
        kind = _plan_kind(p) or "unreadable"
        raise SweepFileError(f"compare: '{x}' is the output folder of a {kind} plan, not of an ensemble, so it has "
                             f"no seed series to compare; {INPUTS_HINT}. Run `corridor ensemble SCENARIO` first.")
    what = "folder" if p.is_dir() else "path"
    raise SweepFileError(f"compare: '{x}' is neither a scenario file nor an ensemble or run output folder "
                         f"(this {what} has no plan.json with runs/, nor manifest.json with daily.csv); "
                         f"{INPUTS_HINT}.")


def run_folder_outcomes(folder: Path, outcomes: dict[str, OutcomeSpec]) -> pd.DataFrame:
    """Outcomes of a single-run folder: one row (run 0, its seed)."""
    manifest = read_manifest(folder)
    drawn = (manifest.get("posterior") or {}).get("set", -1) if isinstance(manifest.get("posterior"), dict) else -1
    vals = outcome_values(TableSeries(read_daily(folder)), outcomes)
    return pd.DataFrame([{"run": 0, "seed": manifest["seed"], "posterior_set": drawn, **vals}],
                        columns=["run", "seed", "posterior_set", *outcomes])


def run_folder_bands(folder: Path) -> pd.DataFrame:
    """Band table of a single run: n = 1 and every quantile equal to the run's country total."""
    dates, keys, values = totals_matrix(read_daily(folder))
    mc = [k.split("|", 1) for k in keys]
    out = pd.DataFrame({"date": np.repeat(dates, len(keys)), "metric": np.tile([m for m, _ in mc], len(dates)),
                        "country": np.tile([c for _, c in mc], len(dates)), "n": 1,
                        "mean": values.reshape(-1).astype(float)})
    for q in QUANTILES:
        out[f"q{int(q * 100):02d}"] = out["mean"]
    return out


def _input_keys(x: str, kind: str, overrides: dict | None) -> OutcomeKeys:
    """What an input's runs record, to check outcomes against."""
    p = Path(x)
    if kind == "scenario":
        return keys_from_scenario(load_scenario(str(p), overrides=dict(overrides) if overrides else None),
                                  f"scenario {x}")
    if kind == "run":
        dates, keys, _ = totals_matrix(read_daily(p))
        return keys_from_totals(keys, dates, f"run folder {x}")
    _, first = read_ensemble(p)[0]
    return keys_from_totals(first.keys(), first.dates, f"ensemble folder {x}")


def _labels(inputs: list[str]) -> list[str]:
    labels, seen = [], {}
    for x in inputs:
        p = Path(x)
        base = p.name if p.is_dir() else p.stem
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return labels


def difference(a: pd.DataFrame, b: pd.DataFrame, outcome: str) -> dict:
    """Mean difference b - a with a 95 % interval of the mean, and the 5-95 % range of paired differences.

    Runs are paired by seed and, where both used a posterior, by the parameter set drawn (``posterior_set``):
    a pair differs only by what the scenarios change. ``q05``/``q95`` is the range of those paired
    differences: with posterior draws it includes parameter uncertainty as well as the seeds' noise,
    which the interval of the mean (``ci_low``/``ci_high``) shrinks away as runs are added.

    Args:
        a: Baseline runs (columns seed, posterior_set (optional), <outcome>).
        b: Other runs.
        outcome: Outcome column.

    Returns:
        Dict with means, diff, ci_low, ci_high, q05, q95, n and whether paired.

    """
    on = ["seed", "posterior_set"] if {"posterior_set"} <= set(a.columns) & set(b.columns) else ["seed"]
    m = a[[*on, outcome]].merge(b[[*on, outcome]], on=on, suffixes=("_a", "_b"))
    va, vb = a[outcome].to_numpy(float), b[outcome].to_numpy(float)
    out = {"mean_a": va.mean() if va.size else np.nan, "mean_b": vb.mean() if vb.size else np.nan}
    if len(m) >= 2 and len(m) == min(len(a), len(b)):
        d = (m[f"{outcome}_b"] - m[f"{outcome}_a"]).to_numpy(float)
        out.update(mean_a=m[f"{outcome}_a"].mean(), mean_b=m[f"{outcome}_b"].mean())
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size) if d.std(ddof=1) > 0 else 0.0
        out.update(diff=d.mean(), ci_low=d.mean() - half, ci_high=d.mean() + half, n=int(d.size), paired=True,
                   q05=float(np.percentile(d, 5)), q95=float(np.percentile(d, 95)))
    elif va.size >= 2 and vb.size >= 2:
        sa, sb = va.var(ddof=1) / va.size, vb.var(ddof=1) / vb.size
        se = np.sqrt(sa + sb)
        dof = (sa + sb) ** 2 / (sa**2 / (va.size - 1) + sb**2 / (vb.size - 1)) if se > 0 else 1.0
        half = stats.t.ppf(0.975, dof) * se if se > 0 else 0.0
        diff = vb.mean() - va.mean()
        out.update(diff=diff, ci_low=diff - half, ci_high=diff + half, n=int(min(va.size, vb.size)), paired=False,
                   q05=np.nan, q95=np.nan)
    else:
        out.update(diff=out["mean_b"] - out["mean_a"], ci_low=np.nan, ci_high=np.nan,
                   n=int(min(va.size, vb.size)), paired=False, q05=np.nan, q95=np.nan)
    return out


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def markdown_table(table: pd.DataFrame, uncertainty: dict[str, str] | None = None) -> str:
    """Format a short Markdown table per scenario: means, the difference, its intervals, and what they include."""
    lines = []
    uncertainty = uncertainty or {}
    for other, g in table.groupby("scenario", sort=False):
        base = g["baseline"].iloc[0]
        kind = "paired by seed and parameter set" if g["paired"].all() else "Welch, unpaired"
        kinds = {uncertainty.get(base, "seeds only"), uncertainty.get(other, "seeds only")}
        includes = kinds.pop() if len(kinds) == 1 else f"{base}: {uncertainty.get(base, 'seeds only')}; " \
                                                          f"{other}: {uncertainty.get(other, 'seeds only')}"
        lines += [f"**{other}** vs **{base}** (mean over {int(g['n'].min())} runs, {kind}). The intervals include: "
                  f"{includes}. *5-95 % of runs*: the range of the paired differences (what one run of the "
                  "what-if may give); *95 % CI*: the interval of the mean, which narrows as runs are added.", "",
                  f"| Outcome | {base} | {other} | Difference | 5-95 % of runs | 95 % CI of the mean | Change |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for _, r in g.iterrows():
            rel = f"{100 * r['diff'] / r['mean_a']:+.0f} %" if r["mean_a"] else "-"
            lines.append(f"| {r['outcome']} | {_fmt(r['mean_a'])} | {_fmt(r['mean_b'])} | "
                         f"{'+' if r['diff'] > 0 else ''}{_fmt(r['diff'])} | {_fmt(r['q05'])} to {_fmt(r['q95'])} | "
                         f"{_fmt(r['ci_low'])} to {_fmt(r['ci_high'])} | {rel} |")
        lines.append("")
    return "\n".join(lines)


def differences_figure(table: pd.DataFrame):
    """Each outcome's difference from the baseline (see :func:`sim.plots.experiment_plots.differences_figure`)."""
    from sim.plots.experiment_plots import differences_figure as draw

    return draw(table)


def _plot_differences(table: pd.DataFrame, path: Path) -> None:
    from sim.plots.experiment_plots import differences

    differences(table, path)


def run_compare(inputs: list[str], out: str | Path, seeds: int = 20, root_seed: int = 0,
                outcomes: dict[str, OutcomeSpec] | None = None, engine: str = "local", workers: int = 1,
                scheduler: str | None = None, progress: bool = True, plots: bool = True,
                overrides: dict | None = None, outcomes_label: str = "compare outcomes",
                posterior=None, scenario_posteriors: bool = True) -> CompareResult:
    """Compare two or more scenarios, ensemble folders or run folders.

    Args:
        inputs: Scenario YAML files, ensemble folders and/or run folders (first = baseline).
        out: Output folder.
        seeds: Seeds per scenario (scenario inputs only).
        root_seed: Root seed shared by all scenario inputs.
        outcomes: Outcome specs (default :func:`default_outcomes`); given
            outcomes are checked against every input before anything runs.
        engine: local or dask.
        workers: Worker processes.
        scheduler: Dask scheduler address.
        progress: Progress bar.
        plots: Write plots.
        overrides: Overrides applied to every scenario input.
        outcomes_label: Where given outcomes came from, for messages.
        posterior: A posterior file every scenario input draws parameter sets from (run ``i`` of each input takes
            the same set, so pairs differ only by what the scenarios change).
        scenario_posteriors: Without ``posterior``, let each scenario input draw from the posterior its header
            names (False: seeds only).

    Returns:
        The comparison.

    Raises:
        SweepFileError: If an input is not a scenario file, ensemble folder or
            run folder, or a given outcome selects nothing in an input.

    """
    if len(inputs) < 2:
        raise SweepFileError("compare needs at least two scenarios, ensemble folders or run folders.")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise SweepFileError(f"--seeds must be a whole number of 1 or more (got {seeds!r}); intervals need 2 or more.")
    out = Path(out)
    kinds = [input_kind(x) for x in inputs]  # check every input before running anything
    if outcomes:
        for x, kind in zip(inputs, kinds, strict=True):
            check_outcomes_against(outcomes, _input_keys(x, kind, overrides), outcomes_label, places=False)
    outcomes = outcomes or default_outcomes()
    folders: dict[str, Path] = {}
    for label, x, kind in zip(_labels(inputs), inputs, kinds, strict=True):
        if kind != "scenario":
            folders[label] = Path(x)
        else:
            post = posterior or (load_scenario(x, overrides=overrides or None).posterior_file
                                 if scenario_posteriors else None)
            folders[label] = run_ensemble(x, seeds, root_seed=root_seed, overrides=overrides, out=out / label,
                                          engine=engine, workers=workers, scheduler=scheduler, progress=progress,
                                          plots=False, label=label, posterior=post).out
    single = {k for k, f in folders.items() if is_run_folder(f)}
    values = {k: run_folder_outcomes(f, outcomes) if k in single else run_outcomes(f, outcomes)
              for k, f in folders.items()}
    labels = list(folders)
    rows = []
    for other in labels[1:]:
        for o in outcomes:
            rows.append({"outcome": o, "baseline": labels[0], "scenario": other,
                         **difference(values[labels[0]], values[other], o)})
    table = pd.DataFrame(rows)
    md = markdown_table(table, {k: _uncertainty(f, k in single) for k, f in folders.items()})
    out.mkdir(parents=True, exist_ok=True)
    remove_stray_temps(out, out / "plots")
    atomic_write_frame(out / "compare.csv", table)
    atomic_write_text(out / "compare.md", md + "\n")
    atomic_write_text(out / "inputs.json", json.dumps({k: str(v) for k, v in folders.items()}, indent=1) + "\n")
    warnings: list[str] = []
    if plots:
        draw_safely("plots/fan_<metric>.png", lambda: _plot_fans(folders, single, values, out), warnings)
        draw_safely("plots/differences.png", lambda: _plot_differences(table, out / "plots" / "differences.png"),
                    warnings)
    return CompareResult(table=table, markdown=md, out=out, folders=folders, warnings=warnings)


def _uncertainty(folder: Path, single: bool) -> str:
    """What the runs of an input vary: the seed only, or the seed and a posterior's parameter sets."""
    manifest = read_manifest(folder) if single else json.loads((folder / "manifest.json").read_text())
    used = manifest.get("posterior") if isinstance(manifest, dict) else None
    if not isinstance(used, dict):
        return "seeds only" if not single else "one run (no interval)"
    return f"seed noise and parameter uncertainty (posterior {Path(str(used.get('file', '?'))).name})"


def _plot_fans(folders: dict[str, Path], single: set[str], values: dict[str, pd.DataFrame], out: Path) -> None:
    from sim.plots.experiment_plots import fan_chart

    bands = {k: run_folder_bands(f) if k in single else pd.read_csv(f / "bands.csv", keep_default_na=False)
             for k, f in folders.items()}
    n_seeds = {k: len(v) for k, v in values.items()}
    for m in FAN_METRICS:
        if any((b["metric"] == m).any() for b in bands.values()):
            fan_chart(bands, m, out / "plots" / f"fan_{m}.png", n_seeds=n_seeds)
