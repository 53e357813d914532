"""Reading a sweep file: the bounded YAML reader, the pydantic models, then every check against its base."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from sim.errors import SweepFileError
from sim.experiments.design import check_size
from sim.experiments.sweep_checks import check_key_paths, check_sweep_outcomes
from sim.experiments.sweep_file import SweepSpec, _format_validation, resolve_base
from sim.outcomes.spec import check_metric_names
from sim.scenario.yaml_reader import YAML_SUFFIXES, read_yaml


def load_sweep(path: str | Path, check_keys: bool = True, method: str | None = None) -> SweepSpec:
    """Read and validate a sweep file.

    Args:
        path: The YAML sweep file.
        check_keys: Apply every parameter and fixed override to the base
            scenario through ``sim.load_scenario`` so unknown key paths or
            invalid values fail now, not after hours of runs. (The base
            scenario with the fixed overrides is always loaded and checked.)
        method: Design that will be used instead of the file's (sensitivity).
            The size of a Sobol design is checked when it is built
            (:func:`sim.experiments.design.build_design`).

    Returns:
        The validated sweep.

    Raises:
        SweepFileError: With a one-paragraph message naming file and key.

    """
    path = Path(path)
    raw, _ = read_yaml(path, what="sweep file", error=SweepFileError,
                       example="a sweep file has the keys base, parameters, design, outcomes (docs/sweeps.md).")
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise SweepFileError(_format_validation(path, exc)) from None
    spec._path = path
    if "\0" in spec.base or not spec.base.lower().endswith(YAML_SUFFIXES):
        raise SweepFileError(f"Sweep file {path}: 'base' must name a scenario file ending in .yaml or .yml.")
    spec._base_path = resolve_base(path, spec.base)
    if not spec.base_path.exists():
        raise SweepFileError(f"Sweep file {path}: 'base': scenario file {spec.base} not found "
                             f"(looked for {spec.base_path}).")
    method = method or spec.design.method
    if method in ("lhs", "sobol", "morris"):
        for key, p in spec.parameters.items():
            if p.levels is not None:
                raise SweepFileError(f"Sweep file {path}: 'parameters.{key}.levels': named levels are categories, "
                                     f"which design '{method}' cannot sample (it draws numbers from ranges); use "
                                     "'design: grid', or give this parameter a 'range' (a multiplier with 'keys' "
                                     "moves several keys together).")
            if p.range is None:
                raise SweepFileError(f"Sweep file {path}: 'parameters.{key}': design '{method}' "
                                     "needs a numeric 'range: [low, high]', not a list of values.")
    if method == "grid":
        for key, p in spec.parameters.items():
            if p.range is not None and p.num is None:
                raise SweepFileError(f"Sweep file {path}: 'parameters.{key}': a range in a grid design needs "
                                     "'num' (number of grid points).")
    check_size(spec, method)
    check_metric_names(spec.outcomes, f"Sweep file {path}")
    spec.base_scenario()  # the one load of the base scenario, reused by every check below and by run_sweep
    if check_keys:
        check_key_paths(spec)
    check_sweep_outcomes(spec)
    return spec
