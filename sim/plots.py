"""PNG plots of one run: border pressure, journey states, arrivals, a flow map, observed vs simulated.

Every function takes the tidy ``daily`` table (and whatever else it needs) plus the output
path, and writes one PNG. Figures are built with the object-oriented API on an Agg canvas
(no pyplot, no global state) and saved without timestamps, so the same input gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

COUNTRY_NAMES = {"PL": "Poland", "LT": "Lithuania", "LV": "Latvia", "BY": "Belarus", "DE": "Germany"}
COUNTRY_COLOURS = {"PL": "#dc143c", "LT": "#c8a400", "LV": "#7b1e3a"}
OTHER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#e377c2", "#7f7f7f"]
KIND_STYLE = {  # colour, marker, base size
    "origin": ("#d95f02", "o", 40), "air_hub": ("#7570b3", "s", 35), "minsk": ("#e7298a", "*", 160),
    "staging": ("#a6761d", "^", 40), "border_segment": ("#1b9e77", "D", 25),
    "eu_transit": ("#66a61e", "v", 35), "destination": ("#1f78b4", "P", 50),
}
MODE_COLOURS = {"flight": "#8c84c9", "road": "#7f7f7f", "forest": "#2e8b57", "onward": "#3182bd"}
# state -> (readable label, colour); the first group is people on the journey, the second outcomes
ACTIVE_STATES = {
    "prospective": ("at origin, no seat yet", "#d9d9d9"), "booked": ("booked, waiting for flight", "#bdbdbd"),
    "in_minsk": ("in Minsk", "#e7298a"), "to_border": ("moving to the border", "#fdae61"),
    "at_border": ("at the border (Belarusian side)", "#d7191c"), "attempting": ("crossing tonight", "#8b0000"),
    "crossed": ("crossed, moving on in the EU", "#2b83ba"), "detained": ("detained in the EU", "#5e3c99"),
    "asylum": ("asylum claim, open reception", "#abdda4"), "returning": ("returning to Minsk", "#a6761d"),
    "waiting_return": ("in Minsk, waiting to fly home", "#f4a6c8"),
}
OUTCOME_STATES = {
    "at_destination": ("reached EU destination", "#9ecae1"), "protected": ("granted protection", "#c7e9c0"),
    "deported": ("deported from the EU", "#fdd0a2"), "repatriated": ("repatriated from Minsk", "#dadaeb"),
    "returned_home": ("flew home on own ticket", "#e0e0e0"), "stayed_home": ("gave up before flying", "#f0f0f0"),
    "dead": ("died", "#252525"),
}
MAIN_PLACES = ("minsk", "grodno", "brest", "berlin", "warsaw", "vilnius", "riga", "benghazi", "baghdad",
               "istanbul", "damascus", "erbil", "beirut", "dubai", "moscow", "bialystok", "amsterdam", "paris")
BORDER_LABEL_OFFSET = {"PL": (-0.8, -0.45), "LT": (-0.9, 0.4), "LV": (-0.4, 0.45)}  # degrees lon, lat
LABEL_OFFSET = {"bruzgi": (6, -10), "bialystok": (-6, 4), "michalowo": (7, -9), "vilnius": (7, 3), "damascus": (6, -9)}  # points, where the default offset collides
ZOOM_BOX = (22.0, 29.0, 51.5, 56.5)  # lon min, lon max, lat min, lat max of the border zoom


def _colour(country: str, index: int) -> str:
    return COUNTRY_COLOURS.get(country, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def _save(fig: Figure, path: Path) -> Path:
    """Save a figure as PNG without a timestamp or software tag (deterministic bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    return path


def _series(daily: pd.DataFrame, metric: str, country: str | None = "", place: str = "") -> pd.Series:
    """Daily values of one metric as a Series indexed by date (all countries summed if country is None)."""
    rows = daily[(daily["metric"] == metric) & (daily["place"] == place)]
    if country is not None:
        rows = rows[rows["country"] == country]
    out = rows.groupby("date")["value"].sum()
    out.index = pd.to_datetime(out.index)
    return out.sort_index()


def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)


def _fmt_date(text) -> str:
    return pd.Timestamp(text).strftime("%-d %b %Y")


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
    parts = []
    for rule in rules:
        what = " + ".join(m.replace("_", " ") for m in rule.get("metrics", []))
        start, until = rule.get("from"), rule.get("until")
        if start and until:
            what += f" {_fmt_date(start)}–{_fmt_date(until)}"
        elif start:
            what += f" from {_fmt_date(start)}"
        elif until:
            what += f" until {_fmt_date(until)}"
        parts.append(what)
    return f"{country} — {', then '.join(parts)} (as {name} counts)"


def border_pressure(daily: pd.DataFrame, border_services: Mapping, path: Path) -> Path:
    """Each border country's official daily count (with a 7-day mean) and the people waiting at its border.

    Args:
        daily: The tidy daily table of a run.
        border_services: Country → border service dict (its ``counts`` rules name the series).
        path: PNG to write.

    Returns:
        The path written.
    """
    fig = Figure(figsize=(11, 7.5))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    countries = sorted(set(daily.loc[daily["metric"] == "reported", "country"]) | set(border_services))
    for i, c in enumerate(countries):
        colour = _colour(c, i)
        rep = _series(daily, "reported", c)
        rules = (border_services.get(c) or {}).get("counts")
        if rep.empty:
            rep, rules = _series(daily, "attempts", c), None
        top.plot(rep.index, rep.values, color=colour, alpha=0.3, linewidth=0.8)
        top.plot(rep.index, rep.rolling(7, min_periods=1).mean().values, color=colour, linewidth=2.2,
                 label=counting_label(c, rules))
        stock = _series(daily, "at_border", c)
        bottom.plot(stock.index, stock.values, color=colour, linewidth=2, label=f"{c} — {COUNTRY_NAMES.get(c, c)}")
    top.plot([], [], color="grey", alpha=0.4, linewidth=0.8, label="thin line: daily value; thick: 7-day mean")
    top.set_title("Official daily counts at each border (each country counts something different)")
    top.set_ylabel("people (or attempts) per day")
    top.legend(loc="upper left", fontsize=8.5)
    top.set_ylim(bottom=0)
    bottom.set_title("People waiting at the border on the Belarusian side")
    bottom.set_ylabel("people")
    bottom.set_xlabel("date")
    bottom.legend(loc="upper left", fontsize=8.5)
    bottom.set_ylim(bottom=0)
    for ax in (top, bottom):
        _date_axis(ax)
    fig.suptitle("Border pressure by country", fontsize=14, fontweight="bold")
    fig.tight_layout()
    return _save(fig, path)


def journey_states(daily: pd.DataFrame, path: Path) -> Path:
    """People by journey state over time: on the journey (top) and outcomes so far (bottom), stacked.

    Args:
        daily: The tidy daily table of a run.
        path: PNG to write.

    Returns:
        The path written.
    """
    fig = Figure(figsize=(11, 8))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, states, title in ((top, ACTIVE_STATES, "On the journey (not yet at an outcome)"),
                              (bottom, OUTCOME_STATES, "Outcomes so far (cumulative)")):
        series = {s: _series(daily, f"state_{s}", "") for s in states}
        series = {s: v for s, v in series.items() if not v.empty}
        if not series:
            ax.text(0.5, 0.5, "no state data", transform=ax.transAxes, ha="center")
            continue
        dates = next(iter(series.values())).index
        ax.stackplot(dates, *[v.reindex(dates, fill_value=0).values for v in series.values()],
                     labels=[states[s][0] for s in series], colors=[states[s][1] for s in series],
                     edgecolor="white", linewidth=0.3)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8.5,
                  title="top of stack first", title_fontsize=8)
        ax.set_title(title)
        ax.set_ylabel("people")
        ax.set_ylim(bottom=0)
        ax.margins(x=0)
        _date_axis(ax)
    bottom.set_xlabel("date")
    fig.suptitle("Where people are on their journey, day by day", fontsize=14, fontweight="bold")
    fig.tight_layout()
    return _save(fig, path)


def _route_label(route: str, carriers: Mapping | None, places: Mapping | None) -> str:
    for carrier in (carriers or {}).values():
        spec = (carrier.get("routes") or {}).get(route)
        if spec:
            origin = spec.get("from", "")
            origin = (places or {}).get(origin, {}).get("name", origin)
            return f"{route} ({carrier.get('name', '')}, from {origin})"
    return route


def arrivals_by_route(daily: pd.DataFrame, path: Path, carriers: Mapping | None = None,
                      places: Mapping | None = None) -> Path:
    """Weekly arrivals in Minsk by route, as stacked bars.

    Args:
        daily: The tidy daily table of a run.
        path: PNG to write.
        carriers: Optional carrier dicts from the scenario, to name carrier and origin of each route.
        places: Optional place dicts, for origin names.

    Returns:
        The path written.
    """
    rows = daily[(daily["metric"] == "arrivals_minsk") & (daily["place"] != "")]
    table = rows.pivot_table(index="date", columns="place", values="value", aggfunc="sum", fill_value=0)
    table.index = pd.to_datetime(table.index)
    weekly = table.resample("W-MON", label="left", closed="left").sum()
    weekly = weekly.loc[:, weekly.sum() > 0] if len(weekly.columns) else weekly
    fig = Figure(figsize=(11, 5.5))
    ax = fig.subplots()
    base = np.zeros(len(weekly))
    for i, route in enumerate(weekly.columns):
        ax.bar(weekly.index + pd.Timedelta(days=3.5), weekly[route].values, width=6, bottom=base,
               color=OTHER_COLOURS[i % len(OTHER_COLOURS)], label=_route_label(route, carriers, places))
        base += weekly[route].values
    if weekly.empty or not len(weekly.columns):
        ax.text(0.5, 0.5, "no arrivals in Minsk", transform=ax.transAxes, ha="center")
    else:
        ax.legend(loc="upper right", fontsize=9, title="route")
    ax.set_title("Arrivals in Minsk by route (weekly totals, weeks starting Monday)", fontsize=13,
                 fontweight="bold")
    ax.set_ylabel("people per week")
    ax.set_xlabel("week")
    _date_axis(ax)
    fig.tight_layout()
    return _save(fig, path)


def _draw_network(ax, flows: pd.DataFrame, places: Mapping, border_services: Mapping, zoom: bool) -> None:
    """Links, places, borders and names on one axes (``zoom`` = border-region detail)."""
    peak = max(float(flows["people"].max()) if len(flows) else 0.0, 1.0)
    passing: dict[str, float] = {}
    for row in flows.itertuples(index=False):
        passing[row.from_place] = passing.get(row.from_place, 0) + row.people
        passing[row.to_place] = passing.get(row.to_place, 0) + row.people
    for row in sorted(flows.itertuples(index=False), key=lambda r: r.people):
        a, b = places.get(row.from_place), places.get(row.to_place)
        if a is None or b is None:
            continue
        if row.people <= 0:
            ax.plot([a["lon"], b["lon"]], [a["lat"], b["lat"]], color="#cfcfcf", linewidth=0.6, zorder=1)
        else:
            width = 0.8 + 9 * row.people / peak
            ax.plot([a["lon"], b["lon"]], [a["lat"], b["lat"]], color=MODE_COLOURS.get(row.mode, "#555"),
                    linewidth=width, alpha=0.75, solid_capstyle="round", zorder=2)
    for c, i in zip(sorted(border_services), range(99), strict=False):
        segs = sorted((p for p in places.values() if p["country"] == c and p["kind"] == "border_segment"),
                      key=lambda p: p["lat"])
        if not segs:
            continue
        lons, lats = [p["lon"] for p in segs], [p["lat"] for p in segs]
        colour = _colour(c, i)
        ax.plot(lons, lats, color=colour, linewidth=2.5 if zoom else 1.5, linestyle="--", zorder=3)
        if zoom:  # label on the EU side of the line
            dx, dy = BORDER_LABEL_OFFSET.get(c, (-0.5, 0.0))
            ax.text(np.mean(lons) + dx, np.mean(lats) + dy, f"{c} border\n({COUNTRY_NAMES.get(c, c)})",
                    color=colour, fontsize=10, fontweight="bold", ha="center", va="center", zorder=6)
    for pid, p in places.items():
        colour, marker, size = KIND_STYLE.get(p["kind"], ("#555555", "o", 30))
        size = size * (0.6 if not zoom else 1.0) + 2.5 * math.sqrt(passing.get(pid, 0.0))
        ax.scatter(p["lon"], p["lat"], s=size, c=colour, marker=marker, edgecolors="black", linewidths=0.5,
                   zorder=4)
        lon0, lon1, lat0, lat1 = ZOOM_BOX
        inside = lon0 <= p["lon"] <= lon1 and lat0 <= p["lat"] <= lat1
        if zoom:  # the border zoom names staging areas, used segments and nearby cities
            show = inside and (p["kind"] in ("minsk", "staging", "eu_transit") or passing.get(pid, 0) > 0)
        else:  # the overview names main places outside the zoom box (and Minsk)
            show = pid in MAIN_PLACES and (not inside or p["kind"] == "minsk")
        if show:
            name = p["name"].split(" (")[0]
            name = name.split()[0] if p["kind"] == "staging" else name
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
        path: PNG to write.

    Returns:
        The path written.
    """
    fig = Figure(figsize=(15, 7.8))
    overview, zoom = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    _draw_network(overview, flows, places, border_services, zoom=False)
    _draw_network(zoom, flows, places, border_services, zoom=True)
    lon0, lon1, lat0, lat1 = ZOOM_BOX
    overview.add_patch(Rectangle((lon0, lat0), lon1 - lon0, lat1 - lat0, fill=False, ec="black", lw=1, ls=":"))
    overview.text(lon0, lat0 - 0.4, "border zone: see right", fontsize=8, ha="left", va="top")
    zoom.set_xlim(lon0, lon1)
    zoom.set_ylim(lat0, lat1)
    for ax, title in ((overview, "Whole corridor"), (zoom, "Belarus border region")):
        lats = [p["lat"] for p in places.values()] if ax is overview else [lat0, lat1]
        ax.set_aspect(1 / math.cos(math.radians(float(np.mean(lats)))),
                      adjustable="datalim" if ax is overview else "box")
        ax.set_title(title)
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.grid(True, color="#eeeeee", linewidth=0.5)
    peak = int(flows["people"].max()) if len(flows) else 0
    handles = [Line2D([], [], color=c, linewidth=3, label=f"{m} link") for m, c in MODE_COLOURS.items()]
    handles.append(Line2D([], [], color="#cfcfcf", linewidth=0.6, label="link unused in this run"))
    for share in (0.1, 0.5, 1.0):
        if peak:
            handles.append(Line2D([], [], color="#555", linewidth=0.8 + 9 * share,
                                  label=f"{int(round(peak * share, -1)):,} people"))
    handles += [Line2D([], [], color=c, marker=m, linestyle="", markersize=7, markeredgecolor="black",
                       label=k.replace("_", " ")) for k, (c, m, _) in KIND_STYLE.items()]
    handles.append(Line2D([], [], color="black", linestyle="--", label="border (segments north→south)"))
    fig.legend(handles=handles, loc="center right", fontsize=8.5, title="line width = people over the run",
               title_fontsize=8.5)
    fig.suptitle("Flows of people along the corridor over the whole run (marker size ~ people passing)",
                 fontsize=13, fontweight="bold")
    fig.tight_layout(rect=(0, 0, 0.83, 1))
    return _save(fig, path)


def observed_comparison(daily: pd.DataFrame, observed_csv) -> pd.DataFrame:
    """Simulated values for each observed row, counted the same way.

    ``period_total`` rows are compared with the sum of the simulated metric (country total)
    over the period; ``cumulative`` rows with the running total from ``period_start`` to
    ``period_end``. Only the simulated days inside the period count; ``coverage`` says which
    share of the period was simulated (``simulated`` is NaN when none was).

    Args:
        daily: The tidy daily table of a run.
        observed_csv: Path to the observed CSV, or a DataFrame with its columns.

    Returns:
        The observed rows with ``simulated``, ``period_days``, ``simulated_days``, ``coverage`` and
        ``ratio`` (simulated / observed) added.
    """
    obs = observed_csv.copy() if isinstance(observed_csv, pd.DataFrame) else pd.read_csv(observed_csv)
    totals = daily[daily["place"] == ""]
    dates = pd.to_datetime(totals["date"])
    sims, ndays, period_days = [], [], []
    for row in obs.itertuples(index=False):
        start, end = pd.Timestamp(row.period_start), pd.Timestamp(row.period_end)
        mask = (totals["metric"] == row.metric) & (totals["country"] == row.country) & (dates >= start) & (
            dates <= end)
        part = totals.loc[mask]
        days = part["date"].nunique()
        period_days.append((end - start).days + 1)
        ndays.append(days)
        sims.append(float(part["value"].sum()) if days else np.nan)
    obs["simulated"] = sims
    obs["period_days"] = period_days
    obs["simulated_days"] = ndays
    obs["coverage"] = obs["simulated_days"] / obs["period_days"]
    obs["ratio"] = obs["simulated"] / obs["value"].where(obs["value"] != 0)
    return obs


def observed_vs_simulated(daily: pd.DataFrame, observed_csv, path: Path) -> Path | None:
    """One panel per observed (country, metric) series, observed against simulated for the same periods.

    Args:
        daily: The tidy daily table of a run.
        observed_csv: Path to the observed CSV (or None).
        path: PNG to write.

    Returns:
        The path written, or None when there is no observed file.
    """
    if observed_csv is None or (not isinstance(observed_csv, pd.DataFrame) and not Path(observed_csv).exists()):
        return None
    comp = observed_comparison(daily, observed_csv)
    if comp.empty:
        return None
    groups = list(comp.groupby(["country", "metric"], sort=True))
    ncols = 2 if len(groups) > 1 else 1
    nrows = math.ceil(len(groups) / ncols)
    fig = Figure(figsize=(7 * ncols, 3.6 * nrows + 0.8))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    sim_start, sim_end = pd.Timestamp(daily["date"].min()), pd.Timestamp(daily["date"].max())
    for ax, ((country, metric), grp) in zip(axes, groups, strict=False):
        cumulative = (grp["aggregation"] == "cumulative").all()
        for row in grp.itertuples(index=False):
            start, end = pd.Timestamp(row.period_start), pd.Timestamp(row.period_end)
            if cumulative:
                ax.plot([end], [row.value], "o", color="black", markersize=7)
                if not np.isnan(row.simulated):
                    ax.plot([end], [row.simulated], "s", color="tab:orange", markersize=7)
                continue
            ax.plot([start, end + pd.Timedelta(days=1)], [row.value] * 2, color="black", linewidth=3,
                    solid_capstyle="butt")
            ax.plot([start + (end - start) / 2], [row.value], "o", color="black", markersize=5)
            if not np.isnan(row.simulated):
                style = "-" if row.coverage >= 0.999 else ":"
                ax.plot([max(start, sim_start), min(end, sim_end) + pd.Timedelta(days=1)], [row.simulated] * 2,
                        color="tab:orange", linewidth=3, linestyle=style, solid_capstyle="butt")
        if cumulative:
            start = pd.Timestamp(grp["period_start"].min())
            s = _series(daily, metric, country)
            run = s[s.index >= start].cumsum()
            ax.plot(run.index, run.values, color="tab:orange", linewidth=1.5, alpha=0.8)
            ax.set_ylabel(f"people since {start.strftime('%-d %b %Y')}")
        else:
            ax.set_ylabel("people in period")
        kind = "running total" if cumulative else "period totals"
        ax.set_title(f"{country} — {metric.replace('_', ' ')} ({kind})", fontsize=10.5)
        ax.axvspan(sim_start, sim_end + pd.Timedelta(days=1), color="#f3f3f3", zorder=0)
        ax.set_ylim(bottom=0)
        _date_axis(ax)
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color="black", linewidth=3, marker="o", label="observed (official figure)"),
               Line2D([], [], color="tab:orange", linewidth=3, marker="s", label="simulated, same period and metric"),
               Line2D([], [], color="tab:orange", linewidth=3, linestyle=":",
                      label="simulated, period only partly simulated"),
               Rectangle((0, 0), 1, 1, color="#f3f3f3", label="simulated time span")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9)
    fig.suptitle("Observed vs simulated (people; PL attempts may count a person more than once)", fontsize=13,
                 fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _save(fig, path)


def draw_all(result, folder: Path) -> list[Path]:
    """Draw every plot of a run into ``folder``.

    Args:
        result: A :class:`sim.api.RunResult`.
        folder: Output folder (created if missing).

    Returns:
        The PNG paths written (the observed comparison only when the scenario has observed data).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scenario = result.manifest.get("scenario", {})
    places = scenario.get("places", {})
    services = scenario.get("border_services", {})
    paths = [
        border_pressure(result.daily, services, folder / "border_pressure.png"),
        journey_states(result.daily, folder / "journey_states.png"),
        arrivals_by_route(result.daily, folder / "arrivals_by_route.png", scenario.get("carriers"), places),
        flow_map(result.flows, places, services, folder / "flow_map.png"),
    ]
    observed = getattr(result.scenario, "observed", None) or scenario.get("observed")
    if observed and Path(observed).exists():
        paths.append(observed_vs_simulated(result.daily, observed, folder / "observed_vs_simulated.png"))
    return [p for p in paths if p is not None]
