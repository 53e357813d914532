"""The calibrated scenario file both calibration methods write: the base file extended with the fitted values.

Values inside dated events are written by repeating the whole ``events`` list (a list in an
extending file replaces the base file's list); every other value is written as a nested key.
"""

from __future__ import annotations

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
    event_values = {k: v for k, v in values.items() if k.startswith("events.")}
    for key, value in values.items():
        if key in event_values:
            continue
        node = body
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    if event_values:
        events = load_scenario(scenario_file).model_dump(by_alias=True, mode="json")["events"]
        holder = {"events": events}
        for key, value in event_values.items():
            set_path(holder, key, value, source=params_file)
        body["events"] = events
    text = "".join(f"# {line}\n" for line in header)
    return text + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
