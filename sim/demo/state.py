"""One browser page's simulation: lever values, the model, and levers that win over dated events.

A lever the teacher or a student moves must keep its value: if the scenario has a dated
event that later sets the same key (``classroom.yaml`` raises Poland's turn-back share to
0.8 on 1 October), :class:`LeverModel` drops that key from the event when it fires, and
:meth:`DemoState.note` tells the page so. This module needs no solara; it is tested without
a browser.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sim.demo.levers import Lever, build_levers, overrides_for
from sim.errors import ScenarioError
from sim.model.model import CorridorModel
from sim.scenario.loader import load_scenario

CLASSROOM = Path("scenarios") / "classroom.yaml"


def default_scenario() -> Path:
    """The classroom scenario: next to the source tree (editable install) or in the current folder.

    Raises:
        ScenarioError: Neither exists (for example corridor was installed without its
            ``scenarios`` folder); the hint says how to name a scenario file.

    """
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (root / CLASSROOM).is_file():
            return root / CLASSROOM
    raise ScenarioError(
        f"the default scenario {CLASSROOM} was not found next to the corridor sources or in the current folder.",
        file=str(CLASSROOM),
        hint="run the demo from the corridor repository folder, or name a scenario file: "
             "corridor demo path/to/classroom.yaml.")


class LeverModel(CorridorModel):
    """A :class:`~sim.model.model.CorridorModel` in which moved levers win over later dated events.

    Args:
        scenario: A validated scenario (with the levers' overrides already applied).
        rng: Seed; defaults to the scenario's own.
        pinned: Key path → value set by a moved lever. When a scheduled event of the
            scenario sets one of these keys, that key is left out of the event.

    Attributes:
        pinned: The keys the levers hold now.
        overridden: ``(date, note, keys)`` of every scenario event a lever overrode.

    """

    def __init__(self, scenario, rng: int | None = None, pinned: dict[str, Any] | None = None) -> None:
        super().__init__(scenario, rng=rng)
        self.pinned: dict[str, Any] = dict(pinned or {})
        self.overridden: list[tuple[str, str, list[str]]] = []

    def apply_event(self, event) -> None:
        """Apply a scheduled event of the scenario, without the keys a moved lever holds."""
        held = [key for key in event.set if key in self.pinned]
        if held:
            self.overridden.append((event.date.isoformat(), event.note, held))
            rest = {key: value for key, value in event.set.items() if key not in self.pinned}
            if not rest:
                self.events_applied.append((event.date.isoformat(), f"{event.note or 'event'} (overridden by a lever)"))
                return
            event = event.model_copy(update={"set": rest})
        super().apply_event(event)

    def apply_lever(self, overrides: dict[str, Any], note: str, pin: bool = True) -> None:
        """Apply a lever's overrides from today on, and hold (or release) its keys.

        Args:
            overrides: Key path → value, from :meth:`Lever.overrides`.
            note: Recorded in ``events_applied``.
            pin: Hold the keys against later dated events (a moved lever); False releases
                them (a lever put back to the scenario's own value).

        """
        for key, value in overrides.items():
            if pin:
                self.pinned[key] = value
            else:
                self.pinned.pop(key, None)
        if overrides:
            self.change_scenario(overrides, note=note)


def scheduled_changes(scenario, lever: Lever) -> list[tuple[dt.date, str, Any]]:
    """The scenario's dated events that set one of a lever's keys: ``(date, note, value)``."""
    out = []
    for event in sorted(scenario.events, key=lambda e: e.date):
        keys = [key for key in event.set if key in lever.paths]
        if keys:
            out.append((event.date, event.note, event.set[keys[0]] if len(lever.paths) == 1 else None))
    return out


class DemoState:
    """One browser page's scenario, lever values and current model.

    Args:
        scenario_path: The scenario file the page starts from.

    """

    def __init__(self, scenario_path: str | Path) -> None:
        self.path = Path(scenario_path)
        self.base = load_scenario(self.path)
        self.levers: list[Lever] = build_levers(self.base)
        self.values = {lv.name: lv.default for lv in self.levers}
        self.changes = {lv.name: scheduled_changes(self.base, lv) for lv in self.levers}
        self.seed: int = self.base.seed
        self.model: DemoModel | None = None

    def pinned(self) -> dict[str, Any]:
        """Key path → value of every moved lever (what later dated events may not change)."""
        return overrides_for(self.levers, self.values)

    def scenario(self):
        """Return the scenario with every moved lever applied (what Reset builds)."""
        overrides = self.pinned()
        return load_scenario(self.path, overrides=overrides) if overrides else self.base

    def is_moved(self, lever: Lever) -> bool:
        """Whether a lever differs from the scenario's own value."""
        return self.values[lever.name] != lever.default

    def set_lever(self, lever: Lever, value) -> None:
        """Remember a lever's value and apply it to the running model from today on."""
        self.values[lever.name] = value
        if self.model is not None:
            self.model.apply_lever(lever.overrides(value), note=f"demo: {lever.label} = {value}",
                                   pin=self.is_moved(lever))

    def restore_defaults(self) -> list[str]:
        """Put every moved lever (and the seed) back to the scenario's value.

        The levers change from today on, like moving each back by hand; Reset then starts
        the scenario exactly as written.

        Returns:
            The names of the levers that were moved.

        """
        moved = [lv for lv in self.levers if self.is_moved(lv)]
        for lever in moved:
            self.set_lever(lever, lever.default)
        self.seed = self.base.seed
        return [lv.name for lv in moved]

    def note(self, lever: Lever) -> str:
        """A one-line note on the scenario's dated changes of this lever's keys ("" if none)."""
        changes = self.changes[lever.name]
        if not changes:
            return ""
        what = "; ".join(f"{d.day} {d:%b}" + (f" → {v:g}" if isinstance(v, int | float) else "")
                         + (f" ({n})" if n else "") for d, n, v in changes)
        if self.is_moved(lever):
            return f"Your setting overrides the scenario's dated change: {what}."
        return f"The scenario changes this on {what}. Moving the lever overrides that."


class DemoModel(LeverModel):
    """The model of one page, built from its :class:`DemoState`.

    Mesa's Reset button calls ``DemoModel(state=..., scenario=<mesa Scenario>)``; Mesa's own
    scenario object is ignored and the lever values and seed held by ``state`` are used.

    Args:
        state: The page's state.
        seed: Random seed; defaults to ``state.seed`` (the page's seed slider).
        **kwargs: Ignored (Mesa passes its own ``scenario``).

    """

    def __init__(self, state: DemoState, seed: int | None = None, **kwargs) -> None:
        super().__init__(state.scenario(), rng=state.seed if seed is None else seed, pinned=state.pinned())
        self.demo_state = state
        state.model = self
