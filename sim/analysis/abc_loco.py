"""Leave one country out, the Bayesian way: a posterior fitted without a country predicts that country's rows.

For each country with scored rows: ABC-SMC on the other countries' rows only (the held-out
country's own parameters, those whose key paths name it, pinned at the middle of their ranges),
into ``loco_<country>/`` of the calibration folder (resumable like the full calibration); then a
posterior predictive of the held-out rows: ``PREDICTIVE_DRAWS`` parameter sets drawn by weight,
each run once with a validation seed. The coverage of the held-out rows by that predictive's 90 %
and 50 % bands, and the ARD of its median, say how far the model reaches beyond what it was fitted
to: the fit has never seen those rows. The same runs' counts of the fitted countries' rows teach an
observation and model error (:mod:`sim.analysis.observation_error`), and the coverage of the held-out
rows by the bands of the published figure is reported as well: the held-out rows teach it nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.analysis.abc import AbcResult, AbcSettings, abc_plan, by_parameter, posterior_frame, run_abc
from sim.analysis.objective import Objective
from sim.analysis.observation_error import observation_error
from sim.analysis.scores import coverage, score
from sim.analysis.validation import run_values
from sim.files import atomic_write_json, atomic_write_text
from sim.runs.parallel import parallel_map
from sim.seeds import posterior_draws, spawn_seeds

PREDICTIVE_DRAWS = 60
LOCO_HEADING = "## Leave one country out"


def _predict(job) -> np.ndarray:
    objective, x, seed = job
    return run_values(objective.scenario(x), seed, objective.targets)[0]


def _predictive(objective: Objective, sub, held: str, last, s: AbcSettings) -> dict:
    """Posterior predictive of every row from a held-out fit's last generation; scores of the held-out rows.

    Each draw (a parameter set by weight and a validation seed) is run once over all the rows: the held-out
    country's rows are scored, the fitted countries' rows teach the observation and model error
    (:mod:`sim.analysis.observation_error`) whose bands of the published figure are scored as well.
    """
    sets = by_parameter(last, sub).to_numpy()
    draws = posterior_draws(s.root_seed, PREDICTIVE_DRAWS, last["weight"].to_numpy())
    seeds = spawn_seeds(s.root_seed, PREDICTIVE_DRAWS)
    every = Objective(objective.source, sub, objective.targets, objective.seeds)
    values = np.array(parallel_map(_predict, [(every, sets[d], seed) for d, seed in zip(draws, seeds, strict=True)],
                                   s.workers))
    is_held = np.array([t.country == held for t in every.targets])
    teaches = [t.scored and t.country != held for t in every.targets]
    held_targets = [t for t in every.targets if t.country == held]
    errors = observation_error(values, every.targets, teaches, s.root_seed)
    inside = coverage(values[:, is_held], held_targets)
    with_error = coverage(errors.draws[:, is_held], held_targets) if errors is not None else {90: None, 50: None}
    return {"rows": sum(t.scored for t in held_targets), "coverage_90": inside[90], "coverage_50": inside[50],
            "coverage_90_with_error": with_error[90], "coverage_50_with_error": with_error[50],
            "observation_error": errors.summary() if errors is not None else None,
            "ard_of_median_prediction": score(np.median(values[:, is_held], axis=0), held_targets)[0]}


def leave_one_country_out(scenario, objective: Objective, s: AbcSettings, out: Path,
                          verbose: bool = False) -> list[dict]:
    """Fit without each country in turn and score the held-out country's rows (see the module docstring).

    Args:
        scenario: The validated scenario (for the plan).
        objective: The full calibration's objective (its base, spec, targets).
        s: The full calibration's settings; each held-out fit runs half its generations (at least 2)
            with a third of its population (at least 20).
        out: The calibration folder.
        verbose: Log pyabc's progress.
    """
    spec, targets = objective.spec, objective.targets
    countries = sorted({t.country for t in targets if t.scored})
    rows: list[dict] = []
    if len(countries) < 2:
        return rows
    sub_settings = dataclasses.replace(s, population=max(20, s.population // 3),
                                       generations=max(2, s.generations // 2))
    for held in countries:
        train = set(countries) - {held}
        sub = spec.without(held)
        fit = Objective(objective.source, sub, targets, objective.seeds, countries=train)
        plan = {**abc_plan(scenario, sub, targets, sub_settings), "held_out": held}
        history = run_abc(fit, plan, out / f"loco_{held}", sub_settings, verbose)
        frame = posterior_frame(history, sub)
        last = frame[frame["generation"] == frame["generation"].max()]
        rows.append({"held_out": held, "fitted_on": sorted(train), "generations": int(history.max_t + 1),
                     "simulations": int(history.total_nr_simulations), **_predictive(objective, sub, held, last, s),
                     "pinned": {k: v for k, v in sub.fixed.items() if k not in spec.fixed}})
    return rows


def loco_markdown(rows: list[dict]) -> str:
    """The leave-one-country-out table as Markdown."""
    lines = ["", LOCO_HEADING, "",
             "Each country's rows predicted by a posterior fitted without them (its own parameters pinned at "
             "mid-range): the share of its rows inside the predictive 90 % and 50 % bands, and the ARD of the "
             "predictive median.", "",
             "The last two columns score the bands of the published figure: the predictive counts with an observation "
             "and model error whose scale is inferred from the fitted countries' rows (never the held-out ones).", "",
             "| Held out | Rows | Inside 90 % | Inside 50 % | ARD of median | Simulations | Inside 90 %, with error "
             "| Inside 50 %, with error |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['held_out']} | {r['rows']} | {r['coverage_90']:.0%} | {r['coverage_50']:.0%} | "
                     f"{r['ard_of_median_prediction']:.3f} | {r['simulations']} | "
                     f"{_share(r.get('coverage_90_with_error'))} | {_share(r.get('coverage_50_with_error'))} |")
    return "\n".join(lines) + "\n"


def _share(x) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def add_loco(result: AbcResult, verbose: bool = False) -> list[dict]:
    """Run the check for a finished calibration; write ``loco.json`` and add its table to the summary."""
    rows = leave_one_country_out(result.scenario, result.objective, result.settings, result.out, verbose)
    atomic_write_json(result.out / "loco.json", rows)
    summary = result.out / "posterior_summary.md"
    text = summary.read_text().split(LOCO_HEADING)[0].rstrip("\n") + "\n"  # a rerun replaces its own section
    atomic_write_text(summary, text + loco_markdown(rows))
    return rows
