"""The calibrated scenario file both calibration methods write: the base file extended with the fitted values.

A value inside a list (a dated event, a month of a seasonal curve, a group of the initial population) is
written by repeating that whole list with the value set (a list in an extending file replaces the base
file's list); every other value is written as a nested key.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml

from sim.scenario.keypaths import get_path, set_path
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
    written = copy.deepcopy(scenario)  # the scenario with every value set, where a list must be written whole
    lists: dict[str, None] = {}  # key paths, in order, of the lists a value goes into (written whole)
    for key, value in values.items():
        parts = key.split(".")
        at = _list_prefix(scenario, parts)
        if at is None:
            _put(body, parts, value)
        else:
            set_path(written, key, value, source=params_file)
            lists[".".join(parts[:at])] = None
    for prefix in lists:
        _put(body, prefix.split("."), get_path(written, prefix, source=params_file))
    text = "".join(f"# {line}\n" for line in header)
    return text + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _put(body: dict, parts: list[str], value) -> None:
    """Set ``value`` at the key path ``parts`` of the new file's nested mapping, making the mappings on the way."""
    for p in parts[:-1]:
        body = body.setdefault(p, {})
    body[parts[-1]] = value


def _list_prefix(data, parts: list[str]) -> int | None:
    """How many leading parts of a key path name a list in ``data`` (the first list on the way), or None."""
    for i, p in enumerate(parts[:-1]):
        if not isinstance(data, (dict, list)):
            return None
        data = data[int(p)] if isinstance(data, list) else data.get(p)
        if isinstance(data, list):
            return i + 1
    return None
