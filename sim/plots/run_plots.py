"""PNG plots of one run: border pressure, journey states, arrivals, a flow map, observed vs simulated.

Each plot function writes one PNG and returns its path. Figures use the object-oriented API on an Agg
canvas (no pyplot, no global state) and are saved without timestamps: same input, same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.plots.base import daily_series, date_axis, fmt_date, save_png
from sim.plots.observed_plot import draw_observed
from sim.plots.style import country_colour
from sim.scenario.schema import Scenario

COUNTRY_NAMES = {"PL": "Poland", "LT": "Lithuania", "LV": "Latvia", "BY": "Belarus", "DE": "Germany"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#e377c2", "#7f7f7f", "#bcbd22",
           "#aec7e8", "#ffbb78", "#98df8a"]
KIND_STYLE = {  # colour, marker, base marker size
    "origin": ("#d95f02", "o", 40), "air_hub": ("#7570b3", "s", 35), "minsk": ("#e7298a", "*", 160),
    "staging": ("#a6761d", "^", 40), "border_segment": ("#1b9e77", "D", 25),
    "eu_transit": ("#66a61e", "v", 35), "destination": ("#1f78b4", "P", 50),
}
MODE_COLOURS = {"flight": "#8c84c9", "road": "#7f7f7f", "forest": "#2e8b57", "onward": "#3182bd"}
# state -> (readable label, colour): people on the journey (vivid); not started or outcomes (muted; death black)
ACTIVE_STATES = {
    "booked": ("booked, waiting for the flight", "#bdbdbd"),
    "in_minsk": ("in Minsk", "#e7298a"), "to_border": ("moving to the border", "#fdae61"),
    "at_border": ("at the border (Belarusian side)", "#d7191c"), "attempting": ("crossing tonight", "#8b0000"),
    "crossed": ("crossed, moving on in the EU", "#2b83ba"), "detained": ("detained in the EU", "#5e3c99"),
    "asylum": ("asylum claim, open reception", "#abdda4"), "returning": ("returning to Minsk", "#a6761d"),
    "waiting_return": ("in Minsk, waiting to fly home", "#f4a6c8"),
}
OUTCOME_STATES = {  # with the people not yet started (waiting at the origin) at the bottom
    "prospective": ("at origin, no seat yet (not started)", "#f7e4a3"),
    "at_destination": ("reached EU destination", "#9ecae1"), "protected": ("granted protection", "#c7e9c0"),
    "deported": ("deported from the EU", "#fdd0a2"), "repatriated": ("repatriated from Minsk", "#dadaeb"),
    "returned_home": ("flew home on own ticket", "#cccccc"), "stayed_home": ("gave up before flying", "#e6e6e6"),
    "dead": ("died", "#252525"),
}
MAIN_PLACES = ("minsk", "grodno", "brest", "berlin", "warsaw", "vilnius", "riga", "benghazi", "baghdad",
               "istanbul", "damascus", "erbil", "beirut", "dubai", "moscow", "bialystok", "amsterdam", "paris")
ZOOM_BOX = (22.0, 29.0, 51.5, 56.5)  # lon min, lon max, lat min, lat max of the border zoom
BORDER_LABEL_OFFSET = {"PL": (-1.6, -0.65), "LT": (-2.8, 0.5), "LV": (-0.6, 0.5)}  # from the mean of its segments
LABEL_OFFSET = {  # points from the place; where the default position collides with a neighbour
    "bruzgi": (6, -10), "bialystok": (-6, 4), "vilnius": (7, 3), "damascus": (6, -9), "usnarz": (7, 1),
    "krynki": (7, -6), "bobrowniki": (7, -6), "michalowo": (7, -6), "bialowieza": (7, -3), "kraslava": (6, 3),
    "silene": (-6, -10)}


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
               color=PALETTE[i % len(PALETTE)], label=_route_label(route, carriers, places))
        base += weekly[route].values
    if len(weekly.columns):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, title="route")
    else:
        ax.text(0.5, 0.5, "no arrivals in Minsk", transform=ax.transAxes, ha="center")
    ax.set(ylabel="people per week", xlabel="week")
    date_axis(ax)
    return save_png(fig, path, "Arrivals in Minsk by route (weekly totals, weeks starting Monday)")


def _draw_network(ax, flows: pd.DataFrame, places: Mapping, border_services: Mapping, zoom: bool) -> None:
    """Links, places, borders and names on one axes (``zoom`` = border-region detail)."""
    peak = max(float(flows["people"].max()) if len(flows) else 0.0, 1.0)
    passing = pd.concat([flows.groupby(col)["people"].sum() for col in ("from_place", "to_place")], axis=1)
    passing = passing.fillna(0).max(axis=1).to_dict()  # people through a place: the larger of in- and outflow
    for row in sorted(flows.itertuples(index=False), key=lambda r: r.people):  # thick links on top
        a, b = places.get(row.from_place), places.get(row.to_place)
        if a is None or b is None:
            continue
        style = ({"color": "#cfcfcf", "linewidth": 0.6, "zorder": 1} if row.people <= 0 else
                 {"color": MODE_COLOURS.get(row.mode, "#555"), "linewidth": 0.8 + 9 * row.people / peak,
                  "alpha": 0.75, "solid_capstyle": "round", "zorder": 2})
        ax.plot([a["lon"], b["lon"]], [a["lat"], b["lat"]], **style)
    for i, c in enumerate(sorted(border_services)):
        segs = sorted((p for p in places.values() if p["country"] == c and p["kind"] == "border_segment"),
                      key=lambda p: p["lat"])
        if not segs:
            continue
        lons, lats = [p["lon"] for p in segs], [p["lat"] for p in segs]
        colour = country_colour(c, i)
        ax.plot(lons, lats, color=colour, linewidth=2.5 if zoom else 1.5, linestyle="--", zorder=3)
        if zoom:  # label on the EU side of the line
            (dx, dy), name = BORDER_LABEL_OFFSET.get(c, (-0.8, 0.0)), COUNTRY_NAMES.get(c, c)
            ax.text(np.mean(lons) + dx, np.mean(lats) + dy, f"{c} border ({name})", color=colour, fontsize=10,
                    fontweight="bold", ha="left", va="center", zorder=6,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "alpha": 0.85})
    lon0, lon1, lat0, lat1 = ZOOM_BOX
    for pid, p in places.items():
        colour, marker, size = KIND_STYLE.get(p["kind"], ("#555555", "o", 30))
        size = size * (1.0 if zoom else 0.6) + 2.5 * math.sqrt(passing.get(pid, 0.0))
        ax.scatter(p["lon"], p["lat"], s=size, c=colour, marker=marker, edgecolors="black", linewidths=0.5, zorder=4)
        inside = lon0 <= p["lon"] <= lon1 and lat0 <= p["lat"] <= lat1
        if zoom:  # the zoom names staging areas, cities and the border segments people used
            show = inside and (p["kind"] in ("minsk", "staging", "eu_transit") or passing.get(pid, 0) > 0)
        else:  # the overview names main places outside the zoom box, and Minsk
            show = pid in MAIN_PLACES and (not inside or p["kind"] == "minsk")
        if show:
            name = p["name"].split(" (")[0].split()[0] if p["kind"] == "staging" else p["name"].split(" (")[0]
            left = zoom and p["kind"] in ("border_segment", "eu_transit")
            offset = LABEL_OFFSET.get(pid, (-6, -3) if left else (6, 3))
            ax.annotate(name, (p["lon"], p["lat"]), xytext=offset, textcoords="offset points", zorder=7,
                        fontsize=8.5 if zoom else 8, ha="right" if offset[0] < 0 else "left",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})


def flow_map(flows: pd.DataFrame, places: Mapping, border_services: Mapping, path: Path) -> Path:
    """Map of people moving along the network links: whole corridor and a zoom on the Belarus borders.

    Args:
        flows: Cumulative people per link (``from_place, to_place, mode, people``).
        places: Place id → dict with ``name, lat, lon, country, kind``.
        border_services: Country → border service (the keys name the border countries).
        path: Where to write the PNG.

    """
    fig = Figure(figsize=(16, 9))
    overview, zoom = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    _draw_network(overview, flows, places, border_services, zoom=False)
    _draw_network(zoom, flows, places, border_services, zoom=True)
    lon0, lon1, lat0, lat1 = ZOOM_BOX
    overview.add_patch(Rectangle((lon0, lat0), lon1 - lon0, lat1 - lat0, fill=False, ec="black", lw=1, ls=":"))
    overview.text(lon0, lat0 - 0.4, "border zone: see right", fontsize=8, ha="left", va="top")
    zoom.set(xlim=(lon0, lon1), ylim=(lat0, lat1))
    for ax, title in ((overview, "Whole corridor"), (zoom, "Belarus border region")):
        mean_lat = np.mean([p["lat"] for p in places.values()] if ax is overview else [lat0, lat1])
        ax.set_aspect(1 / math.cos(math.radians(mean_lat)), adjustable="datalim" if ax is overview else "box")
        ax.set(title=title, xlabel="longitude (°E)", ylabel="latitude (°N)")
        ax.grid(True, color="#eeeeee", linewidth=0.5)
    peak = int(flows["people"].max()) if len(flows) else 0
    handles = [Line2D([], [], color=c, linewidth=3, label=f"{m} link") for m, c in MODE_COLOURS.items()]
    handles += [Line2D([], [], color="#cfcfcf", linewidth=0.6, label="link unused in this run"),
                Line2D([], [], color="black", linestyle="--", label="border (through its crossing points)")]
    handles += [Line2D([], [], color="#555", linewidth=0.8 + 9 * share, label=f"{round(peak * share):,} people")
                for share in (0.1, 0.5, 1.0) if peak]
    handles += [Line2D([], [], color=c, marker=m, linestyle="", markersize=7, markeredgecolor="black",
                       label=k.replace("_", " ")) for k, (c, m, _) in KIND_STYLE.items()]
    fig.legend(handles=handles, loc="center right", fontsize=8.5, title="line width = people over the run",
               title_fontsize=8.5)
    return save_png(fig, path, "Flows of people along the corridor over the whole run (marker size ~ people passing)",
                 rect=(0, 0, 0.83, 1))

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
             flow_map(flows, places, services, folder / "flow_map.png"),
             draw_observed(daily, scenario, folder / "observed_vs_simulated.png")]
    return [p for p in paths if p is not None]
