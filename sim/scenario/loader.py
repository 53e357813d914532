"""Scenario file → validated :class:`~sim.scenario.schema.Scenario`.

Reads YAML with safe loading only, follows ``extends:`` chains, applies
``--set key.path=value`` overrides, validates with pydantic and checks every
cross-reference. Every problem becomes a :class:`~sim.errors.ScenarioError`
naming the file, the key path (and its line where known), the reason and a hint.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, did_you_mean
from sim.scenario import schema
from sim.scenario.keypaths import override_pairs, set_path, split_path, within
from sim.scenario.messages import raise_validation
from sim.scenario.observed_file import load_observed
from sim.scenario.posterior_file import read_posterior
from sim.scenario.references import check_references
from sim.scenario.yaml_reader import RELATIVE_PATHS, load_raw, read_yaml

# parts of a scenario that are read once when a run starts; events may not change them
FIXED_AT_START = ("events", "start", "end", "places", "links", "seed", "name", "description", "scale",
                  "observed", "posterior", "monthly_temperature_c", "initial_population", "calibrated_until")


# --------------------------------------------------------------------------- validation
def _fill_defaults(data: dict) -> dict:
    """Expand the data to every field with its default, so event key paths can address them."""
    return schema.Scenario.model_validate(data).model_dump(by_alias=True, mode="python")


def validate(data: dict, lines: dict, file: str) -> schema.Scenario:
    """Validate merged scenario data, its references and its events."""
    try:
        scenario = schema.Scenario.model_validate(data)
    except ValidationError as exc:
        raise_validation(exc, lines, file)
    check_references(scenario, lines, file)
    _check_events(scenario, lines, file)
    return scenario


def _structure(sc: schema.Scenario) -> dict:
    """The ids and places a run's arrays are built on; events must leave them unchanged."""
    return {
        "carriers": sorted(sc.carriers),
        "routes": sorted((c, r, x.from_, x.to) for c, car in sc.carriers.items() for r, x in car.routes.items()),
        "repatriation routes": sorted((c, r, x.to) for c, car in sc.carriers.items()
                                      for r, x in car.repatriation.items()),
        "border services": sorted((c, b.reception) for c, b in sc.border_services.items()),
        "segments": sorted((c, s, x.place, x.staging) for c, b in sc.border_services.items()
                           for s, x in b.segments.items()),
        "origins": sorted(sc.demand.origins),
        "state actors": sorted(sc.state_actors),
        # who counts what, and which role each actor plays, are fixed for the run (the recorder's counting
        # rules and the actors' rules are built once)
        "counting rules": sorted((c, repr(b.model_dump(mode="json")["counts"])) for c, b in sc.border_services.items()),
        "roles": sorted((a, x.role) for a, x in sc.state_actors.items()),
        "destinations": sorted(sc.migrants.destinations),
    }


def _check_events(scenario: schema.Scenario, lines: dict, file: str) -> None:
    """Apply the events in date order to a copy; every state on the way must validate."""
    full = scenario.model_dump(by_alias=True, mode="python")
    order = sorted(range(len(scenario.events)), key=lambda i: scenario.events[i].date)
    for i in order:
        event = scenario.events[i]
        where = lines.get(("events", str(i)), (file, None))
        if not scenario.start <= event.date <= scenario.end:
            raise ScenarioError(
                f"the event is dated {event.date}, outside the run ({scenario.start} to {scenario.end}).",
                file=where[0], line=where[1], key_path=f"events.{i}.date",
                hint="move the date into the run or change start/end.")
        for key_path, value in event.set.items():
            if key_path.split(".")[0] in FIXED_AT_START or ".counts" in f".{key_path}":
                raise ScenarioError("an event cannot change this part of a scenario.", file=where[0],
                                    line=where[1], key_path=f"events.{i}.set.{key_path}",
                                    hint="events change levers: carriers, border_services, state_actors, "
                                         "demand, migrants.")
            try:
                set_path(full, key_path, copy.deepcopy(value), source=where[0])
            except ScenarioError as exc:
                exc.key_path = f"events.{i}.set.{exc.key_path}"
                exc.line = where[1]
                raise ScenarioError(exc.reason, file=where[0], line=where[1], key_path=exc.key_path,
                                    hint=exc.hint) from None
        try:
            after = schema.Scenario.model_validate(full)
        except ValidationError as exc:
            raise_validation(exc, {}, where[0], prefix=f"events.{i}.set", line=where[1])
        before_ids, after_ids = _structure(scenario), _structure(after)
        changed = ", ".join(k for k in before_ids if before_ids[k] != after_ids[k])
        fixed = [k for k in ("counting rules", "roles") if before_ids[k] != after_ids[k]]
        if fixed:
            raise ScenarioError(
                f"the event changes the {' and the '.join(fixed)}; who counts what and which role each actor plays "
                "are fixed for the whole run.", file=where[0], line=where[1], key_path=f"events.{i}.set",
                hint="set counts and roles in the scenario itself; a counting rule can take from/until dates.")
        if changed:
            raise ScenarioError(
                f"the event adds, removes or moves {changed}; events can change values, not the set of "
                "routes, segments, origins, carriers, services, actors or destinations, nor where they are.",
                file=where[0], line=where[1], key_path=f"events.{i}.set",
                hint="declare the item in the scenario (e.g. with flights_per_week: 0) and change its values by event.")
        try:
            check_references(after, {}, where[0], prefix=f"events.{i}.set.")
        except ScenarioError as exc:
            exc.line = where[1]
            raise ScenarioError(exc.reason, file=where[0], line=where[1], key_path=exc.key_path,
                                hint=exc.hint) from None


def load_scenario(source, overrides: dict | list | None = None) -> schema.Scenario:
    """Load, merge, override and validate a scenario.

    Args:
        source: Path to a YAML file, a dict of scenario data, or a Scenario.
        overrides: ``{"key.path": value}`` (values as given) or a list of ``"key.path=value"``
            strings (values read as YAML, as ``--set`` reads them).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: For any problem, with file, key path, line and hint.
    """
    base_dir = None
    if isinstance(source, schema.Scenario):
        data, lines, file = source.model_dump(by_alias=True, mode="python"), {}, "<scenario>"
        base_dir = source._base_dir
    elif isinstance(source, dict):
        data, lines, file = copy.deepcopy(source), {}, "<scenario>"
    else:
        path = Path(source)
        data, lines = load_raw(path)
        file = str(path)
        base_dir = path.resolve().parent
    try:
        pairs = _override_pairs(overrides)
    except ScenarioError as exc:
        raise exc.located(file=exc.file or "--set") from None
    filled = None
    for key, value in pairs:
        try:
            split_path(key)
            set_path(data, key, value, source="--set")
        except ScenarioError as exc:
            if exc.key_path == key and "not a valid key path" in exc.reason:
                raise exc.located(file="--set") from None
            if filled is None:  # the key may be a default not written in the file
                try:
                    filled = _fill_defaults(data)
                except ValidationError as exc:
                    raise_validation(exc, lines, file)
            set_path(filled, key, value, source="--set", must_exist=False)
            data = filled
    try:
        scenario = validate(data, lines, file)
    except ScenarioError as exc:
        if exc.key_path and any(within(exc.key_path, k) for k, _ in pairs):
            raise ScenarioError(exc.reason, file="--set", key_path=exc.key_path, hint=exc.hint) from None
        raise
    scenario._base_dir = base_dir
    for key, read in (("observed", load_observed), ("posterior", read_posterior)):
        if getattr(scenario, key):  # files the scenario names must be readable now, not when a run needs them
            try:
                read(getattr(scenario, f"{key}_file"))
            except ScenarioError as exc:
                raise exc.located(hint=f"{exc.hint + ' ' if exc.hint else ''}(named by '{key}' in {file})") from None
    return scenario


def overridden_by_events(scenario: schema.Scenario, overrides) -> list[str]:
    """Notes for ``--set`` keys that a dated event of the scenario sets again later in the run.

    ``--set`` changes the scenario as it starts; an event that sets the same key replaces the
    value from its date on, which is easy to miss (``--set ...turn_back_share=0`` and an event
    that sets it to 0.8 in September). The note says how to change the event's value too.
    """
    notes = []
    for key, _ in _override_pairs(overrides):
        if key.startswith("events"):
            continue
        for i, event in enumerate(scenario.events):
            for k in event.set:
                if within(k, key) or within(key, k):
                    notes.append(f"Note: --set {key} holds until {event.date}, when an event of the scenario "
                                 f"({event.note or 'no note'}) sets {k} again; to change that too, add "
                                 f"--set 'events.{i}.set.{k}=...'.")
    return notes


def _override_pairs(overrides) -> list[tuple[str, Any]]:
    """:func:`~sim.scenario.keypaths.override_pairs`; a relative ``observed`` path is meant from the current folder."""
    return [(k, str(Path(v).resolve()) if k in RELATIVE_PATHS and isinstance(v, str) and v and not Path(v).is_absolute()
             else v) for k, v in override_pairs(overrides)]


NETWORK_KEYS = {"places", "links"}


def is_network_fragment(path) -> bool:
    """True for a file of places and links only, meant to be pulled in with ``extends:``."""
    try:
        data, _ = read_yaml(Path(path))
    except ScenarioError:
        return False
    return bool(data) and set(data) <= NETWORK_KEYS and "extends" not in data


def check_network_fragment(path) -> str:
    """Validate a network file on its own: its places, its links, and that every link joins a known place.

    A network file may add to another one in its folder (``russia_route.yaml`` adds to ``corridor.yaml``,
    and scenarios name both in ``extends:``): a link may join the places of the other network files there.
    """
    path = Path(path)
    data, lines = read_yaml(path)
    try:
        network = schema.NetworkFileSpec.model_validate(data)
    except ValidationError as exc:
        raise_validation(exc, {k: (str(path), v) for k, v in lines.items()}, str(path))
    others: dict[str, str] = {}
    for sibling in sorted(path.parent.glob("*.y*ml")):
        if sibling.resolve() != path.resolve() and is_network_fragment(sibling):
            others.update({pid: sibling.name for pid in read_yaml(sibling)[0].get("places", {})})
    used = set()
    for i, link in enumerate(network.links):
        for end in (link.from_, link.to):
            if end in network.places:
                continue
            if end not in others:
                raise ScenarioError(f"the link joins '{end}', which is not among the places (of this file or of the "
                                    "network files beside it).", file=str(path), line=lines.get(("links", str(i))),
                                    key_path=f"links.{i}", hint=did_you_mean(end, [*network.places, *others])
                                    or "add the place or fix the link.")
            used.add(others[end])
    adds = f"; its links also join places of {', '.join(sorted(used))}" if used else ""
    return (f"network file ({len(network.places)} places, {len(network.links)} links{adds}), used by scenarios "
            "through 'extends:'; checked on its own.")
