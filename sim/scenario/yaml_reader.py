"""Reading scenario YAML safely: aliases bounded, impossible dates located, ``extends:`` followed.

Every problem becomes a :class:`~sim.errors.ScenarioError` naming the file and, where it can, the
line and key path. Only ``yaml.SafeLoader`` is ever used.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from sim.errors import CorridorError, ScenarioError
from sim.files import read_text

# The safe loader, with PyYAML's C parser (libyaml) where the installed PyYAML has it: ten times faster
# on a scenario file; the constructor is the same safe one (plain data only, never Python objects).
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_EXTENDS_DEPTH = 20
MAX_NODES = 200_000  # a scenario is a few thousand values; YAML aliases may not blow it up beyond this


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


def read_yaml(path: Path, what: str = "scenario file", error: type[CorridorError] = ScenarioError,
              example: str = "start with lines such as 'name: my_scenario' and 'start: 2021-06-01'.",
              ) -> tuple[dict, dict[tuple, int]]:
    """Read one YAML mapping safely and within bounds; return it with its key-path → line map.

    Every YAML file the tool reads (scenarios, network files, sweep, outcomes and parameters files)
    comes through here: a bounded regular file (:func:`sim.files.read_text`), the safe loader only,
    aliases bounded, impossible dates located.

    Args:
        path: The file.
        what: What the file is meant to be, for messages.
        error: The error class raised.
        example: A hint for a file that is not a mapping.
    """
    text = read_text(path, what=what, error=error)
    node = None
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()  # parsed once: the nodes give lines, then the same nodes give the data
        if node is not None:
            _expanded_size(node, path, {}, set())
        data = loader.construct_document(node) if node is not None else None
    except ValueError as exc:  # impossible dates such as 2021-02-30
        found = _bad_date(node) if node is not None else None
        if found is None:
            raise error(f"a value cannot be read ({exc}).", file=str(path)) from None
        key_path, line, value = found
        raise error(f"'{value}' is not a calendar date.", file=str(path), line=line,
                    key_path=".".join(key_path) or None,
                    hint="write dates as YYYY-MM-DD, for a day that exists.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(
            f"this is not valid YAML ({problem}).",
            file=str(path),
            line=mark.line + 1 if mark else None,
            hint="check indentation and colons near that line.",
        ) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error(f"a {what} must be a mapping of keys to values, not a {type(data).__name__}.",
                    file=str(path), hint=example)
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
