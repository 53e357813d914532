"""The network of real places: a networkx graph built from a validated scenario."""

from __future__ import annotations

import networkx as nx

from sim.scenario.schema import Scenario

BOTH_WAYS = ("road", "forest")


def build_network(scenario: Scenario) -> nx.DiGraph:
    """Build the directed place graph.

    Nodes carry ``name, lat, lon, country, kind``; edges carry ``mode, days, km``.
    Road and forest links are added in both directions, flights and onward links one way.
    """
    graph = nx.DiGraph()
    for pid, place in scenario.places.items():
        graph.add_node(pid, **place.model_dump())
    for link in scenario.links:
        attrs = {"mode": link.mode, "days": link.days, "km": link.km}
        graph.add_edge(link.from_, link.to, **attrs)
        if link.mode in BOTH_WAYS:
            graph.add_edge(link.to, link.from_, **attrs)
    return graph


def minsk_id(scenario: Scenario) -> str:
    """The id of the one place of kind ``minsk``."""
    return next(pid for pid, p in scenario.places.items() if p.kind == "minsk")


def journey(graph: nx.DiGraph, source: str, target: str) -> tuple[list[str], int, float]:
    """Quickest path by days (ties broken by km): the places, total days and total km.

    Where no links join the two places, the straight route is assumed to take one day
    per 300 km of great-circle distance; the path is then ``[source, target]``.
    """
    if source == target:
        return [source], 0, 0.0
    try:
        path = nx.shortest_path(graph, source, target, weight=lambda u, v, d: d["days"] * 10_000 + d["km"])
    except nx.NetworkXNoPath:
        km = great_circle_km(graph.nodes[source], graph.nodes[target])
        return [source, target], max(1, round(km / 300)), km
    days = sum(graph.edges[u, v]["days"] for u, v in zip(path, path[1:]))
    km = sum(graph.edges[u, v]["km"] for u, v in zip(path, path[1:]))
    return path, days, km


def great_circle_km(a: dict, b: dict) -> float:
    """Great-circle distance between two nodes with ``lat``/``lon`` (km)."""
    from math import asin, cos, radians, sin, sqrt

    lat1, lon1, lat2, lon2 = map(radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))
