"""Plots for ensembles, sweeps, sensitivity and comparisons.

* :func:`fan_chart`: small multiples, one panel per border (PL, LT, LV),
  shared axes, median with 25-75 % and 5-95 % bands, seed count in the title;
  several ensembles are overlaid in different colours.
* :func:`plot_outcomes_vs_parameters`: each outcome against each parameter,
  runs as dots, median with 25-75 % and 5-95 % seed bands.
* :func:`tornado`: sorted horizontal bars with error bars.
* :func:`differences_figure` / :func:`differences`: each outcome's difference from the baseline.

Figures use the object-oriented API on their own Agg canvas (:func:`sim.plots.base.new_figure`: no
pyplot, no global backend) and constrained layout, and are written by :func:`sim.plots.base.save_png`
(atomically, with deterministic bytes). Colours come from the series palette of :mod:`sim.plots.style`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.base import new_figure, save_png
from sim.plots.style import series_colour

BORDERS = ("PL", "LT", "LV")
GREY = "#7f7f7f"


def _label(value) -> object:
    """A hashable stand-in for a parameter value: mappings and lists become sorted JSON text."""
    if isinstance(value, (dict, list, tuple, set)):
        return json.dumps(sorted(value) if isinstance(value, set) else value, sort_keys=True, default=str)
    return value


def fan_chart(bands: dict[str, pd.DataFrame], metric: str, path: Path, countries=BORDERS,
              n_seeds: dict[str, int] | None = None) -> Path:
    """Fan chart(s) of one metric, one panel per country.

    Args:
        bands: Label -> band table (date, metric, country, q05..q95).
        metric: Metric to draw.
        path: PNG to write.
        countries: Panels.
        n_seeds: Label -> number of seeds (for the title).

    Returns:
        The path written.

    """
    fig = new_figure(4.2 * len(countries), 3.6, layout="constrained")
    axes = fig.subplots(1, len(countries), sharex=True, sharey=True, squeeze=False)
    overlay = len(bands) > 1
    for ax, c in zip(axes[0], countries, strict=True):
        for k, (label, b) in enumerate(bands.items()):
            sub = b[(b["metric"] == metric) & (b["country"] == c)].sort_values("date")
            if sub.empty:
                continue
            x = pd.to_datetime(sub["date"])
            col = series_colour(k)
            ax.fill_between(x, sub["q05"], sub["q95"], color=col, alpha=0.12 if overlay else 0.2, lw=0,
                            label=None if overlay else "5-95 %")
            ax.fill_between(x, sub["q25"], sub["q75"], color=col, alpha=0.3 if overlay else 0.4, lw=0,
                            label=None if overlay else "25-75 %")
            ax.plot(x, sub["q50"], color=col, lw=1.5, label=label if overlay else "median")
        ax.set_title(c)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=45)
    axes[0][0].set_ylabel(f"{metric} (people)")
    axes[0][0].legend(loc="upper left", fontsize=8)
    seeds = n_seeds or {}
    desc = ", ".join(f"{k}: {v}" for k, v in seeds.items()) if overlay else f"{next(iter(seeds.values()), '?')}"
    return save_png(fig, path, f"{metric} by border - median, 25-75 % and 5-95 % bands ({desc} seeds)", title_size=11)


def _bands_by_x(x: np.ndarray, y: np.ndarray, max_levels: int = 12) -> pd.DataFrame:
    df = pd.DataFrame({"x": x, "y": y}).dropna()
    if df["x"].nunique() > max_levels:
        df["bin"] = pd.qcut(df["x"], q=10, duplicates="drop")
        g = df.groupby("bin", observed=True)
        centers = g["x"].median().to_numpy()
    else:
        g = df.groupby("x")
        centers = np.array(list(g.groups.keys()))
    q = g["y"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q.index = centers
    return q.sort_index()


def plot_outcomes_vs_parameters(runs: pd.DataFrame, parameters: list[str], outcomes: list[str],
                                folder: Path, categories: dict[str, list[str]] | None = None) -> list[Path]:
    """One figure per outcome, one panel per parameter.

    Args:
        runs: Long runs table (run, outcome, value, status, parameter columns).
        parameters: Parameter columns.
        outcomes: Outcome names.
        folder: Where to write ``<outcome>.png``.
        categories: Parameters drawn as categories in the order given (a sweep's named levels), even
            where their labels look like numbers.

    Returns:
        Paths written.

    """
    ok = runs[runs["status"] == "ok"].copy()
    for p in parameters:  # grid values may be mappings (unhashable): group and label them as text
        if ok[p].dtype == object:
            ok[p] = ok[p].map(_label)
    paths = []
    for o in outcomes:
        sub = ok[ok["outcome"] == o]
        n = len(parameters)
        fig = new_figure(3.8 * n, 3.4, layout="constrained")
        axes = fig.subplots(1, n, sharey=True, squeeze=False)
        for ax, p in zip(axes[0], parameters, strict=True):
            xs = pd.to_numeric(sub[p], errors="coerce")
            if p in (categories or {}) or xs.isna().all():  # categorical values
                order = [str(v) for v in (categories or {}).get(p, sorted(sub[p].astype(str).unique()))]
                cats = {v: i for i, v in enumerate(order)}
                xs = sub[p].astype(str).map(cats).astype(float)
                ax.set_xticks(list(cats.values()), list(cats.keys()), rotation=30)
            x, y = xs.to_numpy(dtype=float), sub["value"].to_numpy(dtype=float)
            ax.scatter(x, y, s=6, alpha=0.25, color=GREY, lw=0)
            others = [q for q in parameters if q != p]
            groups = sub.groupby(others[0] if len(others) == 1 else others, sort=True).groups if others else {}
            if others and 1 < len(groups) <= 6 and sub[p].nunique() <= 12:  # grid: a line per other setting
                for k, (key, idx) in enumerate(groups.items()):
                    q = _bands_by_x(x[sub.index.get_indexer(idx)], y[sub.index.get_indexer(idx)])
                    col = series_colour(k)
                    key = key if isinstance(key, tuple) else (key,)
                    label = ", ".join(f"{o.split('.')[-1]}={v:g}" if isinstance(v, float) else f"{o.split('.')[-1]}={v}"
                                      for o, v in zip(others, key, strict=True))
                    ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.15, color=col, lw=0)
                    ax.plot(q.index, q[0.5], color=col, marker=".", label=label)
                ax.legend(fontsize=6)
            elif len(x):
                q = _bands_by_x(x, y)
                col = series_colour(0)
                ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.2, color=col, lw=0, label="5-95 %")
                ax.fill_between(q.index, q[0.25], q[0.75], alpha=0.4, color=col, lw=0, label="25-75 %")
                ax.plot(q.index, q[0.5], color=col, marker=".", label="median")
            ax.set_xlabel(p, fontsize=8)
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel(o)
        if axes[0][0].get_legend() is None and axes[0][0].get_legend_handles_labels()[0]:
            axes[0][0].legend(fontsize=7)
        title = (f"{o} against each parameter: median and 5-95 % band over seeds"
                 + (" and the other parameters" if len(parameters) > 1 else ""))
        paths.append(save_png(fig, Path(folder) / f"{o}.png", title, title_size=11))
    return paths


def tornado(names: list[str], values: np.ndarray, errors: np.ndarray | None, title: str, xlabel: str,
            path: Path, second: tuple[np.ndarray, np.ndarray | None, str] | None = None,
            first_label: str = "") -> Path:
    """Sorted horizontal bar chart (largest on top), optional second series.

    Args:
        names: Bar labels.
        values: Bar lengths.
        errors: Error half-widths (or None).
        title: Figure title.
        xlabel: X axis label.
        path: PNG to write.
        second: Optional (values, errors, label) drawn beside the first.
        first_label: Legend label of the first series.

    Returns:
        The path written.

    """
    order = np.argsort(np.nan_to_num(values, nan=-np.inf))
    y = np.arange(len(names))
    h = 0.4 if second else 0.7
    fig = new_figure(6.5, 0.45 * len(names) + 1.5, layout="constrained")
    ax = fig.subplots()
    err = None if errors is None else np.asarray(errors)[order]
    ax.barh(y + (h / 2 if second else 0), np.asarray(values)[order], height=h, xerr=err, color=series_colour(0),
            label=first_label or None, capsize=3)
    if second:
        v2, e2, lab2 = second
        ax.barh(y - h / 2, np.asarray(v2)[order], height=h, xerr=None if e2 is None else np.asarray(e2)[order],
                color=series_colour(1), label=lab2, capsize=3)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if second or first_label:
        ax.legend(fontsize=8)
    return save_png(fig, path)


def differences_figure(table: pd.DataFrame) -> Figure:
    """Each outcome's difference from the baseline with its 95 % interval, one panel per outcome.

    Args:
        table: The comparison table (``outcome, baseline, scenario, diff, ci_low, ci_high``).

    Returns:
        The figure (constrained layout keeps the figure title clear of the panel titles).

    """
    outs = list(dict.fromkeys(table["outcome"]))
    fig = new_figure(2.6 * len(outs), 2.8, layout="constrained")
    axes = fig.subplots(1, len(outs), squeeze=False)
    for ax, o in zip(axes[0], outs, strict=True):
        g = table[table["outcome"] == o]
        y = np.arange(len(g))
        lo = (g["diff"] - g["ci_low"]).fillna(0).to_numpy()
        hi = (g["ci_high"] - g["diff"]).fillna(0).to_numpy()
        ax.errorbar(g["diff"], y, xerr=[lo, hi], fmt="o", capsize=3, color=series_colour(0))
        ax.axvline(0, color=GREY, lw=0.8)
        ax.set_yticks(y, g["scenario"], fontsize=7)
        ax.set_title(o, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(f"Difference from {table['baseline'].iloc[0]} (95 % interval)", fontsize=9)
    return fig


def differences(table: pd.DataFrame, path: Path) -> Path:
    """Write :func:`differences_figure` of a comparison table as a PNG."""
    return save_png(differences_figure(table), path)
