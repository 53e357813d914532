"""Compare scenarios (run with the same seeds) or existing ensemble folders.

Each input is either a scenario YAML (run as an ensemble with the shared
seeds into ``<out>/<label>/``) or an ensemble output folder. Every later input
is compared with the first (the baseline): for each outcome the mean
difference with a 95 % interval, paired by seed when the runs share seeds
(common random numbers), Welch otherwise.

Outputs in ``<out>``: ``compare.csv``, ``compare.md`` (a short table to paste
into a memo), ``plots/fan_<metric>.png`` (overlaid fan charts) and
``plots/differences.png``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.ensemble import FAN_METRICS, run_ensemble, run_outcomes
from sim.outputs import atomic_write_frame, atomic_write_text
from sim.sweep.outcomes import default_outcomes
from sim.sweep.schema import OutcomeSpec, SweepFileError, check_outcomes


@dataclass
class CompareResult:
    """A finished comparison."""

    table: pd.DataFrame
    markdown: str
    out: Path
    folders: dict[str, Path]


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
    try:
        raw = yaml.safe_load(path.read_text())
        raw = raw.get("outcomes", raw) if isinstance(raw, dict) else raw
        outs = TypeAdapter(dict[str, OutcomeSpec]).validate_python(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise SweepFileError(f"Outcomes file {path}: cannot be read: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SweepFileError(f"Outcomes file {path}: 'outcomes.{'.'.join(map(str, err['loc']))}': "
                             f"{err['msg']}.") from None
    check_outcomes(path, outs, label="Outcomes file")
    return outs


def is_ensemble_folder(p: Path) -> bool:
    """Tell whether ``p`` is an ensemble output folder."""
    return p.is_dir() and (p / "runs").is_dir() and (p / "plan.json").exists()


def _labels(inputs: list[str]) -> list[str]:
    labels, seen = [], {}
    for x in inputs:
        p = Path(x)
        base = p.name if p.is_dir() else p.stem
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return labels


def difference(a: pd.DataFrame, b: pd.DataFrame, outcome: str) -> dict:
    """Mean difference b - a with a 95 % interval (paired by seed if possible).

    Args:
        a: Baseline runs (columns seed, <outcome>).
        b: Other runs.
        outcome: Outcome column.

    Returns:
        Dict with means, diff, ci_low, ci_high, n and whether paired.

    """
    m = a[["seed", outcome]].merge(b[["seed", outcome]], on="seed", suffixes=("_a", "_b"))
    va, vb = a[outcome].to_numpy(float), b[outcome].to_numpy(float)
    out = {"mean_a": va.mean() if va.size else np.nan, "mean_b": vb.mean() if vb.size else np.nan}
    if len(m) >= 2 and len(m) == min(len(a), len(b)):
        d = (m[f"{outcome}_b"] - m[f"{outcome}_a"]).to_numpy(float)
        out.update(mean_a=m[f"{outcome}_a"].mean(), mean_b=m[f"{outcome}_b"].mean())
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size) if d.std(ddof=1) > 0 else 0.0
        out.update(diff=d.mean(), ci_low=d.mean() - half, ci_high=d.mean() + half, n=int(d.size), paired=True)
    elif va.size >= 2 and vb.size >= 2:
        sa, sb = va.var(ddof=1) / va.size, vb.var(ddof=1) / vb.size
        se = np.sqrt(sa + sb)
        dof = (sa + sb) ** 2 / (sa**2 / (va.size - 1) + sb**2 / (vb.size - 1)) if se > 0 else 1.0
        half = stats.t.ppf(0.975, dof) * se if se > 0 else 0.0
        diff = vb.mean() - va.mean()
        out.update(diff=diff, ci_low=diff - half, ci_high=diff + half, n=int(min(va.size, vb.size)), paired=False)
    else:
        out.update(diff=out["mean_b"] - out["mean_a"], ci_low=np.nan, ci_high=np.nan,
                   n=int(min(va.size, vb.size)), paired=False)
    return out


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def markdown_table(table: pd.DataFrame) -> str:
    """Format a short Markdown table: outcome, baseline, scenario, difference (95 % CI)."""
    lines = []
    for other, g in table.groupby("scenario", sort=False):
        base = g["baseline"].iloc[0]
        kind = "paired by seed" if g["paired"].all() else "Welch"
        lines += [f"**{other}** vs **{base}** (mean over {int(g['n'].min())} seeds; 95 % interval, {kind})", "",
                  f"| Outcome | {base} | {other} | Difference (95 % CI) | Change |",
                  "|---|---:|---:|---:|---:|"]
        for _, r in g.iterrows():
            rel = f"{100 * r['diff'] / r['mean_a']:+.0f} %" if r["mean_a"] else "-"
            lines.append(f"| {r['outcome']} | {_fmt(r['mean_a'])} | {_fmt(r['mean_b'])} | "
                         f"{'+' if r['diff'] > 0 else ''}{_fmt(r['diff'])} ({_fmt(r['ci_low'])} to "
                         f"{_fmt(r['ci_high'])}) | {rel} |")
        lines.append("")
    return "\n".join(lines)


def _plot_differences(table: pd.DataFrame, path: Path) -> None:
    from sim.sweep.plots import _save, plt

    outs = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(2.6 * len(outs), 2.8), squeeze=False)
    for ax, o in zip(axes[0], outs, strict=True):
        g = table[table["outcome"] == o]
        y = np.arange(len(g))
        lo = (g["diff"] - g["ci_low"]).fillna(0).to_numpy()
        hi = (g["ci_high"] - g["diff"]).fillna(0).to_numpy()
        ax.errorbar(g["diff"], y, xerr=[lo, hi], fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, g["scenario"], fontsize=7)
        ax.set_title(o, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(f"Difference from {table['baseline'].iloc[0]} (95 % interval)", fontsize=9)
    _save(fig, path)


def run_compare(inputs: list[str], out: str | Path, seeds: int = 20, root_seed: int = 0,
                outcomes: dict[str, OutcomeSpec] | None = None, engine: str = "local", workers: int = 1,
                scheduler: str | None = None, progress: bool = True, plots: bool = True,
                overrides: dict | None = None) -> CompareResult:
    """Compare two or more scenarios or ensemble folders.

    Args:
        inputs: Scenario YAML files and/or ensemble folders (first = baseline).
        out: Output folder.
        seeds: Seeds per scenario (scenario inputs only).
        root_seed: Root seed shared by all scenario inputs.
        outcomes: Outcome specs (default :func:`default_outcomes`).
        engine: local or dask.
        workers: Worker processes.
        scheduler: Dask scheduler address.
        progress: Progress bar.
        plots: Write plots.
        overrides: Overrides applied to every scenario input.

    Returns:
        The comparison.

    Raises:
        SweepFileError: If an input is neither a scenario file nor an ensemble folder.

    """
    if len(inputs) < 2:
        raise SweepFileError("compare needs at least two scenarios or ensemble folders.")
    out = Path(out)
    outcomes = outcomes or default_outcomes()
    for x in inputs:  # check every input before running anything
        if not (is_ensemble_folder(Path(x)) or Path(x).is_file()):
            raise SweepFileError(f"compare: '{x}' is neither a scenario file nor an ensemble output folder "
                                 "(a folder with plan.json and runs/).")
    folders: dict[str, Path] = {}
    for label, x in zip(_labels(inputs), inputs, strict=True):
        p = Path(x)
        if is_ensemble_folder(p):
            folders[label] = p
        else:
            folders[label] = run_ensemble(p, seeds, root_seed=root_seed, overrides=overrides, out=out / label,
                                          engine=engine, workers=workers, scheduler=scheduler, progress=progress,
                                          plots=False, label=label).out
    values = {k: run_outcomes(f, outcomes) for k, f in folders.items()}
    labels = list(folders)
    rows = []
    for other in labels[1:]:
        for o in outcomes:
            rows.append({"outcome": o, "baseline": labels[0], "scenario": other,
                         **difference(values[labels[0]], values[other], o)})
    table = pd.DataFrame(rows)
    md = markdown_table(table)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_frame(out / "compare.csv", table)
    atomic_write_text(out / "compare.md", md + "\n")
    if plots:
        from sim.sweep.plots import fan_chart

        bands = {k: pd.read_csv(f / "bands.csv", keep_default_na=False) for k, f in folders.items()}
        n_seeds = {k: len(v) for k, v in values.items()}
        for m in FAN_METRICS:
            if any((b["metric"] == m).any() for b in bands.values()):
                fan_chart(bands, m, out / "plots" / f"fan_{m}.png", n_seeds=n_seeds)
        _plot_differences(table, out / "plots" / "differences.png")
    (out / "inputs.json").write_text(json.dumps({k: str(v) for k, v in folders.items()}, indent=1) + "\n")
    return CompareResult(table=table, markdown=md, out=out, folders=folders)
