"""The calibration parameters file: which scenario values are free, their ranges (the priors), the options.

Example::

    description: free parameters of belarus_2021
    parameters:                        # key path -> [low, high]: the range searched, and a uniform prior
      demand.scale: [0.5, 1.5]
      migrants.attempt_interval_days: [1.5, 6]
    integers: [state_actors.belarus.transport_per_day]   # rounded before each run
    # a group: one free value set at several key paths at once
      pl_winter_detection: {range: [1, 3], keys: [border_services.PL.detection_seasonality.0, ...]}
      demand.scale: {range: [0.1, 10], prior: loguniform}   # a prior other than uniform
    options: {seeds: 3, maxiter: 8, popsize: 4}          # differential evolution (--method optimise)
    # options.evaluations: 200                           # candidates of the local search (--method local)
    abc: {population: 200, generations: 8, max_minutes: 55}   # ABC-SMC (--method abc)

A key path may reach into a dated event's values (``events.2.set.state_actors.belarus.steer.PL``).
The file is read with the bounded YAML reader and checked by a strict schema: every problem is a
:class:`~sim.errors.ScenarioError` naming the file, line and key.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError, did_you_mean, quoted
from sim.scenario.keypaths import get_path
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.yaml_reader import read_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OptimiseOptions(_Strict):
    """Options of the one-point fits: differential evolution (``--method optimise``) and local search (``local``)."""

    seeds: int = Field(default=3, ge=1, le=1000, description="seeds per evaluation (common random numbers)")
    maxiter: int = Field(default=8, ge=1, le=10_000, description="generations")
    popsize: int = Field(default=4, ge=1, le=1000, description="population factor")
    evaluations: int = Field(default=200, ge=1, le=100_000,
                             description="candidates of the local search (--method local)")


class AbcOptions(_Strict):
    """Options of ABC-SMC (``calibrate --method abc``, :mod:`sim.analysis.abc`)."""

    population: int = Field(default=100, ge=5, le=100_000, description="accepted parameter sets per generation")
    generations: int = Field(default=8, ge=1, le=1000, description="at most this many generations")
    min_epsilon: float = Field(default=0.0, ge=0, description="stop once the acceptance threshold (ARD) is this low")
    quantile: float = Field(default=0.5, gt=0, lt=1, description="each threshold is this quantile of the last "
                                                                 "generation's distances")
    max_simulations: int = Field(default=100_000, ge=1, description="stop after this many simulations in all")
    max_minutes: float = Field(default=60.0, gt=0, description="stop after the generation that passes this "
                                                                "wall time (that generation is kept)")
    kernel_scaling: float = Field(default=2.0, gt=0, le=10,
                                  description="scaling of the proposal kernels' covariance (pyabc's "
                                              "MultivariateNormalTransition): above 1 keeps the importance weights "
                                              "from degenerating with a dozen parameters, at the cost of more "
                                              "simulations per generation")
    leave_out: list[str] = Field(default=[], description="parameters ABC leaves at the scenario's values "
                                                         "(those a screen, calibrate --method screen, found "
                                                         "the observed rows do not move)")


PRIORS = ("uniform", "loguniform")


class ParameterGroup(_Strict):
    """A parameter written out: its range, its prior, and (for a group) the key paths it sets at once."""

    range: list[float] = Field(min_length=2, max_length=2)
    keys: list[str] | None = Field(default=None, min_length=1,
                                   description="scenario key paths that all take the parameter's value "
                                               "(default: the parameter's own name)")
    prior: str = Field(default="uniform", description="the prior over the range: uniform or loguniform")

    @field_validator("prior")
    @classmethod
    def _known_prior(cls, prior):
        if prior not in PRIORS:
            raise ValueError(f"unknown prior '{quoted(prior, 40)}' (use {' or '.join(PRIORS)})")
        return prior


class ParamsFile(_Strict):
    """A whole calibration parameters file."""

    description: str = ""
    parameters: dict[str, list[float] | ParameterGroup] = Field(min_length=1)
    integers: list[str] = []
    options: OptimiseOptions = OptimiseOptions()
    abc: AbcOptions = AbcOptions()

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, parameters):
        for key, rng in parameters.items():
            prior = "uniform" if isinstance(rng, list) else rng.prior
            rng = rng if isinstance(rng, list) else rng.range
            if len(rng) != 2:
                raise ValueError(f"'{quoted(key)}': a range is [low, high], two numbers (got {len(rng)})")
            low, high = rng
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError(f"'{quoted(key)}': the ends of a range must be finite numbers")
            if not low < high:
                raise ValueError(f"'{quoted(key)}': low ({low:g}) must be below high ({high:g})")
            if prior == "loguniform" and low <= 0:
                raise ValueError(f"'{quoted(key)}': a loguniform prior needs a range above 0 (got low {low:g})")
        return parameters

    @model_validator(mode="after")
    def _integers_are_parameters(self):
        for key in self.abc.leave_out:
            if key not in self.parameters:
                hint = did_you_mean(key, self.parameters)
                raise ValueError(f"'{quoted(key)}' is listed under abc.leave_out but is not one of the parameters"
                                 + (f" ({hint})" if hint else ""))
        for key in self.integers:
            if key not in self.parameters:
                hint = did_you_mean(key, self.parameters)
                raise ValueError(f"'{quoted(key)}' is listed under integers but is not one of the parameters"
                                 + (f" ({hint})" if hint else ""))
        return self


def read_params_file(path) -> ParamsFile:
    """Read and check a parameters file (the scenario's key paths are checked by the caller)."""
    path = Path(path)
    data, lines = read_yaml(path, what="parameters file",
                            example="write 'parameters:' with one 'key.path: [low, high]' per line.")
    if {"plausibility", "plausibility_weight"} & set(data):
        raise ScenarioError("'plausibility' is no longer part of a parameters file: outcomes without an official "
                            "series are checked against public figures, not fitted (docs/validation.md).",
                            file=str(path), key_path="plausibility")
    try:
        return ParamsFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()  # a parameter written out is a ParameterGroup: its own errors say more than the list's
        errors = [e for e in errors if "list[float]" not in e["loc"] or not isinstance(e.get("input"), dict)] or errors
        err = sorted(errors, key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(str(p) for p in err["loc"] if p not in ("list[float]", "ParameterGroup"))
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        if err["type"] == "extra_forbidden":
            choices = {"options": OptimiseOptions, "abc": AbcOptions}.get(loc[0], ParamsFile).model_fields
            if loc[0] == "parameters":
                choices = ParameterGroup.model_fields
            reason = "this key is not part of a parameters file."
            hint = did_you_mean(loc[-1], choices) or f"allowed keys: {', '.join(choices)}."
        else:
            reason = err["msg"].removeprefix("Value error, ").rstrip(".") + "."
            hint = "see the example at the top of scenarios/calibration/belarus_2021_params.yaml."
        raise ScenarioError(reason, file=str(path), line=line, key_path=".".join(quoted(p, 80) for p in loc) or None,
                            hint=hint) from None


@dataclass
class ParamSpec:
    """Free parameters: key paths, bounds, which are integers, optimiser defaults, and values held fixed."""

    names: list[str]
    bounds: list[tuple[float, float]]
    integers: set[str] = field(default_factory=set)
    options: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)  # key path -> value set in every evaluation but not fitted
    keys: dict[str, list[str]] = field(default_factory=dict)  # a group's label -> the key paths it sets
    priors: dict[str, str] = field(default_factory=dict)  # name -> prior other than uniform
    abc: dict = field(default_factory=dict)  # the file's ABC-SMC options (AbcOptions)

    def key_paths(self, name: str) -> list[str]:
        """The scenario key paths parameter ``name`` sets (itself, or a group's keys)."""
        return self.keys.get(name, [name])

    def values(self, x) -> dict:
        """Parameter vector → ``{key.path: value}`` overrides (the fixed values included)."""
        out = dict(self.fixed)
        for name, v in zip(self.names, x, strict=True):
            value = int(round(float(v))) if name in self.integers else round(float(v), 6)
            for key in self.key_paths(name):
                out[key] = value
        return out

    def without(self, country: str) -> ParamSpec:
        """The same parameters, with every one that names ``country`` pinned at the middle of its range."""
        own = [n for n in self.names if any(country in k.split(".") for k in self.key_paths(n))]
        keep = [i for i, n in enumerate(self.names) if n not in own]
        middle = {n: (lo + hi) / 2 for n, (lo, hi) in zip(self.names, self.bounds, strict=True) if n in own}
        pinned = {}
        for n, v in middle.items():
            for key in self.key_paths(n):
                pinned[key] = int(round(v)) if n in self.integers else round(v, 6)
        return ParamSpec([self.names[i] for i in keep], [self.bounds[i] for i in keep], self.integers,
                         self.options, {**self.fixed, **pinned}, {n: k for n, k in self.keys.items() if n not in own},
                         {n: p for n, p in self.priors.items() if n not in own}, self.abc)

    def drop(self, names) -> ParamSpec:
        """The same parameters without ``names`` (left at the scenario's own values)."""
        keep = [i for i, n in enumerate(self.names) if n not in set(names)]
        return ParamSpec([self.names[i] for i in keep], [self.bounds[i] for i in keep], self.integers,
                         self.options, dict(self.fixed), {n: k for n, k in self.keys.items() if n not in names},
                         {n: p for n, p in self.priors.items() if n not in names}, self.abc)

    def start(self, base: dict, source: str | None = None) -> np.ndarray:
        """The parameter vector of the scenario data ``base`` (a group's first key path), kept in the ranges."""
        return np.array([min(max(float(get_path(base, self.key_paths(n)[0], source=source)), lo), hi)
                         for n, (lo, hi) in zip(self.names, self.bounds, strict=True)])

    def prior(self, name: str) -> str:
        """The prior of parameter ``name`` over its range (``uniform`` unless the file says otherwise)."""
        return self.priors.get(name, "uniform")


def fit_base(scenario: Scenario) -> dict:
    """The scenario's data as every calibration sets parameters on: no ``observed`` rows, no ``posterior``.

    A calibration fits the parameters, so it never draws them from the scenario's shipped posterior (whose
    path is relative to the scenario file, which the data no longer knows).
    """
    return {**scenario.model_dump(by_alias=True, mode="python"), "observed": None, "posterior": None}


def load_params(path, scenario: Scenario | None = None) -> ParamSpec:
    """Read and check a parameters file (:mod:`sim.analysis.params_file`); with ``scenario``, its key paths too."""
    path = Path(path)
    file = read_params_file(path)
    names = list(file.parameters)
    ranges = [p if isinstance(p, list) else p.range for p in file.parameters.values()]
    bounds = [(float(lo), float(hi)) for lo, hi in ranges]
    groups = {n: list(p.keys) for n, p in file.parameters.items() if not isinstance(p, list) and p.keys}
    priors = {n: p.prior for n, p in file.parameters.items() if not isinstance(p, list) and p.prior != "uniform"}
    spec = ParamSpec(names, bounds, set(file.integers), file.options.model_dump(), keys=groups, priors=priors,
                     abc=file.abc.model_dump())
    if scenario is not None:  # every key path must exist and both ends must validate
        base = fit_base(scenario)
        for x in (np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])):
            try:
                load_scenario(copy.deepcopy(base), spec.values(x))
            except ScenarioError as exc:
                raise ScenarioError(f"parameter range does not fit the scenario: {exc.reason}", file=str(path),
                                    key_path=exc.key_path, hint=exc.hint) from None
    return spec
