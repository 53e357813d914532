"""The converter that made the package's outline files, on a small hand-made topology."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.plots.geodata import convert_world_atlas as convert
from sim.plots.maps.geometry import clip_line, clip_ring, inside, signed_area, simplify

BOX = (-10.0, -5.0, 40.0, 60.0)


def _arc(*points) -> list[list[int]]:
    """A TopoJSON arc: the first point, then deltas."""
    pts = np.asarray(points)
    return np.vstack([pts[:1], np.diff(pts, axis=0)]).tolist()


def _topology(extra: list[dict] | None = None) -> dict:
    arcs = [_arc((0, 0), (0, 2)),  # 0: Belarus | Poland
            _arc((0, 2), (2, 2), (2, 0), (0, 0)),  # 1: the rest of Belarus
            _arc((0, 0), (-2, 0), (-2, 2), (0, 2)),  # 2: the rest of Poland
            _arc((33, 45), (35, 45)),  # 3: "Crimea" | Ukraine
            _arc((35, 45), (35, 44), (33, 44), (33, 45)),  # 4: the rest of "Crimea"
            _arc((35, 45), (35, 47), (33, 47), (33, 45)),  # 5: the rest of Ukraine
            _arc((30, 50), (32, 50), (32, 52), (30, 52), (30, 50))]  # 6: mainland Russia
    geometries = [{"type": "Polygon", "id": "112", "properties": {"name": "Belarus"}, "arcs": [[0, 1]]},
                  {"type": "Polygon", "id": "616", "properties": {"name": "Poland"}, "arcs": [[-1, 2]]},
                  {"type": "MultiPolygon", "id": "643", "properties": {"name": "Russia"}, "arcs": [[[6]], [[3, 4]]]},
                  {"type": "Polygon", "id": "804", "properties": {"name": "Ukraine"}, "arcs": [[5, 3]]},
                  *(extra or [])]
    return {"type": "Topology", "arcs": arcs, "transform": {"scale": [1, 1], "translate": [0, 0]},
            "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}}}


def test_convert_finds_countries_borders_and_coast_and_moves_crimea(monkeypatch):
    monkeypatch.setattr(convert, "TRANSFERS", [("RU", "UA", (34.0, 44.5), "the test's Crimea")])
    data = convert.convert(_topology(), BOX, tol=0.0, decimals=3)
    assert sorted(data["countries"]) == ["BY", "PL", "RU", "UA"]
    assert len(data["countries"]["RU"]["polygons"]) == 1 and len(data["countries"]["UA"]["polygons"]) == 2
    assert list(data["borders"]) == ["BY-PL"]  # the old Russia-Ukraine line through "Crimea" is gone
    assert data["borders"]["BY-PL"] == [[[0.0, 0.0], [0.0, 2.0]]]
    coast_points = {tuple(p) for line in data["coast"] for p in line}
    assert {(2.0, 2.0), (-2.0, 0.0), (33.0, 44.0), (30.0, 52.0)} <= coast_points
    assert (0.0, 1.0) not in coast_points
    for country in data["countries"].values():
        for polygon in country["polygons"]:
            assert signed_area(np.asarray(polygon[0])) > 0  # outer rings counter-clockwise
    assert data["meta"]["shown_as"][0] == "the test's Crimea"
    json.dumps(data)  # JSON-ready


def test_a_unit_without_a_code_in_the_region_is_an_error_not_a_guess():
    stray = {"type": "Polygon", "properties": {"name": "Atlantis"}, "arcs": [[6]]}
    with pytest.raises(ValueError, match="Atlantis"):
        convert.convert(_topology([stray]), BOX, tol=0.0, decimals=3)
    assert "Atlantis" not in json.dumps(convert.convert(_topology([stray]), (-10, -5, 10, 10), 0.0, 3))


def test_merged_units_are_drawn_as_part_of_their_state():
    cyprus = [{"type": "Polygon", "id": "196", "properties": {"name": "Cyprus"}, "arcs": [[0, 1]]},
              {"type": "Polygon", "properties": {"name": "N. Cyprus"}, "arcs": [[-1, 2]]}]
    topo = _topology()
    topo["objects"]["countries"]["geometries"] = cyprus
    data = convert.convert(topo, BOX, tol=0.0, decimals=3)
    assert list(data["countries"]) == ["CY"] and data["countries"]["CY"]["name"] == "Cyprus"
    assert data["borders"] == {}


def test_geometry_helpers():
    line = np.array([[0, 0], [1, 0.01], [2, 0], [3, 1], [4, 0]], dtype=float)
    assert simplify(line, 0.1).tolist() == [[0, 0], [2, 0], [3, 1], [4, 0]]
    assert len(simplify(line, 0.001)) == 5
    square = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], dtype=float)
    clipped = clip_ring(square, (2, -1, 6, 6))
    assert signed_area(clipped) == pytest.approx(8.0)
    assert clip_ring(square, (10, 10, 12, 12)).size == 0
    assert inside((1, 1), square) and not inside((5, 1), square)
    pieces = clip_line(np.array([[-5, 0], [-4, 0], [1, 0], [2, 0], [9, 0]], dtype=float), (0, -1, 3, 1))
    assert [p.tolist() for p in pieces] == [[[-4, 0], [1, 0], [2, 0], [9, 0]]]
    assert convert.ISO_N3_TO_A2["112"] == "BY" and convert.ISO_N3_TO_A2["804"] == "UA"
    assert len(convert.ISO_N3_TO_A2) == 238
