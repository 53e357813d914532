"""Text sizes for placing labels in SVG and on maps: widths from the font's own glyph advances, no browser.

The SVG maps name their font first (:data:`FONT_FAMILY`: DejaVu Sans, the font matplotlib ships
and draws with), so the browser sets the text with the metrics measured here; Verdana, the
fallback elsewhere, is about as wide. :data:`SAFETY` widens every measured box a little for
fonts that differ.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import NamedTuple

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font, LoadFlags

FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif"
SAFETY = 1.06  # measured widths are multiplied by this (browsers and fallback fonts differ a little)
_LOCK = threading.Lock()  # FT2Font is not thread-safe (the demo serves each browser tab from its own thread)


class LabelFont(NamedTuple):
    """Size (map pixels) and weight of a kind of label."""

    size: float
    bold: bool = False
    italic: bool = False


class _Metrics(NamedTuple):
    advances: dict[str, float]  # per character, in ems
    ascent: float  # ems above the baseline
    descent: float  # ems below it
    em_units: int
    face: FT2Font


@lru_cache(maxsize=4)
def _metrics(bold: bool, italic: bool) -> _Metrics:
    prop = font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal",
                                       style="italic" if italic else "normal")
    face = FT2Font(font_manager.findfont(prop, fallback_to_default=True))
    return _Metrics({}, face.ascender / face.units_per_EM, -face.descender / face.units_per_EM, face.units_per_EM,
                    face)


def _advance(m: _Metrics, char: str) -> float:
    width = m.advances.get(char)
    if width is None:
        with _LOCK:
            glyph = m.face.load_char(ord(char), flags=LoadFlags.NO_SCALE | LoadFlags.NO_HINTING)
            width = m.advances[char] = glyph.horiAdvance / m.em_units
    return width


def text_extent(text: str, font: LabelFont) -> tuple[float, float, float]:
    """Width, ascent and descent of one line of text, in map pixels (the font's full line box)."""
    m = _metrics(font.bold, font.italic)
    width = sum(_advance(m, c) for c in text) * font.size * SAFETY
    return width, m.ascent * font.size, m.descent * font.size
