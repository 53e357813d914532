"""The demo's main area: the two maps, four live charts and the guide, in one of two layouts.

Every view is SVG text (:class:`~sim.plots.maps.svg.SvgMap`, :func:`~sim.plots.svg.line_chart`),
rebuilt only after a Step or a Reset (Mesa's ``update_counter``), not when a lever moves. A map is
two stacked SVGs: its static layer (outlines, links, legend) is built once per map and size and
never sent again; each day only the overlay (people, flows, labels) changes.

:data:`LAYOUTS` is the one table of the layouts: where each view goes in the CSS grid and its
size in CSS pixels at 1280×720 (the SVGs are drawn at that size, so their text is the size it says).
"""

from __future__ import annotations

from typing import NamedTuple

import solara

from sim.demo.mesa_adaptation import update_counter
from sim.model.network import minsk_id
from sim.plots.maps.layout import BORDER_ZONE_KINDS, corridor_names, places_from_scenario, zoom_box
from sim.plots.maps.svg import SvgMap
from sim.plots.svg import line_chart

CORRIDOR_LEGEND = ("origin", "air_hub", "gateway", "minsk", "eu_transit", "destination")  # those the scenario has
BORDER_LEGEND = ("minsk", "staging", "eu_transit")


class Layout(NamedTuple):
    """A layout of the main area: CSS grid areas (one string per row), row heights, view sizes (CSS pixels)."""

    areas: tuple[str, ...]
    rows: tuple[str, ...]
    sizes: dict[str, tuple[int, int]]


_SMALL = (280, 300)
LAYOUTS = {
    "overview": Layout(("corridor border pressure", "stranded deaths onward", "guide guide guide"),
                       ("300px", "300px", "auto"),
                       {"corridor": _SMALL, "border": _SMALL, "pressure": _SMALL, "stranded": _SMALL,
                        "deaths": _SMALL, "onward": _SMALL}),
    "big map": Layout(("corridor corridor corridor", "border pressure stranded", "deaths onward .",
                       "guide guide guide"),
                      ("608px", "300px", "300px", "auto"),
                      {"corridor": (868, 608), "border": _SMALL, "pressure": _SMALL, "stranded": _SMALL,
                       "deaths": _SMALL, "onward": _SMALL}),
}
KEYS = {"corridor": "corridor-map", "border": "border-map"}  # CSS class suffix of each view (maps differ)


def grid_css() -> str:
    """The CSS of both layouts, from :data:`LAYOUTS`."""
    out = []
    for name, layout in LAYOUTS.items():
        cls = f".corridor-layout-{name.replace(' ', '-')}"
        areas = " ".join(f'"{row}"' for row in layout.areas)
        out.append(f"{cls} {{ grid-template-areas: {areas}; grid-template-rows: {' '.join(layout.rows)}; }}")
    out.append("".join(f".corridor-area-{view} {{ grid-area: {view}; }}" for view in [*LAYOUTS["overview"].sizes,
                                                                                       "guide"]))
    return "\n".join(out)


def recent_edge_flows(model, days: int = 7) -> list[float]:
    """People along each link over the last ``days`` days (zeros before the first day)."""
    flows = model.recorder.edge_flows
    if model.day < 0:
        return [0.0] * flows.shape[1]
    return flows[max(0, model.day - days + 1): model.day + 1].sum(axis=0).tolist()


def build_map(model, view: str, size: tuple[int, int]) -> SvgMap:
    """The SVG map of one view (``corridor`` or ``border``) at a size, for a model's scenario."""
    places = places_from_scenario(model.config.places)
    width, height = size
    if view == "border":
        return SvgMap(places, model.edges, box=zoom_box(places, BORDER_ZONE_KINDS, margin=0.3), title="Border zone",
                      width=width, height=height, named=[minsk_id(model.config)], labels=5,
                      legend=(*BORDER_LEGEND, *model.countries), key=f"border-{width}")
    kinds = {p["kind"] for p in places.values()}
    return SvgMap(places, model.edges, title="Corridor", width=width, height=height,
                  named=corridor_names(model.config), labels=8 if width > 600 else 3,
                  legend=[k for k in CORRIDOR_LEGEND if k in kinds], key=f"corridor-{width}")


@solara.component
def MapView(model, view: str, size: tuple[int, int]):
    """One map: its static layer (built once) under today's overlay."""
    counter = update_counter.get()
    network = solara.use_memo(lambda: build_map(model, view, size), [view, size])
    static = solara.use_memo(network.static_svg, [network])
    note = model.date.isoformat() if model.day >= 0 and view == "corridor" else ""
    overlay = solara.use_memo(lambda: network.overlay_svg(model.people_by_place(), recent_edge_flows(model), note),
                              [network, counter, id(model), model.day])
    with solara.Div(classes=["corridor-chart", "corridor-map", f"corridor-{KEYS[view]}", f"corridor-area-{view}"],
                    attributes={"title": network.title}):
        solara.HTML(tag="div", unsafe_innerHTML=static, classes=["corridor-layer"])
        solara.HTML(tag="div", unsafe_innerHTML=overlay, classes=["corridor-layer"])


def _by_country(model, metric: str, cumulative: bool = False) -> dict:
    out = {}
    for country in model.countries:
        values = model.recorder.series(metric, country)[: model.day + 1] if model.day >= 0 else []
        out[country] = values.cumsum() if cumulative and len(values) else values
    return out


def _onward(model) -> dict:
    out = {}
    if model.day >= 0:
        for country in dict.fromkeys(model.config.places[d].country for d in model.destination_ids):
            out[country] = model.recorder.series("onward_arrivals", country)[: model.day + 1].cumsum()
    return out


CHARTS = {  # view -> title, the series it shows
    "pressure": ("Attempts per day", lambda m: _by_country(m, "attempts")),
    "stranded": ("People at the border", lambda m: _by_country(m, "at_border")),
    "deaths": ("Deaths so far", lambda m: _by_country(m, "deaths", cumulative=True)),
    "onward": ("Arrived at destination so far", _onward),
}


@solara.component
def ChartView(model, view: str, size: tuple[int, int]):
    """One live chart: a line per country over the whole run, each ending in its latest value."""
    counter = update_counter.get()
    title, series = CHARTS[view]
    markup = solara.use_memo(lambda: line_chart([(title, series(model))], model.config.start, model.n_days,
                                                width=size[0], height=size[1]),
                             [counter, id(model), model.day, view, size])
    solara.HTML(tag="div", unsafe_innerHTML=markup, classes=["corridor-chart", f"corridor-{view}",
                                                             f"corridor-area-{view}"], attributes={"title": title})


@solara.component
def Dashboard(model, layout: str, guide):
    """The main area in a layout of :data:`LAYOUTS`: maps, charts, and ``guide`` (a component) below them."""
    spec = LAYOUTS[layout]
    with solara.Div(classes=["corridor-grid", f"corridor-layout-{layout.replace(' ', '-')}"]):
        for view, size in spec.sizes.items():
            if view in KEYS:
                MapView(model, view, size)
            else:
                ChartView(model, view, size)
        with solara.Div(classes=["corridor-area-guide"]):
            guide()
