"""The calibration parameters file: which scenario values are free, their ranges (the priors), the options.

Example::

    description: free parameters of belarus_2021
    parameters:                        # key path -> [low, high]: the range searched, and a uniform prior
      demand.scale: [0.5, 1.5]
      migrants.attempt_interval_days: [1.5, 6]
    integers: [state_actors.belarus.transport_per_day]   # rounded before each run
    options: {seeds: 3, maxiter: 8, popsize: 4}          # differential evolution (--method optimise)

A key path may reach into a dated event's values (``events.2.set.state_actors.belarus.steer.PL``).
The file is read with the bounded YAML reader and checked by a strict schema: every problem is a
:class:`~sim.errors.ScenarioError` naming the file, line and key.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError, did_you_mean, quoted
from sim.scenario.yaml_reader import read_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OptimiseOptions(_Strict):
    """Options of differential evolution (``calibrate --method optimise``)."""

    seeds: int = Field(default=3, ge=1, le=1000, description="seeds per evaluation (common random numbers)")
    maxiter: int = Field(default=8, ge=1, le=10_000, description="generations")
    popsize: int = Field(default=4, ge=1, le=1000, description="population factor")


class ParamsFile(_Strict):
    """A whole calibration parameters file."""

    description: str = ""
    parameters: dict[str, list[float]] = Field(min_length=1)
    integers: list[str] = []
    options: OptimiseOptions = OptimiseOptions()

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, parameters):
        for key, rng in parameters.items():
            if len(rng) != 2:
                raise ValueError(f"'{quoted(key)}': a range is [low, high], two numbers (got {len(rng)})")
            low, high = rng
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError(f"'{quoted(key)}': the ends of a range must be finite numbers")
            if not low < high:
                raise ValueError(f"'{quoted(key)}': low ({low:g}) must be below high ({high:g})")
        return parameters

    @model_validator(mode="after")
    def _integers_are_parameters(self):
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
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(str(p) for p in err["loc"])
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        if err["type"] == "extra_forbidden":
            choices = ParamsFile.model_fields if len(loc) == 1 else OptimiseOptions.model_fields
            reason = "this key is not part of a parameters file."
            hint = did_you_mean(loc[-1], choices) or f"allowed keys: {', '.join(choices)}."
        else:
            reason = err["msg"].removeprefix("Value error, ").rstrip(".") + "."
            hint = "see the example at the top of scenarios/calibration/belarus_2021_params.yaml."
        raise ScenarioError(reason, file=str(path), line=line, key_path=".".join(quoted(p, 80) for p in loc) or None,
                            hint=hint) from None
