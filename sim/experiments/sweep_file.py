"""What a sweep file means: its pydantic models, and how a sample becomes scenario overrides.

A sweep file (YAML) names a base scenario, the parameters to vary (dotted
scenario key paths), an experimental design, replicates per sample, the
outcomes of interest and optionally the engine. :func:`sim.experiments.sweep_reader.load_sweep`
reads and checks one; every problem is a :class:`~sim.errors.SweepFileError` naming the file and
the offending key.

Example::

    base: ../belarus_2021.yaml
    parameters:
      border_services.PL.policy.turn_back_share: {range: [0.2, 0.9], num: 3}
      carriers.belavia.routes.IST-MSQ.flights_per_week: {values: [2, 4, 8]}
      guards_x:                      # a multiplier: scales every listed key together
        keys: [border_services.PL.detection_per_guard_km, border_services.LT.detection_per_guard_km]
        range: [0.5, 2.0]
        num: 3
      asylum:                        # named levels (grid only): each label sets several keys together
        levels:
          as_scenario: {}
          none: {border_services.PL.policy.asylum_claim_share: 0, border_services.LT.policy.asylum_claim_share: 0}
    design: grid                     # lhs, sobol and morris need a range for every parameter
    replicates: 5
    seed: 2021
    outcomes:
      pl_attempts_oct: {metric: attempts, country: PL, start: 2021-10-01, end: 2021-10-31}
      deaths: {metric: deaths}
      peak_at_border: {metric: at_border, stat: peak}
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError, SweepFileError, quoted
from sim.outcomes.spec import OutcomeSpec
from sim.scenario.keypaths import get_path
from sim.scenario.loader import load_scenario

DESIGNS = ("grid", "lhs", "sobol", "morris")
MAX_RUNS = 1_000_000  # runs (samples x replicates) a sweep may plan: about a week on 2 cores at 0.5 s a run
MAX_VALUES = 10_000  # listed values (or named levels) of one parameter
MAX_LABEL = 80  # characters of a level's label (a value in samples.csv, runs.csv and the plots)
NAME = r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}"  # a sweep's name names its output folder: no path separators


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ParameterSpec(_Strict):
    """One varied parameter: explicit ``values``, a ``range`` [low, high] or named ``levels``.

    ``num`` gives the number of evenly spaced grid points for a range (grid
    design only). ``type`` forces int/float; ``auto`` takes the type of the
    value in the base scenario (int stays int, rounded after sampling).

    With ``keys`` (a list of scenario key paths) the parameter is a
    multiplier: its name is a free label and its value multiplies the base
    scenario's value at every listed key (rounded where that value is an int),
    so a set of keys (e.g. the guards of every segment) moves together.

    With ``levels`` (grid design only) the parameter is categorical: its name is a free label and
    each level maps a label (the value samples.csv, runs.csv and summary.csv show) to the scenario
    overrides (``key.path: value``) applied together for it; ``{}`` is the base scenario as it is.
    """

    values: list[Any] | None = Field(default=None, max_length=MAX_VALUES)
    range: list[float] | None = Field(default=None, min_length=2, max_length=2)
    num: int | None = Field(default=None, ge=1, le=MAX_RUNS)
    type: Literal["auto", "int", "float"] = "auto"
    keys: list[str] | None = None
    levels: dict[str, dict[str, Any]] | None = Field(default=None, max_length=MAX_VALUES)

    @field_validator("levels", mode="before")
    @classmethod
    def _level_labels(cls, v: Any) -> Any:
        if v is None:
            return v
        if not isinstance(v, dict):
            raise ValueError("'levels' must be a mapping of a label to the overrides of that level "
                             "(e.g. levels: {none: {key.path: 0}, as_scenario: {}})")
        out = {}
        for label, level in v.items():
            if isinstance(label, bool) or label is None:
                raise ValueError(f"the level label {label!r} is a YAML {'null' if label is None else 'boolean'} "
                                 "(unquoted on, off, yes, no, true, false or ~): write it in quotes, e.g. 'on'")
            text = str(label)
            if not text.strip() or len(text) > MAX_LABEL or not text.isprintable():
                raise ValueError(f"the level label '{quoted(text)}' must be printable text of 1 to {MAX_LABEL} "
                                 "characters")
            if not isinstance(level, dict):
                raise ValueError(f"level '{quoted(text)}' is {quoted(repr(level))}, not a mapping: a level is a "
                                 "mapping of scenario key paths to values applied together, e.g. "
                                 f"'{quoted(text)}': {{border_services.PL.policy.turn_back_share: 0.5}} "
                                 "({} for the base scenario as it is)")
            bad = [k for k in level if not isinstance(k, str)]
            if bad:
                raise ValueError(f"level '{quoted(text)}' has the key {bad[0]!r}, not a scenario key path")
            if text in out:
                raise ValueError(f"the level label '{quoted(text)}' is written twice (once as {label!r})")
            out[text] = level
        return out

    @model_validator(mode="after")
    def _one_of(self) -> ParameterSpec:
        if self.levels is not None:
            if self.values is not None or self.range is not None or self.keys is not None or self.num is not None:
                raise ValueError("'levels' names whole sets of overrides: give it alone, without 'values', "
                                 "'range', 'num' or 'keys'")
            if self.type != "auto":
                raise ValueError("a parameter with 'levels' takes its labels as values; leave 'type' out")
            if not self.levels:
                raise ValueError("'levels' is empty: name at least one level")
            return self
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of 'values' (a list), 'range' ([low, high]) or 'levels' "
                             "(a mapping of labels to overrides)")
        if self.values is not None and len(self.values) == 0:
            raise ValueError("'values' is empty")
        if self.range is not None and not math.isfinite(self.range[0] + self.range[1]):
            raise ValueError("a range's ends must be finite numbers")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"empty range {list(self.range)}: low must be smaller than high")
        if self.keys is not None:
            if not self.keys:
                raise ValueError("'keys' is empty: list the scenario key paths the multiplier scales")
            if len(set(self.keys)) != len(self.keys):
                raise ValueError("'keys' lists a key path twice")
            if self.type == "int":
                raise ValueError("a multiplier ('keys') is a float; leave 'type' out")
            bad = [v for v in (self.values or []) if isinstance(v, bool) or not isinstance(v, (int, float))]
            if bad:
                raise ValueError(f"a multiplier ('keys') takes numbers, not {bad[0]!r}")
        return self


class DesignSpec(_Strict):
    """Experimental design.

    Attributes:
        method: grid, lhs (scipy.stats.qmc), sobol or morris (SALib).
        samples: lhs: number of samples; sobol: base sample N (a power of 2).
        trajectories: morris: number of trajectories r.
        levels: morris: grid levels p.
        second_order: sobol: also second-order indices (N*(2D+2) runs).
        seed: seed for the sampler (defaults to the sweep seed).

    """

    method: str = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_RUNS)
    trajectories: int | None = Field(default=None, ge=2, le=MAX_RUNS)
    levels: int = Field(default=4, ge=2, le=1000)
    second_order: bool = False
    seed: int | None = Field(default=None, ge=0)

    @field_validator("method")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in DESIGNS:
            raise ValueError(f"unknown design '{v}'; choose one of {', '.join(DESIGNS)}")
        return v


class EngineSpec(_Strict):
    """Where runs execute: local process pool or Dask."""

    kind: Literal["local", "dask"] = "local"
    workers: int = Field(default=1, ge=1, le=4096)
    scheduler: str | None = None


class SweepSpec(_Strict):
    """A whole sweep file."""

    name: str | None = Field(default=None, pattern=f"^{NAME}$",
                             description="letters, digits, spaces, _ - and .: it names the output folder")
    description: str | None = None
    base: str = Field(min_length=1, max_length=1024)
    parameters: dict[str, ParameterSpec]
    design: DesignSpec = DesignSpec()
    replicates: int = Field(default=1, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0)
    outcomes: dict[str, OutcomeSpec]
    overrides: dict[str, Any] = {}
    engine: EngineSpec = EngineSpec()

    @field_validator("design", mode="before")
    @classmethod
    def _design_shorthand(cls, v: Any) -> Any:
        return {"method": v} if isinstance(v, str) else v

    @field_validator("parameters", "outcomes")
    @classmethod
    def _not_empty(cls, v: dict) -> dict:
        if not v:
            raise ValueError("must name at least one entry")
        return v

    # Set by load_sweep, not part of the file.
    _path: Path | None = None
    _base_path: Path | None = None
    _base: Any = None  # (what it was loaded from, the validated base scenario): see base_scenario()

    @property
    def path(self) -> Path:
        """The sweep file."""
        return self._path or Path("<sweep>")

    @property
    def base_path(self) -> Path:
        """The resolved base scenario file."""
        return self._base_path or Path(self.base)

    def base_scenario(self) -> Any:
        """The validated base scenario with the fixed ``overrides`` applied, loaded once and then reused.

        :func:`load_sweep` loads it while checking the file; the checks, the design, the
        run plan and the plan's scenario hash all read this one object. It is loaded
        again only if ``base`` or ``overrides`` were changed since.

        Returns:
            A :class:`sim.scenario.schema.Scenario`.

        Raises:
            SweepFileError: If the base scenario or the fixed overrides are invalid.

        """
        source = (str(self.base_path), json.dumps(self.overrides, sort_keys=True, default=str))
        if self._base is None or self._base[0] != source:
            try:
                scenario = load_scenario(str(self.base_path), overrides=dict(self.overrides) or None)
            except ScenarioError as exc:
                raise SweepFileError(cannot_apply(self, "overrides", exc)) from None
            self._base = (source, scenario)
        return self._base[1]

    def fingerprint(self) -> str:
        """Hash of everything that determines the runs (not the engine)."""
        data = self.model_dump(mode="json", exclude={"engine", "name", "description"})
        data["base"] = str(self.base_path)
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _loc(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"]) or "(top level)"


def _format_validation(path: Path, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not allowed in a sweep file)"
        elif err["type"] == "string_pattern_mismatch" and tuple(err["loc"]) == ("name",):
            msg = ("a sweep's name starts with a letter or digit and holds only letters, digits, spaces, '_', '-' "
                   "and '.', at most 80 (it names the output folder under outputs/sweeps/)")
        parts.append(f"'{_loc(err)}': {msg}")
    return f"Sweep file {path}: " + "; ".join(parts) + "."


def resolve_base(sweep_path: Path, base: str) -> Path:
    """Resolve the base scenario: relative to the sweep file, else to the cwd."""
    p = Path(base)
    if p.is_absolute():
        return p
    near = (sweep_path.parent / p).resolve()
    return near if near.exists() else p.resolve()


def cannot_apply(spec: SweepSpec, label: str, exc: Exception) -> str:
    """Message for a sweep entry (``label``) that the scenario loader refused with ``exc``."""
    msg = getattr(exc, "message", None) or str(exc)
    return f"Sweep file {spec.path}: '{label}' cannot be applied to base scenario {spec.base_path}: {msg}"


def not_a_number(spec: SweepSpec, name: str, key: str, base: Any) -> str:
    """Message for a multiplier key whose base value cannot be multiplied."""
    what = "has no value" if base is None else f"is {base!r}"
    return (f"Sweep file {spec.path}: 'parameters.{name}.keys': '{key}' {what} in base scenario "
            f"{spec.base_path}, not a number, so it cannot be multiplied; list numeric keys only "
            "(e.g. ...segments.kuznica.guards).")


def own_keys(p: ParameterSpec, name: str) -> list[str]:
    """The scenario key paths one parameter sets: its name, a multiplier's ``keys``, or every level's keys."""
    if p.levels is not None:
        return list(dict.fromkeys(k for level in p.levels.values() for k in level))
    return list(p.keys) if p.keys is not None else [name]


def parameter_keys(spec: SweepSpec) -> list[str]:
    """Every scenario key path the parameters set (a multiplier's ``keys`` or a levels parameter's keys)."""
    out: list[str] = []
    for name, p in spec.parameters.items():
        out.extend(own_keys(p, name))
    return list(dict.fromkeys(out))


def level_labels(spec: SweepSpec) -> dict[str, list[str]]:
    """The labels of each parameter with ``levels``, in the order of the file (their order in tables and plots)."""
    return {name: list(p.levels) for name, p in spec.parameters.items() if p.levels is not None}


def base_values(spec: SweepSpec) -> dict[str, Any]:
    """Return the base scenario's value (fixed overrides applied) at each key path the parameters set.

    None where the key path is not in the scenario (:func:`~sim.experiments.sweep_checks.check_key_paths`
    reports it with the loader's did-you-mean hint).

    Raises:
        SweepFileError: If the base scenario or the fixed overrides are invalid.

    """
    data = spec.base_scenario().model_dump(by_alias=True)
    out = {}
    for key in parameter_keys(spec):
        try:
            out[key] = get_path(data, key, source=str(spec.base_path))
        except ScenarioError:
            out[key] = None
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def expand(spec: SweepSpec, row: dict[str, Any], bases: dict[str, Any]) -> dict[str, Any]:
    """Scenario overrides for one sample: a multiplier becomes one value per key.

    Args:
        spec: The sweep.
        row: Parameter name -> sampled value.
        bases: Base values from :func:`base_values`.

    Returns:
        Dotted key path -> value (a level's overrides in the order the level lists them).

    Raises:
        SweepFileError: If a multiplier's key has no numeric value in the base scenario, or a value of
            a levels parameter is not one of its labels.

    """
    out: dict[str, Any] = {}
    for name, value in row.items():
        p = spec.parameters[name]
        if p.levels is not None:
            if value not in p.levels:
                raise SweepFileError(f"Sweep file {spec.path}: 'parameters.{name}': '{quoted(value)}' is not one of "
                                     f"its levels ({', '.join(p.levels)}).")
            out.update(copy.deepcopy(p.levels[value]))
            continue
        if p.keys is None:
            out[name] = value
            continue
        for key in p.keys:
            base = bases.get(key)
            if not _is_number(base):
                raise SweepFileError(not_a_number(spec, name, key, base))
            scaled = float(base) * float(value)
            out[key] = int(round(scaled)) if isinstance(base, int) else scaled
    return out


def _cast(value: Any, p: ParameterSpec, base_value: Any) -> Any:
    """Cast a sampled value to the parameter's type (a multiplier is a float, a level its label)."""
    if p.levels is not None:
        return str(value)
    if p.keys is not None:
        return float(value)
    kind = p.type
    if kind == "auto":
        kind = "int" if isinstance(base_value, int) and not isinstance(base_value, bool) else "float"
        if p.values is not None:
            return value
    if kind == "int":
        return int(round(float(value)))
    return float(value)


def cast_value(value: Any, p: ParameterSpec, base_value: Any) -> Any:
    """Public wrapper of the sample-value cast (see :class:`ParameterSpec`)."""
    return _cast(value, p, base_value)
