"""The one style table of every plot, map, legend, the report and the demo: a thing looks the same everywhere.

* countries: :data:`COUNTRY_COLOURS` (Okabe–Ito: distinguishable with colour-blindness and on a
  washed-out projector) and :data:`COUNTRY_NAMES`;
* the series palette :data:`PALETTE` (routes, ensembles, countries without a colour of their own);
* place kinds :data:`KIND_STYLE` (colour, marker, base size), link modes :data:`MODE_STYLE`
  (colour, dash), the map's land, sea and borders :data:`OUTLINE_STYLE`;
* journey states :data:`ACTIVE_STATES` and :data:`OUTCOME_STATES` (label, colour);
* :data:`COLOUR_NAMES`: a name a reader can say for every colour above that captions refer to.

Markers are matplotlib marker codes (``o s h * ^ D v P``); the SVG maps draw the same shapes
(:func:`sim.plots.maps.svg.marker_path`). Sizes are in pixels of the map (CSS pixels in the demo).
"""

from __future__ import annotations

from typing import NamedTuple

COUNTRY_COLOURS = {"PL": "#d55e00", "LT": "#0072b2", "LV": "#cc79a7", "BY": "#009e73", "DE": "#222222",
                   "FR": "#56b4e9", "NL": "#e69f00"}
COUNTRY_NAMES = {"PL": "Poland", "LT": "Lithuania", "LV": "Latvia", "BY": "Belarus", "DE": "Germany",
                 "FR": "France", "NL": "Netherlands", "RU": "Russia", "UA": "Ukraine", "EE": "Estonia",
                 "IQ": "Iraq", "SY": "Syria", "LB": "Lebanon", "TR": "Türkiye", "AE": "UAE", "LY": "Libya"}
# series without a country colour of their own, in order: routes, ensembles overlaid, other countries
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c564b", "#17becf", "#f0e442",
           "#7f7f7f", "#9467bd", "#bcbd22"]


class PlaceStyle(NamedTuple):
    """How a kind of place is drawn: fill colour, marker code, base radius (map pixels) and legend label."""

    colour: str
    marker: str
    size: float
    label: str


class LinkStyle(NamedTuple):
    """How a mode of link is drawn: colour, dash pattern (on, off in pixels; empty = solid) and legend label."""

    colour: str
    dash: tuple[float, ...]
    label: str


KIND_STYLE = {
    "origin": PlaceStyle("#e6ab02", "o", 4.5, "origin"),
    "air_hub": PlaceStyle("#7570b3", "s", 4.0, "air hub"),
    "gateway": PlaceStyle("#6a3d9a", "h", 4.5, "gateway (overland to Minsk)"),
    "minsk": PlaceStyle("#e7298a", "*", 7.5, "Minsk"),
    "staging": PlaceStyle("#a6761d", "^", 4.5, "staging area"),
    "border_segment": PlaceStyle("#1b9e77", "D", 3.5, "border crossing point"),  # drawn in its country's colour
    "eu_transit": PlaceStyle("#66a61e", "v", 4.5, "EU transit"),
    "destination": PlaceStyle("#555555", "P", 5.0, "destination"),
}
OTHER_KIND = PlaceStyle("#999999", "o", 3.5, "place")
MODE_STYLE = {
    "flight": LinkStyle("#8c84c9", (5.0, 4.0), "flight"),
    "road": LinkStyle("#7f7f7f", (), "road"),
    "forest": LinkStyle("#2e8b57", (1.5, 2.5), "forest path"),
    "onward": LinkStyle("#3182bd", (), "onward"),
}
OTHER_MODE = LinkStyle("#999999", (), "link")
OUTLINE_STYLE = {
    "sea": "#e4eef5", "land": "#f3f1ea", "belarus": "#ece5d3", "border": "#b4ada0", "coast": "#93aec2",
    "country_label": "#8a8478",
    "eu_tint": 0.13,  # share of a border country's colour in its land fill
}
TEXT_COLOUR = "#111111"
HALO_COLOUR = "white"
OBSERVED_COLOUR = "#000000"  # official figures, against ...
SIMULATED_COLOUR = "#ff7f0e"  # ... the model's (observed-vs-simulated and validation plots)

# state -> (readable label, colour): people on the journey (vivid); not started or outcomes (muted; death black)
ACTIVE_STATES = {
    "booked": ("booked, waiting for the flight", "#bdbdbd"),
    "in_transit": ("overland from a gateway country to Minsk", "#c2a5cf"),
    "in_minsk": ("in Minsk", "#e7298a"), "to_border": ("moving to the border", "#fdae61"),
    "at_border": ("at the border (Belarusian side)", "#d7191c"), "attempting": ("crossing tonight", "#8b0000"),
    "crossed": ("crossed, moving on in the EU", "#2b83ba"), "detained": ("detained in the EU", "#5e3c99"),
    "asylum": ("asylum claim, open reception", "#abdda4"), "returning": ("returning to Minsk", "#a6761d"),
    "waiting_return": ("in Minsk, waiting to fly home", "#f4a6c8"),
}
OUTCOME_STATES = {  # with the people not yet started (waiting at the origin) at the bottom
    "prospective": ("at origin, no seat yet (not started)", "#f7e4a3"),
    "at_destination": ("reached EU destination", "#9ecae1"), "protected": ("granted protection", "#c7e9c0"),
    "deported": ("deported from the EU", "#fdd0a2"), "repatriated": ("repatriated from Minsk", "#dadaeb"),
    "returned_home": ("flew home on own ticket", "#cccccc"), "stayed_home": ("gave up before flying", "#e6e6e6"),
    "dead": ("died", "#252525"),
}

# names a reader can say, for captions that explain the colours
COLOUR_NAMES = {"#d55e00": "orange", "#0072b2": "blue", "#cc79a7": "pink", "#009e73": "green", "#222222": "black",
                "#56b4e9": "sky blue", "#e69f00": "amber", "#f0e442": "yellow", "#8c564b": "brown",
                "#17becf": "cyan", "#7f7f7f": "grey", "#9467bd": "purple", "#bcbd22": "olive", "#000000": "black",
                "#ff7f0e": "orange"}


def country_colour(country: str, index: int = 0) -> str:
    """A stable colour for a country code (others by their position ``index`` in :data:`PALETTE`)."""
    return COUNTRY_COLOURS.get(country, PALETTE[index % len(PALETTE)])


def series_colour(index: int) -> str:
    """The ``index``-th colour of the series palette (wrapping around)."""
    return PALETTE[index % len(PALETTE)]


def country_name(country: str) -> str:
    """A country's name for labels and legends (the code itself when the table has no name)."""
    return COUNTRY_NAMES.get(country, country)


def place_style(kind: str) -> PlaceStyle:
    """The style of a kind of place (a neutral one for kinds the table does not know)."""
    return KIND_STYLE.get(kind, OTHER_KIND)


def place_colour(place: dict) -> str:
    """The fill colour of one place: border crossing points in their country's colour, others by kind."""
    if place.get("kind") == "border_segment" and place.get("country") in COUNTRY_COLOURS:
        return COUNTRY_COLOURS[place["country"]]
    return place_style(place.get("kind", "")).colour


def mode_style(mode: str) -> LinkStyle:
    """The style of a mode of link (a neutral one for modes the table does not know)."""
    return MODE_STYLE.get(mode, OTHER_MODE)


def tint(colour: str, share: float) -> str:
    """``colour`` mixed with white: ``share`` of the colour, the rest white (``#rrggbb``)."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in rgb)
