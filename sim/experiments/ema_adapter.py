"""EMA Workbench interoperability: a Corridor scenario as an EMA Workbench model (the ``ema`` extra).

:func:`corridor_model` builds an ``ema_workbench`` model whose uncertainties and levers are
Corridor key paths with ranges, in the very syntax of a sweep file's ``parameters:``
(``{range: [low, high]}``, ``{values: [...]}``, named ``{levels: {...}}``, or a multiplier
``{keys: [...], range: [...]}``),
and whose outcomes are :class:`~sim.outcomes.spec.OutcomeSpec` mappings. Each experiment runs
:func:`sim.runs.api.run` with a seed and returns :func:`sim.outcomes.values.outcome_values` of
its daily table, exactly as a sweep does. :func:`model_from_sweep` builds one from a sweep file
(its parameters as uncertainties or levers, its outcomes, overrides and replicate seeds).

Everything is checked before the first run, as for a sweep file (unknown key paths with a
did-you-mean, values the scenario refuses, outcomes that select nothing): each problem is a
:class:`~sim.errors.SweepFileError`.

Example::

    from ema_workbench import SequentialEvaluator
    from sim.experiments.ema_adapter import corridor_model

    model = corridor_model(
        "scenarios/benghazi_2025.yaml",
        uncertainties={"state_actors.belarus.transport_per_day": {"range": [50, 600]}},
        levers={"events.7.set.border_services.PL.policy.turn_back_share": {"range": [0.5, 0.99]}},
        outcomes={"attempts_PL": {"metric": "attempts", "country": "PL", "start": "2025-05-01"}},
        seed=2025)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=10, policies=2)

Names: the Workbench needs Python identifiers, so a key path is named with its dots and dashes
turned into underscores (``carriers_belavia_routes_BEN_MSQ_flights_per_week``) unless ``names``
gives another; ``model.function.names`` maps each Workbench name to its key path.

Seeds: every experiment runs with ``seed`` (common random numbers, as a sweep's replicate). With
``replications=R`` the model is a ``ReplicatorModel`` whose R seeds are ``SeedSequence(seed).spawn(R)``
(a sweep's replicate seeds) and each outcome is the mean over the R runs. (The Workbench registers
an outcome's name with one outcome class per process, so the adapter keeps ``ScalarOutcome``
throughout; to keep each run's value, set ``model.outcomes`` to ``ArrayOutcome`` s with the same
``variable_name`` in a process that made no ``ScalarOutcome`` of that name.) With ``seed=None`` the
seed is an uncertainty of its own (``seed``, drawn by the sampler).

ema_workbench 3.0.0 cannot run a model of levers without uncertainties (an error inside the
Workbench); give at least one uncertainty.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import EngineUnavailable, ScenarioError, SweepFileError
from sim.experiments.sweep_checks import check_key_paths, check_sweep_outcomes
from sim.experiments.sweep_file import SweepSpec, _format_validation, base_values, cast_value, expand
from sim.experiments.sweep_reader import load_sweep
from sim.outcomes.sources import TableSeries
from sim.outcomes.spec import DEFAULT_OUTCOMES, check_metric_names
from sim.outcomes.values import outcome_values
from sim.runs.api import run
from sim.seeds import spawn_seeds

EMA_HINT = 'install the EMA Workbench extra: pip install -e ".[ema]" (or pip install "ema_workbench>=3.0,<4").'
RESERVED = ("seed", "scenario", "policy", "model")  # columns of the Workbench's experiments table
MAX_SEED = 2**31 - 1


def _ema():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError as exc:
        raise EngineUnavailable(f"the EMA Workbench cannot be imported ({exc}).", hint=EMA_HINT) from None
    return ema_workbench


def _mean(values) -> float:
    """The mean of an outcome over the replications of an experiment."""
    return float(sum(values) / len(values))


def identifier(name: str) -> str:
    """A Workbench name for a key path or label: a Python identifier (``a.b-c`` → ``a_b_c``)."""
    text = re.sub(r"\W", "_", str(name))
    return text if text.isidentifier() and not text[0].isdigit() else f"p_{text}"


class CorridorFunction:
    """The callable the Workbench calls with one experiment's values (picklable, for its multiprocessing).

    Args:
        spec: The checked parameters, outcomes, base scenario and fixed overrides (a sweep without a design).
        seed: Seed of every run when the experiment brings none.
        names: Workbench name -> the parameter's key path (or multiplier label).
    """

    def __init__(self, spec: SweepSpec, seed: int, names: dict[str, str]):
        self.spec = spec.model_copy()
        self.spec._base = None  # the loaded scenario: not sent to worker processes
        self.bases = base_values(spec)
        self.seed = seed
        self.names = names

    @property
    def scenario(self) -> str:
        """The scenario file every experiment runs."""
        return str(self.spec.base_path)

    def overrides(self, values: dict[str, Any]) -> dict[str, Any]:
        """The scenario overrides of one experiment: fixed overrides, then each parameter (multipliers expanded)."""
        row = {k: cast_value(v, self.spec.parameters[k], self.bases.get(k)) for k, v in values.items()
               if k in self.spec.parameters}
        return {**self.spec.overrides, **expand(self.spec, row, self.bases)}

    def __call__(self, **values) -> dict[str, float]:
        """Run one experiment: ``values`` are keyed by key path (the Workbench's ``variable_name``)."""
        seed = int(values.pop("seed", self.seed))
        result = run(self.scenario, seed=seed, overrides=self.overrides(values), plots=False)
        return outcome_values(TableSeries(result.daily), self.spec.outcomes)


def _plain(value):
    """Tuples as lists, recursively (a sweep spec is strict: YAML gives lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _spec(scenario: str | Path, parameters: dict, outcomes: dict, overrides: dict) -> SweepSpec:
    label = Path(f"EMA model of {scenario}")
    raw = {"base": str(scenario), "parameters": _plain(parameters), "outcomes": outcomes,
           "overrides": _plain(overrides)}
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise SweepFileError(_format_validation(label, exc)) from None
    spec._path = label
    spec._base_path = Path(scenario)
    if not spec.base_path.is_file():
        raise SweepFileError(f"{label}: scenario file {scenario} not found.", hint="give the path of a scenario.")
    return _check(spec)


def _check(spec: SweepSpec) -> SweepSpec:
    for key, p in spec.parameters.items():
        if p.levels is not None and len(p.levels) < 2:
            raise SweepFileError(f"{spec.path}: 'parameters.{key}.levels': a categorical uncertainty or lever needs "
                                 "at least two levels.")
        if p.range is None and p.values is not None and len(p.values) < 2:
            raise SweepFileError(f"{spec.path}: 'parameters.{key}': a categorical uncertainty or lever needs at least "
                                 "two values.")
    check_metric_names(spec.outcomes, str(spec.path))
    try:
        spec.base_scenario()
    except ScenarioError as exc:
        raise SweepFileError(f"{spec.path}: {exc.message}") from None
    check_key_paths(spec)
    check_sweep_outcomes(spec)
    return spec


def _parameter(ema, spec: SweepSpec, key: str, name: str, base: Any):
    p = spec.parameters[key]
    if p.levels is not None:  # the labels; each experiment's label becomes that level's overrides (expand)
        return ema.CategoricalParameter(name, list(p.levels), variable_name=key)
    if p.values is not None:
        return ema.CategoricalParameter(name, list(p.values), variable_name=key)
    low, high = p.range
    whole = p.keys is None and (p.type == "int" or (p.type == "auto" and isinstance(base, int)
                                                      and not isinstance(base, bool)))
    if whole:
        return ema.IntegerParameter(name, math.ceil(low), math.floor(high), variable_name=key)
    return ema.RealParameter(name, float(low), float(high), variable_name=key)


def _names(spec: SweepSpec, names: dict[str, str] | None) -> dict[str, str]:
    names = dict(names or {})
    unknown = [k for k in names if k not in spec.parameters]
    if unknown:
        raise SweepFileError(f"{spec.path}: 'names' names '{unknown[0]}', which is no uncertainty or lever.")
    out: dict[str, str] = {}
    for key in spec.parameters:
        name = names.get(key) or identifier(key)
        if not name.isidentifier() or name in RESERVED or name in out:
            why = ("is not a Python identifier" if not name.isidentifier() else
                   "is a column of the Workbench's experiments" if name in RESERVED else f"also names {out.get(name)}")
            raise SweepFileError(f"{spec.path}: the Workbench name '{name}' of '{key}' {why}.",
                                 hint="give another in names={key path: name}.")
        out[name] = key
    return out


def build_model(spec: SweepSpec, uncertainties: list[str], *, seed: int | None = 0, replications: int | None = None,
                names: dict[str, str] | None = None, name: str | None = None, seeds: list[int] | None = None):
    """The Workbench model of a checked spec: ``uncertainties`` (parameter names) as uncertainties, the rest levers.

    Args:
        spec: Parameters, outcomes, base scenario and fixed overrides, checked (:func:`corridor_model`).
        uncertainties: The parameters that are uncertainties.
        seed: Seed of every run; None for a ``seed`` uncertainty.
        replications: Runs per experiment (a ``ReplicatorModel``); seeds spawned from ``seed``.
        names: Key path -> Workbench name.
        name: The model's name (a Python identifier); default from the scenario file's name.
        seeds: The replications' seeds (instead of spawning them).

    Returns:
        An ``ema_workbench.Model`` (or ``ReplicatorModel``); its ``function`` is a :class:`CorridorFunction`.
    """
    ema = _ema()
    if replications is not None and (replications < 1 or seed is None):
        raise SweepFileError(f"{spec.path}: 'replications' needs a seed and is 1 or more (got {replications}).")
    if seed is not None and not 0 <= int(seed) <= 2**63:
        raise SweepFileError(f"{spec.path}: 'seed' must be a whole number of 0 or more (got {seed}).")
    ema_names = _names(spec, names)
    by_key = {key: n for n, key in ema_names.items()}
    function = CorridorFunction(spec, int(seed or 0), ema_names)
    model_name = identifier(name or spec.base_path.stem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        klass = ema.ReplicatorModel if replications else ema.Model
        model = klass(model_name, function=function)
        bases = function.bases
        params = {key: _parameter(ema, spec, key, by_key[key], bases.get(key)) for key in spec.parameters}
        model.uncertainties = [params[k] for k in spec.parameters if k in uncertainties]
        if seed is None:
            model.uncertainties = [*model.uncertainties, ema.IntegerParameter("seed", 0, MAX_SEED)]
        model.levers = [params[k] for k in spec.parameters if k not in uncertainties]
        reduce = {"function": _mean} if replications else {}  # the mean over the replications
        model.outcomes = [ema.ScalarOutcome(identifier(o), variable_name=o, **reduce) for o in spec.outcomes]
        if replications:
            model.replications = [{"seed": s} for s in (seeds or spawn_seeds(int(seed), replications))]
    return model


def corridor_model(scenario: str | Path, *, uncertainties: dict | None = None, levers: dict | None = None,
                   outcomes: dict | None = None, seed: int | None = 0, replications: int | None = None,
                   overrides: dict | None = None, names: dict[str, str] | None = None, name: str | None = None):
    """A Corridor scenario as an EMA Workbench model.

    Args:
        scenario: The scenario file.
        uncertainties: Key path (or multiplier label) -> ``{range: [low, high]}``, ``{values: [...]}`` or
            ``{keys: [...], range: [...]}``, as a sweep file's ``parameters`` (docs/sweeps.md).
        levers: The same, for the levers (policies).
        outcomes: Name -> outcome (``{metric, country, place, stat, start, end}``); default: attempts per
            border, crossed, deaths, onward arrivals, peak at the border.
        seed: Seed of every run (common random numbers); None: a ``seed`` uncertainty.
        replications: Runs per experiment, with seeds ``SeedSequence(seed).spawn(replications)``.
        overrides: Fixed ``{key.path: value}`` applied to every run (as ``--set``).
        names: Key path -> the Workbench's name for it.
        name: The model's name (default: the scenario file's name).

    Returns:
        An ``ema_workbench.Model`` (or ``ReplicatorModel``) ready for ``perform_experiments``.

    Raises:
        SweepFileError: A key path, range, value or outcome the scenario refuses (before any run).
        EngineUnavailable: The ``ema`` extra is missing.
    """
    uncertainties, levers = dict(uncertainties or {}), dict(levers or {})
    both = [k for k in uncertainties if k in levers]
    if both:
        raise SweepFileError(f"EMA model of {scenario}: '{both[0]}' is both an uncertainty and a lever.")
    if not uncertainties and not levers:
        raise SweepFileError(f"EMA model of {scenario}: give at least one uncertainty or lever.")
    spec = _spec(scenario, {**uncertainties, **levers}, outcomes or DEFAULT_OUTCOMES, overrides or {})
    return build_model(spec, list(uncertainties), seed=seed, replications=replications, names=names, name=name)


def model_from_sweep(sweep: str | Path, *, as_levers: bool = False, seed: int | None = None,
                     names: dict[str, str] | None = None, name: str | None = None):
    """The EMA Workbench model of a sweep file: its parameters, outcomes, base scenario and overrides.

    Args:
        sweep: The sweep file.
        as_levers: Its parameters become levers (default: uncertainties).
        seed: Seed of every run; default: the sweep's replicate seeds (a ``ReplicatorModel`` when it has more
            than one replicate), so an experiment at a sample's values gives that sample's runs.
        names: Key path -> the Workbench's name for it.
        name: The model's name (default: the sweep's name).

    Returns:
        An ``ema_workbench.Model`` (or ``ReplicatorModel``).
    """
    spec = load_sweep(sweep)
    keys = [] if as_levers else list(spec.parameters)
    label = name or spec.name or spec.path.stem
    if seed is not None:
        return build_model(spec, keys, seed=seed, names=names, name=label)
    seeds = spawn_seeds(spec.seed, spec.replicates)
    if spec.replicates == 1:
        return build_model(spec, keys, seed=seeds[0], names=names, name=label)
    return build_model(spec, keys, seed=spec.seed, replications=spec.replicates, names=names, name=label, seeds=seeds)
