"""The one map drawer: layout, labels that never overlap (SVG and PNG), outlines, and the one style table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.model.model import CorridorModel
from sim.plots import run_plots, style
from sim.plots.maps import geo
from sim.plots.maps.labels import LabelPlacer, first_overlap, overlaps
from sim.plots.maps.layout import (
    BORDER_ZONE_KINDS,
    MapLayout,
    Projection,
    corridor_names,
    places_from_scenario,
    zoom_box,
)
from sim.plots.maps.svg import SvgMap, marker_path, svg_text_boxes
from sim.plots.text import LabelFont, text_extent

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"
BELARUS = ROOT / "scenarios" / "belarus_2021.yaml"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(CLASSROOM)


@pytest.fixture(scope="module")
def days(scenario):
    """People at each place and the last 7 days' flows of the classroom run at day 0, day 60 and the last day."""
    model = CorridorModel(scenario)
    out = {}
    for day in range(model.n_days):
        model.step()
        if day in (0, 59, model.n_days - 1):
            flows = model.recorder.edge_flows[max(0, model.day - 6): model.day + 1].sum(axis=0)
            out[day] = (model.people_by_place(), flows, model.date.isoformat())
    return model, out


def _maps(model, scenario):
    places = places_from_scenario(scenario.places)
    border = zoom_box(places, BORDER_ZONE_KINDS, margin=0.3)
    for width, height in ((280, 300), (868, 608), (440, 300)):
        yield SvgMap(places, model.edges, title="Corridor", width=width, height=height, named=corridor_names(scenario),
                     labels=8 if width > 600 else 3, legend=("origin", "air_hub", "minsk", "eu_transit", "destination"))
        yield SvgMap(places, model.edges, box=border, title="Border zone", width=width, height=height, named=["minsk"],
                     labels=5, legend=("minsk", "staging", "eu_transit", "PL", "LT", "LV"))


# --------------------------------------------------------------------------- labels
def test_label_placer_takes_the_first_free_position_inside_the_frame():
    def measure(text, font):
        return 20.0, 8.0, 2.0

    placer = LabelPlacer((0, 0, 100, 100), measure)
    first = placer.place("a", "A", 50, 50, 2, LabelFont(10))
    assert first.anchor == "start" and first.box[0] > 50  # right of the point
    second = placer.place("b", "B", 50, 50, 2, LabelFont(10))
    assert second is not None and not overlaps(first.box, second.box)
    edge = LabelPlacer((0, 0, 100, 100), measure).place("c", "C", 95, 50, 2, LabelFont(10))
    assert edge.anchor == "end"  # no room on the right: to the left
    boxed_in = LabelPlacer((0, 0, 100, 100), measure, reserved=[(0, 0, 100, 100)])
    assert boxed_in.place("d", "D", 50, 50, 2, LabelFont(10)) is None  # no room anywhere: left out


def test_text_is_measured_with_the_font_the_maps_name():
    wide, narrow = text_extent("WWWW", LabelFont(14, True)), text_extent("iiii", LabelFont(14, True))
    assert wide[0] > 2 * narrow[0]
    assert text_extent("Minsk", LabelFont(28))[0] == pytest.approx(2 * text_extent("Minsk", LabelFont(14))[0])


@pytest.mark.parametrize("day", [0, 59, 152])
def test_svg_map_labels_never_overlap(scenario, days, day):
    model, frames = days
    people, flows, date = frames[day]
    for network in _maps(model, scenario):
        boxes = svg_text_boxes(network.svg(people, flows, note=date))
        names = [text for text, _ in boxes]
        assert first_overlap(boxes) is None, (network.title, network.width, first_overlap(boxes))
        assert all(0 <= b[0] and b[2] <= network.width and 0 <= b[1] and b[3] <= network.height for _, b in boxes)
        assert "Corridor" in names or "Border zone" in names
        if day:
            assert any(name.startswith("Minsk ") for name in names), (network.title, network.width, names)


def test_the_big_corridor_map_names_more_places_and_its_labels_are_large(scenario, days):
    model, frames = days
    people, flows, _ = frames[59]
    small, _, big, *_ = _maps(model, scenario)
    count = {m.width: len([t for t, _ in svg_text_boxes(m.overlay_svg(people, flows)) if re.search(r"\d", t)])
             for m in (small, big)}
    assert count[868] > count[280] >= 2
    assert "font-size='14'" in big.overlay_svg(people, flows)


def test_svg_map_layers_outlines_and_markers(scenario, days):
    model, frames = days
    people, flows, _ = frames[59]
    corridor, border = list(_maps(model, scenario))[:2]
    assert corridor.layout.outlines.name == "corridor_50m" and border.layout.outlines.name == "border_region_10m"
    static = border.static_svg()
    for code in ("BY", "PL", "LT", "LV", "RU"):
        assert f"data-country='{code}'" in static
    for country in ("PL", "LT", "LV"):  # Belarus's borders with the EU drawn in the country's colour
        assert f"stroke='{style.country_colour(country)}' stroke-width" in static
    assert border.static_svg() == static  # built once
    overlay = border.overlay_svg(people, flows)
    assert "data-country" not in overlay and "<circle" in overlay  # the day's layer has people, not outlines
    assert border.svg(people, flows).count("<svg") == 1
    for marker in "osh*^vDP":
        assert marker_path(marker, 10, 10, 5).startswith("M") and marker_path(marker, 10, 10, 5).endswith("Z")


def test_projection_fills_the_frame_and_keeps_the_box():
    proj = Projection.fit((20.0, 30.0, 50.0, 56.0), (0, 0, 400, 200))
    lon0, lon1, lat0, lat1 = proj.box
    assert lon0 <= 20 and lon1 >= 30 and lat0 <= 50 and lat1 >= 56
    corners = proj.points(np.array([[lon0, lat1], [lon1, lat0]]))
    assert np.allclose(corners, [[0, 0], [400, 200]])


# --------------------------------------------------------------------------- PNG
def _png_boxes(fig, maps):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for m in maps:
        frame = m.ax.get_window_extent(renderer)
        for text in [*m.labels, *m.notes]:
            box = text.get_window_extent(renderer)
            assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, text.get_text()
            assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, text.get_text()
            out.append((text.get_text(), box.extents))
    return out


@pytest.mark.parametrize("path", [CLASSROOM, BELARUS], ids=["classroom", "belarus_2021"])
def test_flow_map_labels_never_overlap(path, tmp_path):
    result = sim.run(path)
    data = result.scenario.model_dump(by_alias=True, mode="json")
    fig, maps = run_plots.flow_map_figure(result.flows, data["places"], data["border_services"],
                                          named=corridor_names(result.scenario))
    boxes = _png_boxes(fig, maps)
    assert first_overlap(boxes) is None, first_overlap(boxes)
    names = [t for t, _ in boxes]
    for place in ("Minsk", "Berlin", "Istanbul", "Grodno", "Białystok"):
        assert place in names, names
    assert maps[1].layout.outlines.name == "border_region_10m"
    drawn = run_plots.flow_map(result.flows, data["places"], data["border_services"], tmp_path / "a.png",
                               named=corridor_names(result.scenario))
    again = run_plots.flow_map(result.flows, data["places"], data["border_services"], tmp_path / "b.png",
                               named=corridor_names(result.scenario))
    assert drawn.read_bytes() == again.read_bytes()


# --------------------------------------------------------------------------- outlines
def _km(line: np.ndarray) -> float:
    lon, lat = np.radians(line).T
    a = np.sin(np.diff(lat) / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    return float(np.sum(2 * 6371.0 * np.arcsin(np.sqrt(a))))


def test_outlines_are_package_data_read_offline():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"sim.plots.geodata" = ["*.json", "README.md"]' in pyproject
    folder = ROOT / "sim" / "plots" / "geodata"
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(geo.REGIONS)
    assert sum(p.stat().st_size for p in folder.glob("*.json")) < 600_000
    readme = (folder / "README.md").read_text()
    for needle in ("Natural Earth", "4.1.0", "public domain", "world-atlas", "2.0.2", "ISC", "Crimea"):
        assert needle in readme
    for name in geo.REGIONS:
        outlines = geo.load(name)
        assert "Natural Earth" in outlines.meta["licence"]
        assert "Crimea as part of Ukraine" in outlines.meta["shown_as"][0]
    for module in (ROOT / "sim" / "plots").rglob("*.py"):  # nothing in the drawing code can fetch
        assert not re.search(r"^\s*(import|from)\s+(urllib|requests|http|socket)\b", module.read_text(), re.M), module


def test_crimea_is_part_of_ukraine_and_belarus_has_its_three_eu_borders():
    from sim.plots.maps.geometry import inside

    corridor = geo.load("corridor_50m")
    simferopol = (34.10, 44.95)
    assert any(inside(simferopol, ring) for ring in corridor.countries["UA"].rings)
    assert not any(inside(simferopol, ring) for ring in corridor.countries["RU"].rings)
    assert "CY" in corridor.countries and "XK" in corridor.countries
    region = geo.load("border_region_10m")
    for country, km in (("PL", 330), ("LT", 460), ("LV", 130)):  # 1:10m, simplified: 339, 477, 136 km
        assert sum(_km(line) for line in region.border("BY", country)) > km, country
    assert any(inside((27.56, 53.90), ring) for ring in region.countries["BY"].rings)  # Minsk
    assert any(inside((25.28, 54.69), ring) for ring in region.countries["LT"].rings)  # Vilnius
    assert geo.outlines_for(23, 28, 51.7, 56.2).name == "border_region_10m"
    assert geo.outlines_for(2, 56, 25, 57).name == "corridor_50m"


def test_layout_tints_the_border_countries_and_draws_their_borders_in_their_colours(scenario):
    places = places_from_scenario(scenario.places)
    layout = MapLayout(places, [], box=zoom_box(places, BORDER_ZONE_KINDS), width=400, height=400)
    fills = {shape.code: shape.fill for shape in layout.shapes}
    assert fills["BY"] == style.OUTLINE_STYLE["belarus"]
    assert fills["PL"] == style.tint(style.COUNTRY_COLOURS["PL"], style.OUTLINE_STYLE["eu_tint"])
    assert fills["RU"] == style.OUTLINE_STYLE["land"]
    colours = {lines.colour for lines in layout.border_lines if lines.lines}
    assert {style.COUNTRY_COLOURS[c] for c in ("PL", "LT", "LV")} <= colours


# --------------------------------------------------------------------------- style
def test_each_style_concept_has_one_definition():
    names = ("KIND_STYLE", "MODE_STYLE", "MODE_COLOURS", "PALETTE", "COLOURS", "COUNTRY_NAMES", "COUNTRY_COLOURS",
             "OTHER_COLOURS", "ACTIVE_STATES", "OUTCOME_STATES", "COLOUR_NAMES", "OUTLINE_STYLE")
    pattern = re.compile(rf"^({'|'.join(names)})\s*[:=]", re.M)
    defined = {p.relative_to(ROOT).as_posix(): pattern.findall(p.read_text()) for p in (ROOT / "sim").rglob("*.py")}
    assert {p: found for p, found in defined.items() if found and p != "sim/plots/style.py"} == {}


def test_every_place_kind_link_mode_and_journey_state_has_a_style():
    from sim.model.population import STATE_NAMES
    from sim.scenario.schema import LINK_MODES, PLACE_KINDS

    assert set(PLACE_KINDS) == set(style.KIND_STYLE)
    assert set(LINK_MODES) == set(style.MODE_STYLE)
    assert set(STATE_NAMES) == set(style.ACTIVE_STATES) | set(style.OUTCOME_STATES)
    assert set(style.COUNTRY_COLOURS.values()) | set(style.PALETTE) <= set(style.COLOUR_NAMES)
    assert style.tint("#000000", 0.5) == "#808080" and style.tint("#d55e00", 1.0) == "#d55e00"
