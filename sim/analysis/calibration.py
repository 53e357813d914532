"""Calibration: fit named free parameters to observed official figures (issue 4).

The objective is the overall ARD of :mod:`sim.analysis.validation` (mean over series of the mean
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

A key path may reach into a dated event's values, e.g. ``events.2.set.state_actors.belarus.steer.PL``
(the value the event sets from its date on); the calibrated scenario then lists every event.

Only the observed series enter the objective. Outcomes with no official series (onward
arrivals in Germany, repatriation, people stranded, deaths) are never fitted: they are
reported beside the fit as independent checks (:func:`sim.analysis.validation.other_outcomes`).

Calibration and validation use different random numbers: the calibration seeds come from
their own stream of the root seed (:func:`calibration_seeds`), so ``validate`` never scores a
fit on the very draws it was fitted to.

The leave-one-country-out check fits the parameters again on the series of all countries but
one, from scratch (no start point: the first population is spread over the ranges), with the
held-out country's own parameters (key paths naming that country) pinned at the middle of
their ranges, and scores the held-out country with that fit: the fit has never seen that
country's figures, so its score shows how much of the model generalises.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sim.analysis.calibrated_file import calibrated_yaml
from sim.analysis.local_search import local_fit
from sim.analysis.objective import Objective
from sim.analysis.params_file import ParamSpec, fit_base, load_params
from sim.errors import ScenarioError
from sim.files import atomic_write_text
from sim.outcomes.observed import Target, build_targets, observed_path
from sim.runs.parallel import process_context
from sim.scenario.loader import load_scenario
from sim.scenario.observed_file import load_observed
from sim.seeds import calibration_seeds


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
    others: dict = field(default_factory=dict)
    method: str = "optimise"

    def calibrated_yaml(self, target_path: Path) -> str:
        """A scenario that extends the base file and sets the fitted values (:mod:`sim.analysis.calibrated_file`)."""
        how = "Nelder-Mead from the scenario's values" if self.method == "local" else "differential_evolution"
        header = [
            f"Calibrated from {self.scenario_file} with `corridor calibrate --params {self.params_file}"
            f"{' --method local' if self.method == 'local' else ''}`",
            f"on {dt.date.today().isoformat()}: scipy {how} minimising the overall ARD",
            f"(sim/analysis/scores.py) averaged over {len(self.seeds)} calibration seeds {self.seeds}",
            "(a stream apart from the validation seeds); only the observed series were fitted;",
            f"{self.evaluations} evaluations, ARD {self.ard_start:.3f} at the start -> {self.ard:.3f} fitted.",
            "Every value below is 'calibrated' (bounds in the parameters file). Dated events of the base",
            "file that set the same keys still apply from their dates.",
        ]
        return calibrated_yaml(self.scenario_file, self.params_file, self.best, header, target_path)

    def write(self, folder) -> list[Path]:
        """Write calibration.json and ``<scenario>_calibrated.yaml`` into ``folder`` (atomically)."""
        folder = Path(folder)
        yml = folder / f"{Path(self.scenario_file).stem}_calibrated.yaml"
        atomic_write_text(yml, self.calibrated_yaml(yml))
        js = folder / "calibration.json"
        atomic_write_text(js, json.dumps({
            "scenario": self.scenario_file, "params_file": self.params_file, "method": self.method,
            "calibration_seeds": self.seeds,
            "bounds": dict(zip(self.spec.names, self.spec.bounds, strict=True)),
            "start": self.start, "best": self.best, "ard_start": self.ard_start, "ard": self.ard,
            "per_series": self.per_series, "evaluations": self.evaluations, "seconds": round(self.seconds, 1),
            "other_outcomes_not_fitted": self.others, "leave_one_country_out": self.loco,
        }, indent=2) + "\n")
        return [yml, js]


def _fit(objective: Objective, spec: ParamSpec, x0, maxiter: int, popsize: int, workers: int, seed: int,
         verbose: bool = False, label: str = ""):
    from scipy.optimize import differential_evolution

    generation = [0]

    def progress(intermediate_result):
        generation[0] += 1
        if verbose:
            print(f"  {label}generation {generation[0]}/{maxiter}: best ARD {intermediate_result.fun:.4f}",
                  file=sys.stderr, flush=True)

    kwargs = dict(callback=progress, bounds=spec.bounds, maxiter=maxiter, popsize=popsize, init="latinhypercube",
                  seed=seed, polish=False, tol=1e-3, mutation=(0.5, 1.0), recombination=0.7)
    if x0 is not None:
        kwargs["x0"] = x0
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=process_context()) as pool:
            res = differential_evolution(objective, updating="deferred", workers=pool.map, **kwargs)
    else:
        res = differential_evolution(objective, **kwargs)
    return res


def leave_one_country_out(base: dict, spec: ParamSpec, targets: list[Target], seeds: list[int], best: dict,
                          maxiter: int, popsize: int, workers: int = 1, verbose: bool = False) -> list[dict]:
    """For each country: fit on the others from scratch (its own parameters pinned), score it.

    Returns one dict per held-out country: the held-out country's ARD under that fit (never
    fitted to it), under the full fit ``best`` (fitted to it, for comparison), the training ARD,
    and the fitted and pinned values.
    """
    rows = []
    countries = sorted({t.country for t in targets if t.scored})
    if len(countries) < 2:
        return rows
    for held in countries:
        train = set(countries) - {held}
        sub = spec.without(held)
        obj = Objective(base, sub, targets, seeds, countries=train)
        fit = _fit(obj, sub, None, max(2, maxiter // 2), popsize, workers, seed=seeds[0] % (2**32),
                   verbose=verbose, label=f"without {held}: ")
        test = Objective(base, sub, targets, seeds, countries={held})
        test_full = Objective(base, ParamSpec([], [], fixed=best), targets, seeds, countries={held})
        rows.append({
            "held_out": held, "fitted_on": sorted(train), "values": sub.values(fit.x),
            "pinned": {k: v for k, v in sub.fixed.items() if k not in spec.fixed},
            "ard_train": obj.evaluate(fit.x)[0], "ard_held_out_with_loco_fit": test.evaluate(fit.x)[0],
            "ard_held_out_with_full_fit": test_full.evaluate([])[0],
        })
    return rows


def calibrate(scenario_path, params_path, n_seeds: int | None = None, root_seed: int | None = None,
              workers: int = 1, maxiter: int | None = None, popsize: int | None = None, observed=None,
              loco: bool = True, verbose: bool = False, method: str = "optimise",
              evaluations: int | None = None) -> CalibrationResult:
    """Fit the parameters of ``params_path`` to the scenario's observed data.

    Args:
        scenario_path: Scenario file.
        params_path: Parameters YAML (see module docstring).
        n_seeds: Seeds per evaluation (common random numbers); default from the file's options, else 3.
        root_seed: Root of the seeds (default: the scenario's seed); the calibration seeds are
            :func:`calibration_seeds` of it, never the validation seeds.
        workers: Local processes (population members are evaluated in parallel).
        maxiter: Differential evolution generations (default from the file, else 8).
        popsize: Differential evolution population factor (default from the file, else 4).
        observed: Observed CSV or DataFrame (default: the scenario's ``observed:``).
        loco: Also run the leave-one-country-out check (differential evolution only).
        verbose: Print the best objective after each generation, or each improvement (stderr).
        method: ``optimise`` (differential evolution over the ranges) or ``local`` (Nelder–Mead from
            the scenario's values, :mod:`sim.analysis.local_search`).
        evaluations: Candidates of the local search (default from the file, else 200).
    """
    t0 = time.perf_counter()
    if method not in ("optimise", "local"):
        raise ScenarioError(f"unknown calibration method {method!r}.", hint="use optimise or local here; "
                            "abc is sim.analysis.abc.calibrate_abc.")
    scenario = load_scenario(scenario_path)
    file = str(scenario_path)
    spec = load_params(params_path, scenario)
    opts = spec.options
    def given(value, key, default):
        return int(value if value is not None else opts.get(key, default))

    n_seeds, maxiter = given(n_seeds, "seeds", 3), given(maxiter, "maxiter", 8)
    popsize, evaluations = given(popsize, "popsize", 4), given(evaluations, "evaluations", 200)
    if n_seeds < 1 or maxiter < 1 or popsize < 1 or evaluations < 1:
        raise ScenarioError("seeds, maxiter, popsize and evaluations must be at least 1.", file=str(params_path))
    if isinstance(observed, str) or observed is None:
        obs = load_observed(observed_path(file, scenario, observed))
    else:
        obs = load_observed(observed)
    targets = build_targets(scenario, obs, file)
    seeds = calibration_seeds(scenario.seed if root_seed is None else root_seed, n_seeds)
    base = fit_base(scenario)

    x0 = spec.start(base, source=str(params_path))
    full = Objective(base, spec, targets, seeds)
    ard_start, _ = full.evaluate(x0)
    if method == "local":
        def progress(evaluation, ard):
            if verbose:
                print(f"  evaluation {evaluation}/{evaluations}: best ARD {ard:.4f}", file=sys.stderr, flush=True)

        res = local_fit(full, spec, x0, evaluations, workers, progress)
        loco = False
    else:
        res = _fit(full, spec, x0, maxiter, popsize, workers, seed=seeds[0] % (2**32), verbose=verbose)
    res_x = res.x
    ard_best, others_best = full.evaluate(res_x)
    if ard_start < ard_best:  # the start was better than anything found: keep it
        res_x = x0
        ard_best, others_best = full.evaluate(x0)
    best = spec.values(res_x)
    per_series = full.per_series(res_x)[1]

    loco_rows = leave_one_country_out(base, spec, targets, seeds, best, maxiter, popsize, workers,
                                      verbose) if loco else []
    return CalibrationResult(file, str(params_path), spec, seeds, best, ard_best, ard_start, spec.values(x0),
                             int(res.nfev), time.perf_counter() - t0, per_series, loco_rows, others=others_best,
                             method=method)


def format_result(result: CalibrationResult) -> str:
    """Plain-text summary of a calibration."""
    lines = [f"Calibrated {result.scenario_file} with {result.params_file}: {result.evaluations} evaluations "
             f"x {len(result.seeds)} calibration seeds in {result.seconds:.0f} s",
             f"overall ARD {result.ard_start:.3f} at the start -> {result.ard:.3f} fitted", ""]
    width = max(len(n) for n in result.spec.names) + 2
    lines.append(f"{'parameter':<{width}}{'start':>12}{'fitted':>12}")
    for name in result.spec.names:
        lines.append(f"{name:<{width}}{result.start[name]:>12.4g}{result.best[name]:>12.4g}")
    lines.append("")
    for k, v in result.per_series.items():
        lines.append(f"  ARD {k:<20}{v:.3f}")
    if result.others:
        lines.append("  not fitted, to check against public figures: "
                     + ", ".join(f"{k} {v:,.0f}" for k, v in result.others.items()))
    if result.loco:
        lines += ["", "leave-one-country-out (fit from scratch on the others, the held-out country's own "
                  "parameters pinned at mid-range; score the held-out country):"]
        for r in result.loco:
            lines.append(f"  {r['held_out']}: held-out ARD {r['ard_held_out_with_loco_fit']:.3f} never fitted to it, "
                         f"{r['ard_held_out_with_full_fit']:.3f} with the full fit (train ARD {r['ard_train']:.3f})")
    return "\n".join(lines)
