"""SVG for the live demo: the time-series charts, and the SVG document both they and the maps use.

Matplotlib needs about 0.3 s per figure; these drawings are plain SVG text built with numpy and
f-strings (a few milliseconds each), sized in CSS pixels so that their text stays legible on a
projector, and they need nothing from the network. The maps are :class:`sim.plots.maps.svg.SvgMap`.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence

import numpy as np

from sim.plots.style import country_colour
from sim.plots.text import FONT_FAMILY, LabelFont, text_extent

TEXT = 14  # px: tick labels and end labels
TITLE = 16  # px: panel titles
END_FONT = LabelFont(TEXT, bold=True)


def esc(text) -> str:
    """Text escaped for an SVG attribute or element."""
    return html.escape(str(text), quote=True)


def svg_document(width: float, height: float, body: str, label: str, background: str | None = "white",
                 classes: str = "") -> str:
    """An ``<svg>`` element of ``width`` × ``height`` CSS pixels that scales to its container."""
    fill = f"<rect width='{width}' height='{height}' fill='{background}'/>" if background else ""
    cls = f" class='{classes}'" if classes else ""
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width:g} {height:g}' role='img' "
            f"aria-label='{esc(label)}' preserveAspectRatio='xMidYMid meet'{cls} "
            f"style='width:100%;height:100%;display:block' font-family='{FONT_FAMILY}'>{fill}{body}</svg>")


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
    in the country's colour (:func:`sim.plots.style.country_colour`).

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
    longest = max([text_extent("LV 1,000", END_FONT)[0], *(text_extent(f"{label} {_fmt(float(np.max(v)))}", END_FONT)[0]
                                                         for _, series in panels for label, v in series.items()
                                                         if len(v))])
    left, right = 46, 10 + longest
    months = _month_starts(start, n_days)
    for k, (title, series) in enumerate(panels):
        top = k * panel_h
        y0, y1 = top + TITLE + 10, top + panel_h - TEXT - 10  # plot area: y1 is the x axis
        x0, x1 = left, width - right
        parts.append(f"<text x='4' y='{top + TITLE + 1:.1f}' font-size='{TITLE}' font-weight='600' "
                     f"fill='#222'>{esc(title)}</text>")
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
                         f"stroke-linejoin='round' data-series='{esc(label)}'/>")
            parts.append(f"<circle cx='{xs[-1]:.1f}' cy='{ys[-1]:.1f}' r='3.5' fill='{colour}'/>")
            ends.append([ys[-1], xs[-1], label, values[-1], colour])
        for y, x, label, value, colour in _spread(ends, TEXT + 1, y0, y1):
            parts.append(f"<text x='{x + 6:.1f}' y='{y + TEXT * 0.35:.1f}' font-size='{TEXT}' "
                         f"font-weight='700' fill='{colour}'>{esc(label)} {_fmt(value)}</text>")
        if not ends:
            parts.append(f"<text x='{(x0 + x1) / 2:.1f}' y='{(y0 + y1) / 2:.1f}' font-size='{TEXT}' "
                         f"text-anchor='middle' fill='#888'>{esc(empty_note)}</text>")
    return svg_document(width, int(height), "".join(parts), " / ".join(title for title, _ in panels))


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
