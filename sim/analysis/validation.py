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

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.independent_checks import (
    check_against_scenario,
    check_table,
    check_values,
    default_checks_path,
    format_checks,
    load_checks,
)
from sim.analysis.scores import BASELINES, baseline_predictions, relative_errors, score
from sim.analysis.seeds import spawn_seeds
from sim.errors import ScenarioError
from sim.files import atomic_write_frame, atomic_write_text
from sim.model.model import CorridorModel
from sim.outcomes.observed import Target, build_targets, observed_path
from sim.outcomes.sources import RecorderSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.values import outcome_values, target_values
from sim.plots.validation_plots import plot_bands
from sim.runs.parallel import parallel_map
from sim.scenario.loader import load_scenario
from sim.scenario.observed_file import load_observed
from sim.scenario.schema import Scenario

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
    scenario, seed, targets, checks = args
    return run_values(scenario, seed, targets, checks)


def run_replicates(scenario: Scenario, seeds: list[int], targets: list[Target], workers: int = 1, checks=()):
    """Run every seed; returns (values [seed × target], list of other-outcome dicts)."""
    results = parallel_map(_run_job, [(scenario, s, targets, tuple(checks)) for s in seeds], workers)
    return np.array([r[0] for r in results]), [r[1] for r in results]


# --------------------------------------------------------------------------- report
@dataclass
class ValidationReport:
    """Everything ``validate`` computed."""

    scenario: str
    observed: str
    seeds: list[int]
    targets: list[Target]
    values: np.ndarray  # seeds × targets
    others: list[dict]
    rows: pd.DataFrame = field(default=None)
    series: pd.DataFrame = field(default=None)
    summary: dict = field(default_factory=dict)
    checks: pd.DataFrame | None = None  # independent checks (check_table), when a checks file exists

    def write(self, folder) -> list[Path]:
        """Write validation.csv, checks.csv, validation.json and the band plot into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "validation.csv", folder / "validation.json"]
        atomic_write_frame(paths[0], self.rows)
        if self.checks is not None:
            paths.append(folder / "checks.csv")
            atomic_write_frame(paths[-1], self.checks)
        atomic_write_text(paths[1], json.dumps(self.summary, indent=2, default=_json_default))
        paths.append(plot_bands(self.targets, self.values, self.series, len(self.seeds),
                                folder / "validation_bands.png"))
        return paths


def _json_default(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return None if math.isnan(x) else float(x)
    if isinstance(x, (dt.date,)):
        return x.isoformat()
    raise TypeError(type(x))


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def _beats(entry: dict) -> bool | None:
    """Whether a series' ARD is below every leave-one-out baseline that can be computed (None when none can)."""
    known = [entry[f"ard_{k}_loo"] for k in BASELINES if not math.isnan(entry[f"ard_{k}_loo"])]
    return all(entry["ard_seed_median"] < b for b in known) if known else None


def make_report(scenario_label: str, observed_label: str, seeds: list[int], targets: list[Target],
                values: np.ndarray, others: list[dict], checks=()) -> ValidationReport:
    """Turn an ensemble's values into per-row, per-series and overall tables (and the checks)."""
    obs = np.array([t.value for t in targets])
    med = np.median(values, axis=0)
    lo, hi = np.percentile(values, 5, axis=0), np.percentile(values, 95, axis=0)
    per_seed = [score(v, targets) for v in values]
    overall_seed = np.array([p[0] for p in per_seed])
    med_overall, med_series = score(med, targets)
    base = {f"{k}_loo": v for k, v in baseline_predictions(targets).items()}
    base.update({f"{k}_insample": v for k, v in baseline_predictions(targets, in_sample=True).items()})
    rows = pd.DataFrame({
        "country": [t.country for t in targets], "metric": [t.metric for t in targets],
        "period_start": [t.start.isoformat() for t in targets], "period_end": [t.end.isoformat() for t in targets],
        "aggregation": [t.aggregation for t in targets],
        "simulated_as": [" + ".join(t.components) for t in targets],
        "observed": obs, "sim_median": med, "sim_p05": lo, "sim_p95": hi,
        "rel_error_median": relative_errors(med, obs),
        "in_band": (obs >= lo) & (obs <= hi),
        "coverage": [round(t.coverage, 3) for t in targets], "scored": [t.scored for t in targets],
        "note": [t.note for t in targets],
    })
    for name, pred in base.items():
        rows[f"baseline_{name}"] = pred
    series_rows = []
    labels = list(dict.fromkeys(t.series for t in targets if t.scored))
    for s in labels:
        seed_scores = np.array([p[1].get(s, np.nan) for p in per_seed])
        entry = {"series": s, "rows": sum(1 for t in targets if t.series == s and t.scored),
                 "ard_seed_median": float(np.median(seed_scores)),
                 "ard_seed_p05": float(np.percentile(seed_scores, 5)),
                 "ard_seed_p95": float(np.percentile(seed_scores, 95)),
                 "ard_of_median": med_series.get(s)}
        for name, pred in base.items():
            entry[f"ard_{name}"] = score(pred, targets)[1].get(s, math.nan)  # NaN: too few rows to predict from
        series_rows.append(entry)
    series = pd.DataFrame(series_rows)
    baselines_overall = {name: score(pred, targets)[0] for name, pred in base.items()}
    beats = {s["series"]: _beats(s) for s in series_rows}
    other_keys = [k for k in others[0] if k != "checks"] if others else []
    checks_table = check_table(list(checks), np.array([o["checks"] for o in others])) if checks else None
    summary = {
        "scenario": scenario_label, "observed": observed_label, "n_seeds": len(seeds), "seeds": seeds,
        "definitions": {
            "relative_error": "|sim - obs| / obs",
            "ard_series": "mean relative error over the scored rows of one country x metric series",
            "ard_overall": "mean of the series ARDs",
            "ard_seed_median": "ARD computed for each seed's run, then the median over seeds",
            "ard_of_median": "ARD of the per-row median over seeds",
            "baselines": "flat / ramp / last on daily rates, leave-one-out (_loo) and in-sample (_insample); "
                         "a leave-one-out baseline needs at least two rows of a series (null where it has one)",
            "beats_every_loo_baseline": "the model's ARD is below every leave-one-out baseline that can be "
                                        "computed for the series; null when none can",
        },
        "overall": {"ard_seed_median": float(np.median(overall_seed)),
                    "ard_seed_p05": float(np.percentile(overall_seed, 5)),
                    "ard_seed_p95": float(np.percentile(overall_seed, 95)),
                    "ard_seed_max": float(overall_seed.max()),
                    "ard_per_seed": [round(float(x), 4) for x in overall_seed],
                    "ard_of_median": _clean(med_overall),
                    **{f"ard_{k}": _clean(v) for k, v in baselines_overall.items()}},
        "beats_every_loo_baseline": beats,
        "series": [{k: (_clean(v) if isinstance(v, float) else v) for k, v in e.items()} for e in series_rows],
        "rows": json.loads(rows.to_json(orient="records")),
        "other_outcomes": {k: {"median": float(np.median([o[k] for o in others])),
                               "p05": float(np.percentile([o[k] for o in others], 5)),
                               "p95": float(np.percentile([o[k] for o in others], 95))} for k in other_keys},
        "independent_checks": json.loads(checks_table.to_json(orient="records")) if checks_table is not None else [],
    }
    return ValidationReport(scenario_label, observed_label, seeds, targets, values, others, rows, series, summary,
                            checks_table)


def validate(scenario_path, n_seeds: int = 20, root_seed: int | None = None, workers: int = 1,
             observed=None, overrides=None, checks=None) -> ValidationReport:
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
    seeds = spawn_seeds(scenario.seed if root_seed is None else root_seed, n_seeds)
    values, others = run_replicates(scenario, seeds, targets, workers, check_list)
    return make_report(file or scenario.name, obs_label, seeds, targets, values, others, check_list)


def _num(x, width: int = 8) -> str:
    return f"{'-':>{width}}" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:>{width}.3f}"


def format_table(report: ValidationReport) -> str:
    """A short plain-text table of the results."""
    lines = [f"Validation of {report.scenario} against {report.observed} ({len(report.seeds)} seeds)", ""]
    lines.append(f"{'row':<34}{'observed':>10}{'sim median':>12}{'5-95 %':>18}{'rel.err':>9}")
    for r in report.rows.itertuples(index=False):
        label = f"{r.country} {r.metric} {r.period_start[2:]}..{r.period_end[2:]}"
        band = f"{r.sim_p05:,.0f}-{r.sim_p95:,.0f}"
        flag = "" if r.scored else "  (not scored)"
        lines.append(f"{label:<34}{r.observed:>10,.0f}{r.sim_median:>12,.0f}{band:>18}{r.rel_error_median:>9.2f}{flag}")
    lines += ["", f"{'series ARD':<22}{'model':>8}{'flat':>8}{'ramp':>8}{'last':>8}   (baselines leave-one-out)"]
    for s in report.series.itertuples(index=False):
        lines.append(f"{s.series:<22}{_num(s.ard_seed_median)}{_num(s.ard_flat_loo)}{_num(s.ard_ramp_loo)}"
                     f"{_num(s.ard_last_loo)}")
    o = report.summary["overall"]
    lines.append(f"{'overall':<22}{_num(o['ard_seed_median'])}{_num(o['ard_flat_loo'])}{_num(o['ard_ramp_loo'])}"
                 f"{_num(o['ard_last_loo'])}")
    if any(v is None for v in report.summary["beats_every_loo_baseline"].values()):
        lines.append("('-': a leave-one-out baseline needs at least two rows of the series)")
    lines.append(f"(model = median over seeds of each seed's ARD; 5-95 % over seeds "
                 f"{o['ard_seed_p05']:.3f}-{o['ard_seed_p95']:.3f}; "
                 f"ARD of the median run {_num(o['ard_of_median'], 0)})")
    oth = report.summary["other_outcomes"]
    if oth:
        lines.append("")
        lines.append("other outcomes (median, 5-95 %): " + "; ".join(
            f"{k} {v['median']:,.0f} ({v['p05']:,.0f}-{v['p95']:,.0f})" for k, v in oth.items()))
    if report.checks is not None and len(report.checks):
        lines += ["", format_checks(report.checks)]
    return "\n".join(lines)
