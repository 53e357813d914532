"""Plots of a validation: simulated bands against observed figures, and the outcomes without a series."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outcomes.observed import Target
from sim.plots.base import save_png
from sim.plots.style import OBSERVED_COLOUR, SIMULATED_COLOUR, country_colour, series_colour


def plot_bands(targets: list[Target], values: np.ndarray, series: pd.DataFrame, n_seeds: int, path: Path,
               observed_band: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    """One panel per series: observed points against the simulated median and 5–95 % band.

    Args:
        targets: The observed rows.
        values: Simulated values, seeds × targets.
        series: Per-series scores (``series``, ``ard_seed_median``), for the panel titles.
        n_seeds: Seeds behind the bands.
        path: PNG to write.
        observed_band: Optional 5 % and 95 % of the published figure per target (the counts with an observation
            and model error: ``observed_p05``, ``observed_p95`` of the report), drawn as a dashed outline.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    groups: dict[str, list[int]] = {}
    for k, t in enumerate(targets):
        groups.setdefault(t.series, []).append(k)
    n = len(groups)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(7 * ncols, 3.6 * nrows + 0.9))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    vals = values
    for ax, (label, idx) in zip(axes, groups.items(), strict=False):
        for k in idx:
            t = targets[k]
            x0 = pd.Timestamp(t.start)
            x1 = pd.Timestamp(t.end) + pd.Timedelta(days=1)
            xm = x0 + (x1 - x0) / 2
            v = vals[:, k]
            lo, med, hi = np.percentile(v, 5), np.median(v), np.percentile(v, 95)
            alpha = 1.0 if t.scored else 0.35
            if observed_band is not None:
                p_lo, p_hi = observed_band[0][k], observed_band[1][k]
                if t.aggregation == "cumulative":  # a vertical line at the period's end
                    xs, ys = [pd.Timestamp(t.end)] * 2, [p_lo, p_hi]
                else:  # a box over the period
                    xs, ys = [x0, x1, x1, x0, x0], [p_lo, p_lo, p_hi, p_hi, p_lo]
                ax.plot(xs, ys, color=SIMULATED_COLOUR, linewidth=1, linestyle="--", alpha=0.8 * alpha)
            if t.aggregation == "cumulative":  # a running total: a point at the period's end
                xe = pd.Timestamp(t.end)
                ax.errorbar([xe], [med], yerr=[[med - lo], [hi - med]], fmt="s", color=SIMULATED_COLOUR, capsize=5,
                            markersize=7, linewidth=2)
                ax.plot([xe], [t.value], "o", color=OBSERVED_COLOUR, markersize=6)
                ax.plot([pd.Timestamp(t.start), xe], [0, t.value], color=OBSERVED_COLOUR, linewidth=0.6, alpha=0.4)
                continue
            ax.fill_between([x0, x1], [lo, lo], [hi, hi], color=SIMULATED_COLOUR, alpha=0.25 * alpha, linewidth=0)
            ax.plot([x0, x1], [med, med], color=SIMULATED_COLOUR, linewidth=2.5, alpha=alpha)
            ax.plot([x0, x1], [t.value, t.value], color=OBSERVED_COLOUR, linewidth=1, alpha=0.5 * alpha)
            ax.plot([xm], [t.value], "o", color=OBSERVED_COLOUR, markersize=6, alpha=alpha)
            if not t.scored:
                ax.annotate("not scored (period starts before the run)", (xm, t.value), fontsize=7,
                            textcoords="offset points", xytext=(4, 6))
        first = min(targets[k].start for k in idx)
        last = max(targets[k].end for k in idx)
        ax.set_xlim(pd.Timestamp(first) - pd.Timedelta(days=4), pd.Timestamp(last) + pd.Timedelta(days=6))
        s = series[series["series"] == label] if len(series) else series
        ttl = label
        if not s.empty:
            ttl += f" — ARD {float(s['ard_seed_median'].iloc[0]):.2f}"
        agg = targets[idx[0]].aggregation
        ttl += f" (running totals since {targets[idx[0]].start:%-d %b %Y})" if agg == "cumulative" \
            else " (period totals)"
        ax.set_title(ttl, fontsize=10.5)
        ax.set_ylabel("people (" + " + ".join(targets[idx[0]].components) + ")", fontsize=8.5)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelsize=8, rotation=30)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=OBSERVED_COLOUR, marker="o", linewidth=1, label="observed (official figure)"),
               Line2D([], [], color=SIMULATED_COLOUR, linewidth=2.5, label="simulated median"),
               Line2D([], [], color=SIMULATED_COLOUR, alpha=0.3, linewidth=8, label="simulated 5–95 %")]
    if observed_band is not None:
        handles.append(Line2D([], [], color=SIMULATED_COLOUR, linewidth=1, linestyle="--",
                              label="5–95 % of the published figure (with observation and model error)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9)
    return save_png(fig, path, f"Observed vs simulated, {n_seeds} seeds", rect=(0, 0.05, 1, 1))


def plot_outcomes(daily: pd.DataFrame, path: Path, title: str = "") -> Path:
    """One run's stranded people by border, and running totals of repatriation and onward arrivals."""
    from matplotlib.figure import Figure

    tot = daily[daily["place"] == ""].copy()
    tot["date"] = pd.to_datetime(tot["date"])
    fig = Figure(figsize=(13, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    stock = tot[tot["metric"] == "at_border"].pivot_table(index="date", columns="country", values="value")
    for i, c in enumerate(stock.columns):
        ax1.plot(stock.index, stock[c], label=f"at the {c} border", linewidth=1.8, color=country_colour(c, i))
    ax1.plot(stock.index, stock.sum(axis=1), color=OBSERVED_COLOUR, linewidth=1.2, label="all borders")
    ax1.set_title("People waiting or crossing at the borders (stranded)", fontsize=10.5)
    ax1.legend(fontsize=8)
    lines = [("repatriated", None, "repatriated from Minsk", country_colour("BY")),
             ("onward_arrivals", "DE", "onward arrivals in Germany", country_colour("DE")),
             ("deaths", None, "deaths at the border (x100)", series_colour(6))]
    for metric, country, label, colour in lines:
        part = tot[tot["metric"] == metric]
        if country:
            part = part[part["country"] == country]
        series = part.groupby("date")["value"].sum().cumsum()
        if metric == "deaths":
            series = series * 100
        ax2.plot(series.index, series.values, label=label, linewidth=1.8, color=colour)
    ax2.set_title("Running totals", fontsize=10.5)
    ax2.legend(fontsize=8)
    for ax in (ax1, ax2):
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelsize=8, rotation=30)
        ax.set_ylabel("people")
    return save_png(fig, path, title or "Outcomes without an official monthly series", title_size=12)
