"""The run plot of observed against simulated figures, each counted the way its country counts it."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.errors import ScenarioError
from sim.outcomes.observed import components
from sim.plots.base import date_axis, fmt_date, save_png


def observed_comparison(daily: pd.DataFrame, observed_csv, scenario=None) -> pd.DataFrame:
    """Compute the simulated value for each observed row, counted the way that country counts it.

    With ``scenario``, an observed metric is the sum of the raw simulated metrics its country's
    counting rules name (:func:`sim.outcomes.observed.components`: Lithuania's "turned back" is turned back
    plus prevented, Latvia's "prevented" is prevented plus turned back), exactly as
    ``corridor validate`` compares them; without, the simulated metric of the same name.
    ``period_total`` rows get the sum over the period; ``cumulative`` rows the running total
    from ``period_start`` to ``period_end``. Only simulated days inside the period count:
    ``coverage`` is the simulated share of the period, and ``simulated`` is NaN when no day of
    the period was simulated.

    Args:
        daily: The tidy daily table of a run.
        observed_csv: Path to the observed CSV, or a DataFrame with its columns.
        scenario: The run's :class:`~sim.scenario.schema.Scenario` (for the counting rules), or None.

    Returns:
        The observed rows with ``counted_as`` (the simulated metrics summed), ``simulated``,
        ``period_days``, ``simulated_days``, ``coverage`` and ``ratio`` (simulated / observed) added.

    """
    obs = observed_csv.copy() if isinstance(observed_csv, pd.DataFrame) else pd.read_csv(observed_csv)
    counted_as = [_counted_as(scenario, r.country, r.metric) for r in obs.itertuples(index=False)]
    totals = country_totals(daily)
    parts = [_counted_series(totals, r.country, comp).loc[pd.Timestamp(r.period_start):pd.Timestamp(r.period_end)]
             for r, comp in zip(obs.itertuples(index=False), counted_as)]
    return obs.assign(counted_as=[" + ".join(c) for c in counted_as],
                      simulated=[float(p.sum()) if len(p) else np.nan for p in parts],
                      simulated_days=[len(p) for p in parts],
                      period_days=(pd.to_datetime(obs["period_end"]) - pd.to_datetime(obs["period_start"])).dt.days + 1,
                      coverage=lambda d: d["simulated_days"] / d["period_days"],
                      ratio=lambda d: d["simulated"] / d["value"].where(d["value"] != 0))


def _counted_as(scenario, country: str, metric: str) -> tuple[str, ...]:
    """The simulated metrics behind an observed figure (the figure's own name when they cannot be told)."""
    if scenario is None:
        return (metric,)
    try:
        return components(scenario, country, metric)
    except ScenarioError:  # a country or metric the run does not have: nothing to draw for it
        return (metric,)


def country_totals(daily: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """Every country total of a tidy table, read once: (country, metric) → daily Series by date."""
    totals = daily[daily["place"] == ""]
    out = {}
    for (country, metric), grp in totals.groupby(["country", "metric"], sort=False):
        series = grp.set_index(pd.to_datetime(grp["date"]))["value"]
        out[(country, metric)] = series.groupby(level=0).sum().sort_index()
    return out


def _counted_series(totals: dict, country: str, metrics) -> pd.Series:
    """Daily country totals of the sum of ``metrics`` (empty when the run has none of them)."""
    series = [totals[(country, m)] for m in metrics if (country, m) in totals]
    if not series:
        return pd.Series(dtype="int64", index=pd.DatetimeIndex([]))
    return functools.reduce(lambda a, b: a.add(b, fill_value=0), series)


def observed_vs_simulated(daily: pd.DataFrame, observed_csv, path: Path, scenario=None) -> Path | None:
    """One panel per observed (country, metric) series: observed against simulated for the same periods.

    Args:
        daily: The tidy daily table of a run.
        observed_csv: Path to the observed CSV (or a DataFrame, or None).
        path: PNG to write.
        scenario: The run's scenario, to count each figure the way its country counts it.

    Returns:
        The path written, or None when there is no observed file.

    """
    if observed_csv is None or (not isinstance(observed_csv, pd.DataFrame) and not Path(observed_csv).exists()) \
            or (comp := observed_comparison(daily, observed_csv, scenario)).empty:
        return None
    totals = country_totals(daily)
    groups = list(comp.groupby(["country", "metric"], sort=True))
    ncols, nrows = min(2, len(groups)), math.ceil(len(groups) / 2)
    fig = Figure(figsize=(7 * ncols, 3.6 * nrows + 0.8))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    sim_start, sim_end = pd.Timestamp(daily["date"].min()), pd.Timestamp(daily["date"].max())
    one_day, sim_colour = pd.Timedelta(days=1), "tab:orange"
    for ax, ((country, metric), grp) in zip(axes, groups, strict=False):
        cumulative = (grp["aggregation"] == "cumulative").all()
        for row in grp.itertuples(index=False):
            start, end = pd.Timestamp(row.period_start), pd.Timestamp(row.period_end)
            if cumulative:  # points at the period end, on top of the simulated running total
                ax.plot([end], [row.value], "o", color="black", markersize=7, zorder=4)
                if not np.isnan(row.simulated):
                    ax.plot([end], [row.simulated], "s", color=sim_colour, markersize=7, zorder=4)
                continue
            ax.plot([start, end + one_day], [row.value] * 2, color="black", linewidth=3, solid_capstyle="butt")
            ax.plot([start + (end - start) / 2], [row.value], "o", color="black", markersize=5)
            if not np.isnan(row.simulated):
                ax.plot([max(start, sim_start), min(end, sim_end) + one_day], [row.simulated] * 2, color=sim_colour,
                        linewidth=3, linestyle="-" if row.coverage >= 0.999 else ":", solid_capstyle="butt")
        ylabel, kind = "people in the period", "totals per period"
        if cumulative:
            start = pd.Timestamp(grp["period_start"].min())
            running = _counted_series(totals, country, grp["counted_as"].iloc[0].split(" + ")).loc[start:].cumsum()
            ax.plot(running.index, running.values, color=sim_colour, linewidth=1.5, alpha=0.8)
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
    handles = [Line2D([], [], color="black", linewidth=3, marker="o", label="observed (official figure)"),
               Line2D([], [], color=sim_colour, linewidth=3, marker="s", label="simulated, same period and metric"),
               Line2D([], [], color=sim_colour, linewidth=3, linestyle=":", label="simulated, period partly simulated"),
               Rectangle((0, 0), 1, 1, color="#f3f3f3", label="simulated time span")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9)
    return save_png(fig, path, "Observed vs simulated (PL counts attempts: one person may count several times)",
                 rect=(0, 0.05, 1, 1))
