"""Calibration: fit named free parameters to observed official figures (issue 4).

The objective is the overall ARD of :mod:`sim.validation` (mean over series of the mean
relative error of their rows), averaged over a fixed set of seeds: common random numbers,
the same seeds at every evaluation, so two parameter sets are compared on the same draws.
It is minimised with scipy's ``differential_evolution`` (small population, few iterations,
Latin-hypercube initialisation, polished by nothing: the objective is noisy and stepwise).

A parameters file is a small YAML::

    parameters:                      # key path -> [low, high]
      demand.scale: [0.5, 1.5]
      migrants.attempt_interval_days: [1.5, 6]
    integers: [state_actors.belarus.transport_per_day]   # optional: rounded
    options: {seeds: 3, maxiter: 8, popsize: 4}          # optional defaults
    plausibility:                                        # optional soft ranges of other outcomes
      onward_germany: [7000, 15000]
    plausibility_weight: 0.5

Outcomes with no official series but a known order of magnitude (onward arrivals in
Germany, people repatriated, the peak number stranded at the border; see
:func:`sim.validation.other_outcomes`) can be given ``plausibility`` ranges: the objective
then adds ``plausibility_weight`` times the relative distance of each outcome outside its
range. The ARD is always reported on its own.

The leave-one-country-out check fits the same parameters on the series of all countries
but one and scores the held-out country's series with that fit, which shows how much of
the fit generalises beyond the data it was fitted on.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from sim.errors import ScenarioError
from sim.loader import load_scenario, read_yaml
from sim.schema import Scenario
from sim.validation import Target, build_targets, load_observed, observed_path, run_values, score, seeds_for


# --------------------------------------------------------------------------- parameters file
@dataclass
class ParamSpec:
    """Free parameters: key paths, bounds, which are integers, and optimiser defaults."""

    names: list[str]
    bounds: list[tuple[float, float]]
    integers: set[str] = field(default_factory=set)
    options: dict = field(default_factory=dict)
    plausibility: dict = field(default_factory=dict)
    plausibility_weight: float = 0.5

    def penalty(self, others: dict) -> float:
        """Weighted relative distance of the other outcomes outside their plausible ranges."""
        total = 0.0
        for key, (lo, hi) in self.plausibility.items():
            v = others[key]
            if v < lo:
                total += (lo - v) / lo
            elif v > hi:
                total += (v - hi) / hi
        return self.plausibility_weight * total

    def values(self, x) -> dict:
        """Parameter vector → ``{key.path: value}`` overrides."""
        out = {}
        for name, v in zip(self.names, x, strict=True):
            out[name] = int(round(float(v))) if name in self.integers else round(float(v), 6)
        return out


def load_params(path, scenario: Scenario | None = None) -> ParamSpec:
    """Read and check a parameters file (every problem is a :class:`ScenarioError`)."""
    path = Path(path)
    data, _ = read_yaml(path)
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ScenarioError("the parameters file needs a non-empty 'parameters:' mapping of key path to "
                            "[low, high].", file=str(path), key_path="parameters")
    allowed = {"parameters", "integers", "options", "description", "plausibility", "plausibility_weight"}
    unknown = set(data) - allowed
    if unknown:
        raise ScenarioError(f"unknown top-level key(s): {', '.join(sorted(unknown))}.", file=str(path),
                            hint=f"allowed: {', '.join(sorted(allowed))}.")
    plaus = data.get("plausibility") or {}
    known = ("arrivals_minsk", "onward_germany", "onward_all", "repatriated", "stranded_peak_all",
             "stranded_peak_PL", "deaths")
    for key, rng in plaus.items():
        if key not in known:
            raise ScenarioError(f"unknown outcome '{key}'.", file=str(path), key_path=f"plausibility.{key}",
                                hint=f"known: {', '.join(known)}.")
        if not isinstance(rng, (list, tuple)) or len(rng) != 2 or not 0 < float(rng[0]) <= float(rng[1]):
            raise ScenarioError("a plausible range must be [low, high] with 0 < low <= high.", file=str(path),
                                key_path=f"plausibility.{key}")
    names, bounds = [], []
    for key, rng in params.items():
        if (not isinstance(rng, (list, tuple)) or len(rng) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)):
            raise ScenarioError("a range must be [low, high] with two numbers.", file=str(path),
                                key_path=f"parameters.{key}")
        lo, hi = float(rng[0]), float(rng[1])
        if not lo < hi:
            raise ScenarioError(f"low ({lo}) must be below high ({hi}).", file=str(path), key_path=f"parameters.{key}")
        names.append(str(key))
        bounds.append((lo, hi))
    integers = set(data.get("integers") or [])
    options = dict(data.get("options") or {})
    spec = ParamSpec(names, bounds, integers, options,
                     {k: (float(v[0]), float(v[1])) for k, v in plaus.items()},
                     float(data.get("plausibility_weight", 0.5)))
    if scenario is not None:  # every key path must exist and both ends must validate
        base = scenario.model_dump(by_alias=True, mode="python")
        for x in (np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])):
            try:
                load_scenario(copy.deepcopy(base), spec.values(x))
            except ScenarioError as exc:
                raise ScenarioError(f"parameter range does not fit the scenario: {exc.reason}", file=str(path),
                                    key_path=exc.key_path, hint=exc.hint) from None
    return spec


# --------------------------------------------------------------------------- objective
class Objective:
    """Mean over fixed seeds of the overall ARD for a parameter vector (picklable for process pools)."""

    def __init__(self, base: dict, spec: ParamSpec, targets: list[Target], seeds: list[int],
                 countries: set[str] | None = None) -> None:
        self.base, self.spec, self.seeds = base, spec, seeds
        self.targets = [t for t in targets if countries is None or t.country in countries]

    def scenario(self, x) -> Scenario:
        """The scenario with the parameters set."""
        return load_scenario(copy.deepcopy(self.base), self.spec.values(x))

    def evaluate(self, x) -> tuple[float, float, dict]:
        """Mean ARD over the seeds, mean plausibility penalty, mean other outcomes."""
        sc = self.scenario(x)
        scores, penalties, others = [], [], []
        for s in self.seeds:
            values, other = run_values(sc, s, self.targets)
            scores.append(score(values, self.targets)[0])
            penalties.append(self.spec.penalty(other))
            others.append(other)
        mean_other = {k: float(np.mean([o[k] for o in others])) for k in others[0] if k != "stranded_peak_date"}
        return float(np.mean(scores)), float(np.mean(penalties)), mean_other

    def __call__(self, x) -> float:
        """The objective: mean ARD plus the plausibility penalty."""
        ard_value, penalty, _ = self.evaluate(x)
        return ard_value + penalty


@dataclass
class CalibrationResult:
    """What ``calibrate`` found."""

    scenario_file: str
    params_file: str
    spec: ParamSpec
    seeds: list[int]
    best: dict
    ard: float
    ard_start: float
    start: dict
    evaluations: int
    seconds: float
    per_series: dict
    loco: list[dict] = field(default_factory=list)
    penalty: float = 0.0
    penalty_start: float = 0.0
    others: dict = field(default_factory=dict)

    def calibrated_yaml(self, target_path: Path) -> str:
        """A scenario that extends the base file and sets the fitted values."""
        base = Path(self.scenario_file).resolve()
        rel = os.path.relpath(base, Path(target_path).resolve().parent)
        nested: dict = {}
        for key, value in self.best.items():
            node = nested
            parts = key.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = value
        header = [
            f"# Calibrated from {self.scenario_file} with `corridor calibrate --params {self.params_file}`",
            f"# on {dt.date.today().isoformat()}: scipy differential_evolution minimising the overall ARD",
            f"# (sim/validation.py) averaged over {len(self.seeds)} fixed seeds {self.seeds};",
            f"# {self.evaluations} evaluations, ARD {self.ard_start:.3f} at the start -> {self.ard:.3f} fitted.",
            "# Every value below is 'calibrated' (bounds in the parameters file). Dated events of the base",
            "# file that set the same keys still apply from their dates.",
        ]
        body = {"extends": rel, "name": f"{Path(self.scenario_file).stem}_calibrated"}
        body.update(nested)
        return "\n".join(header) + "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)

    def write(self, folder) -> list[Path]:
        """Write calibration.json and ``<scenario>_calibrated.yaml`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        yml = folder / f"{Path(self.scenario_file).stem}_calibrated.yaml"
        yml.write_text(self.calibrated_yaml(yml))
        js = folder / "calibration.json"
        js.write_text(json.dumps({
            "scenario": self.scenario_file, "params_file": self.params_file, "seeds": self.seeds,
            "bounds": dict(zip(self.spec.names, self.spec.bounds, strict=True)),
            "start": self.start, "best": self.best, "ard_start": self.ard_start, "ard": self.ard,
            "per_series": self.per_series, "evaluations": self.evaluations, "seconds": round(self.seconds, 1),
            "plausibility": {k: list(v) for k, v in self.spec.plausibility.items()},
            "penalty_start": self.penalty_start, "penalty": self.penalty, "other_outcomes": self.others,
            "leave_one_country_out": self.loco,
        }, indent=2))
        return [yml, js]


def _fit(objective: Objective, spec: ParamSpec, x0, maxiter: int, popsize: int, workers: int, seed: int,
         verbose: bool = False):
    from scipy.optimize import differential_evolution

    generation = [0]

    def progress(intermediate_result):
        generation[0] += 1
        if verbose:
            print(f"  generation {generation[0]}: best objective {intermediate_result.fun:.4f}",
                  file=sys.stderr, flush=True)

    kwargs = dict(callback=progress, bounds=spec.bounds, maxiter=maxiter, popsize=popsize, init="latinhypercube",
                  seed=seed,
                  polish=False, tol=1e-3, mutation=(0.5, 1.0), recombination=0.7, x0=x0)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            res = differential_evolution(objective, updating="deferred", workers=pool.map, **kwargs)
    else:
        res = differential_evolution(objective, **kwargs)
    return res


def leave_one_country_out(base: dict, spec: ParamSpec, targets: list[Target], seeds: list[int], x0, x_full,
                          maxiter: int, popsize: int, workers: int = 1, verbose: bool = False) -> list[dict]:
    """Fit on all countries but one (half the generations), score the held-out country's series.

    Returns one dict per held-out country with its held-out ARD under the LOCO fit, under the
    full fit ``x_full`` and at the start ``x0``.
    """
    rows = []
    countries = sorted({t.country for t in targets if t.scored})
    if len(countries) < 2:
        return rows
    for held in countries:
        train = set(countries) - {held}
        obj = Objective(base, spec, targets, seeds, countries=train)
        fit = _fit(obj, spec, x0, max(2, maxiter // 2), popsize, workers, seed=seeds[0] % (2**32), verbose=verbose)
        test = Objective(base, spec, targets, seeds, countries={held})
        rows.append({
            "held_out": held, "fitted_on": sorted(train), "values": spec.values(fit.x),
            "ard_train": obj.evaluate(fit.x)[0], "ard_held_out_with_loco_fit": test.evaluate(fit.x)[0],
            "ard_held_out_with_full_fit": test.evaluate(x_full)[0], "ard_held_out_at_start": test.evaluate(x0)[0],
        })
    return rows


def calibrate(scenario_path, params_path, n_seeds: int | None = None, root_seed: int | None = None,
              workers: int = 1, maxiter: int | None = None, popsize: int | None = None, observed=None,
              loco: bool = True, verbose: bool = False) -> CalibrationResult:
    """Fit the parameters of ``params_path`` to the scenario's observed data.

    Args:
        scenario_path: Scenario file.
        params_path: Parameters YAML (see module docstring).
        n_seeds: Seeds per evaluation (common random numbers); default from the file's options, else 3.
        root_seed: SeedSequence root (default: the scenario's seed).
        workers: Local processes (population members are evaluated in parallel).
        maxiter: Differential evolution generations (default from the file, else 8).
        popsize: Differential evolution population factor (default from the file, else 4).
        observed: Observed CSV or DataFrame (default: the scenario's ``observed:``).
        loco: Also run the leave-one-country-out check.
        verbose: Print the best objective after each generation (stderr).
    """
    t0 = time.perf_counter()
    scenario = load_scenario(scenario_path)
    file = str(scenario_path)
    spec = load_params(params_path, scenario)
    opts = spec.options
    n_seeds = int(n_seeds or opts.get("seeds", 3))
    maxiter = int(maxiter or opts.get("maxiter", 8))
    popsize = int(popsize or opts.get("popsize", 4))
    if n_seeds < 1 or maxiter < 1 or popsize < 1:
        raise ScenarioError("seeds, maxiter and popsize must be at least 1.", file=str(params_path))
    if isinstance(observed, str) or observed is None:
        obs = load_observed(observed_path(file, scenario, observed))
    else:
        obs = load_observed(observed)
    targets = build_targets(scenario, obs, file)
    seeds = seeds_for(scenario.seed if root_seed is None else root_seed, n_seeds)
    base = scenario.model_dump(by_alias=True, mode="python")
    base["observed"] = None

    def current(name):
        node = base
        for p in name.split("."):
            node = node[int(p)] if isinstance(node, list) else node[p]
        return float(node)

    x0 = np.array([min(max(current(n), lo), hi) for n, (lo, hi) in zip(spec.names, spec.bounds, strict=True)])
    full = Objective(base, spec, targets, seeds)
    ard_start, pen_start, _ = full.evaluate(x0)
    res = _fit(full, spec, x0, maxiter, popsize, workers, seed=seeds[0] % (2**32), verbose=verbose)
    ard_best, pen_best, others_best = full.evaluate(res.x)
    res_x = res.x
    if ard_start + pen_start < ard_best + pen_best:  # the start was better than anything found: keep it
        res_x = x0
        ard_best, pen_best, others_best = full.evaluate(x0)
    best = spec.values(res_x)
    sc_best = full.scenario(res_x)
    per_series_runs = [score(run_values(sc_best, s, targets)[0], targets)[1] for s in seeds]
    per_series = {k: float(np.mean([p[k] for p in per_series_runs])) for k in per_series_runs[0]}

    loco_rows = leave_one_country_out(base, spec, targets, seeds, x0, res_x, maxiter, popsize, workers,
                                      verbose) if loco else []
    return CalibrationResult(file, str(params_path), spec, seeds, best, ard_best, ard_start, spec.values(x0),
                             int(res.nfev), time.perf_counter() - t0, per_series, loco_rows,
                             penalty=pen_best, penalty_start=pen_start, others=others_best)


def format_result(result: CalibrationResult) -> str:
    """Plain-text summary of a calibration."""
    lines = [f"Calibrated {result.scenario_file} with {result.params_file}: {result.evaluations} evaluations "
             f"x {len(result.seeds)} seeds in {result.seconds:.0f} s",
             f"overall ARD {result.ard_start:.3f} at the start -> {result.ard:.3f} "
             f"(plausibility penalty {result.penalty_start:.3f} -> {result.penalty:.3f})", ""]
    lines.append(f"{'parameter':<58}{'start':>12}{'fitted':>12}")
    for name in result.spec.names:
        lines.append(f"{name:<58}{result.start[name]:>12.4g}{result.best[name]:>12.4g}")
    lines.append("")
    for k, v in result.per_series.items():
        lines.append(f"  ARD {k:<20}{v:.3f}")
    if result.others:
        lines.append("  other outcomes: " + ", ".join(f"{k} {v:,.0f}" for k, v in result.others.items()))
    if result.loco:
        lines += ["", "leave-one-country-out (fit on the others, score the held-out country):"]
        for r in result.loco:
            lines.append(f"  {r['held_out']}: held-out ARD {r['ard_held_out_with_loco_fit']:.3f} with the LOCO fit, "
                         f"{r['ard_held_out_with_full_fit']:.3f} with the full fit, "
                         f"{r['ard_held_out_at_start']:.3f} at the start (train ARD {r['ard_train']:.3f})")
    return "\n".join(lines)
