"""PNG plots of one run: border pressure, journey states, arrivals, a flow map, observed vs simulated.

Each plot function writes one PNG and returns its path. Figures use the object-oriented API on an Agg
canvas (no pyplot, no global state) and are saved without timestamps: same input, same bytes. Colours,
markers and labels come from :mod:`sim.plots.style`; the flow map is drawn by :mod:`sim.plots.maps`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.plots.base import daily_series, date_axis, fmt_date, new_figure, save_png
from sim.plots.maps.layout import ZOOM_KINDS, corridor_names, places_from_scenario, zoom_box
from sim.plots.maps.mpl import MplMap, legend_handles, map_axes
from sim.plots.observed_plot import draw_observed
from sim.plots.style import (
    ACTIVE_STATES,
    COUNTRY_NAMES,
    KIND_STYLE,
    MODE_STYLE,
    OUTCOME_STATES,
    country_colour,
    series_colour,
)
from sim.plots.text import LabelFont
from sim.scenario.schema import Scenario


def counting_label(country: str, rules: list | None) -> str:
    """Legend label saying what a country's official figure counts, e.g. "PL — attempts (as Poland counts)".

    Args:
        country: Country code.
        rules: The ``counts`` list of the country's border service (dicts with metrics, from, until).

    Returns:
        A one-line label.

    """
    name = COUNTRY_NAMES.get(country, country)
    if not rules:
        return f"{country} — attempts (model default for {name})"
    parts = [" + ".join(m.replace("_", " ") for m in r.get("metrics", []))
             + (f" from {fmt_date(r['from'])}" if r.get("from") else "")
             + (f" until {fmt_date(r['until'])}" if r.get("until") else "") for r in rules]
    return f"{country} — {', then '.join(parts)} (as {name} counts)"


def border_pressure(daily: pd.DataFrame, border_services: Mapping, path: Path) -> Path:
    """Each border country's official daily count (with a 7-day mean) and the people waiting at its border.

    Args:
        daily: The tidy daily table of a run.
        border_services: Country → border service dict (its ``counts`` rules name the series).
        path: Where to write the PNG.

    """
    fig = Figure(figsize=(11, 7.5))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    countries = sorted(set(daily.loc[daily["metric"] == "reported", "country"]) | set(border_services))
    for i, c in enumerate(countries):
        colour = country_colour(c, i)
        rules = (border_services.get(c) or {}).get("counts")
        rep = daily_series(daily, "reported", c)
        if rep.empty:  # no official series: fall back to the model's attempts
            rep, rules = daily_series(daily, "attempts", c), None
        top.plot(rep.index, rep.values, color=colour, alpha=0.3, linewidth=0.8)
        top.plot(rep.index, rep.rolling(7, min_periods=1).mean().values, color=colour, linewidth=2.2,
                 label=counting_label(c, rules))
        stock = daily_series(daily, "at_border", c)
        bottom.plot(stock.index, stock.values, color=colour, linewidth=2, label=f"{c} — {COUNTRY_NAMES.get(c, c)}")
    top.plot([], [], color="grey", alpha=0.4, linewidth=0.8, label="thin line: daily value; thick: 7-day mean")
    top.set(title="Official daily counts at each border (each country counts something different)",
            ylabel="people (or attempts) per day")
    bottom.set(title="People waiting at the border on the Belarusian side", ylabel="people", xlabel="date")
    for ax in (top, bottom):
        ax.legend(loc="upper left", fontsize=8.5)
        ax.set_ylim(bottom=0)
        date_axis(ax)
    return save_png(fig, path, "Border pressure by country")


def journey_states(daily: pd.DataFrame, path: Path) -> Path:
    """People by journey state over time, stacked: on the journey (top) and outcomes so far (bottom).

    Args:
        daily: The tidy daily table of a run.
        path: Where to write the PNG.

    """
    fig = Figure(figsize=(11, 8))
    top, bottom = fig.subplots(2, 1, sharex=True)
    dates = pd.DatetimeIndex(pd.to_datetime(daily["date"].unique())).sort_values()
    for ax, states, title in ((top, ACTIVE_STATES, "On the journey (from booking to an outcome)"),
                              (bottom, OUTCOME_STATES, "Not started (at the origin) and outcomes so far")):
        series = {s: v for s in states if not (v := daily_series(daily, f"state_{s}")).empty}
        ax.stackplot(dates, *[v.reindex(dates, fill_value=0).values for v in series.values()],
                     labels=[states[s][0] for s in series], colors=[states[s][1] for s in series],
                     edgecolor="white", linewidth=0.3)
        ax.legend(*[h[::-1] for h in ax.get_legend_handles_labels()], loc="center left", bbox_to_anchor=(1.01, 0.5),
                  fontsize=8.5, title="top of stack first", title_fontsize=8)
        ax.set(title=title, ylabel="people", ylim=(0, None))
        ax.margins(x=0)
        date_axis(ax)
    bottom.set_xlabel("date")
    return save_png(fig, path, "Where people are on their journey, day by day")


def _route_label(route: str, carriers: Mapping | None, places: Mapping | None) -> str:
    for carrier in (carriers or {}).values():
        spec = (carrier.get("routes") or {}).get(route)
        if spec:
            origin = (places or {}).get(spec.get("from", ""), {}).get("name", spec.get("from", "?"))
            return f"{route} ({carrier.get('name', '')}, from {origin})"
    return route


def arrivals_by_route(daily: pd.DataFrame, path: Path, carriers: Mapping | None = None,
                      places: Mapping | None = None) -> Path:
    """Weekly arrivals in Minsk by route, as stacked bars.

    Args:
        daily: The tidy daily table of a run.
        path: Where to write the PNG.
        carriers: Optional carrier dicts from the scenario, to name the carrier and origin of each route.
        places: Optional place dicts, for origin names.

    """
    rows = daily[(daily["metric"] == "arrivals_minsk") & (daily["place"] != "")]
    table = rows.pivot_table(index="date", columns="place", values="value", aggfunc="sum", fill_value=0)
    table.index = pd.to_datetime(table.index)
    weekly = table.resample("W-MON", label="left", closed="left").sum().pipe(lambda w: w.loc[:, w.sum() > 0])
    fig = Figure(figsize=(12, 5.5))
    ax = fig.subplots()
    base = np.zeros(len(weekly))
    for i, route in enumerate(weekly.columns):
        ax.bar(weekly.index + pd.Timedelta(days=3.5), weekly[route].values, width=6, bottom=base,
               color=series_colour(i), label=_route_label(route, carriers, places))
        base += weekly[route].values
    if len(weekly.columns):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, title="route")
    else:
        ax.text(0.5, 0.5, "no arrivals in Minsk", transform=ax.transAxes, ha="center")
    ax.set(ylabel="people per week", xlabel="week")
    date_axis(ax)
    return save_png(fig, path, "Arrivals in Minsk by route (weekly totals, weeks starting Monday)")


def flow_map_figure(flows: pd.DataFrame, places: Mapping, border_services: Mapping,
                    named: Sequence[str] = ()) -> tuple[Figure, list[MplMap]]:
    """The flow map's figure (1760×990 pixels): the whole corridor and the Belarus border region.

    Args:
        flows: Cumulative people per link (``from_place, to_place, mode, people``).
        places: Place id → dict with ``name, lat, lon, country, kind``.
        border_services: Country → border service (the keys name the border countries).
        named: Places the corridor map names whenever there is room (:func:`~sim.plots.maps.layout.corridor_names`).

    Returns:
        The figure and its two maps (corridor, border region).

    """
    places = places_from_scenario(places)
    edges = [(r.from_place, r.to_place, r.mode) for r in flows.itertuples(index=False)]
    people_on = flows["people"].astype(float).tolist()
    passing = pd.concat([flows.groupby(col)["people"].sum() for col in ("from_place", "to_place")], axis=1)
    passing = passing.fillna(0).max(axis=1).to_dict()  # people through a place: the larger of in- and outflow
    fig = new_figure(16, 9)
    countries = sorted(border_services)
    common = {"counts": False, "place_font": LabelFont(14, bold=True), "border_countries": countries}
    zoom_at = zoom_box(places, ZOOM_KINDS, margin=0.8)
    zoom = MplMap(map_axes(fig, 875, 85, 600, 880), places, edges, box=zoom_at, title="Belarus border region",
                  named=list(named[:1]), labels=14, named_kinds=("staging", "eu_transit"), **common)
    lon0, lon1, lat0, lat1 = zoom.layout.projection.box
    outside = [p for p, d in places.items() if not (lon0 <= d["lon"] <= lon1 and lat0 <= d["lat"] <= lat1)]
    further = sorted(outside, key=lambda p: -passing.get(p, 0.0))  # the overview names what the zoom does not show
    overview = MplMap(map_axes(fig, 15, 85, 840, 880), places, edges, title="Whole corridor",
                      named=list(dict.fromkeys([*named, *further])), labels=0, **common)
    if zoom_at is not None:
        overview.mark_box(zoom.layout.projection.box, "border region: see right")
    for m in (overview, zoom):
        m.draw(passing, people_on)
    peak = max(people_on, default=0.0)
    kinds = [k for k in KIND_STYLE if any(p["kind"] == k for p in places.values())]
    handles = legend_handles(kinds, [m for m in MODE_STYLE if m in set(flows["mode"])], countries, fig.dpi)
    handles += [Line2D([], [], color="#666666", linewidth=overview.px(overview.layout.flow_width(share * peak, peak)),
                       label=f"{round(peak * share):,} people") for share in (0.1, 0.5, 1.0) if peak]
    fig.legend(handles=handles, loc="center right", bbox_to_anchor=(0.995, 0.5), fontsize=9,
               title="line width: people over the run;\ncircle area: people passing a place", title_fontsize=9)
    fig.suptitle("Flows of people along the corridor over the whole run", fontsize=15, fontweight="bold", y=0.985)
    return fig, [overview, zoom]


def flow_map(flows: pd.DataFrame, places: Mapping, border_services: Mapping, path: Path,
             named: Sequence[str] = ()) -> Path:
    """Map of people moving along the network links over the run: whole corridor and the Belarus border region.

    Args:
        flows: Cumulative people per link (``from_place, to_place, mode, people``).
        places: Place id → dict with ``name, lat, lon, country, kind``.
        border_services: Country → border service (the keys name the border countries).
        path: Where to write the PNG.
        named: Places the corridor map names whenever there is room.

    """
    fig, _ = flow_map_figure(flows, places, border_services, named)
    return save_png(fig, path, tight=False)


def draw_run(daily: pd.DataFrame, flows: pd.DataFrame, scenario: Scenario, folder: Path) -> list[Path]:
    """Draw every plot of a run into ``folder``.

    Args:
        daily: The run's tidy daily table.
        flows: People along each link over the run.
        scenario: The scenario as run.
        folder: Output folder (created if missing).

    Returns:
        The PNG paths written (the observed comparison only when the scenario names an observed file).

    """
    folder = Path(folder)
    data = scenario.model_dump(by_alias=True, mode="json")
    places, services = data["places"], data["border_services"]
    paths = [border_pressure(daily, services, folder / "border_pressure.png"),
             journey_states(daily, folder / "journey_states.png"),
             arrivals_by_route(daily, folder / "arrivals_by_route.png", data["carriers"], places),
             flow_map(flows, places, services, folder / "flow_map.png", named=corridor_names(scenario)),
             draw_observed(daily, scenario, folder / "observed_vs_simulated.png")]
    return [p for p in paths if p is not None]
