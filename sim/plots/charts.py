"""Matplotlib drawings shared by the demo and the HTML report: the network map and time series.

Only the object-oriented API (:class:`matplotlib.figure.Figure`) is used, never pyplot, so
figures can be drawn from several threads (one per browser session) without global state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from sim.model.network import minsk_id
from sim.plots.style import COUNTRY_COLOURS, country_colour  # noqa: F401  (re-exported for the demo)

KIND_STYLE = {
    "origin": ("#e6ab02", "o"),
    "air_hub": ("#7570b3", "s"),
    "minsk": ("#e7298a", "*"),
    "staging": ("#8c6d31", "^"),
    "border_segment": ("#1b9e77", "D"),
    "eu_transit": ("#66a61e", "v"),
    "destination": ("#555555", "P"),
}
MODE_STYLE = {
    "flight": ("#9e9ac8", (0, (4, 3))),
    "road": ("#969696", "-"),
    "forest": ("#31a354", (0, (1, 2))),
    "onward": ("#6baed6", "-"),
}
ZOOM_KINDS = ("minsk", "staging", "border_segment", "eu_transit")
# Corners tried for a place name, in order: (+1 right of / -1 left of the point, +1 above / -1 below it).
LABEL_CORNERS = ((1, 1), (-1, 1), (1, -1), (-1, -1))


def places_from_scenario(places: Mapping) -> dict[str, dict]:
    """Normalise scenario places (pydantic objects or dicts) to plain dicts.

    Args:
        places: Place id → object or dict with ``name, lat, lon, country, kind``.

    Returns:
        Place id → dict with those keys.

    """
    out = {}
    for pid, p in places.items():
        d = p if isinstance(p, Mapping) else p.model_dump()
        out[pid] = {"name": d.get("name", pid), "lat": float(d["lat"]), "lon": float(d["lon"]),
                    "country": d.get("country", ""), "kind": d.get("kind", "")}
    return out


def corridor_names(scenario) -> list[str]:
    """Places the corridor map names whenever there is room, found from the scenario's place kinds.

    Args:
        scenario: A validated scenario.

    Returns:
        Place ids: Minsk, the origins, the busiest air hub (the place of kind ``air_hub``
        whose flights to Minsk carry the most travellers a week) and the main destination
        (the place of kind ``destination`` with the largest share of migrants).

    """
    kind = {pid: place.kind for pid, place in scenario.places.items()}
    hubs: dict[str, float] = {}
    for carrier in scenario.carriers.values():
        for route in carrier.routes.values():
            if kind.get(route.from_) == "air_hub":
                weekly = route.flights_per_week * route.seats * route.load_factor
                hubs[route.from_] = hubs.get(route.from_, 0.0) + weekly
    goals = {pid: share for pid, share in scenario.migrants.destinations.items() if kind.get(pid) == "destination"}
    main = [max(ranked, key=ranked.get) for ranked in (hubs, goals) if ranked]
    return list(dict.fromkeys([minsk_id(scenario), *scenario.demand.origins, *main]))


def zoom_box(places: Mapping[str, dict], kinds: Sequence[str] = ZOOM_KINDS, margin: float = 0.6):
    """Longitude/latitude box around the places of the given kinds (the border zone).

    Returns:
        ``(lon_min, lon_max, lat_min, lat_max)``, or None when no place has those kinds.

    """
    pts = [(p["lon"], p["lat"]) for p in places.values() if p["kind"] in kinds]
    if not pts:
        return None
    lons, lats = zip(*pts, strict=True)
    return min(lons) - margin, max(lons) + margin, min(lats) - margin, max(lats) + margin


def draw_network(ax, places: Mapping[str, dict], edges: Sequence[tuple], people: Mapping[str, float],
                 edge_people: Sequence[float] | None = None, box=None, labels: int = 6,
                 named_kinds: Sequence[str] = ("minsk",), fontsize: float = 9) -> None:
    """Draw places (marker area ∝ people there) and links (width ∝ recent flow) on lon/lat axes.

    Args:
        ax: A matplotlib Axes.
        places: Place id → dict with ``name, lat, lon, kind`` (see :func:`places_from_scenario`).
        edges: ``(from, to, mode)`` tuples.
        people: Place id → people there now.
        edge_people: People moving along each edge recently (same order as ``edges``), or None.
        box: ``(lon_min, lon_max, lat_min, lat_max)`` to zoom to, or None for every place.
        labels: How many of the fullest places to name.
        named_kinds: Kinds of place named too (when there is room).
        fontsize: Size of place names and tick labels in points.

    """
    inside = {pid for pid, p in places.items()
              if box is None or (box[0] <= p["lon"] <= box[1] and box[2] <= p["lat"] <= box[3])}
    top_flow = max([1.0, *(edge_people or [])])
    by_mode: dict[str, tuple[list, list, list]] = {}
    for k, (u, v, mode) in enumerate(edges):
        if u not in places or v not in places or (u not in inside and v not in inside):
            continue
        flow = float(edge_people[k]) if edge_people is not None else 0.0
        segs, widths, alphas = by_mode.setdefault(mode, ([], [], []))
        segs.append([(places[u]["lon"], places[u]["lat"]), (places[v]["lon"], places[v]["lat"])])
        widths.append(0.6 + 5.0 * np.sqrt(flow / top_flow) if flow > 0 else 0.6)
        alphas.append(0.8 if flow > 0 else 0.35)
    for mode, (segs, widths, alphas) in by_mode.items():
        colour, style = MODE_STYLE.get(mode, ("#999999", "-"))
        colours = [to_rgba(colour, a) for a in alphas]
        ax.add_collection(LineCollection(segs, colors=colours, linewidths=widths, linestyles=style, zorder=1))
    top = max([1.0, *(float(people.get(p, 0)) for p in inside)])
    for kind, (colour, marker) in KIND_STYLE.items():
        ids = [pid for pid in inside if places[pid]["kind"] == kind]
        if not ids:
            continue
        sizes = [12 + 600 * np.sqrt(float(people.get(pid, 0)) / top) for pid in ids]
        if kind == "border_segment":  # border segments in their country's colour, as in the charts
            colour = [country_colour(places[p].get("country", "")) for p in ids]
        ax.scatter([places[p]["lon"] for p in ids], [places[p]["lat"] for p in ids], s=sizes, c=colour,
                   marker=marker, edgecolors="black", linewidths=0.4, alpha=0.85, zorder=3,
                   label=kind.replace("_", " "))
    if box is not None:
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
    ax.set_xlabel("longitude", fontsize=fontsize)
    ax.set_ylabel("latitude", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 1)
    ax.set_aspect(1.0 / np.cos(np.radians(np.mean(ax.get_ylim()))), adjustable="box")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    fullest = [p for p in sorted(inside, key=lambda p: -float(people.get(p, 0)))[:labels] if people.get(p, 0)]
    named = list(dict.fromkeys([*fullest, *(p for p in inside if places[p]["kind"] in named_kinds)]))
    _label_places(ax, places, named, people, fontsize)


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two ``(x0, y0, x1, y1)`` boxes overlap (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_label(box_at, taken: list, frame: Sequence[float]) -> tuple[int, int] | None:
    """Choose the first corner of a point where its label fits, as the map and the report's frames do.

    Args:
        box_at: ``(sx, sy) -> (x0, y0, x1, y1)``: the label's box at a corner of
            :data:`LABEL_CORNERS`, in the caller's coordinates.
        taken: Boxes already used; the chosen box is appended to it.
        frame: ``(x0, y0, x1, y1)``: the box must lie inside it.

    Returns:
        The corner ``(sx, sy)``, or None when every corner is outside the frame or overlaps
        a box already taken (the name is then left out).

    """
    for corner in LABEL_CORNERS:
        box = box_at(*corner)
        outside = box[0] < frame[0] or box[2] > frame[2] or box[1] < frame[1] or box[3] > frame[3]
        if not outside and not any(overlaps(box, t) for t in taken):
            taken.append(box)
            return corner
    return None


def _label_places(ax, places, named, people, fontsize: float) -> None:
    """Name places (with people now), skipping any name that would overlap one already placed."""
    ax.autoscale_view()
    ax.apply_aspect()  # the final position of the axes, so that pixel boxes are right
    scale = ax.get_figure().dpi / 72
    h, char = fontsize * scale * 1.15, fontsize * scale * 0.68  # bold type
    frame = ax.bbox.extents
    taken: list[tuple[float, float, float, float]] = []
    for pid in named:
        p = places[pid]
        count = int(people.get(pid, 0))
        text = p["name"].split(" (")[0] + (f" {count:,}" if count else "")
        x, y = ax.transData.transform((p["lon"], p["lat"]))
        w = len(text) * char

        def box_at(sx, sy, x=x, y=y, w=w):  # pixels, y up; 5 px from the point
            x0 = x + 5 if sx > 0 else x - 5 - w
            y0 = y + 5 if sy > 0 else y - 5 - h
            return x0, y0, x0 + w, y0 + h

        corner = place_label(box_at, taken, frame)
        if corner is None:
            continue
        dx, dy = 5 * corner[0], 5 * corner[1]
        ax.annotate(text, (p["lon"], p["lat"]), xytext=(dx / scale, dy / scale), textcoords="offset points",
                    ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top", fontsize=fontsize,
                    fontweight="bold", zorder=4,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})


def map_figure(places, edges, people, edge_people=None, box=None, title="", size=(4.8, 3.8),
               named_kinds: Sequence[str] = ("minsk",)) -> Figure:
    """Draw one network map in a new figure (see :func:`draw_network`)."""
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    ax = fig.subplots()
    draw_network(ax, places, edges, people, edge_people=edge_people, box=box, named_kinds=named_kinds)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=6, loc="best", markerscale=0.5, framealpha=0.7)
    return fig


def day_axis(start: dt.date, n: int) -> np.ndarray:
    """Dates of the first ``n`` days from ``start`` as numpy datetime64 values."""
    return np.datetime64(start.isoformat(), "D") + np.arange(n)


def series_figure(panels: Sequence[tuple[str, Mapping[str, np.ndarray]]], start: dt.date, n_days: int,
                  size=(4.8, 3.8)) -> Figure:
    """Line charts over time, one panel per entry.

    Args:
        panels: ``(title, {label: daily values})`` per panel, stacked vertically.
        start: Date of day 0.
        n_days: Days in the whole run (fixes the x-axis so it does not jump as days pass).
        size: Figure size in inches.

    Returns:
        The figure.

    """
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True))
    x_all = day_axis(start, max(n_days, 1))
    for ax, (title, series) in zip(axes, panels, strict=True):
        for k, (label, values) in enumerate(series.items()):
            values = np.asarray(values)
            ax.plot(x_all[: len(values)], values, label=label, color=country_colour(label, k), linewidth=1.4)
        ax.set_title(title, fontsize=9)
        ax.set_xlim(x_all[0], x_all[-1])
        top = max([0.0, *(float(np.max(v)) for v in series.values() if len(v))])
        ax.set_ylim(0, max(1.0, top * 1.1))
        ax.grid(True, linewidth=0.3, alpha=0.5)
        ax.tick_params(labelsize=7)
        if series:
            ax.legend(fontsize=7, loc="upper left")
    axes[-1].tick_params(axis="x", labelrotation=30)
    return fig
