"""Validation against observed official figures (issue 4).

Each row of an observed CSV (``country, metric, period_start, period_end, value,
aggregation, ...``) is compared with the simulated value of the *same* thing, counted the
way that country counts it:

* The simulated components of an observed metric are read from the country's counting
  rules in the scenario (``border_services.<C>.counts``): the rule whose ``metrics`` list
  holds the observed metric gives the raw simulated metrics that make up the figure. For
  2021 this gives PL ``attempts`` → ``attempts``; LT ``detained`` → ``detained``;
  LT ``turned_back`` ("people not allowed to enter") → ``turned_back + prevented``;
  LV ``prevented`` → ``prevented + turned_back``. A metric no rule mentions is compared
  with the raw simulated metric of the same name. The components are summed over the whole
  observed period (the rule's own date span is not applied: a row labelled ``detained``
  for August counts August's detentions even though Lithuania's headline figure switched
  to turn-backs on 3 August).
* ``period_total`` rows: the sum of the daily values over ``[period_start, period_end]``;
  ``cumulative`` rows: the running total from ``period_start`` up to ``period_end``
  (numerically the same sum; the difference matters for plots and baselines).
* Rows whose period is not fully inside the run (for 2021: Poland's January–July row,
  of which the run covers only June and July) are **not scored**: the simulated value for
  the covered days is reported, but the row does not enter any ARD, because a partial
  sum cannot be compared with a seven-month figure.

Scores and naive baselines: :mod:`sim.analysis.scores`; the simulated values:
:func:`sim.outcomes.values.target_values`; independent checks: :mod:`sim.analysis.independent_checks`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.independent_checks import (
    check_against_scenario,
    check_values,
    default_checks_path,
    load_checks,
)
from sim.analysis.validation_report import ValidationReport, make_report
from sim.errors import ScenarioError
from sim.model.model import CorridorModel
from sim.outcomes.observed import Target, build_targets, observed_path
from sim.outcomes.sources import RecorderSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.values import outcome_values, target_values
from sim.runs.parallel import parallel_map
from sim.scenario.keypaths import override_pairs
from sim.scenario.loader import load_scenario
from sim.scenario.observed_file import load_observed
from sim.scenario.posterior_file import read_posterior
from sim.scenario.schema import Scenario
from sim.seeds import spawn_seeds

# Outcomes with no official series but a plausible range, reported beside every validation (never fitted).
OTHER_OUTCOMES = {
    "arrivals_minsk": OutcomeSpec(metric="arrivals_minsk"),
    "onward_germany": OutcomeSpec(metric="onward_arrivals", country="DE"),
    "onward_all": OutcomeSpec(metric="onward_arrivals"),
    "repatriated": OutcomeSpec(metric="repatriated"),
    "stranded_peak_all": OutcomeSpec(metric="at_border", stat="peak"),
    "stranded_peak_PL": OutcomeSpec(metric="at_border", country="PL", stat="peak"),
    "deaths": OutcomeSpec(metric="deaths"),
}


# --------------------------------------------------------------------------- running
def run_values(scenario: Scenario, seed: int, targets: list[Target], checks=()) -> tuple[np.ndarray, dict]:
    """Run once; the simulated value of each target and the other outcomes (:data:`OTHER_OUTCOMES`).

    Reads the model's recorder directly (no tidy table), which is what makes calibration
    affordable. With ``checks`` (:mod:`sim.analysis.independent_checks`), their values are in the
    outcomes under ``"checks"``.
    """
    model = CorridorModel(scenario, rng=seed)
    model.run_to_end()
    source = RecorderSeries(model.recorder, scenario.start)
    others = outcome_values(source, OTHER_OUTCOMES)
    if checks:
        others["checks"] = check_values(source, list(checks))
    return target_values(source, targets), others


def _run_job(args):
    scenario, seed, targets, checks, overrides = args
    if overrides:  # a parameter set drawn from a posterior
        scenario = load_scenario(scenario, list(overrides.items()))
    return run_values(scenario, seed, targets, checks)


def run_replicates(scenario: Scenario, seeds: list[int], targets: list[Target], workers: int = 1, checks=(),
                   parameter_sets: list[dict] | None = None):
    """Run every seed (replicate ``i`` with ``parameter_sets[i]``, if given); (values [seed × target], others)."""
    sets = parameter_sets or [None] * len(seeds)
    jobs = [(scenario, s, targets, tuple(checks), p) for s, p in zip(seeds, sets, strict=True)]
    results = parallel_map(_run_job, jobs, workers)
    return np.array([r[0] for r in results]), [r[1] for r in results]


def validate(scenario_path, n_seeds: int = 20, root_seed: int | None = None, workers: int = 1,
             observed=None, overrides=None, checks=None, posterior=None) -> ValidationReport:
    """Run ``n_seeds`` seeds of a scenario and score them against its observed data.

    Args:
        scenario_path: Scenario file (or Scenario / dict with ``observed`` given).
        n_seeds: Number of runs.
        root_seed: Root of the SeedSequence (default: the scenario's seed).
        workers: Local processes.
        observed: Observed CSV path or DataFrame (default: the scenario's ``observed:``).
        overrides: ``--set``-style overrides.
        checks: Checks CSV (:mod:`sim.analysis.independent_checks`); default: ``<observed>_checks.csv`` beside the
            observed file when it exists; ``False`` for none.
        posterior: A posterior file: replicate ``i`` also takes parameter set ``draws[i]`` of it, so the bands
            (and their coverage of the observed rows) include parameter uncertainty. None: seeds only.
    """
    if n_seeds < 1:
        raise ScenarioError("--seeds must be at least 1.", file="--seeds")
    scenario = load_scenario(scenario_path, overrides)
    file = None if isinstance(scenario_path, (Scenario, dict)) else str(scenario_path)
    if isinstance(observed, pd.DataFrame):
        obs, obs_label = load_observed(observed), "observed data"
    else:
        path = observed_path(file, scenario, observed)
        obs, obs_label = load_observed(path), str(path)
        if checks is None and default_checks_path(path).exists():
            checks = default_checks_path(path)
    check_list = load_checks(checks) if checks else []
    check_against_scenario(check_list, scenario, str(checks) if checks else None)
    targets = build_targets(scenario, obs, obs_label)
    if not any(t.scored for t in targets):
        raise ScenarioError(f"none of the {len(targets)} observed rows lies wholly inside the run "
                            f"({scenario.start} to {scenario.end}), so nothing can be scored.", file=obs_label,
                            hint="give observed figures for periods inside the run, or change the run's dates.")
    root = scenario.seed if root_seed is None else root_seed
    seeds = spawn_seeds(root, n_seeds)
    post = read_posterior(posterior) if posterior is not None else None
    given = {k for k, _ in override_pairs(overrides)}  # the user's --set wins over a posterior's set, as in sim.run
    sets = [post.overrides_under(i, given) for i in post.draws(root, n_seeds)] \
        if post is not None else None
    values, others = run_replicates(scenario, seeds, targets, workers, check_list, sets)
    report = make_report(file or scenario.name, obs_label, seeds, targets, values, others, check_list,
                         until=scenario.calibrated_until, error_root=root)
    report.summary["uncertainty"] = ("seed noise and parameter uncertainty (posterior "
                                     f"{post.path}, generation {post.generation}, {len(post)} sets)") \
        if post is not None else "seed noise only"
    return report
