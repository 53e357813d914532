"""Plots for ensembles, sweeps, sensitivity and comparisons (matplotlib, Agg).

* :func:`fan_chart`: small multiples, one panel per border (PL, LT, LV),
  shared axes, median with 25-75 % and 5-95 % bands, seed count in the title;
  several ensembles are overlaid in different colours.
* :func:`plot_outcomes_vs_parameters`: each outcome against each parameter,
  runs as dots, median with 25-75 % and 5-95 % seed bands.
* :func:`tornado`: sorted horizontal bars with error bars.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

BORDERS = ("PL", "LT", "LV")
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _save(fig, path: Path) -> Path:
    """Write ``fig`` as PNG atomically (a killed run leaves a ``.*.tmp`` the next start removes)."""
    import io

    from sim.files import atomic_write_bytes

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _label(value) -> object:
    """A hashable stand-in for a parameter value: mappings and lists become sorted JSON text."""
    if isinstance(value, (dict, list, tuple, set)):
        import json

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
    fig, axes = plt.subplots(1, len(countries), figsize=(4.2 * len(countries), 3.4), sharex=True, sharey=True,
                             squeeze=False)
    overlay = len(bands) > 1
    for ax, c in zip(axes[0], countries, strict=True):
        for k, (label, b) in enumerate(bands.items()):
            sub = b[(b["metric"] == metric) & (b["country"] == c)].sort_values("date")
            if sub.empty:
                continue
            x = pd.to_datetime(sub["date"])
            col = COLOURS[k % len(COLOURS)]
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
    fig.suptitle(f"{metric} by border - median, 25-75 % and 5-95 % bands ({desc} seeds)", y=1.03)
    return _save(fig, path)


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
                                folder: Path) -> list[Path]:
    """One figure per outcome, one panel per parameter.

    Args:
        runs: Long runs table (run, outcome, value, status, parameter columns).
        parameters: Parameter columns.
        outcomes: Outcome names.
        folder: Where to write ``<outcome>.png``.

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
        fig, axes = plt.subplots(1, n, figsize=(3.8 * n, 3.2), sharey=True, squeeze=False)
        for ax, p in zip(axes[0], parameters, strict=True):
            xs = pd.to_numeric(sub[p], errors="coerce")
            if xs.isna().all():  # categorical values
                cats = {v: i for i, v in enumerate(sorted(sub[p].astype(str).unique()))}
                xs = sub[p].astype(str).map(cats).astype(float)
                ax.set_xticks(list(cats.values()), list(cats.keys()), rotation=30)
            x, y = xs.to_numpy(dtype=float), sub["value"].to_numpy(dtype=float)
            ax.scatter(x, y, s=6, alpha=0.25, color="grey", lw=0)
            others = [q for q in parameters if q != p]
            groups = sub.groupby(others[0] if len(others) == 1 else others, sort=True).groups if others else {}
            if others and 1 < len(groups) <= 6 and sub[p].nunique() <= 12:  # grid: a line per other setting
                for k, (key, idx) in enumerate(groups.items()):
                    q = _bands_by_x(x[sub.index.get_indexer(idx)], y[sub.index.get_indexer(idx)])
                    col = COLOURS[k % len(COLOURS)]
                    key = key if isinstance(key, tuple) else (key,)
                    label = ", ".join(f"{o.split('.')[-1]}={v:g}" if isinstance(v, float) else f"{o.split('.')[-1]}={v}"
                                      for o, v in zip(others, key, strict=True))
                    ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.15, color=col, lw=0)
                    ax.plot(q.index, q[0.5], color=col, marker=".", label=label)
                ax.legend(fontsize=6)
            elif len(x):
                q = _bands_by_x(x, y)
                ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.2, color="tab:blue", lw=0, label="5-95 %")
                ax.fill_between(q.index, q[0.25], q[0.75], alpha=0.4, color="tab:blue", lw=0, label="25-75 %")
                ax.plot(q.index, q[0.5], color="tab:blue", marker=".", label="median")
            ax.set_xlabel(p, fontsize=8)
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel(o)
        if axes[0][0].get_legend() is None and axes[0][0].get_legend_handles_labels()[0]:
            axes[0][0].legend(fontsize=7)
        fig.suptitle(f"{o} against each parameter: median and 5-95 % band over seeds"
                     + (" and the other parameters" if len(parameters) > 1 else ""), y=1.02)
        paths.append(_save(fig, folder / f"{o}.png"))
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
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(names) + 1.5))
    err = None if errors is None else np.asarray(errors)[order]
    ax.barh(y + (h / 2 if second else 0), np.asarray(values)[order], height=h, xerr=err, color="tab:blue",
            label=first_label or None, capsize=3)
    if second:
        v2, e2, lab2 = second
        ax.barh(y - h / 2, np.asarray(v2)[order], height=h, xerr=None if e2 is None else np.asarray(e2)[order],
                color="tab:orange", label=lab2, capsize=3)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if second or first_label:
        ax.legend(fontsize=8)
    return _save(fig, path)
