"""Country colours shared by every plot, the report and the demo, so a country looks the same everywhere.

Okabe–Ito colours: distinguishable with colour-blindness and on a washed-out projector.
"""

from __future__ import annotations

COUNTRY_COLOURS = {"PL": "#d55e00", "LT": "#0072b2", "LV": "#cc79a7", "BY": "#009e73", "DE": "#222222",
                   "FR": "#56b4e9", "NL": "#e69f00"}
OTHER_COLOURS = ["#009e73", "#f0e442", "#56b4e9", "#e69f00", "#8c564b", "#17becf"]
# names a reader can say, for captions that explain the colours
COLOUR_NAMES = {"#d55e00": "orange", "#0072b2": "blue", "#cc79a7": "pink", "#009e73": "green", "#222222": "black",
                "#56b4e9": "sky blue", "#e69f00": "amber", "#f0e442": "yellow", "#8c564b": "brown",
                "#17becf": "cyan"}


def country_colour(country: str, index: int = 0) -> str:
    """A stable colour for a country code (others by their position ``index``)."""
    return COUNTRY_COLOURS.get(country, OTHER_COLOURS[index % len(OTHER_COLOURS)])
