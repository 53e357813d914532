"""The demo's views without a browser: layouts, map labels that never overlap, Mesa and Solara used as they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.errors import CorridorError
from sim.model.model import CorridorModel
from sim.plots.maps.labels import first_overlap
from sim.plots.maps.layout import BORDER_ZONE_KINDS, corridor_names, places_from_scenario, zoom_box
from sim.plots.maps.svg import SvgMap, svg_text_boxes

pytest.importorskip("solara", reason="the demo extra (solara) is not installed")

from sim.demo import mesa_adaptation, views  # noqa: E402  (needs solara)

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"
DEMO = ROOT / "sim" / "demo"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(CLASSROOM)


@pytest.fixture(scope="module")
def models(scenario):
    """The classroom model at day 0 (before the first Step), day 60 and the last day."""
    out = {}
    for stop in (0, 60, None):
        model = CorridorModel(scenario)
        for _ in range(model.n_days if stop is None else stop):
            model.step()
        out[stop if stop is not None else model.n_days] = model
    return out


# --------------------------------------------------------------------------- Mesa and Solara
def test_mesa_adaptation_matches_the_installed_versions():
    """Fails as soon as Mesa or Solara is upgraded: then check ModelController and update_counter again."""
    assert mesa_adaptation.installed_versions() == mesa_adaptation.WRITTEN_FOR
    mesa_adaptation.check_versions()
    with pytest.raises(CorridorError, match=r"written for mesa==3\.5\.1 and solara==1\.58\.2.*mesa 9\.9"):
        mesa_adaptation.check_versions({"mesa": "9.9", "solara": mesa_adaptation.WRITTEN_FOR["solara"]})
    with pytest.raises(CorridorError, match="solara not installed"):
        mesa_adaptation.check_versions({**mesa_adaptation.WRITTEN_FOR, "solara": None})


def test_the_demo_patches_nothing_of_mesa_or_solara_and_names_its_internals_once():
    sources = {p.name: p.read_text() for p in DEMO.glob("*.py")}
    patch = re.compile(r"^\s*(mesa_viz|solara_viz|cdn_helper|mesa|solara)(\.\w+)+\s*=(?!=)", re.M)
    for name, text in sources.items():  # only Solara's settings objects are set (its public configuration)
        assert [m.group(0) for m in patch.finditer(text) if ".settings." not in m.group(0)] == [], name
        assert "nth-child" not in text, name
        if name != "mesa_adaptation.py":
            assert not re.search(r"mesa\.visualization\.(solara_viz|utils)", text), name
    assert "SolaraViz(" not in sources["app.py"] and "make_initial_grid_layout" not in "".join(sources.values())


# --------------------------------------------------------------------------- layouts
def test_the_big_map_layout_gives_the_corridor_map_half_the_screen_and_more():
    assert set(views.LAYOUTS) == {"overview", "big map"}
    assert views.LAYOUTS["big map"].sizes["corridor"][0] >= 640
    for layout in views.LAYOUTS.values():
        assert set(layout.sizes) == {"corridor", "border", "pressure", "stranded", "deaths", "onward"}
        cells = " ".join(layout.areas).split()
        assert {c for c in cells if c != "."} == {*layout.sizes, "guide"}
        assert len(layout.rows) == len(layout.areas)
    css = views.grid_css()
    assert ".corridor-layout-overview" in css and ".corridor-layout-big-map" in css


@pytest.mark.parametrize("layout", ["overview", "big map"])
def test_demo_map_labels_never_overlap(models, layout):
    for day, model in models.items():
        for view in ("corridor", "border"):
            size = views.LAYOUTS[layout].sizes[view]
            network = views.build_map(model, view, size)
            markup = network.svg(model.people_by_place(), views.recent_edge_flows(model),
                                 note=model.date.isoformat() if model.day >= 0 else "")
            boxes = svg_text_boxes(markup)
            assert first_overlap(boxes) is None, (layout, view, day, first_overlap(boxes))
            assert all(0 <= b[0] and b[2] <= size[0] and 0 <= b[1] and b[3] <= size[1] for _, b in boxes)
            if day and view == "corridor":
                assert any(t.startswith("Minsk ") for t, _ in boxes), (layout, view, day)


def test_map_names_the_fullest_place_and_leaves_out_names_that_would_collide(scenario):
    places = places_from_scenario(scenario.places)
    edges = [(link.from_, link.to, link.mode) for link in scenario.links]
    close = {"grodno": 900, "bruzgi": 800, "kuznica": 700, "minsk": 50}  # three places a few km apart
    box = zoom_box(places, BORDER_ZONE_KINDS, margin=0.3)
    network = SvgMap(places, edges, box=box, width=270, height=270, named=["minsk"], labels=5)
    names = [text for text, _ in svg_text_boxes(network.overlay_svg(close))]
    assert "Grodno 900" in names and "Minsk 50" in names
    assert len([n for n in names if n.split()[0] in ("Grodno", "Bruzgi", "Kuźnica–Bruzgi")]) < 3


def test_corridor_map_names_come_from_the_place_kinds(scenario):
    assert corridor_names(scenario) == ["minsk", "baghdad", "damascus", "istanbul", "berlin"]
    no_hub = scenario.model_copy(deep=True)  # no flights from an air hub: Minsk, the origins, the destination
    for carrier in no_hub.carriers.values():
        carrier.routes = {k: r for k, r in carrier.routes.items() if no_hub.places[r.from_].kind != "air_hub"}
    assert corridor_names(no_hub) == ["minsk", "baghdad", "damascus", "berlin"]
    quieter = scenario.model_copy(deep=True)
    quieter.migrants.destinations = {"paris": 0.7, "berlin": 0.2, "warsaw": 0.1}
    assert corridor_names(quieter)[-1] == "paris"


def test_a_days_overlay_is_small_and_the_static_layer_is_built_once(models):
    model = models[60]
    network = views.build_map(model, "corridor", views.LAYOUTS["big map"].sizes["corridor"])
    overlay = network.overlay_svg(model.people_by_place(), views.recent_edge_flows(model))
    assert len(overlay) < len(network.static_svg()) / 4
    assert network.static_svg() is not network.static and network.static in network.static_svg()
