"""Scenario file → validated :class:`~sim.schema.Scenario`.

Reads YAML with safe loading only, follows ``extends:`` chains, applies
``--set key.path=value`` overrides, validates with pydantic and checks every
cross-reference. Every problem becomes a :class:`~sim.errors.ScenarioError`
naming the file, the key path (and its line where known), the reason and a hint.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim import schema
from sim.errors import ScenarioError, did_you_mean
from sim.references import check_references

MAX_EXTENDS_DEPTH = 20
MAX_NODES = 200_000  # a scenario is a few thousand values; YAML aliases may not blow it up beyond this
# parts of a scenario that are read once when a run starts; events may not change them
FIXED_AT_START = ("events", "start", "end", "places", "links", "seed", "name", "description", "scale",
                  "observed", "monthly_temperature_c")


# --------------------------------------------------------------------------- YAML reading
def _expanded_size(node, path: Path, sizes: dict, stack: set) -> int:
    """Values in the tree once YAML aliases are expanded; refuses a tree that contains itself."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in stack:
        raise ScenarioError("a YAML alias refers to the value it is part of, so the value would never end.",
                            file=str(path), line=node.start_mark.line + 1,
                            hint="remove the '*alias' inside its own '&anchor' block.")
    stack.add(key)
    children = node.value if isinstance(node, yaml.SequenceNode) else \
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
    size = 1 + sum(_expanded_size(child, path, sizes, stack) for child in children)
    stack.discard(key)
    sizes[key] = size
    if size > MAX_NODES:
        raise ScenarioError(f"YAML aliases expand this file to more than {MAX_NODES:,} values.", file=str(path),
                            line=node.start_mark.line + 1,
                            hint="a scenario needs a few thousand values at most; write them out or use fewer aliases.")
    return size


def _bad_date(node, prefix: tuple = ()) -> tuple[tuple, int, str] | None:
    """The first date-like value in the tree that is no calendar date (for example 2021-02-30)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        try:
            yaml.SafeLoader(node.value).construct_yaml_timestamp(node)
        except ValueError:
            return prefix, node.start_mark.line + 1, node.value
        return None
    pairs = node.value if isinstance(node, yaml.MappingNode) else \
        [(None, n) for n in node.value] if isinstance(node, yaml.SequenceNode) else []
    for i, (key, child) in enumerate(pairs):
        found = _bad_date(child, prefix + ((str(key.value) if key is not None else str(i)),))
        if found:
            return found
    return None


def _line_map(node, prefix: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each key path in a composed YAML node tree to its 1-based line."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = prefix + (str(key_node.value),)
            out[path] = key_node.start_mark.line + 1
            _line_map(value_node, path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = prefix + (str(i),)
            out[path] = item.start_mark.line + 1
            _line_map(item, path, out)
    return out


def read_yaml(path: Path) -> tuple[dict, dict[tuple, int]]:
    """Read one YAML mapping safely; return it with its key-path → line map."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("the file does not exist.", file=str(path), hint="check the path.") from None
    except IsADirectoryError:
        raise ScenarioError("this is a folder, not a scenario file.", file=str(path),
                            hint="give the path of a .yaml file.") from None
    except UnicodeDecodeError:
        raise ScenarioError("the file is not text (UTF-8), so it cannot be a scenario.", file=str(path),
                            hint="give the path of a .yaml file.") from None
    except OSError as exc:
        raise ScenarioError(f"the file cannot be read ({exc.strerror or exc}).", file=str(path),
                            hint="check the path and its permissions.") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _expanded_size(node, path, {}, set())
        data = yaml.safe_load(text)
    except ValueError as exc:  # impossible dates such as 2021-02-30
        found = _bad_date(node) if node is not None else None
        if found is None:
            raise ScenarioError(f"a value cannot be read ({exc}).", file=str(path)) from None
        key_path, line, value = found
        raise ScenarioError(f"'{value}' is not a calendar date.", file=str(path), line=line,
                            key_path=".".join(key_path) or None,
                            hint="write dates as YYYY-MM-DD, for a day that exists.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(
            f"this is not valid YAML ({problem}).",
            file=str(path),
            line=mark.line + 1 if mark else None,
            hint="check indentation and colons near that line.",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"a scenario file must be a mapping of keys to values, not a {type(data).__name__}.",
                            file=str(path),
                            hint="start with lines such as 'name: my_scenario' and 'start: 2021-06-01'.")
    return data, _line_map(node)


def deep_merge(base: dict, top: dict) -> dict:
    """Merge ``top`` over ``base``: mappings merge key by key, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_raw(path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, dict[tuple, tuple[str, int]]]:
    """Read a scenario file and everything it ``extends``, merged; lines name their file."""
    path = Path(path)
    data, lines = read_yaml(path)
    located = {k: (str(path), v) for k, v in lines.items()}
    parent = data.pop("extends", None)
    if parent is None:
        return data, located
    line = lines.get(("extends",))
    if not isinstance(parent, str):
        raise ScenarioError("'extends' must be a file path.", file=str(path), key_path="extends", line=line,
                            hint="write e.g. 'extends: network/corridor.yaml' (relative to this file).")
    chain = (*_chain, path.resolve())
    parent_path = (path.parent / parent).resolve()
    if parent_path in chain:
        loop = " → ".join(p.name for p in (*chain[chain.index(parent_path):], parent_path))
        raise ScenarioError(f"'extends' goes round in a loop ({loop}).", file=str(path), key_path="extends",
                            line=line, hint="one of these files must not extend the others.")
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"'extends' chains more than {MAX_EXTENDS_DEPTH} files.", file=str(path),
                            key_path="extends", line=line, hint="merge some of the files.")
    if not parent_path.exists():
        raise ScenarioError(f"the file it extends, '{parent}', does not exist.", file=str(path),
                            key_path="extends", line=line, hint="paths are relative to the scenario file.")
    try:
        base, base_lines = load_raw(parent_path, chain)
    except ScenarioError as exc:
        if exc.file == str(parent_path) and "(read through 'extends'" not in (exc.hint or ""):
            exc.hint = ((exc.hint + " ") if exc.hint else "") + f"(read through 'extends' in {path}, line {line})"
            raise ScenarioError(exc.reason, file=exc.file, key_path=exc.key_path, line=exc.line,
                                hint=exc.hint) from None
        raise
    base_lines.update(located)
    return deep_merge(base, data), base_lines


# --------------------------------------------------------------------------- key paths
def split_path(key_path: str) -> list[str]:
    """Split a dotted key path; empty parts are errors."""
    parts = key_path.split(".")
    if not key_path or any(p == "" for p in parts):
        raise ScenarioError(f"'{key_path}' is not a valid key path.", key_path=key_path,
                            hint="write it as dotted keys, e.g. border_services.PL.policy.turn_back_share.")
    return parts


def _join_dotted_keys(node: dict, parts: list[str], depth: int) -> list[str]:
    """Merge ``parts[depth:k]`` into one key when ``node`` has that dotted key.

    An event's ``set`` holds keys such as ``state_actors.belarus.steer``; this lets a path reach
    into it: ``events.2.set.state_actors.belarus.steer.PL``.
    """
    if parts[depth] in node:
        return parts
    for k in range(len(parts), depth + 1, -1):
        joined = ".".join(parts[depth:k])
        if joined in node:
            return [*parts[:depth], joined, *parts[k:]]
    return parts


def _locate(data: dict, key_path: str, source: str, must_exist: bool) -> tuple[Any, Any]:
    """The container holding the last key of ``key_path`` and that key (an int for lists)."""
    parts = split_path(key_path)
    node: Any = data
    depth = -1
    while depth + 1 < len(parts):
        depth += 1
        if isinstance(node, dict):
            parts = _join_dotted_keys(node, parts, depth)
        part = parts[depth]
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"'{part}' is not an index of this list (it has {len(node)} items).",
                                    file=source, key_path=here)
            idx: Any = int(part)
        elif isinstance(node, dict):
            idx = part
            if part not in node and (must_exist or not last):
                hint = did_you_mean(part, node.keys()) or f"known keys: {', '.join(map(str, node)) or 'none'}."
                raise ScenarioError("there is no such key in the scenario.", file=source, key_path=here, hint=hint)
        else:
            raise ScenarioError("this key holds a plain value, so it has no sub-keys.", file=source,
                                key_path=".".join(parts[:depth]))
        if last:
            return node, idx
        node = node[idx]
    raise AssertionError("unreachable: split_path returns at least one part")


def set_path(data: dict, key_path: str, value: Any, *, source: str, must_exist: bool = True) -> None:
    """Set ``value`` at dotted ``key_path`` inside nested dicts/lists, in place."""
    node, idx = _locate(data, key_path, source, must_exist)
    node[idx] = value


def get_path(data: dict, key_path: str, *, source: str) -> Any:
    """The value at dotted ``key_path`` inside nested dicts/lists (found as :func:`set_path` finds it)."""
    node, idx = _locate(data, key_path, source, must_exist=True)
    return node[idx]


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``key.path=value`` command-line override; the value is YAML."""
    if "=" not in text:
        raise ScenarioError(f"'{text}' has no '='.", file="--set", hint="write --set key.path=value.")
    key, raw = text.split("=", 1)
    if not key.strip():
        raise ScenarioError(f"'{text}' names no key before '='.", file="--set",
                            hint="write --set key.path=value, e.g. --set demand.scale=2.")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except (yaml.YAMLError, ValueError):
        value = raw
    return key.strip(), value


# --------------------------------------------------------------------------- validation
def _fill_defaults(data: dict) -> dict:
    """Expand the data to every field with its default, so event key paths can address them."""
    return schema.Scenario.model_validate(data).model_dump(by_alias=True, mode="python")


def _field_hint(model: type[BaseModel], loc: tuple) -> str | None:
    """Walk pydantic field info along ``loc`` and return a did-you-mean for the last key."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                field = next((f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return None
            current = field.annotation
        else:
            args = getattr(current, "__args__", ())
            current = args[-1] if args else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        names = [f.alias or n for n, f in current.model_fields.items()]
        return did_you_mean(loc[-1], names) or f"allowed keys: {', '.join(names)}."
    return None


TYPE_HINTS = {
    "int": "write a whole number, e.g. 4.",
    "float": "write a number, e.g. 0.5.",
    "bool": "write true or false.",
    "date": "write a date as YYYY-MM-DD.",
    "dict": "write a mapping: one 'key: value' per line, indented under this key.",
    "model": "write a mapping: one 'key: value' per line, indented under this key.",
    "list": "write a list, e.g. [a, b] or one '- item' per line.",
    "string": "write text (quote it if it looks like a number or a date).",
    "literal": "",
}
RANGE_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long")


def _shown(value) -> str:
    """A value as the user wrote it (dates as YYYY-MM-DD, not Python reprs)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _error_hint(err: dict) -> str | None:
    """A hint for one pydantic error: what to write instead."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if "expected" in ctx:
        return f"expected one of {ctx['expected']}."
    if kind in RANGE_ERRORS:
        return "docs/model.md gives this key's unit, range and default."
    for prefix, hint in TYPE_HINTS.items():
        if kind.startswith(prefix) and hint:
            return hint
    if kind == "value_error":
        return "docs/model.md explains how this value is used."
    return None


def raise_validation(exc: ValidationError, lines: dict, default_file: str, prefix: str = "",
                     line: int | None = None) -> None:
    """Turn pydantic's errors into one ScenarioError with file, key path, line and hint.

    Unknown keys are reported before anything else: a misspelt key also makes the key it
    should have been "missing", and the useful message is the did-you-mean on the misspelling.
    """
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(str(p) for p in err["loc"])
    key_path = ".".join(filter(None, [prefix, *loc]))
    file = default_file
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            file, line = lines[loc[:n]]
            break
    kind = err["type"]
    if kind == "extra_forbidden":
        reason = "this key is not part of the scenario schema."
        hint = _field_hint(schema.Scenario, loc)
    elif kind == "missing":
        reason = "this required key is missing."
        hint = "see docs/model.md for every key, its unit and default."
    else:
        shown = _shown(err.get("input"))
        reason = err["msg"].removeprefix("Value error, ").rstrip(".")
        reason += f" (got {shown})." if "input" in err and len(shown) <= 60 else "."
        hint = _error_hint(err)
    more = len(errors) - 1
    if more:
        reason += f" ({more} more problem{'s' if more > 1 else ''} after this one.)"
    raise ScenarioError(reason, file=file, key_path=key_path or None, line=line, hint=hint) from None


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
        overrides: ``{"key.path": value}`` or a list of ``"key.path=value"`` strings;
            string values are parsed as YAML.

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
    pairs = _override_pairs(overrides)
    filled = None
    for key, value in pairs:
        try:
            set_path(data, key, value, source="--set")
        except ScenarioError:
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
        if exc.key_path and any(exc.key_path == k or exc.key_path.startswith(k + ".") for k, _ in pairs):
            raise ScenarioError(exc.reason, file="--set", key_path=exc.key_path, hint=exc.hint) from None
        raise
    scenario._base_dir = base_dir
    return scenario


def _override_pairs(overrides) -> list[tuple[str, Any]]:
    """``(key path, value)`` pairs from a dict (string values read as YAML) or ``key=value`` strings.

    A relative ``observed`` path given this way is meant from the current folder.
    """
    if not overrides:
        return []
    if isinstance(overrides, dict):
        pairs = []
        for key, value in overrides.items():
            if isinstance(value, str) and value.strip():
                try:
                    value = yaml.safe_load(value)
                except (yaml.YAMLError, ValueError):
                    pass
            pairs.append((key, value))
    else:
        pairs = [parse_override(text) for text in overrides]
    return [(k, str(Path(v).resolve()) if k == "observed" and isinstance(v, str) and v and not Path(v).is_absolute()
             else v) for k, v in pairs]


NETWORK_KEYS = {"places", "links"}


def is_network_fragment(path) -> bool:
    """True for a file of places and links only, meant to be pulled in with ``extends:``."""
    try:
        data, _ = read_yaml(Path(path))
    except ScenarioError:
        return False
    return bool(data) and set(data) <= NETWORK_KEYS and "extends" not in data


def check_network_fragment(path) -> str:
    """Validate a network file on its own (places, links, and that links join known places)."""
    path = Path(path)
    data, lines = read_yaml(path)
    try:
        network = schema.NetworkFile.model_validate(data)
    except ValidationError as exc:
        raise_validation(exc, {k: (str(path), v) for k, v in lines.items()}, str(path))
    for i, link in enumerate(network.links):
        for end in (link.from_, link.to):
            if end not in network.places:
                raise ScenarioError(f"the link joins '{end}', which is not among the places.", file=str(path),
                                    line=lines.get(("links", str(i))), key_path=f"links.{i}",
                                    hint=did_you_mean(end, network.places) or "add the place or fix the link.")
    return (f"network file ({len(network.places)} places, {len(network.links)} links), used by scenarios "
            "through 'extends:'; checked on its own.")


def scenario_date(scenario: schema.Scenario, day: int) -> dt.date:
    """Calendar date of day index ``day`` (0 = start)."""
    return scenario.start + dt.timedelta(days=day)
