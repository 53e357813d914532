"""The run plot of observed against simulated figures, each counted the way its country counts it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.outcomes.observed import build_targets
from sim.outcomes.sources import TableSeries
from sim.outcomes.values import observed_comparison
from sim.plots.base import date_axis, fmt_date, save_png
from sim.plots.style import OBSERVED_COLOUR, SIMULATED_COLOUR
from sim.scenario.observed_file import load_observed
from sim.scenario.schema import Scenario


def draw_observed(daily: pd.DataFrame, scenario: Scenario, path: Path) -> Path | None:
    """The observed-vs-simulated plot of a run whose scenario names an observed file (None when it names none).

    Each figure is counted the way its country counts it (:func:`sim.outcomes.values.target_values`);
    rows the scenario cannot count are drawn against the raw metric of their own name.
    """
    observed = scenario.observed_file
    if observed is None or not Path(observed).exists():
        return None
    table = load_observed(observed)
    source = TableSeries(daily)
    comparison = observed_comparison(source, build_targets(scenario, table, str(observed), strict=False), table)
    return observed_vs_simulated(comparison, source, path)


def observed_vs_simulated(comparison: pd.DataFrame, source: TableSeries, path: Path) -> Path | None:
    """One panel per observed (country, metric) series: observed against simulated for the same periods.

    Args:
        comparison: :func:`sim.outcomes.values.observed_comparison` of the run.
        source: The run's daily series (for running totals).
        path: PNG to write.

    Returns:
        The path written, or None when there is no observed row.

    """
    if comparison.empty:
        return None
    comp = comparison
    groups = list(comp.groupby(["country", "metric"], sort=True))
    ncols, nrows = min(2, len(groups)), math.ceil(len(groups) / 2)
    fig = Figure(figsize=(7 * ncols, 3.6 * nrows + 0.8))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    sim_start = pd.Timestamp(source.start)
    sim_end = sim_start + pd.Timedelta(days=source.days - 1)
    one_day, sim_colour = pd.Timedelta(days=1), SIMULATED_COLOUR
    for ax, ((country, metric), grp) in zip(axes, groups, strict=False):
        cumulative = (grp["aggregation"] == "cumulative").all()
        for row in grp.itertuples(index=False):
            start, end = pd.Timestamp(row.period_start), pd.Timestamp(row.period_end)
            if cumulative:  # points at the period end, on top of the simulated running total
                ax.plot([end], [row.value], "o", color=OBSERVED_COLOUR, markersize=7, zorder=4)
                if not np.isnan(row.simulated):
                    ax.plot([end], [row.simulated], "s", color=sim_colour, markersize=7, zorder=4)
                continue
            ax.plot([start, end + one_day], [row.value] * 2, color=OBSERVED_COLOUR, linewidth=3, solid_capstyle="butt")
            ax.plot([start + (end - start) / 2], [row.value], "o", color=OBSERVED_COLOUR, markersize=5)
            if not np.isnan(row.simulated):
                ax.plot([max(start, sim_start), min(end, sim_end) + one_day], [row.simulated] * 2, color=sim_colour,
                        linewidth=3, linestyle="-" if row.coverage >= 0.999 else ":", solid_capstyle="butt")
        ylabel, kind = "people in the period", "totals per period"
        if cumulative:
            start = pd.Timestamp(grp["period_start"].min())
            parts = [source.series(m, country) for m in grp["counted_as"].iloc[0].split(" + ")]
            parts = [p for p in parts if p is not None]
            if parts:
                first = max(0, source.day_index(start.date()))
                running = np.cumsum(np.sum(parts, axis=0)[first:])
                ax.plot(pd.date_range(sim_start + pd.Timedelta(days=first), periods=len(running)), running,
                        color=sim_colour, linewidth=1.5, alpha=0.8)
            ylabel, kind = f"people since {fmt_date(start)}", "running total"
        ax.set(ylabel=ylabel, ylim=(0, None))
        counted = grp["counted_as"].iloc[0]
        how = "" if counted == metric else f"; simulated: {counted.replace('_', ' ')}"
        ax.set_title(f"{country} — {metric.replace('_', ' ')} ({kind}{how})", fontsize=10.5)
        ax.axvspan(sim_start, sim_end + one_day, color="#f3f3f3", zorder=0)
        date_axis(ax, max_ticks=10)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=OBSERVED_COLOUR, linewidth=3, marker="o", label="observed (official figure)"),
               Line2D([], [], color=sim_colour, linewidth=3, marker="s", label="simulated, same period and metric"),
               Line2D([], [], color=sim_colour, linewidth=3, linestyle=":", label="simulated, period partly simulated"),
               Rectangle((0, 0), 1, 1, color="#f3f3f3", label="simulated time span")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9)
    return save_png(fig, path, "Observed vs simulated (PL counts attempts: one person may count several times)",
                 rect=(0, 0.05, 1, 1))
