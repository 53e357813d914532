"""The calibrated scenario file both calibration methods write: the base file extended with the fitted values.

Values inside dated events are written by repeating the whole ``events`` list (a list in an
extending file replaces the base file's list); every other value is written as a nested key.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from sim.scenario.keypaths import set_path
from sim.scenario.loader import load_scenario


def calibrated_yaml(scenario_file: str, params_file: str, values: dict, header: list[str], target: Path,
                    extra: dict | None = None) -> str:
    """The text of ``<scenario>_calibrated.yaml``.

    Args:
        scenario_file: The calibrated scenario (the new file ``extends`` it, relative to ``target``).
        params_file: The parameters file (named in errors).
        values: ``{key path: value}`` to set.
        header: Comment lines (without ``#``) saying how the values were found.
        target: Where the file will be written.
        extra: Top-level keys to add (for example ``posterior``).
    """
    base = Path(scenario_file).resolve()
    body: dict = {"extends": os.path.relpath(base, Path(target).resolve().parent),
                  "name": f"{Path(scenario_file).stem}_calibrated", **(extra or {})}
    scenario = load_scenario(scenario_file).model_dump(by_alias=True, mode="json")
    lists: dict[str, list] = {}  # a list in the scenario that a key path goes into: written whole (a list replaces)
    for key, value in values.items():
        parts = key.split(".")
        at = _list_prefix(scenario, parts)
        if at is not None:
            prefix = ".".join(parts[:at])
            holder = {"x": lists.setdefault(prefix, copy.deepcopy(_get(scenario, parts[:at])))}
            set_path(holder, "x." + ".".join(parts[at:]), value, source=params_file)
            continue
        node = body
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    for prefix, items in lists.items():
        node = body
        parts = prefix.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = items
    text = "".join(f"# {line}\n" for line in header)
    return text + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _get(data, parts: list[str]):
    for p in parts:
        data = data[int(p)] if isinstance(data, list) else data[p]
    return data


def _list_prefix(data, parts: list[str]) -> int | None:
    """How many leading parts of a key path name a list in ``data`` (the first list on the way), or None."""
    for i, p in enumerate(parts[:-1]):
        if not isinstance(data, (dict, list)):
            return None
        data = data[int(p)] if isinstance(data, list) else data.get(p)
        if isinstance(data, list):
            return i + 1
    return None
