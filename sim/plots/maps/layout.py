"""Where everything on a network map goes, in map pixels: the part both renderers share.

A :class:`MapLayout` fixes a map's projection (longitude and latitude onto a frame of pixels,
y down, the box widened to fill the frame), the places and links it shows, the country
outlines (simplified to the pixel), marker and line sizes and, for each day drawn, the labels
(:mod:`sim.plots.maps.labels`: none overlaps another). :class:`~sim.plots.maps.svg.SvgMap` and
:class:`~sim.plots.maps.mpl.MplMap` only draw what it says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from sim.model.network import minsk_id
from sim.plots.maps import geo
from sim.plots.maps.geometry import bbox_meets, clip_line, inside, signed_area, simplify
from sim.plots.maps.labels import Box, Label, LabelPlacer, Measure
from sim.plots.style import COUNTRY_NAMES, OUTLINE_STYLE, country_colour, country_name, place_colour, place_style, tint
from sim.plots.text import LabelFont, text_extent

LonLatBox = tuple[float, float, float, float]  # lon_min, lon_max, lat_min, lat_max
ZOOM_KINDS = ("minsk", "staging", "border_segment", "eu_transit")
BORDER_ZONE_KINDS = ("minsk", "staging", "border_segment")
PLACE_FONT = LabelFont(14, bold=True)
COUNTRY_FONT = LabelFont(13)
TOLERANCE = 0.35  # pixels: outlines are simplified to this


def places_from_scenario(places: Mapping) -> dict[str, dict]:
    """Normalise scenario places (pydantic objects or dicts) to plain dicts with ``name, lat, lon, country, kind``."""
    out = {}
    for pid, p in places.items():
        d = p if isinstance(p, Mapping) else p.model_dump()
        out[pid] = {"name": d.get("name", pid), "lat": float(d["lat"]), "lon": float(d["lon"]),
                    "country": d.get("country", ""), "kind": d.get("kind", "")}
    return out


def short_name(place: Mapping) -> str:
    """A place's name as a map label: without its bracket, and a staging area by its first word."""
    name = str(place["name"]).split(" (")[0]
    return name.split()[0] if place.get("kind") == "staging" else name


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


def zoom_box(places: Mapping[str, dict], kinds: Sequence[str] = ZOOM_KINDS, margin: float = 0.6) -> LonLatBox | None:
    """Longitude/latitude box around the places of the given kinds (the border zone); None when there are none."""
    pts = [(p["lon"], p["lat"]) for p in places.values() if p["kind"] in kinds]
    if not pts:
        return None
    lons, lats = zip(*pts, strict=True)
    return min(lons) - margin, max(lons) + margin, min(lats) - margin, max(lats) + margin


def fit_box(places: Mapping[str, dict]) -> LonLatBox:
    """The box around every place, with a little room at the edges."""
    lons = np.array([p["lon"] for p in places.values()])
    lats = np.array([p["lat"] for p in places.values()])
    pad_lon, pad_lat = 0.05 * np.ptp(lons) + 0.3, 0.07 * np.ptp(lats) + 0.3
    return lons.min() - pad_lon, lons.max() + pad_lon, lats.min() - pad_lat, lats.max() + pad_lat


class Projection(NamedTuple):
    """Equirectangular projection of a box onto a frame (y down), the box widened to fill the frame."""

    box: LonLatBox  # what the frame shows
    frame: Box
    scale: float  # pixels per degree of latitude
    kx: float  # cos(mid latitude): degrees of longitude are this much shorter

    @classmethod
    def fit(cls, box: LonLatBox, frame: Box) -> Projection:
        """The projection that shows all of ``box`` in ``frame``, as large as it fits."""
        lon0, lon1, lat0, lat1 = box
        kx = math.cos(math.radians((lat0 + lat1) / 2))
        width, height = frame[2] - frame[0], frame[3] - frame[1]
        scale = min(width / ((lon1 - lon0) * kx), height / (lat1 - lat0))
        clon, clat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        half_lon, half_lat = width / scale / kx / 2, height / scale / 2
        box = (float(clon - half_lon), float(clon + half_lon), float(clat - half_lat), float(clat + half_lat))
        return cls(box, tuple(float(v) for v in frame), float(scale), float(kx))

    def points(self, lonlat: np.ndarray) -> np.ndarray:
        """``(n, 2)`` lon/lat degrees to map pixels."""
        lonlat = np.asarray(lonlat, dtype=float)
        x = self.frame[0] + (lonlat[..., 0] - self.box[0]) * self.kx * self.scale
        y = self.frame[1] + (self.box[3] - lonlat[..., 1]) * self.scale
        return np.stack([x, y], axis=-1)


class Shape(NamedTuple):
    """A filled country: code, fill colour and rings in map pixels."""

    code: str
    fill: str
    rings: tuple[np.ndarray, ...]


class Lines(NamedTuple):
    """Lines of one look: colour, width in pixels, and the lines in map pixels."""

    colour: str
    width: float
    lines: tuple[np.ndarray, ...]


@lru_cache(maxsize=64)
def _projected(name: str, projection: Projection) -> tuple[dict, dict, tuple]:
    """One region's outlines projected and simplified to the pixel (cached: shared by every tab and frame)."""
    outlines = geo.load(name)
    frame = projection.frame

    def rings(country: geo.Country) -> tuple[np.ndarray, ...]:
        out = []
        for ring in country.rings:
            pts = projection.points(ring)
            if bbox_meets(pts, frame, 2) and abs(signed_area(pts)) >= 1.0:
                pts = simplify(pts, TOLERANCE)
                if len(pts) >= 4:
                    out.append(pts)
        return tuple(out)

    def lines(found: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        out = []
        for line in found:
            for piece in clip_line(projection.points(line), (frame[0] - 2, frame[1] - 2, frame[2] + 2, frame[3] + 2)):
                out.append(simplify(piece, TOLERANCE))
        return tuple(out)

    countries = {code: found for code, country in outlines.countries.items() if (found := rings(country))}
    borders = {pair: found for pair, pieces in outlines.borders.items() if (found := lines(pieces))}
    return countries, borders, lines(outlines.coast)


class MapLayout:
    """One map of the network: projection, places, links, outlines, sizes, and the labels of each frame.

    Args:
        places: Place id → dict with ``name, lat, lon, kind, country`` (:func:`places_from_scenario`).
        edges: ``(from, to, mode)`` per link, in the order of the flow arrays drawn with it.
        box: ``(lon_min, lon_max, lat_min, lat_max)`` to show (widened to fill the frame), or None for
            every place.
        width: Width of the map in pixels (CSS pixels in the demo, display pixels on a figure).
        height: Height in pixels.
        frame: ``(x0, y0, x1, y1)``: the part the map fills (the rest is for a title and a legend);
            the whole map by default.
        named: Place ids named whenever there is room, in order (the first before the fullest places).
        labels: How many of the fullest places to name as well.
        named_kinds: Kinds of place named after those, where there is room.
        border_countries: EU countries whose land border with Belarus is drawn in the country's colour
            (by default the countries of the border crossing points).
        counts: Put the number of people after a place's name.
        place_font: Size and weight of place names.
        country_font: Size of country names (None: no country names).

    """

    def __init__(self, places: Mapping[str, dict], edges: Sequence[tuple], box: LonLatBox | None = None, *,
                 width: float = 440, height: float = 300, frame: Box | None = None, named: Sequence[str] = (),
                 labels: int = 4, named_kinds: Sequence[str] = (), border_countries: Sequence[str] | None = None,
                 counts: bool = True, place_font: LabelFont = PLACE_FONT,
                 country_font: LabelFont | None = COUNTRY_FONT) -> None:
        self.places, self.edges = places, list(edges)
        self.width, self.height = width, height
        self.frame: Box = frame or (0.0, 0.0, float(width), float(height))
        self.projection = Projection.fit(box or fit_box(places), self.frame)
        self.named, self.labels, self.named_kinds = [p for p in named if p in places], labels, tuple(named_kinds)
        self.counts, self.place_font, self.country_font = counts, place_font, country_font
        if border_countries is None:
            border_countries = sorted({p["country"] for p in places.values() if p["kind"] == "border_segment"})
        self.border_countries = list(border_countries)
        ids = list(places)
        pts = self.projection.points(np.array([[places[p]["lon"], places[p]["lat"]] for p in ids]).reshape(-1, 2))
        self.xy = {pid: (float(x), float(y)) for pid, (x, y) in zip(ids, pts, strict=True)}
        f = self.frame
        self.inside = [pid for pid, (x, y) in self.xy.items() if f[0] <= x <= f[2] and f[1] <= y <= f[3]]
        shown = set(self.inside)
        self.visible_edges = [k for k, (u, v, _) in enumerate(self.edges)
                              if u in self.xy and v in self.xy and (u in shown or v in shown)]
        side = min(f[2] - f[0], f[3] - f[1])
        self.bubble_span = float(np.clip(0.065 * side, 14, 36))  # radius of the fullest place's circle
        self.flow_span = float(np.clip(0.022 * side, 6, 13))  # extra width of the busiest link
        self.outlines = geo.outlines_for(*self.projection.box)

    # ----------------------------------------------------------------------- sizes
    def marker(self, pid: str) -> tuple[str, str, float]:
        """Colour, marker code and radius of a place's marker."""
        style = place_style(self.places[pid]["kind"])
        return place_colour(self.places[pid]), style.marker, style.size

    def bubble_radius(self, people: float, top: float) -> float:
        """Radius of the circle of ``people`` at a place (its area ∝ people; ``top`` the fullest)."""
        return 3.0 + self.bubble_span * math.sqrt(max(people, 0.0) / max(top, 1.0)) if people > 0 else 0.0

    def flow_width(self, flow: float, top: float) -> float:
        """Width of a link carrying ``flow`` people (``top`` the busiest link)."""
        return 1.2 + self.flow_span * math.sqrt(max(flow, 0.0) / max(top, 1.0))

    def flows(self, edge_flows: Sequence[float] | None) -> list[tuple[int, float]]:
        """``(edge, width)`` of every visible link that carries people, thinnest first (thick ones on top)."""
        if edge_flows is None:
            return []
        values = np.asarray(edge_flows, dtype=float)
        used = [k for k in self.visible_edges if values[k] > 0]
        top = max([1.0, *(values[k] for k in used)])
        return [(k, self.flow_width(values[k], top)) for k in sorted(used, key=lambda k: values[k])]

    def bubbles(self, people: Mapping[str, float]) -> list[tuple[str, float]]:
        """``(place, radius)`` of the places with people, largest first (small circles on top)."""
        counts = {pid: float(people.get(pid, 0)) for pid in self.inside}
        top = max([1.0, *counts.values()])
        return [(pid, self.bubble_radius(c, top)) for pid, c in sorted(counts.items(), key=lambda kv: -kv[1]) if c > 0]

    # ----------------------------------------------------------------------- outlines
    @cached_property
    def shapes(self) -> list[Shape]:
        """The countries, filled: Belarus, the EU border countries tinted in their colour, the rest as land."""
        countries, _, _ = _projected(self.outlines.name, self.projection)
        out = []
        for code, rings in countries.items():
            if code == "BY":
                fill = OUTLINE_STYLE["belarus"]
            elif code in self.border_countries:
                fill = tint(country_colour(code), OUTLINE_STYLE["eu_tint"])
            else:
                fill = OUTLINE_STYLE["land"]
            out.append(Shape(code, fill, rings))
        return out

    @cached_property
    def border_lines(self) -> list[Lines]:
        """Land borders: thin and grey, then Belarus's borders with the EU border countries in their colours."""
        _, borders, _ = _projected(self.outlines.name, self.projection)
        highlight = {"-".join(sorted(("BY", c))): c for c in self.border_countries}
        thin = tuple(line for pair, lines in borders.items() if pair not in highlight for line in lines)
        width = float(np.clip(1.0 + self.projection.scale / 45, 1.6, 3.4))
        out = [Lines(OUTLINE_STYLE["border"], 0.7, thin)]
        out += [Lines(country_colour(c), width, borders[pair]) for pair, c in highlight.items() if pair in borders]
        return out

    @cached_property
    def coast(self) -> Lines:
        """The coastline (and the shores of large lakes)."""
        return Lines(OUTLINE_STYLE["coast"], 0.7, _projected(self.outlines.name, self.projection)[2])

    @cached_property
    def _country_anchors(self) -> list[tuple[str, str, float, float, np.ndarray]]:
        """``(code, name, x, y, ring)`` of the countries to name: those of the places, and Belarus's neighbours."""
        codes = dict.fromkeys([*(p["country"] for p in self.places.values()), "BY", "RU", "UA", *self.border_countries])
        f, out = self.frame, []
        for code in codes:
            country = self.outlines.countries.get(code)
            if country is None:
                continue
            ring = self.projection.points(country.largest)
            seen = ring[(ring[:, 0] >= f[0]) & (ring[:, 0] <= f[2]) & (ring[:, 1] >= f[1]) & (ring[:, 1] <= f[3])]
            if len(seen) < 3:
                continue
            x, y = (seen.min(axis=0) + seen.max(axis=0)) / 2
            if inside((x, y), ring):
                area = float(np.ptp(seen[:, 0]) * np.ptp(seen[:, 1]))
                name = country_name(code) if code in COUNTRY_NAMES else country.name
                out.append((code, name, float(x), float(y), ring, area))
        return [a[:5] for a in sorted(out, key=lambda a: -a[5])]

    # ----------------------------------------------------------------------- labels
    def label_text(self, pid: str, people: Mapping[str, float]) -> str:
        """A place's label: its short name, and the people there when counts are shown."""
        n = int(people.get(pid, 0))
        return short_name(self.places[pid]) + (f" {n:,}" if self.counts and n > 0 else "")

    def label_order(self, people: Mapping[str, float]) -> list[str]:
        """The places to name, most important first: the first named place, the fullest, the other named, the kinds."""
        shown = set(self.inside)
        fullest = [p for p in sorted(self.inside, key=lambda p: -float(people.get(p, 0))) if people.get(p, 0) > 0]
        kinds = [p for p in self.inside if self.places[p]["kind"] in self.named_kinds]
        order = [*self.named[:1], *fullest[: self.labels], *self.named[1:], *kinds]
        return [p for p in dict.fromkeys(order) if p in shown]

    def place_labels(self, people: Mapping[str, float], measure: Measure | None = None,
                     reserved: Sequence[Box] = ()) -> list[Label]:
        """Every label of one frame (places, then country names where room is left), none overlapping another.

        Args:
            people: Place id → people there now (sets the circles, the counts and who is named).
            measure: Text extents in map pixels; by default from the font files (:mod:`sim.plots.text`).
            reserved: Boxes of other text on the map that no label may overlap.

        """
        measure = measure or text_extent
        bubbles = dict(self.bubbles(people))
        markers = [(*self.xy[p], max(self.marker(p)[2], bubbles.get(p, 0.0) * 0.6)) for p in self.inside]
        placer = LabelPlacer(self.frame, measure, markers, reserved)
        for pid in self.label_order(people):
            x, y = self.xy[pid]
            placer.place(pid, self.label_text(pid, people), x, y, max(self.marker(pid)[2], bubbles.get(pid, 0.0)),
                         self.place_font)
        if self.country_font is not None:
            for code, name, x, y, ring in self._country_anchors:
                placer.place_centred(code, name.upper(), x, y, self.country_font, fits=_within(ring))
        return placer.placed


def _within(ring: np.ndarray) -> Callable[[Box], bool]:
    """Whether a box lies in a ring (its corners and centre do)."""
    def fits(box: Box) -> bool:
        x0, y0, x1, y1 = box
        return all(inside(p, ring) for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2)))

    return fits
