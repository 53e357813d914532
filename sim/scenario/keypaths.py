"""Dotted key paths into scenario data: ``border_services.PL.policy.turn_back_share``, and ``--set``.

Used by ``--set`` (:func:`parse_set`, :func:`override_pairs`), by dated events, by sweeps and by
calibration. A path may reach into an
event's values, whose keys are themselves dotted (``events.2.set.state_actors.belarus.steer.PL``).
"""

from __future__ import annotations

from typing import Any

import yaml

from sim.errors import ScenarioError, did_you_mean


def split_path(key_path: str) -> list[str]:
    """Split a dotted key path; empty parts are errors."""
    parts = key_path.split(".")
    if not key_path or any(p == "" for p in parts):
        raise ScenarioError(f"'{key_path}' is not a valid key path.", key_path=key_path,
                            hint="write it as dotted keys, e.g. border_services.PL.policy.turn_back_share.")
    return parts


def within(path: str, prefix: str) -> bool:
    """True when key path ``path`` is ``prefix`` or lies inside it (``a.b.c`` is within ``a.b``)."""
    return path == prefix or path.startswith(prefix + ".")


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


def parse_set(text: str) -> tuple[str, Any]:
    """Parse one ``--set key.path=value``: the one parser of command-line overrides (the value is YAML).

    ``--set demand.scale=2`` gives ``("demand.scale", 2)``; ``--set 'events=[]'`` an empty list;
    a value that is not valid YAML is kept as the text written.
    """
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


def override_pairs(overrides) -> list[tuple[str, Any]]:
    """``(key path, value)`` pairs from any form of overrides the API takes.

    Args:
        overrides: ``{"key.path": value}`` (a value given as text is read as YAML, as a YAML
            scalar), or a list whose items are ``"key.path=value"`` strings (read with
            :func:`parse_set`) or ``(key path, value)`` pairs (values used as given), or None.
    """
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return [(str(k), _yaml_scalar(v)) for k, v in overrides.items()]
    if isinstance(overrides, str):
        raise ScenarioError(f"overrides must be a list of key.path=value strings or a mapping, not the text "
                            f"'{overrides[:60]}'.", file="--set", hint="write ['key.path=value'].")
    return [(str(item[0]), item[1]) if isinstance(item, tuple) and len(item) == 2 else parse_set(str(item))
            for item in overrides]


def _yaml_scalar(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            return yaml.safe_load(value)
        except (yaml.YAMLError, ValueError):
            return value
    return value
