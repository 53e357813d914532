"""The demo's levers: sliders and switches mapped to scenario key paths.

Each :class:`Lever` is built from a loaded scenario (one per route, per border country,
per transit state) and turns its value into ``{"key.path": value}`` overrides. The same
overrides are used twice: passed to :func:`sim.load_scenario` when the model is (re)built,
and applied to a running model with :meth:`~sim.model.model.CorridorModel.change_scenario`
(the model's own way of changing its scenario, as a dated event does), so a student can close
a route in the middle of a run and watch the flow divert.

This module needs no solara; it is tested without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

WINTER_C = -8.0
"""Mean temperature (°C) of every month when the winter switch is on: a hard winter in the forest."""

GROUP_HELP = {
    "Flights": (
        "**Flights per week** on each route into Minsk. Fewer flights mean fewer seats: people wait "
        "longer at the origin and some give up; closing one route pushes demand onto the others that "
        "serve the same origins."
    ),
    "Belarus": (
        "**Belarusian facilitation**: the share of people leaving Minsk whom Belarusian services drive "
        "to a border segment of their choice. At 0 people go on their own, slower and less steered."
    ),
    "Turn-backs": (
        "**Turn-back share**: the share of people apprehended by this country who are pushed back to "
        "Belarus instead of being detained or allowed to claim asylum. Pushed-back people try again: "
        "attempts rise faster than people."
    ),
    "Guards": (
        "**Guards** (× the scenario's deployment) on every segment of this border. More guards detect "
        "more crossings; detection still needs apprehension capacity behind it."
    ),
    "Barriers": (
        "**Barrier length** (km) along this border, spread over its segments in proportion to their "
        "length. A barrier stops a larger share of the people who are detected."
    ),
    "Season": (
        f"**Winter**: every month as cold as a hard winter ({WINTER_C:.0f} °C). Cold raises the risk of "
        "death in the forest and uses up people's endurance faster."
    ),
}

GROUP_SHORT = {
    "Flights": "per week on each route into Minsk. Closing one route pushes demand onto the other routes "
               "that serve the same origins.",
    "Belarus": "the share of people leaving Minsk whom Belarusian services drive to the border.",
    "Turn-backs": "the share of the people each country catches who are pushed back to Belarus (they try again).",
    "Guards": "on every segment of each border, × the scenario's number.",
    "Barriers": "kilometres of barrier along each border.",
    "Season": f"every month as cold as a hard winter ({WINTER_C:.0f} °C).",
}
"""One line per group for the lever panel (:data:`GROUP_HELP` has the longer explanation)."""


@dataclass(frozen=True)
class Lever:
    """One control of the demo.

    Attributes:
        name: Unique id, also the parameter name in the app (for example ``flights:ist_minsk``).
        group: Key of :data:`GROUP_HELP` the lever belongs to.
        label: Short label shown next to the slider.
        kind: ``int``, ``float`` or ``bool``.
        default: The scenario's own value.
        min: Lowest slider value.
        max: Highest slider value.
        step: Slider step.
        mode: How a value becomes overrides: ``set`` (the value at each path), ``scale`` (value
            times each path's base), ``spread`` (value split by weights, capped at each path's
            cap) or ``winter`` (a monthly temperature list).
        paths: Scenario key paths the lever writes.
        bases: Per path: the base value (``scale``), the weight (``spread``) or the scenario's
            monthly temperatures (``winter``).
        caps: Per path upper bounds (``spread``).

    """

    name: str
    group: str
    label: str
    kind: str
    default: Any
    min: float = 0.0
    max: float = 1.0
    step: float = 1.0
    mode: str = "set"
    paths: tuple[str, ...] = ()
    bases: tuple = ()
    caps: tuple = ()
    help: str = field(default="", compare=False)

    def overrides(self, value: Any) -> dict[str, Any]:
        """Scenario overrides for ``value`` of this lever.

        Args:
            value: The slider or switch value.

        Returns:
            Dotted key path → value, ready for :func:`sim.load_scenario` or a dated change.

        """
        if self.mode == "set":
            return {p: _typed(value, self.kind) for p in self.paths}
        if self.mode == "scale":
            return {p: round(float(value) * b, 3) for p, b in zip(self.paths, self.bases, strict=True)}
        if self.mode == "spread":
            parts = zip(self.paths, self.bases, self.caps, strict=True)
            return {p: round(min(c, float(value) * w), 3) for p, w, c in parts}
        if self.mode == "winter":
            base = list(self.bases)
            return {self.paths[0]: [min(t, WINTER_C) for t in base] if value else base}
        raise ValueError(f"unknown lever mode {self.mode!r}")


def _typed(value: Any, kind: str) -> Any:
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(round(float(value)))
    return float(value)


def _flight_lever(carrier_id: str, carrier, route_id: str, route) -> Lever:
    default = route.flights_per_week
    whole = float(default).is_integer()
    top = min(100.0, max(14.0, float(np.ceil(2 * default))))
    return Lever(
        name=f"flights:{carrier_id}:{route_id}",
        group="Flights",
        label=f"{route_id} {carrier.name}",
        kind="int" if whole else "float",
        default=int(default) if whole else float(default),
        min=0,
        max=int(top) if whole else top,
        step=1 if whole else 0.5,
        paths=(f"carriers.{carrier_id}.routes.{route_id}.flights_per_week",),
    )


def build_levers(scenario) -> list[Lever]:
    """All levers of a loaded scenario, in display order.

    Args:
        scenario: A validated :class:`sim.scenario.schema.Scenario`.

    Returns:
        Flights per route, facilitation per transit state, then per border country the
        turn-back share, guards and barrier length, and the winter switch.

    """
    levers = [
        _flight_lever(cid, carrier, rid, route)
        for cid, carrier in scenario.carriers.items()
        for rid, route in carrier.routes.items()
    ]
    for aid, actor in scenario.state_actors.items():
        if actor.role == "transit":
            levers.append(Lever(
                name=f"facilitation:{aid}", group="Belarus", label=f"{actor.name} facilitation",
                kind="float", default=float(actor.facilitation), min=0.0, max=1.0, step=0.05,
                paths=(f"state_actors.{aid}.facilitation",)))
    for country, bs in scenario.border_services.items():
        levers.append(Lever(
            name=f"turn_back:{country}", group="Turn-backs", label=f"{country} turn-backs",
            kind="float", default=float(bs.policy.turn_back_share), min=0.0, max=1.0, step=0.05,
            paths=(f"border_services.{country}.policy.turn_back_share",)))
    for country, bs in scenario.border_services.items():
        segs = list(bs.segments.items())
        levers.append(Lever(
            name=f"guards:{country}", group="Guards", label=f"{country} guards ×",
            kind="float", default=1.0, min=0.0, max=3.0, step=0.1, mode="scale",
            paths=tuple(f"border_services.{country}.segments.{sid}.guards" for sid, _ in segs),
            bases=tuple(float(s.guards) for _, s in segs)))
    for country, bs in scenario.border_services.items():
        segs = list(bs.segments.items())
        total = sum(s.length_km for _, s in segs)
        built = sum(s.barrier_km for _, s in segs)
        levers.append(Lever(
            name=f"barrier:{country}", group="Barriers", label=f"{country} barrier km",
            kind="int", default=int(round(built)), min=0, max=int(np.floor(total)), step=5, mode="spread",
            paths=tuple(f"border_services.{country}.segments.{sid}.barrier_km" for sid, _ in segs),
            bases=tuple(s.length_km / total for _, s in segs),
            caps=tuple(float(s.length_km) for _, s in segs)))
    levers.append(Lever(
        name="winter", group="Season", label="Winter: hard frost all season", kind="bool",
        default=False, mode="winter", paths=("monthly_temperature_c",),
        bases=tuple(float(t) for t in scenario.monthly_temperature_c)))
    return [_with_help(lv) for lv in levers]


def _with_help(lever: Lever) -> Lever:
    return Lever(**{**lever.__dict__, "help": GROUP_HELP[lever.group]})


def overrides_for(levers: list[Lever], values: dict[str, Any]) -> dict[str, Any]:
    """Collect the overrides of every lever whose value differs from the scenario's own.

    Args:
        levers: From :func:`build_levers`.
        values: Lever name → value; missing names keep their defaults.

    Returns:
        Dotted key path → value.

    """
    out: dict[str, Any] = {}
    for lever in levers:
        if lever.name in values and values[lever.name] != lever.default:
            out.update(lever.overrides(values[lever.name]))
    return out
