"""Fast SVG drawings for the live demo: the network map and the time-series charts.

Matplotlib needs about 0.3 s per figure, so redrawing five figures made every Step take
2–3 s. These drawings are plain SVG text built with numpy and f-strings (a few
milliseconds each), sized in CSS pixels so that their text stays legible on a projector,
and they need nothing from the network. A map's static layer (links, place dots) is built
once per :class:`NetworkMap`; each day only the markers, flows and labels are redrawn.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence

import numpy as np

from sim.plots.charts import KIND_STYLE, MODE_STYLE, country_colour, place_label

FONT = "font-family='system-ui,-apple-system,Segoe UI,Roboto,sans-serif'"
TEXT = 14  # px: tick labels and place names
TITLE = 16  # px: panel titles
CHAR_W = 0.6  # average glyph width as a share of the font size (for label boxes)
BOLD_W = 0.66  # the same for bold place names
LEGEND_NAMES = {"air_hub": "air hub", "minsk": "Minsk", "eu_transit": "EU transit"}


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' role='img' "
            f"aria-label='{_esc(label)}' preserveAspectRatio='xMidYMid meet' "
            f"style='width:100%;height:100%;display:block' {FONT}>"
            f"<rect width='{width}' height='{height}' fill='white'/>{body}</svg>")


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (about ``count`` of them)."""
    top = max(float(top), 2.0)
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = max(1.0, next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))  # people: whole numbers
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 6) for i in range(n + 1)]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}"


# --------------------------------------------------------------------------- line charts
def line_chart(panels: Sequence[tuple[str, Mapping[str, Sequence[float]]]], start: dt.date, n_days: int,
               width: int = 300, height: int = 270, empty_note: str = "Press Step to start") -> str:
    """Line charts over the whole run, one panel per entry, stacked vertically.

    Every line ends in a label with its country code and latest value (no separate legend),
    in the country's colour from :func:`sim.plots.charts.country_colour`.

    Args:
        panels: ``(title, {label: daily values so far})`` per panel.
        start: Date of day 0.
        n_days: Days in the whole run (the x axis always spans the whole run).
        width: Width in CSS pixels.
        height: Height in CSS pixels.
        empty_note: Shown in a panel with no data yet.

    Returns:
        An ``<svg>`` element.

    """
    parts: list[str] = []
    panel_h = height / max(1, len(panels))
    longest = max([6, *(len(f"{label} {_fmt(float(np.max(v)))}") for _, series in panels
                         for label, v in series.items() if len(v))])
    left, right = 46, 12 + longest * TEXT * CHAR_W
    months = _month_starts(start, n_days)
    for k, (title, series) in enumerate(panels):
        top = k * panel_h
        y0, y1 = top + TITLE + 10, top + panel_h - TEXT - 10  # plot area: y1 is the x axis
        x0, x1 = left, width - right
        parts.append(f"<text x='4' y='{top + TITLE + 1:.1f}' font-size='{TITLE}' font-weight='600' "
                     f"fill='#222'>{_esc(title)}</text>")
        arrays = {label: np.asarray(v, dtype=float) for label, v in series.items()}
        peak = max([0.0, *(float(a.max()) for a in arrays.values() if a.size)])
        ticks = nice_ticks(peak, 3)
        ymax = ticks[-1]

        def sx(day, x0=x0, x1=x1):
            return x0 + (x1 - x0) * day / max(1, n_days - 1)

        def sy(value, y0=y0, y1=y1, ymax=ymax):
            return y1 - (y1 - y0) * value / ymax

        for t in ticks:
            y = sy(t)
            parts.append(f"<line x1='{x0}' x2='{x1}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ddd' stroke-width='1'/>"
                         f"<text x='{x0 - 5}' y='{y + TEXT * 0.35:.1f}' font-size='{TEXT}' text-anchor='end' "
                         f"fill='#444'>{_fmt(t)}</text>")
        for day, name in months:
            x = sx(day)
            parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{y0}' y2='{y1}' stroke='#eee' stroke-width='1'/>"
                         f"<text x='{x + 2:.1f}' y='{y1 + TEXT + 3:.1f}' font-size='{TEXT}' fill='#444'>{name}</text>")
        parts.append(f"<line x1='{x0}' x2='{x1}' y1='{y1}' y2='{y1}' stroke='#888' stroke-width='1'/>")
        ends = []
        for i, (label, values) in enumerate(arrays.items()):
            if not values.size:
                continue
            colour = country_colour(label, i)
            xs = sx(np.arange(values.size))
            ys = sy(values)
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            parts.append(f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='2.5' "
                         f"stroke-linejoin='round' data-series='{_esc(label)}'/>")
            parts.append(f"<circle cx='{xs[-1]:.1f}' cy='{ys[-1]:.1f}' r='3.5' fill='{colour}'/>")
            ends.append([ys[-1], xs[-1], label, values[-1], colour])
        for y, x, label, value, colour in _spread(ends, TEXT + 1, y0, y1):
            parts.append(f"<text x='{x + 6:.1f}' y='{y + TEXT * 0.35:.1f}' font-size='{TEXT}' "
                         f"font-weight='700' fill='{colour}'>{_esc(label)} {_fmt(value)}</text>")
        if not ends:
            parts.append(f"<text x='{(x0 + x1) / 2:.1f}' y='{(y0 + y1) / 2:.1f}' font-size='{TEXT}' "
                         f"text-anchor='middle' fill='#888'>{_esc(empty_note)}</text>")
    return _svg(width, int(height), "".join(parts), " / ".join(title for title, _ in panels))


def _month_starts(start: dt.date, n_days: int) -> list[tuple[int, str]]:
    out = []
    for day in range(n_days):
        date = start + dt.timedelta(days=day)
        if date.day == 1:
            out.append((day, date.strftime("%b")))
    return out


def _spread(ends: list, gap: float, lo: float, hi: float) -> list:
    """Move end labels apart vertically so that none overlaps the next."""
    ends = sorted(ends, key=lambda e: e[0])
    for i in range(1, len(ends)):
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + gap)
    overflow = (ends[-1][0] - hi) if ends else 0
    if overflow > 0:
        for e in ends:
            e[0] = max(lo, e[0] - overflow)
    return ends


# --------------------------------------------------------------------------- maps
class NetworkMap:
    """One map of the network on longitude/latitude, ready to draw day after day.

    Args:
        places: Place id → dict with ``name, lat, lon, kind, country``
            (:func:`sim.plots.charts.places_from_scenario`).
        edges: ``(from, to, mode)`` per link, in the order of the model's flow arrays.
        box: ``(lon_min, lon_max, lat_min, lat_max)`` to show, or None for every place.
        title: Shown above the map.
        width: Width in CSS pixels.
        height: Height in CSS pixels.
        always_named: Place ids named whenever there is room (before the fullest places).
        labels: How many of the fullest places to name as well.
        legend: Place kinds (``minsk``, ``origin``...) and country codes (border segments in
            that country's colour) to explain below the map.

    """

    def __init__(self, places: Mapping[str, dict], edges: Sequence[tuple], box=None, title: str = "",
                 width: int = 440, height: int = 300, always_named: Sequence[str] = (), labels: int = 4,
                 legend: Sequence[str] = ()) -> None:
        self.places, self.edges, self.title = places, list(edges), title
        self.width, self.height, self.labels = width, height, labels
        self._legend = self._legend_layout(legend)
        self.bottom = min((y for *_, y in self._legend), default=height + TEXT - 2) - TEXT - 2  # map's lower edge
        self.always_named = [p for p in always_named if p in places]
        lons = np.array([p["lon"] for p in places.values()])
        lats = np.array([p["lat"] for p in places.values()])
        if box is None:
            pad_lon, pad_lat = 0.04 * np.ptp(lons), 0.06 * np.ptp(lats)
            box = (lons.min() - pad_lon, lons.max() + pad_lon, lats.min() - pad_lat, lats.max() + pad_lat)
        self.box = box
        top, bottom, side = TITLE + 12, height - self.bottom + 4, 6
        kx = math.cos(math.radians((box[2] + box[3]) / 2))
        span_x, span_y = (box[1] - box[0]) * kx, box[3] - box[2]
        scale = min((width - 2 * side) / span_x, (height - top - bottom) / span_y)
        ox = (width - span_x * scale) / 2
        oy = top + (height - top - bottom - span_y * scale) / 2
        self._xy = {pid: (ox + (p["lon"] - box[0]) * kx * scale, oy + (box[3] - p["lat"]) * scale)
                    for pid, p in places.items()}
        self.inside = [pid for pid, (x, y) in self._xy.items() if 0 <= x <= width and top - 4 <= y <= height - bottom]
        self.visible_edges = [k for k, (u, v, _) in enumerate(self.edges)
                              if u in self._xy and v in self._xy and (u in self.inside or v in self.inside)]
        self.static = self._static_layer()

    def xy(self, pid: str) -> tuple[float, float]:
        """Pixel position of a place."""
        return self._xy[pid]

    def _static_layer(self) -> str:
        parts = [f"<defs><clipPath id='{self._clip_id}'><rect x='0' y='{TITLE + 8}' width='{self.width}' "
                 f"height='{self.bottom - TITLE - 8}'/></clipPath></defs>",
                 f"<text x='4' y='{TITLE + 1}' font-size='{TITLE}' font-weight='600' fill='#222'>"
                 f"{_esc(self.title)}</text>", f"<g clip-path='url(#{self._clip_id})'>"]
        for k in self.visible_edges:
            u, v, mode = self.edges[k]
            (xa, ya), (xb, yb) = self._xy[u], self._xy[v]
            colour, _ = MODE_STYLE.get(mode, ("#999999", "-"))
            dash = " stroke-dasharray='5 4'" if mode == "flight" else (" stroke-dasharray='2 3'" if mode == "forest"
                                                                       else "")
            parts.append(f"<line x1='{xa:.1f}' y1='{ya:.1f}' x2='{xb:.1f}' y2='{yb:.1f}' stroke='{colour}' "
                         f"stroke-opacity='0.45' stroke-width='1'{dash}/>")
        for pid in self.inside:
            x, y = self._xy[pid]
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5' fill='{self._colour(pid)}' "
                         f"stroke='#333' stroke-width='0.5'/>")
        parts.append("</g>")
        for colour, name, x, y in self._legend:
            parts.append(f"<circle cx='{x + 5:.1f}' cy='{y - 4:.1f}' r='5' fill='{colour}'/>"
                         f"<text x='{x + 13:.1f}' y='{y:.1f}' font-size='{TEXT - 1}' fill='#333'>{name}</text>")
        return "".join(parts)

    def _legend_layout(self, entries: Sequence[str]) -> list[tuple[str, str, float, float]]:
        """``(colour, text, x, y)`` of each legend entry, wrapped onto as many lines as needed."""
        out, x, line = [], 4.0, 0
        for entry in entries:
            if entry in KIND_STYLE:
                colour, name = KIND_STYLE[entry][0], LEGEND_NAMES.get(entry, entry.replace("_", " "))
            else:
                colour, name = country_colour(entry), f"{entry} border"
            w = 13 + len(name) * (TEXT - 1) * CHAR_W + 8
            if x + w > self.width and x > 4:
                x, line = 4.0, line + 1
            out.append((colour, name, x, line))
            x += w
        lines = (out[-1][3] + 1) if out else 0
        return [(c, n, x, self.height - 4 - (lines - 1 - k) * (TEXT + 3)) for c, n, x, k in out]

    @property
    def _clip_id(self) -> str:
        return f"clip{abs(hash((self.title, self.box))) % 10**8}"

    def _colour(self, pid: str) -> str:
        p = self.places[pid]
        if p["kind"] == "border_segment":
            return country_colour(p["country"])
        return KIND_STYLE.get(p["kind"], ("#999999", "o"))[0]

    def svg(self, people: Mapping[str, float], edge_flows: Sequence[float] | None = None, note: str = "") -> str:
        """The map with today's people (marker area) and recent flows (line width).

        Args:
            people: Place id → people there now.
            edge_flows: People moving along each edge recently (same order as ``edges``).
            note: Small text in the top-right corner (for example the date).

        Returns:
            An ``<svg>`` element.

        """
        parts = [self.static, f"<g clip-path='url(#{self._clip_id})'>"]
        flows = np.asarray(edge_flows if edge_flows is not None else np.zeros(len(self.edges)), dtype=float)
        shown = [k for k in self.visible_edges if flows[k] > 0]
        top_flow = max([1.0, *(flows[k] for k in shown)])
        for k in shown:
            u, v, mode = self.edges[k]
            (xa, ya), (xb, yb) = self._xy[u], self._xy[v]
            colour, _ = MODE_STYLE.get(mode, ("#999999", "-"))
            w = 1.2 + 7 * math.sqrt(flows[k] / top_flow)
            parts.append(f"<line x1='{xa:.1f}' y1='{ya:.1f}' x2='{xb:.1f}' y2='{yb:.1f}' stroke='{colour}' "
                         f"stroke-opacity='0.75' stroke-width='{w:.1f}' stroke-linecap='round'/>")
        counts = {pid: float(people.get(pid, 0)) for pid in self.inside}
        top = max([1.0, *counts.values()])
        for pid in sorted(self.inside, key=lambda p: -counts[p]):
            if counts[pid] <= 0:
                continue
            x, y = self._xy[pid]
            r = 3 + 22 * math.sqrt(counts[pid] / top)
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='{self._colour(pid)}' "
                         f"fill-opacity='0.6' stroke='#222' stroke-width='0.8'/>")
        parts.append("</g>")
        parts += self._labels(counts, top)
        if note:
            parts.append(f"<text x='{self.width - 4}' y='{TITLE + 1}' font-size='{TEXT}' text-anchor='end' "
                         f"fill='#444'>{_esc(note)}</text>")
        return _svg(self.width, self.height, "".join(parts), self.title)

    def _labels(self, counts: Mapping[str, float], top: float) -> list[str]:
        """Place names (with people now) that fit without overlapping each other.

        Args:
            counts: Place id → people there now (the places inside the map).
            top: The largest count (at least 1), which sets the marker sizes.

        Returns:
            The ``<text>`` elements.

        """
        fullest = [p for p in sorted(counts, key=lambda p: -counts[p]) if counts[p] > 0][: self.labels]
        order = list(dict.fromkeys([*self.always_named[:1], *fullest, *self.always_named[1:]]))
        taken: list[tuple[float, float, float, float]] = [(0, 0, self.width, TITLE + 6),
                                                          (0, self.bottom, self.width, self.height)]
        frame = (0, -math.inf, self.width, math.inf)  # names may not leave the map at the sides
        out = []
        for pid in order:
            x, y = self._xy[pid]
            n = int(counts.get(pid, 0))
            text = f"{self.places[pid]['name'].split(' (')[0]}" + (f" {n:,}" if n else "")
            w, h = len(text) * TEXT * BOLD_W, TEXT
            r = 4 + (22 * math.sqrt(counts.get(pid, 0) / top) if n else 0)

            def offset(sx, sy, r=r, h=h):  # from the point to the text's anchor on its baseline (y down)
                return (r * 0.7 + 3 if sx > 0 else -r * 0.7 - 3), (-r * 0.7 - 2 if sy > 0 else r * 0.7 + h)

            def box_at(sx, sy, x=x, y=y, w=w, h=h, offset=offset):
                dx, dy = offset(sx, sy)
                bx = x + dx if sx > 0 else x + dx - w
                return bx, y + dy - h, bx + w, y + dy + 3

            corner = place_label(box_at, taken, frame)
            if corner is None:
                continue
            dx, dy = offset(*corner)
            anchor = "start" if corner[0] > 0 else "end"
            out.append(f"<text x='{x + dx:.1f}' y='{y + dy:.1f}' font-size='{TEXT}' text-anchor='{anchor}' "
                       f"fill='#111' stroke='white' stroke-width='3' paint-order='stroke' "
                       f"font-weight='600'>{_esc(text)}</text>")
        return out
