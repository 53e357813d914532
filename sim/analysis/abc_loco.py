"""Leave one country out, the Bayesian way: a posterior fitted without a country predicts that country's rows.

For each country with scored rows: ABC-SMC on the other countries' rows only (the held-out
country's own parameters, those whose key paths name it, pinned at the middle of their ranges),
into ``loco_<country>/`` of the calibration folder (resumable like the full calibration); then a
posterior predictive of the held-out rows: ``PREDICTIVE_DRAWS`` parameter sets drawn by weight,
each run once with a validation seed. The coverage of the held-out rows by that predictive's 90 %
and 50 % bands, and the ARD of its median, say how far the model reaches beyond what it was fitted
to: the fit has never seen those rows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.analysis.abc import AbcResult, AbcSettings, abc_plan, by_parameter, posterior_frame, run_abc
from sim.analysis.objective import Objective
from sim.analysis.scores import coverage, score
from sim.analysis.validation import run_values
from sim.files import atomic_write_json, atomic_write_text
from sim.runs.parallel import parallel_map
from sim.seeds import posterior_draws, spawn_seeds

PREDICTIVE_DRAWS = 60


def _predict(job) -> np.ndarray:
    objective, x, seed = job
    return run_values(objective.scenario(x), seed, objective.targets)[0]


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
        sets = by_parameter(last, sub).to_numpy()
        draws = posterior_draws(s.root_seed, PREDICTIVE_DRAWS, last["weight"].to_numpy())
        test = Objective(objective.source, sub, targets, objective.seeds, countries={held})
        seeds = spawn_seeds(s.root_seed, PREDICTIVE_DRAWS)
        values = np.array(parallel_map(_predict, [(test, sets[d], seed) for d, seed in zip(draws, seeds,
                                                                                            strict=True)],
                                       s.workers))
        inside = coverage(values, test.targets)
        rows.append({"held_out": held, "fitted_on": sorted(train), "rows": sum(t.scored for t in test.targets),
                     "generations": int(history.max_t + 1), "simulations": int(history.total_nr_simulations),
                     "coverage_90": inside[90], "coverage_50": inside[50],
                     "ard_of_median_prediction": score(np.median(values, axis=0), test.targets)[0],
                     "pinned": {k: v for k, v in sub.fixed.items() if k not in spec.fixed}})
    return rows


def loco_markdown(rows: list[dict]) -> str:
    """The leave-one-country-out table as Markdown."""
    lines = ["", "## Leave one country out", "",
             "Each country's rows predicted by a posterior fitted without them (its own parameters pinned at "
             "mid-range): the share of its rows inside the predictive 90 % and 50 % bands, and the ARD of the "
             "predictive median.", "",
             "| Held out | Rows | Inside 90 % | Inside 50 % | ARD of median | Simulations |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['held_out']} | {r['rows']} | {r['coverage_90']:.0%} | {r['coverage_50']:.0%} | "
                     f"{r['ard_of_median_prediction']:.3f} | {r['simulations']} |")
    return "\n".join(lines) + "\n"


def add_loco(result: AbcResult, verbose: bool = False) -> list[dict]:
    """Run the check for a finished calibration; write ``loco.json`` and add its table to the summary."""
    rows = leave_one_country_out(result.scenario, result.objective, result.settings, result.out, verbose)
    atomic_write_json(result.out / "loco.json", rows)
    summary = result.out / "posterior_summary.md"
    atomic_write_text(summary, summary.read_text() + loco_markdown(rows))
    return rows
