"""Checks of a sweep file against its base scenario: key paths, outcomes, design sizes.

An outcome that names a country, place or date window the run never records
would silently be zero in every run; these checks refuse it up front with a
one-paragraph :class:`~sim.experiments.sweep_file.SweepFileError` (exit code 2) and a
did-you-mean hint. Which (country, place) rows a metric has is read from the
simulator's recorder key spaces (border segments, routes, destinations,
repatriation flights; ``reported`` per border country; ``state_<name>`` with no
country), from :func:`sim.model.recorder.key_spaces`, the very function the model builds its
recorder with (a test checks the model's indexes follow the same order), so the check
cannot drift from what a run writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, SweepFileError
from sim.experiments.sweep_file import (
    SweepSpec,
    _cast,
    _is_number,
    base_values,
    cannot_apply,
    expand,
    not_a_number,
    own_keys,
)
from sim.model.recorder import METRICS, key_spaces, recorded_states
from sim.outcomes.spec import OutcomeSpec, similar_hint
from sim.scenario.loader import load_scenario


def check_sobol_samples(path: Path, n: int | None) -> None:
    """Sobol (Saltelli) sampling needs a base sample N that is a power of two.

    Raises:
        SweepFileError: Naming the nearest powers of two.

    """
    if n is not None and n & (n - 1):
        low, high = 1 << (n.bit_length() - 1), 1 << n.bit_length()
        raise SweepFileError(f"Sweep file {path}: 'design.samples': a Sobol design needs a power of two "
                             f"(got {n}), or its indices lose their convergence properties; use {low} or {high}.")


MAX_PROBES = 64  # values of one parameter applied to the base scenario while checking a sweep file


def _representatives(values: list) -> list:
    """The values to try: all of them when few; else the smallest and largest numbers and the first others."""
    if len(values) <= MAX_PROBES:
        return list(values)
    numbers = [v for v in values if _is_number(v)]
    others = [v for v in values if not _is_number(v)]
    ends = [min(numbers), max(numbers)] if numbers else []
    return (ends + others)[:MAX_PROBES] if others else ends


def check_key_paths(spec: SweepSpec) -> None:
    """Apply each parameter (at each of its values, or both ends of its range) to the base scenario.

    All parameters are applied together to the base scenario already loaded by
    :meth:`~sim.experiments.sweep_file.SweepSpec.base_scenario` (no file is read again); only when
    that fails are they applied from the scenario file one at a time, as a run applies
    them, to name the culprit with the loader's message (file, line, did-you-mean).

    Raises:
        SweepFileError: If ``sim.load_scenario`` rejects a key path or value.

    """
    base = spec.base_scenario()

    def attempt(label: str, overrides: dict) -> None:
        try:
            load_scenario(str(spec.base_path), overrides=overrides)
        except ScenarioError as exc:
            raise SweepFileError(cannot_apply(spec, label, exc)) from None

    bases = base_values(spec)
    _no_key_set_twice(spec)
    for name, p in spec.parameters.items():
        for key in p.keys or []:
            if bases.get(key) is None:  # the loader names an unknown key, with a did-you-mean
                attempt(f"parameters.{name}.keys", {**spec.overrides, key: 1})
            if not _is_number(bases.get(key)):
                raise SweepFileError(not_a_number(spec, name, key, bases.get(key)))
    probes = {k: (list(p.levels) if p.levels is not None else _representatives(p.values) if p.values is not None
                  else [p.range[0], p.range[1]]) for k, p in spec.parameters.items()}
    depth = max(len(v) for v in probes.values())
    for i in range(depth):  # all parameters at once (fast); one at a time only to name a culprit
        row = {k: _cast(v[min(i, len(v) - 1)], spec.parameters[k], bases.get(k)) for k, v in probes.items()}
        together = expand(spec, row, bases)
        try:
            load_scenario(base, overrides=together)
        except ScenarioError:
            for key, value in row.items():
                where = f"parameters.{key}" + (f".levels.{value}" if spec.parameters[key].levels is not None else "")
                attempt(where, {**spec.overrides, **expand(spec, {key: value}, bases)})
            attempt("parameters", {**spec.overrides, **together})


def _no_key_set_twice(spec: SweepSpec) -> None:
    """Refuse a key path that a levels parameter sets and another parameter sets too (which would win?)."""
    owner: dict[str, str] = {}
    for name, p in spec.parameters.items():
        for key in own_keys(p, name):
            other = owner.get(key)
            if other is not None and (p.levels is not None or spec.parameters[other].levels is not None):
                raise SweepFileError(f"Sweep file {spec.path}: 'parameters.{name}': it sets '{key}', which "
                                     f"parameter '{other}' sets too, so one would silently overwrite the other; "
                                     "set each key in one parameter only (a level may set several keys).")
            owner.setdefault(key, name)


@dataclass
class OutcomeKeys:
    """The rows a run writes: metric -> country -> places, and the run's first and last day.

    Attributes:
        rows: Metric -> country ('' for the journey states) -> place labels
            (empty when the metric is written for countries only).
        start: First day of the run.
        end: Last day of the run.
        source: What the rows were read from, for messages.

    """

    rows: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""

    def merge(self, other: OutcomeKeys) -> OutcomeKeys:
        """Union of two key sets (e.g. the base scenario and one grid value that changes its structure)."""
        rows = {m: {c: set(p) for c, p in cs.items()} for m, cs in self.rows.items()}
        for m, cs in other.rows.items():
            for c, places in cs.items():
                rows.setdefault(m, {}).setdefault(c, set()).update(places)
        starts = [d for d in (self.start, other.start) if d]
        ends = [d for d in (self.end, other.end) if d]
        return OutcomeKeys(rows, min(starts, default=None), max(ends, default=None), self.source or other.source)


def keys_from_scenario(scenario, source: str) -> OutcomeKeys:
    """Return the rows a run of ``scenario`` writes, from the recorder's key spaces (nothing is simulated).

    Args:
        scenario: A validated :class:`sim.scenario.schema.Scenario`.
        source: Name of the scenario, for messages.

    Returns:
        The outcome keys.

    """
    spaces = key_spaces(scenario)
    rows: dict[str, dict[str, set[str]]] = {}
    for m in METRICS:
        by_country = rows.setdefault(m.name, {})
        for label, country in spaces[m.keys]:
            by_country.setdefault(country, set())
            if m.per_place:
                by_country[country].add(label)
    rows["reported"] = {c: set() for c in scenario.border_services}  # one counting rule set per service
    for s in recorded_states(scenario):
        rows[f"state_{s}"] = {"": set()}
    return OutcomeKeys(rows, scenario.start, scenario.end, source)


def keys_from_totals(keys: Iterable[str], dates: Iterable[str], source: str) -> OutcomeKeys:
    """Outcome keys of stored country totals (``metric|country`` keys and ISO dates)."""
    rows: dict[str, dict[str, set[str]]] = {}
    for k in keys:
        metric, _, country = str(k).partition("|")
        rows.setdefault(metric, {}).setdefault(country, set())
    days = sorted(dt.date.fromisoformat(str(d)[:10]) for d in dates)
    return OutcomeKeys(rows, days[0] if days else None, days[-1] if days else None, source)


def _listed(items: Iterable[str], limit: int = 20) -> str:
    items = sorted(items)
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_outcomes_against(outcomes: dict[str, OutcomeSpec], keys: OutcomeKeys, where: str,
                           places: bool = True) -> None:
    """Refuse outcomes whose country, place or window selects no row of the run.

    Args:
        outcomes: Name -> outcome spec.
        keys: What the run writes (:func:`keys_from_scenario` or :func:`keys_from_totals`).
        where: Start of the message, e.g. ``Sweep file sweeps/x.yaml``.
        places: False where only country totals are stored (compare, ensembles).

    Raises:
        SweepFileError: One paragraph naming the outcome key, the reason and a hint.

    """
    src = keys.source
    for name, o in outcomes.items():
        at = f"{where}: 'outcomes.{name}"
        by_country = keys.rows.get(o.metric)
        if by_country is None:
            raise SweepFileError(f"{at}.metric': {src} has no series of metric '{o.metric}'"
                                 f"{similar_hint(o.metric, keys.rows)}.")
        countries = {c for c in by_country if c}
        if o.country is not None and o.country not in by_country:
            if not countries:
                raise SweepFileError(f"{at}.country': metric {o.metric} is not split by country, so country "
                                     f"'{o.country}' selects nothing; leave 'country' out.")
            raise SweepFileError(
                f"{at}.country': '{o.country}' is not a country of metric {o.metric} in {src}"
                f"{similar_hint(o.country, countries)}; its countries are {_listed(countries)} "
                "(omit 'country' to sum them all).")
        if o.place:
            if not places:
                raise SweepFileError(f"{at}.place': only country totals are stored here, so place "
                                     f"'{o.place}' cannot be computed; leave 'place' out.")
            scope = [o.country] if o.country is not None else list(by_country)
            allowed = set().union(*(by_country[c] for c in scope)) if scope else set()
            if o.place not in allowed:
                every = set().union(*by_country.values()) if by_country else set()
                if not every:
                    raise SweepFileError(f"{at}.place': metric {o.metric} is written for countries only, not "
                                         f"per place; leave 'place' out.")
                if o.place in every:
                    owner = next(c for c, p in by_country.items() if o.place in p)
                    raise SweepFileError(f"{at}.place': '{o.place}' is a place of {owner}, not of {o.country}, "
                                         f"so it selects nothing; set 'country: {owner}' or leave 'country' out.")
                raise SweepFileError(
                    f"{at}.place': '{o.place}' is not a place of metric {o.metric} in {src}"
                    f"{similar_hint(o.place, allowed)}; its places are {_listed(allowed)}.")
        if keys.start and keys.end and ((o.end and o.end < keys.start) or (o.start and o.start > keys.end)):
            raise SweepFileError(
                f"{at}': the window {o.start or '(run start)'} to {o.end or '(run end)'} lies outside the run "
                f"({keys.start} to {keys.end} in {src}), so every value would be 0; move 'start'/'end' into it.")


def _structural(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple))


def check_sweep_outcomes(spec: SweepSpec) -> None:
    """Check a sweep's outcomes against its base scenario (fixed overrides applied).

    Grid values that are mappings or lists (they may change the key spaces, e.g.
    ``migrants.destinations``), parameters that move ``start``/``end`` and levels that do
    either are applied one by one and their rows added, so an outcome valid for some
    sample is accepted.

    Raises:
        SweepFileError: As :func:`check_outcomes_against`.

    """
    src = f"base scenario {spec.base_path}" + (" with the sweep's overrides" if spec.overrides else "")
    base = spec.base_scenario()
    keys = keys_from_scenario(base, src)
    bases = None
    for name, p in spec.parameters.items():
        if p.levels is not None:
            for level in p.levels.values():
                if any(k in ("start", "end") or _structural(v) for k, v in level.items()):
                    keys = keys.merge(keys_from_scenario(load_scenario(base, overrides=dict(level)), src))
            continue
        if p.keys is not None or p.values is None:
            continue
        if not (name in ("start", "end") or any(_structural(v) for v in p.values)):
            continue
        bases = base_values(spec) if bases is None else bases
        for v in p.values:
            over = expand(spec, {name: _cast(v, p, bases.get(name))}, bases)
            keys = keys.merge(keys_from_scenario(load_scenario(base, overrides=over), src))
    check_outcomes_against(spec.outcomes, keys, f"Sweep file {spec.path}")
