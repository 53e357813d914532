"""The one YAML reader: safe, bounded, and precise about where a file is wrong; ``extends:`` followed.

Every YAML file the tool reads (scenarios, network files, sweep, outcomes and calibration parameter
files) comes through :func:`read_yaml`:

* only a regular file of at most :data:`~sim.files.MAX_INPUT_BYTES` is read (:func:`sim.files.read_text`);
* only PyYAML's safe loader is used (plain data, never Python objects), with libyaml's parser;
* the tree may nest at most :data:`MAX_DEPTH` levels and hold at most :data:`MAX_NODES` values once
  aliases are expanded; an alias may not contain itself; every walk of the tree is iterative, so no
  input can exhaust the interpreter's recursion limit and parse time stays bounded;
* a mapping may not repeat a key (both lines are named);
* a value no safe constructor can read (``!!bool maybe``, the date ``2021-02-30``) is named with its line.

Every problem is one :class:`~sim.errors.CorridorError` (a :class:`~sim.errors.ScenarioError` unless the
caller asks for another) naming the file, the line and key path where known, the reason and a hint.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from sim.errors import CorridorError, ScenarioError, quoted
from sim.files import read_text

# The safe loader, with PyYAML's C parser (libyaml) where the installed PyYAML has it: ten times faster
# on a scenario file; the constructor is the same safe one (plain data only, never Python objects).
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_EXTENDS_DEPTH = 20
MAX_NODES = 200_000  # a scenario is a few thousand values; aliases may not blow it up beyond this
MAX_DEPTH = 64  # a scenario nests about eight levels deep
YAML_SUFFIXES = (".yaml", ".yml")
RELATIVE_PATHS = ("observed", "posterior")  # scenario keys naming files relative to the scenario file


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _line(node) -> int:
    return node.start_mark.line + 1


def _check_tree(root, path: Path, error: type[CorridorError]) -> None:
    """Depth, expanded size, self-containing aliases and repeated keys, in one iterative walk."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[object, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(c)] for c in _children(node))
            sizes[key] = size
            if size > MAX_NODES:
                raise error(f"this file holds more than {MAX_NODES:,} values (counting what its YAML aliases repeat).",
                            file=str(path), line=_line(node),
                            hint="a scenario needs a few thousand values at most; check that this is the file you "
                                 "meant, or write the values out instead of repeating them with aliases.")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise error("a YAML alias refers to the value it is part of, so the value would never end.",
                        file=str(path), line=_line(node), hint="remove the '*alias' inside its own '&anchor' block.")
        if depth > MAX_DEPTH:
            raise error(f"the values nest more than {MAX_DEPTH} levels deep.", file=str(path), line=_line(node),
                        hint="a scenario nests about eight levels; check the brackets and indentation near that line.")
        if isinstance(node, yaml.MappingNode):
            _no_repeated_keys(node, path, error)
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node) if id(child) not in sizes)


def _no_repeated_keys(node, path: Path, error: type[CorridorError]) -> None:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        name = key_node.value
        if name in seen:
            raise error(f"the key '{quoted(name)}' is written twice in the same block (lines {seen[name]} and "
                        f"{_line(key_node)}); YAML would silently keep the last one.", file=str(path),
                        line=_line(key_node), hint="keep one of the two.")
        seen[name] = _line(key_node)


def _paths(root):
    """Yield ``(key path, node)`` for every node of the tree, iteratively (aliases are walked once)."""
    stack, seen = [((), root)], set()
    while stack:
        prefix, node = stack.pop()
        yield prefix, node
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((prefix + (str(k.value),), v) for k, v in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((prefix + (str(i),), v) for i, v in reversed(list(enumerate(node.value))))


def _line_map(root) -> dict[tuple, int]:
    """Map each key path in a composed YAML node tree to its 1-based line."""
    out: dict[tuple, int] = {}
    stack = [((), root)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = prefix + (str(key_node.value),)
                out.setdefault(path, _line(key_node))
                stack.append((path, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                path = prefix + (str(i),)
                out.setdefault(path, _line(item))
                stack.append((path, item))
    return out


def _unreadable_value(root, path: Path, error: type[CorridorError]) -> CorridorError | None:
    """The first scalar the safe constructor cannot read (a bad date, ``!!bool maybe``), as an error."""
    probe = yaml.SafeLoader("")
    for key_path, node in _paths(root):
        if not isinstance(node, yaml.ScalarNode):
            continue
        try:
            probe.construct_object(node, deep=True)
        except Exception as exc:  # noqa: BLE001 - any constructor error is a value the user must fix
            where = {"file": str(path), "line": _line(node), "key_path": ".".join(key_path) or None}
            if node.tag == "tag:yaml.org,2002:timestamp":
                return error(f"'{quoted(node.value)}' is not a calendar date.", **where,
                             hint="write dates as YYYY-MM-DD, for a day that exists.")
            tag = node.tag.rsplit(":", 1)[-1]
            return error(f"'{quoted(node.value)}' cannot be read as YAML type '{quoted(tag)}' ({type(exc).__name__}).",
                         **where, hint="remove the '!!' tag or write a value of that type (e.g. !!bool true).")
    return None


def _prescan(text: str, path: Path, error: type[CorridorError]) -> None:
    """Count values and nesting from libyaml's event stream before anything is built: bounded time for any file."""
    loader = SafeLoader(text)
    values = depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                values += 1
                if depth > MAX_DEPTH:
                    raise error(f"the values nest more than {MAX_DEPTH} levels deep.", file=str(path),
                                line=event.start_mark.line + 1,
                                hint="a scenario nests about eight levels; check the brackets and indentation "
                                     "near that line.")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                values += 1
            if values > MAX_NODES:
                raise error(f"this file holds more than {MAX_NODES:,} values (counting what its YAML aliases "
                            "repeat).", file=str(path), line=event.start_mark.line + 1,
                            hint="a scenario needs a few thousand values at most; check that this is the file "
                                 "you meant.")
    except yaml.YAMLError:
        pass  # told with its line when the file is composed below
    finally:
        loader.dispose()


def read_yaml(path: Path, what: str = "scenario file", error: type[CorridorError] = ScenarioError,
              example: str = "start with lines such as 'name: my_scenario' and 'start: 2021-06-01'.",
              ) -> tuple[dict, dict[tuple, int]]:
    """Read one YAML mapping safely and within bounds; return it with its key-path → line map.

    Args:
        path: The file.
        what: What the file is meant to be, for messages.
        error: The error class raised.
        example: A hint for a file that is not a mapping.
    """
    path = Path(path)
    text = read_text(path, what=what, error=error)
    _prescan(text, path, error)
    loader = SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()  # parsed once: the nodes give lines, then the same nodes give the data
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise error(f"this is not valid YAML ({quoted(problem, 120)}).", file=str(path),
                        line=mark.line + 1 if mark else None,
                        hint="check indentation, colons and brackets near that line.") from None
        if node is None:
            return {}, {}
        _check_tree(node, path, error)
        try:
            data = loader.construct_document(node)
        except Exception:  # noqa: BLE001 - located and told below
            found = _unreadable_value(node, path, error)
            raise (found or error("a value of this file cannot be read.", file=str(path))) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise error(f"a {what} must be a mapping of keys to values, not a {type(data).__name__}.",
                    file=str(path), hint=example)
    if not all(isinstance(k, str) for k in data):
        bad = next(k for k in data if not isinstance(k, str))
        raise error(f"the top-level key {quoted(repr(bad))} is not a name.", file=str(path),
                    hint="top-level keys are words such as name, start, places.")
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


def _parent_path(path: Path, parent, line: int | None) -> Path:
    """The file named by ``extends``, checked to be a plausible YAML file name before it is touched."""
    where = {"file": str(path), "key_path": "extends", "line": line}
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError("'extends' must be a file path.", **where,
                            hint="write e.g. 'extends: network/corridor.yaml' (relative to this file).")
    if "\0" in parent or len(parent) > 1024 or any(len(part) > 255 for part in Path(parent).parts):
        raise ScenarioError("'extends' is not a usable file path (a NUL byte, or a name longer than a file name "
                            "can be).", **where, hint="write e.g. 'extends: network/corridor.yaml'.")
    if not parent.lower().endswith(YAML_SUFFIXES):
        raise ScenarioError(f"'extends' must name a YAML file ending in .yaml or .yml, not '{quoted(parent)}'.",
                            **where, hint="write e.g. 'extends: network/corridor.yaml' (relative to this file).")
    return (path.parent / parent).resolve()


MAX_PARENTS = 8  # files one ``extends:`` list may name


def load_raw(path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, dict[tuple, tuple[str, int]]]:
    """Read a scenario file and everything it ``extends``, merged; lines name their file.

    ``extends`` names one file, or a list of files merged in order (for example the shared network and a
    network of the Russia route): mappings merge key by key, and the ``links`` of every parent add up;
    the file's own keys then go over the merged parents (its own ``links``, if any, replace theirs).
    """
    path = Path(path)
    data, lines = read_yaml(path)
    located = {k: (str(path), v) for k, v in lines.items()}
    if "extends" not in data:
        return _append_extra_events(data, located, path)
    line = lines.get(("extends",))
    parents = data.pop("extends")
    if isinstance(parents, list):
        if not 1 <= len(parents) <= MAX_PARENTS:
            raise ScenarioError(f"'extends' lists {len(parents)} files; name 1 to {MAX_PARENTS}.", file=str(path),
                                key_path="extends", line=line)
    else:
        parents = [parents]
    merged, merged_lines = {}, {}
    for parent in parents:
        base, base_lines = _load_parent(path, parent, line, _chain)
        links = merged.get("links", []) + base.get("links", []) if "links" in base and "links" in merged else None
        merged = deep_merge(merged, base)
        if links is not None:
            merged["links"] = links
        merged_lines.update(base_lines)
    merged_lines.update(located)
    return _append_extra_events(deep_merge(merged, data), merged_lines, path)


def _append_extra_events(data: dict, lines: dict, path: Path) -> tuple[dict, dict]:
    """A file's ``extra_events`` go after the events it extends (or its own): the numbers of those stay."""
    if "extra_events" not in data:
        return data, lines
    extra = data.pop("extra_events")
    if not isinstance(extra, list):
        raise ScenarioError("'extra_events' must be a list of events (each with a date and a 'set').", file=str(path),
                            key_path="extra_events", line=lines.get(("extra_events",), (None, None))[1],
                            hint="write '- {date: 2025-05-01, note: ..., set: {...}}' under it.")
    events = data.get("events", [])
    if not isinstance(events, list):
        return data, lines  # the schema reports the events themselves
    n = len(events)
    data["events"] = events + extra
    for key in [k for k in lines if k and k[0] == "extra_events"]:
        where = lines.pop(key)
        if len(key) > 1 and str(key[1]).isdigit():
            lines[("events", str(n + int(key[1])), *key[2:])] = where
    return data, lines


def _load_parent(path: Path, parent, line: int | None, _chain: tuple[Path, ...]) -> tuple[dict, dict]:
    """One file named by ``extends``, read with everything it extends in turn."""
    parent_path = _parent_path(path, parent, line)
    chain = (*_chain, path.resolve())
    if parent_path in chain:
        loop = " → ".join(p.name for p in (*chain[chain.index(parent_path):], parent_path))
        raise ScenarioError(f"'extends' goes round in a loop ({loop}).", file=str(path), key_path="extends",
                            line=line, hint="one of these files must not extend the others.")
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"'extends' chains more than {MAX_EXTENDS_DEPTH} files.", file=str(path),
                            key_path="extends", line=line, hint="merge some of the files.")
    if not parent_path.exists():
        raise ScenarioError(f"the file it extends, '{quoted(parent)}', does not exist.", file=str(path),
                            key_path="extends", line=line, hint="paths are relative to the scenario file.")
    try:
        base, base_lines = load_raw(parent_path, chain)
    except ScenarioError as exc:
        if exc.file == str(parent_path) and "(read through 'extends'" not in (exc.hint or ""):
            hint = ((exc.hint + " ") if exc.hint else "") + f"(read through 'extends' in {path}, line {line})"
            raise exc.located(hint=hint) from None
        raise
    for key in RELATIVE_PATHS:  # relative to the file that names them: keep them so from the extending file
        named = base.get(key)
        if isinstance(named, str) and named and not Path(named).is_absolute():
            base[key] = os.path.relpath(parent_path.parent / named, path.resolve().parent)
    return base, base_lines
