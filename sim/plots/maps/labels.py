"""Placing map labels so that no two overlap: the one rule both map renderers use.

A label is tried at eight positions around its point (right first, then the corners, then the
left, above and below), in map pixels with y down. A position is taken only when the label's
box stays inside the map's frame and overlaps no label placed before it; on a first pass it
must also leave other places' markers and circles uncovered, and on the second it must still
leave every other place's point visible. A label that fits nowhere is left out, so the most
important labels go first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from sim.plots.text import LabelFont

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in map pixels, y down
Measure = Callable[[str, LabelFont], tuple[float, float, float]]  # text, font -> width, ascent, descent
PAD = 1.5  # pixels kept free between two labels
CORE = 2.5  # pixels around a place's point that no other place's label may cover
# (horizontal side, vertical side): +1 right of / below the point, -1 left of / above it, 0 centred
POSITIONS = ((1, 0), (1, -1), (1, 1), (-1, 0), (-1, -1), (-1, 1), (0, -1), (0, 1))


class Label(NamedTuple):
    """A placed label: text, anchor point (baseline), text anchor (start, middle, end), box, font, kind, key."""

    text: str
    x: float
    y: float
    anchor: str
    box: Box
    font: LabelFont
    kind: str  # "place" or "country"
    key: str  # the place id or country code


def overlaps(a: Sequence[float], b: Sequence[float], pad: float = 0.0) -> bool:
    """Whether two ``(x0, y0, x1, y1)`` boxes overlap, or come closer than ``pad`` (touching does not count)."""
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def first_overlap(boxes: Sequence[tuple[str, Sequence[float]]]) -> tuple[str, str] | None:
    """The texts of the first two ``(text, box)`` entries whose boxes overlap (None when none do)."""
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if overlaps(box_a, box_b):
                return a, b
    return None


def covers(box: Box, point: tuple[float, float], radius: float) -> bool:
    """Whether a box covers any of the square of half-width ``radius`` around a point."""
    return overlaps(box, (point[0] - radius, point[1] - radius, point[0] + radius, point[1] + radius))


def text_box(x: float, y: float, anchor: str, width: float, ascent: float, descent: float) -> Box:
    """The box of a line of text drawn at ``(x, y)`` (its baseline) with that anchor."""
    x0 = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return x0, y - ascent, x0 + width, y + descent


class LabelPlacer:
    """Places labels one after another in a frame, never over a label placed before.

    Args:
        frame: ``(x0, y0, x1, y1)``: every label stays inside it.
        measure: Text extents in map pixels (width, ascent, descent) for a text and font.
        markers: ``(x, y, radius)`` of the markers labels should leave uncovered when they can.
        reserved: Boxes already taken by other text (no label may overlap them).

    """

    def __init__(self, frame: Box, measure: Measure, markers: Iterable[tuple[float, float, float]] = (),
                 reserved: Iterable[Box] = ()) -> None:
        self.frame, self.measure = frame, measure
        self.markers = list(markers)
        self.reserved = list(reserved)
        self.placed: list[Label] = []

    def _free(self, box: Box, strict: bool, own: tuple[float, float] | None) -> bool:
        f = self.frame
        if box[0] < f[0] or box[1] < f[1] or box[2] > f[2] or box[3] > f[3]:
            return False
        if any(overlaps(box, other.box, PAD) for other in self.placed) or any(overlaps(box, r, PAD)
                                                                               for r in self.reserved):
            return False
        others = [(x, y, r) for x, y, r in self.markers
                  if own is None or abs(x - own[0]) > 0.5 or abs(y - own[1]) > 0.5]
        if strict:  # first choice: clear of other places' markers and circles
            return not any(covers(box, (x, y), r) for x, y, r in others)
        return not any(covers(box, (x, y), CORE) for x, y, _ in others)  # never over another place itself

    def place(self, key: str, text: str, x: float, y: float, radius: float, font: LabelFont,
              kind: str = "place") -> Label | None:
        """Place a label next to a point whose marker has ``radius``; None when it fits nowhere."""
        width, ascent, descent = self.measure(text, font)
        gap = 3.0
        for strict in (True, False):
            for sx, sy in POSITIONS:
                reach = radius * (0.75 if sx and sy else 1.0) + gap
                lx = x + sx * reach
                if sy == 0:
                    ly = y + (ascent - descent) / 2
                elif sy < 0:
                    ly = y - reach - descent
                else:
                    ly = y + reach + ascent
                anchor = "start" if sx > 0 else "end" if sx < 0 else "middle"
                box = text_box(lx, ly, anchor, width, ascent, descent)
                if self._free(box, strict, (x, y)):
                    label = Label(text, lx, ly, anchor, box, font, kind, key)
                    self.placed.append(label)
                    return label
        return None

    def place_centred(self, key: str, text: str, x: float, y: float, font: LabelFont, kind: str = "country",
                      fits: Callable[[Box], bool] | None = None) -> Label | None:
        """Place a label centred on a point (or a little above or below it) clear of markers; None if it does not fit.

        Args:
            key: What the label names.
            text: The text.
            x: Centre.
            y: Centre.
            font: Its font.
            kind: Kind of label.
            fits: Extra condition on the box (for example that it lies in its country).

        """
        width, ascent, descent = self.measure(text, font)
        height = ascent + descent
        for dy in (0.0, -1.5 * height, 1.5 * height, -3 * height, 3 * height):
            ly = y + dy + (ascent - descent) / 2
            box = text_box(x, ly, "middle", width, ascent, descent)
            if self._free(box, True, None) and (fits is None or fits(box)):
                label = Label(text, x, ly, "middle", box, font, kind, key)
                self.placed.append(label)
                return label
        return None
