"""The network map as SVG text, for the live demo: a static layer built once, an overlay redrawn each day.

The static layer (sea, countries, borders, coast, the links, title and legend) does not change
during a run, so the demo sends it once; each day only the overlay (flows, people, markers,
labels) is rebuilt, in a few milliseconds. Both are ``<svg>`` elements of the same size, meant
to be stacked; :meth:`SvgMap.svg` gives both in one document.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from xml.etree import ElementTree

import numpy as np

from sim.plots.maps.labels import Label, text_box
from sim.plots.maps.layout import MapLayout
from sim.plots.style import HALO_COLOUR, KIND_STYLE, MODE_STYLE, OUTLINE_STYLE, TEXT_COLOUR, country_colour, mode_style
from sim.plots.svg import TITLE, esc, svg_document
from sim.plots.text import LabelFont, text_extent

SVG_NS = "http://www.w3.org/2000/svg"
LEGEND_FONT = LabelFont(13)
TITLE_FONT = LabelFont(TITLE, bold=True)
NOTE_FONT = LabelFont(14)


def _path(lines: Sequence[np.ndarray], close: bool = False) -> str:
    """SVG path data of polylines (or closed rings), to a tenth of a pixel."""
    out = []
    for pts in lines:
        coords = " ".join(f"{x:.1f} {y:.1f}" for x, y in np.round(pts, 1))
        out.append(f"M{coords}{'Z' if close else ''}")
    return "".join(out)


def marker_path(marker: str, x: float, y: float, r: float) -> str:
    """SVG path data of a matplotlib marker (``o s h * ^ v D P``) of radius ``r`` at ``(x, y)``."""
    if marker == "h":
        pts = [(math.cos(math.radians(90 + 60 * k)), math.sin(math.radians(90 + 60 * k))) for k in range(6)]
    elif marker == "s":
        pts = [(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)]
    elif marker in "^v":
        sign = -1 if marker == "^" else 1
        pts = [(0, sign * 1.1), (0.95, -sign * 0.65), (-0.95, -sign * 0.65)]
    elif marker == "D":
        pts = [(0, -1.1), (0.8, 0), (0, 1.1), (-0.8, 0)]
    elif marker == "*":
        pts = [(math.cos(a) * (1.15 if k % 2 == 0 else 0.48), math.sin(a) * (1.15 if k % 2 == 0 else 0.48))
               for k, a in enumerate(math.radians(-90 + 36 * k) for k in range(10))]
    elif marker == "P":
        t = 0.36
        pts = [(-t, -1), (t, -1), (t, -t), (1, -t), (1, t), (t, t), (t, 1), (-t, 1), (-t, t), (-1, t), (-1, -t),
               (-t, -t)]
    else:  # circle
        return f"M{x - r:.1f} {y:.1f}a{r:.1f} {r:.1f} 0 1 0 {2 * r:.1f} 0a{r:.1f} {r:.1f} 0 1 0 {-2 * r:.1f} 0Z"
    return "M" + "L".join(f"{x + dx * r:.1f} {y + dy * r:.1f}" for dx, dy in pts) + "Z"


def label_element(label: Label, fill: str = TEXT_COLOUR, halo: bool = True) -> str:
    """A label as a ``<text>`` element (its size, weight and anchor give back its box: :func:`svg_text_box`)."""
    weight = " font-weight='bold'" if label.font.bold else ""
    style = " font-style='italic'" if label.font.italic else ""
    outline = (f" stroke='{HALO_COLOUR}' stroke-width='3' stroke-linejoin='round' paint-order='stroke'"
               if halo else "")
    return (f"<text x='{label.x:.1f}' y='{label.y:.1f}' font-size='{label.font.size:g}' text-anchor='{label.anchor}'"
            f"{weight}{style} fill='{fill}'{outline} class='map-{label.kind}'>{esc(label.text)}</text>")


def svg_text_box(x: float, y: float, anchor: str, size: float, bold: bool, text: str, italic: bool = False):
    """The box of a ``<text>`` element of these maps, computed as the drawer computes it."""
    return text_box(x, y, anchor, *text_extent(text, LabelFont(size, bold, italic)))


def svg_text_boxes(markup: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    """``(text, box)`` of every ``<text>`` element of an SVG map, each box computed as the drawer computes it.

    For checking a drawing: no two boxes of a map may overlap (:func:`sim.plots.maps.labels.first_overlap`).
    """
    out = []
    for element in ElementTree.fromstring(markup).iter(f"{{{SVG_NS}}}text"):
        a = element.attrib
        out.append((element.text or "", svg_text_box(float(a["x"]), float(a["y"]), a.get("text-anchor", "start"),
                                                     float(a["font-size"]), a.get("font-weight") == "bold",
                                                     element.text or "", a.get("font-style") == "italic")))
    return out


class SvgMap:
    """A network map drawn as SVG, day after day (see the module doc).

    Args:
        places: Place id → dict with ``name, lat, lon, kind, country``.
        edges: ``(from, to, mode)`` per link, in the order of the model's flow arrays.
        box: ``(lon_min, lon_max, lat_min, lat_max)`` to show, or None for every place.
        title: Shown above the map.
        width: Width in CSS pixels.
        height: Height in CSS pixels.
        legend: What to explain below the map: place kinds (``minsk``, ``origin`` ...), link modes
            (``flight`` ...) and country codes (that country's border with Belarus, in its colour).
        key: A name unique on the page (for the SVG ids).
        **layout: Passed to :class:`~sim.plots.maps.layout.MapLayout` (``named``, ``labels`` ...).

    """

    def __init__(self, places: Mapping[str, dict], edges: Sequence[tuple], box=None, title: str = "",
                 width: int = 440, height: int = 300, legend: Sequence[str] = (), key: str = "map", **layout) -> None:
        self.title, self.width, self.height = title, width, height
        self.key = f"{key}-{zlib.crc32(f'{title}{width}{height}{box}'.encode()):08x}"
        self.legend = self._legend_layout(legend)
        bottom = min((y - LEGEND_FONT.size - 4 for *_, y in self.legend), default=height - 2.0)
        self.layout = MapLayout(places, edges, box, width=width, height=height,
                                frame=(1.0, TITLE + 10.0, width - 1.0, bottom), **layout)
        self.static = self._static_layer()

    # ----------------------------------------------------------------------- static layer
    def _legend_layout(self, entries: Sequence[str]) -> list[tuple[str, str, float, float]]:
        """``(entry, text, x, y)`` of each legend entry (y = baseline), wrapped onto as many lines as needed."""
        placed, x, line = [], 4.0, 0
        for entry in entries:
            text = (KIND_STYLE[entry].label if entry in KIND_STYLE else MODE_STYLE[entry].label if entry in MODE_STYLE
                    else f"{entry} border")
            w = 16 + text_extent(text, LEGEND_FONT)[0] + 10
            if x + w > self.width and x > 4:
                x, line = 4.0, line + 1
            placed.append((entry, text, x, line))
            x += w
        lines = placed[-1][3] + 1 if placed else 0
        step = LEGEND_FONT.size + 5
        return [(e, t, x, self.height - 5 - (lines - 1 - k) * step) for e, t, x, k in placed]

    def _legend_swatch(self, entry: str, x: float, y: float) -> str:
        cy = y - LEGEND_FONT.size * 0.35
        if entry in KIND_STYLE:
            style = KIND_STYLE[entry]
            return (f"<path d='{marker_path(style.marker, x + 6, cy, 5)}' fill='{style.colour}' stroke='#222' "
                    f"stroke-width='0.6'/>")
        colour, dash, width = ((MODE_STYLE[entry].colour, MODE_STYLE[entry].dash, 2.5) if entry in MODE_STYLE
                               else (country_colour(entry), (), 3.0))
        dashes = f" stroke-dasharray='{' '.join(f'{d:g}' for d in dash)}'" if dash else ""
        return (f"<line x1='{x:.1f}' y1='{cy:.1f}' x2='{x + 13:.1f}' y2='{cy:.1f}' stroke='{colour}' "
                f"stroke-width='{width}'{dashes}/>")

    def _static_layer(self) -> str:
        lay, f = self.layout, self.layout.frame
        clip = f"{self.key}-s"
        parts = [f"<defs><clipPath id='{clip}'><rect x='{f[0]}' y='{f[1]}' width='{f[2] - f[0]:.1f}' "
                 f"height='{f[3] - f[1]:.1f}'/></clipPath></defs>",
                 f"<g clip-path='url(#{clip})'><rect x='{f[0]}' y='{f[1]}' width='{f[2] - f[0]:.1f}' "
                 f"height='{f[3] - f[1]:.1f}' fill='{OUTLINE_STYLE['sea']}'/>"]
        for shape in lay.shapes:
            parts.append(f"<path d='{_path(shape.rings, close=True)}' fill='{shape.fill}' fill-rule='evenodd' "
                         f"stroke='{shape.fill}' stroke-width='0.4' data-country='{shape.code}'/>")
        for lines in (lay.coast, *lay.border_lines):
            if lines.lines:
                parts.append(f"<path d='{_path(lines.lines)}' fill='none' stroke='{lines.colour}' "
                             f"stroke-width='{lines.width:g}' stroke-linejoin='round' stroke-linecap='round'/>")
        for k in lay.visible_edges:
            u, v, mode = lay.edges[k]
            (xa, ya), (xb, yb) = lay.xy[u], lay.xy[v]
            style = mode_style(mode)
            dash = f" stroke-dasharray='{' '.join(f'{d:g}' for d in style.dash)}'" if style.dash else ""
            parts.append(f"<line x1='{xa:.1f}' y1='{ya:.1f}' x2='{xb:.1f}' y2='{yb:.1f}' stroke='{style.colour}' "
                         f"stroke-opacity='0.55' stroke-width='1'{dash}/>")
        parts.append(f"</g><rect x='{f[0]}' y='{f[1]}' width='{f[2] - f[0]:.1f}' height='{f[3] - f[1]:.1f}' "
                     "fill='none' stroke='#bbb' stroke-width='1'/>")
        if self.title:
            parts.append(label_element(self.title_label, halo=False))
        for entry, text, x, y in self.legend:
            parts.append(self._legend_swatch(entry, x, y))
            parts.append(label_element(Label(text, x + 16, y, "start", (0, 0, 0, 0), LEGEND_FONT, "legend", entry),
                                       fill="#333", halo=False))
        return "".join(parts)

    @property
    def title_label(self) -> Label:
        """The map's title as a label (top left)."""
        w, a, d = text_extent(self.title, TITLE_FONT)
        return Label(self.title, 4.0, TITLE + 1.0, "start", text_box(4.0, TITLE + 1.0, "start", w, a, d), TITLE_FONT,
                     "title", "title")

    def static_svg(self) -> str:
        """The static layer as its own ``<svg>`` (white background): what stays the same all run."""
        return svg_document(self.width, self.height, self.static, self.title, classes="corridor-map-static")

    # ----------------------------------------------------------------------- each day
    def _overlay(self, people: Mapping[str, float], edge_flows: Sequence[float] | None, note: str) -> str:
        lay, f = self.layout, self.layout.frame
        clip = f"{self.key}-o"
        parts = [f"<defs><clipPath id='{clip}'><rect x='{f[0]}' y='{f[1]}' width='{f[2] - f[0]:.1f}' "
                 f"height='{f[3] - f[1]:.1f}'/></clipPath></defs><g clip-path='url(#{clip})'>"]
        for k, width in lay.flows(edge_flows):
            u, v, mode = lay.edges[k]
            (xa, ya), (xb, yb) = lay.xy[u], lay.xy[v]
            parts.append(f"<line x1='{xa:.1f}' y1='{ya:.1f}' x2='{xb:.1f}' y2='{yb:.1f}' "
                         f"stroke='{mode_style(mode).colour}' stroke-opacity='0.75' stroke-width='{width:.1f}' "
                         "stroke-linecap='round'/>")
        for pid, r in lay.bubbles(people):
            x, y = lay.xy[pid]
            colour = lay.marker(pid)[0]
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='{colour}' fill-opacity='0.4' "
                         f"stroke='{colour}' stroke-width='1.2'/>")
        for pid in lay.inside:
            colour, marker, r = lay.marker(pid)
            x, y = lay.xy[pid]
            parts.append(f"<path d='{marker_path(marker, x, y, r)}' fill='{colour}' stroke='#222' "
                         f"stroke-width='0.6'/>")
        parts.append("</g>")
        for label in lay.place_labels(people):
            parts.append(label_element(label, fill=OUTLINE_STYLE["country_label"] if label.kind == "country"
                                       else TEXT_COLOUR))
        if note:
            w = text_extent(note, NOTE_FONT)[0]
            if self.title_label.box[2] + 10 + w <= self.width - 4:  # only where it fits beside the title
                parts.append(label_element(Label(note, self.width - 4.0, TITLE + 1.0, "end", (0, 0, 0, 0), NOTE_FONT,
                                                 "note", "note"), fill="#444", halo=False))
        return "".join(parts)

    def overlay_svg(self, people: Mapping[str, float], edge_flows: Sequence[float] | None = None,
                    note: str = "") -> str:
        """Today's layer as its own transparent ``<svg>``, to stack on :meth:`static_svg`.

        Args:
            people: Place id → people there now (circle area, counts, who is named).
            edge_flows: People moving along each edge recently (same order as ``edges``): line width.
            note: Small text in the top-right corner (for example the date), where it fits.

        """
        return svg_document(self.width, self.height, self._overlay(people, edge_flows, note), self.title,
                            background=None, classes="corridor-map-overlay")

    def svg(self, people: Mapping[str, float], edge_flows: Sequence[float] | None = None, note: str = "") -> str:
        """The whole map in one ``<svg>``: the static layer with today's layer on top."""
        return svg_document(self.width, self.height, self.static + self._overlay(people, edge_flows, note),
                            self.title)
