"""ABC-SMC calibration (``corridor calibrate --method abc``): a posterior over the free parameters, not one point.

Approximate Bayesian computation by sequential Monte Carlo, with pyabc's ``ABCSMC``:

* **priors** from the parameters file's ranges, uniform unless a parameter says ``prior: loguniform``
  (a proposal outside a range is drawn again, as pyabc does); parameters listed under ``abc.leave_out``
  (those a screen found the observed rows do not move) stay at the scenario's values;
* **one simulation per candidate**, its seed part of the candidate (:class:`~sim.analysis.abc_sampler.SeededSampler`),
  so the posterior includes the model's own noise; each run stops at the last observed row
  (:func:`sim.analysis.objective.fit_horizon`);
* **distance**: the overall ARD of :mod:`sim.analysis.scores` (mean over series of the mean relative
  error of their rows), the figure validation reports;
* **thresholds**: generation 0 accepts every prior draw; each next threshold is the ``quantile`` of the
  last generation's distances (pyabc's ``QuantileEpsilon``); proposals are pyabc's multivariate normal
  kernel fitted to the last generation, its covariance scaled by ``kernel_scaling`` (default 2: with a
  dozen parameters the default kernel lets the importance weights collapse onto a handful of sets —
  an effective sample size of 1–2 % of the population by the third generation in a 12-parameter
  test problem and in the first calibration of belarus_2021 — while scaled by 2 it stays at 25–60 %);
* **stopping**: ``generations``, ``min_epsilon``, ``max_simulations`` or ``max_minutes`` (the generation
  that passes the time is kept), whichever comes first.

Everything goes into one folder: ``abc.db`` (pyabc's SQLite history), ``plan.json`` (what the
history belongs to), ``posterior.csv`` (every generation; the last one is the posterior, read by
:mod:`sim.scenario.posterior_file`), ``posterior_summary.md``/``.json``, ``plots/`` and
``<scenario>_calibrated.yaml`` (the weighted medians, and ``posterior: posterior.csv``). A killed
calibration resumes from its database: the generations it finished are kept and the next ones are
the ones an uninterrupted calibration would have made (the seeds depend on generation and
candidate only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.abc_sampler import SeededSampler, candidate_seed
from sim.analysis.calibrated_file import calibrated_yaml
from sim.analysis.objective import Objective
from sim.analysis.params_file import ParamSpec, fit_base, load_params
from sim.analysis.posterior_summary import (
    effective_sample_size,
    parameter_table,
    strongest_pairs,
    summary_markdown,
)
from sim.analysis.scores import score
from sim.analysis.validation import run_values
from sim.errors import PlanMismatch, ScenarioError
from sim.files import atomic_write_frame, atomic_write_json, atomic_write_text, output_folder
from sim.outcomes.observed import Target, build_targets, observed_path
from sim.runs.provenance import scenario_hash, versions
from sim.scenario.loader import load_scenario
from sim.scenario.observed_file import load_observed
from sim.seeds import calibration_seeds

DB = "abc.db"
MEDIAN_SEEDS = 3  # calibration seeds the posterior median's ARD is measured on


class Simulation:
    """pyabc's model: one run of the shortened scenario with the candidate's parameters and seed."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective

    def __call__(self, pars) -> dict:
        """The simulated value of every observed row for pyabc's parameters ``pars``."""
        x = [pars[name] for name in _labels(len(self.objective.spec.names))]
        values, _ = run_values(self.objective.scenario(x), candidate_seed(), self.objective.targets)
        return {"values": values}


class ArdDistance:
    """pyabc's distance: the overall ARD of a simulation against the observed rows."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective

    def __call__(self, x: dict, x0: dict) -> float:
        """The ARD of simulation ``x`` (the observed rows are the objective's; ``x0`` is pyabc's copy)."""
        return score(x["values"], self.objective.targets)[0]


def _labels(n: int) -> list[str]:
    """The names pyabc gives the parameters (key paths are not valid names there): ``p00, p01, ...``."""
    return [f"p{i:02d}" for i in range(n)]


def _priors(spec: ParamSpec):
    """Uniform priors over the ranges (log-uniform where the file says ``prior: loguniform``)."""
    import pyabc

    rvs = {}
    for label, name, (lo, hi) in zip(_labels(len(spec.names)), spec.names, spec.bounds, strict=True):
        rvs[label] = pyabc.RV("loguniform", lo, hi) if spec.prior(name) == "loguniform" else \
            pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


@dataclass
class AbcSettings:
    """How one ABC-SMC calibration runs (the file's ``abc:`` options, overridden on the command line)."""

    population: int
    generations: int
    quantile: float
    min_epsilon: float
    max_simulations: int
    max_minutes: float
    workers: int
    root_seed: int
    kernel_scaling: float = 2.0


def abc_plan(scenario, spec: ParamSpec, targets: list[Target], s: AbcSettings) -> dict:
    """What a history belongs to: the scenario, the observed rows, the priors, the population and the seeds."""
    rows = [[t.country, t.metric, t.start.isoformat(), t.end.isoformat(), t.value, t.scored] for t in targets]
    return {"kind": "abc-smc", "scenario_hash": scenario_hash(scenario),
            "observed_rows_sha256": hashlib.sha256(json.dumps(rows).encode()).hexdigest(),
            "parameters": [{"name": n, "pyabc": lab, "low": lo, "high": hi, "prior": spec.prior(n),
                            "key_paths": spec.key_paths(n), "integer": n in spec.integers}
                           for n, lab, (lo, hi) in zip(spec.names, _labels(len(spec.names)), spec.bounds,
                                                       strict=True)],
            "fixed": spec.fixed, "population": s.population, "quantile": s.quantile, "root_seed": s.root_seed,
            "kernel_scaling": s.kernel_scaling}


def _check_plan(out: Path, plan: dict) -> bool:
    """True when ``out`` holds a history of this plan (resume); False when empty; else PlanMismatch."""
    path = out / "plan.json"
    if not path.exists():
        if (out / DB).exists():
            raise PlanMismatch(f"{out / DB} has no plan.json beside it, so it cannot be told what it belongs to.",
                               hint="remove the folder or choose another --out.")
        return False
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        old = None
    if old != plan:
        what = [k for k in plan if not isinstance(old, dict) or old.get(k) != plan[k]]
        raise PlanMismatch(f"{out} holds an ABC calibration of another plan (differs in: {', '.join(what)}).",
                           hint="remove the folder or choose another --out to start a new calibration.")
    return (out / DB).exists()


def run_abc(objective: Objective, plan: dict, out: Path, s: AbcSettings, verbose: bool = False):
    """Run (or resume) ABC-SMC into ``out``; the pyabc History."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.INFO if verbose else logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    resume = _check_plan(out, plan)
    atomic_write_json(out / "plan.json", plan)
    sampler = SeededSampler(s.workers, s.root_seed)
    abc = pyabc.ABCSMC(Simulation(objective), _priors(objective.spec), ArdDistance(objective),
                       population_size=s.population, sampler=sampler,
                       transitions=pyabc.MultivariateNormalTransition(scaling=s.kernel_scaling))
    url = f"sqlite:///{(out / DB).resolve()}"
    history = None
    if resume:
        try:
            history = abc.load(url, 1)
        except Exception:  # noqa: BLE001 - killed before its first commit: nothing of it can be kept
            (out / DB).unlink()
    if history is None:
        history = abc.new(url, {"values": np.array([t.value for t in objective.targets])})
    # generation 0 accepts every prior draw; a resumed run takes its first threshold from the last generation
    # kept, as the uninterrupted run did
    abc.eps = pyabc.QuantileEpsilon(initial_epsilon="from_sample" if history.max_t >= 0 else np.inf,
                                    alpha=s.quantile)
    remaining = s.generations - (history.max_t + 1)
    if remaining > 0 and history.total_nr_simulations < s.max_simulations:
        try:
            with np.errstate(invalid="ignore"):  # pyabc compares generation 0's infinite threshold with the next
                abc.run(minimum_epsilon=s.min_epsilon, max_nr_populations=remaining,
                        max_total_nr_simulations=s.max_simulations,
                        max_walltime=dt.timedelta(minutes=s.max_minutes))
        finally:
            sampler.close()
    return history


def posterior_frame(history, spec: ParamSpec) -> pd.DataFrame:
    """Every accepted set of every generation: ``generation, particle, weight, distance`` and the key paths."""
    rows = []
    labels = _labels(len(spec.names))
    for t in range(history.max_t + 1):
        particles = history.get_population(t).particles
        total = sum(p.weight for p in particles)
        for i, p in enumerate(particles):
            values = spec.values([p.parameter[lab] for lab in labels])
            rows.append({"generation": t, "particle": i, "weight": round(p.weight / total, 12),
                         "distance": round(float(p.distance), 9),
                         **{k: v for k, v in values.items() if k not in spec.fixed}})
    return pd.DataFrame(rows)


def by_parameter(frame: pd.DataFrame, spec: ParamSpec) -> pd.DataFrame:
    """The sets with one column per parameter (a group's first key path stands for it)."""
    return pd.DataFrame({n: frame[spec.key_paths(n)[0]].to_numpy(float) for n in spec.names})


@dataclass
class AbcResult:
    """What ``calibrate --method abc`` found and where it wrote it."""

    out: Path
    table: pd.DataFrame
    facts: dict
    per_series: dict
    written: list[Path]
    objective: Objective | None = None
    settings: AbcSettings | None = None
    scenario: object = None

    def text(self) -> str:
        """The summary for the terminal."""
        lines = [f"  {k}: {v}" for k, v in self.facts.items()]
        lines += [f"  {r.parameter:<48} {r.median:>10.4g}  ({r.q05:.4g} to {r.q95:.4g}) "
                  f"{'identified' if r.identified else 'NOT identified'}" for r in self.table.itertuples()]
        lines += [f"  ARD {k:<20}{v:.3f}" for k, v in self.per_series.items()]
        return "\n".join(lines)


def settings(spec: ParamSpec, workers: int, root_seed: int, **given) -> AbcSettings:
    """The file's ``abc:`` options with the values ``given`` (not None) taking their place."""
    opts = {**spec.abc, **{k: v for k, v in given.items() if v is not None}}
    opts.pop("leave_out", None)
    for key in ("population", "generations", "max_simulations"):
        if int(opts[key]) < 1:
            raise ScenarioError(f"--{key.replace('_', '-')} must be at least 1 (got {opts[key]}).")
    if float(opts["max_minutes"]) <= 0:
        raise ScenarioError(f"--max-minutes must be above 0 (got {opts['max_minutes']}).")
    return AbcSettings(int(opts["population"]), int(opts["generations"]), float(opts["quantile"]),
                       float(opts["min_epsilon"]), int(opts["max_simulations"]), float(opts["max_minutes"]),
                       workers, int(root_seed), float(opts["kernel_scaling"]))


def calibrate_abc(scenario_path, params_path, out=None, workers: int = 1, root_seed: int | None = None,
                  observed=None, verbose: bool = False, **options) -> AbcResult:
    """Run (or resume) an ABC-SMC calibration and write the posterior, its summary, plots and calibrated file.

    Args:
        scenario_path: Scenario file.
        params_path: Parameters file (ranges = priors; its ``abc:`` block the options).
        out: Output folder (default ``outputs/calibration/<scenario>_abc``).
        workers: Worker processes evaluating candidates.
        root_seed: Root of every candidate's seeds (default: the scenario's seed).
        observed: Observed CSV (default: the scenario's ``observed:``).
        verbose: Log pyabc's progress (stderr).
        **options: ``population``, ``generations``, ``quantile``, ``min_epsilon``, ``max_simulations``,
            ``max_minutes`` overriding the file's.
    """
    t0 = time.perf_counter()
    file = str(scenario_path)
    scenario = load_scenario(scenario_path)
    full_spec = load_params(params_path, scenario)
    spec = full_spec.drop(full_spec.abc["leave_out"])
    targets = build_targets(scenario, load_observed(observed_path(file, scenario, observed)), file)
    s = settings(spec, workers, scenario.seed if root_seed is None else root_seed, **options)
    out = Path(out) if out else output_folder(Path("outputs/calibration"), f"{Path(file).stem}_abc")
    base = fit_base(scenario)
    objective = Objective(base, spec, targets, calibration_seeds(s.root_seed, MEDIAN_SEEDS))
    history = run_abc(objective, abc_plan(scenario, spec, targets, s), out, s, verbose)
    seconds = time.perf_counter() - t0
    result = write_outputs(out, history, objective, file, str(params_path), s, seconds)
    result.objective, result.settings, result.scenario = objective, s, scenario
    return result


def _log(out: Path, seconds: float, history) -> list[dict]:
    path = out / "abc_log.json"
    passes = json.loads(path.read_text()) if path.exists() else []
    passes.append({"finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                   "wall_seconds": round(seconds, 1), "generations_after": int(history.max_t + 1),
                   "simulations_after": int(history.total_nr_simulations), "versions": versions()})
    atomic_write_json(path, passes)
    return passes


def write_outputs(out: Path, history, objective: Objective, scenario_file: str, params_file: str,
                  s: AbcSettings, seconds: float) -> AbcResult:
    """posterior.csv, the summary (Markdown and JSON), the plots and the calibrated scenario."""
    from sim.plots.posterior_plots import marginals, pairs

    spec = objective.spec
    frame = posterior_frame(history, spec)
    atomic_write_frame(out / "posterior.csv", frame)
    last = frame[frame["generation"] == frame["generation"].max()]
    weights = last["weight"].to_numpy()
    sets = by_parameter(last, spec)
    bounds = dict(zip(spec.names, spec.bounds, strict=True))
    table = parameter_table(sets, weights, bounds, spec.priors)
    median_x = table["median"].to_numpy()
    ard_median, per_series = objective.per_series(median_x)
    passes = _log(out, seconds, history)
    generations = history.get_all_populations().query("t >= 0")
    facts = {
        "scenario": scenario_file, "parameters file": params_file,
        "generations": int(history.max_t + 1), "population": s.population,
        "simulations": int(history.total_nr_simulations),
        "acceptance threshold (ARD) of the last generation": round(float(generations["epsilon"].iloc[-1]), 4),
        "effective sample size of the posterior": round(effective_sample_size(weights), 1),
        "ARD of the posterior median": round(ard_median, 4),
        "wall time (all passes)": f"{sum(p['wall_seconds'] for p in passes) / 60:.1f} min on {s.workers} workers",
        "root seed": s.root_seed,
        "left at the scenario's values (abc.leave_out)": ", ".join(spec.abc.get("leave_out", [])) or "none",
    }
    strongest = strongest_pairs(sets, weights)
    title = f"ABC-SMC posterior of {Path(scenario_file).stem}"
    atomic_write_text(out / "posterior_summary.md", summary_markdown(title, table, facts, strongest))
    atomic_write_json(out / "posterior_summary.json", {
        **facts, "per_series_ard_of_median": per_series, "parameters": table.to_dict(orient="records"),
        "correlated_pairs": [{"a": a, "b": b, "correlation": round(c, 4)} for a, b, c in strongest],
        "per_generation": [{"generation": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples)}
                           for r in generations.itertuples()]})
    written = [out / "posterior.csv", out / "posterior_summary.md", out / "posterior_summary.json"]
    written.append(marginals(sets, weights, table, out / "plots" / "posterior_marginals.png",
                             f"{title}: marginals against the prior ranges"))
    written.append(pairs(sets, weights, strongest, bounds, out / "plots" / "posterior_pairs.png",
                         f"{title}: most correlated pairs"))
    yml = out / f"{Path(scenario_file).stem}_calibrated.yaml"
    header = [f"Calibrated from {scenario_file} with `corridor calibrate --params {params_file} --method abc`:",
              f"ABC-SMC (pyabc), {facts['generations']} generations of {s.population}, "
              f"{facts['simulations']} simulations; the values below are the weighted posterior medians",
              f"(ARD {ard_median:.3f} on {MEDIAN_SEEDS} calibration seeds). Runs of this file draw their "
              "parameters from posterior.csv", "unless told --no-posterior (see posterior_summary.md)."]
    atomic_write_text(yml, calibrated_yaml(scenario_file, params_file, spec.values(median_x), header, yml,
                                           extra={"posterior": "posterior.csv"}))
    written.append(yml)
    return AbcResult(out, table, facts, per_series, written)
