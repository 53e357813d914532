"""What ``corridor validate`` reports: rows, series and overall scores, in sample and out of sample.

A row is *in sample* when its period ends by the scenario's ``calibrated_until`` (the calibration saw it)
and *out of sample* when it ends later (a projection); without ``calibrated_until`` every row is in
sample. Each part is scored on its own, against two kinds of naive baseline
(:mod:`sim.analysis.scores`): leave-one-out baselines within the in-sample rows, and forecasting
baselines that use only earlier figures (for out-of-sample rows, only figures published by
``calibrated_until``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.independent_checks import check_table, format_checks
from sim.analysis.observation_error import ObservationError, observation_error
from sim.analysis.scores import (
    BASELINES,
    FORECASTS,
    baseline_predictions,
    coverage,
    forecast_predictions,
    relative_errors,
)
from sim.analysis.scores import score as ard_of
from sim.files import atomic_write_frame, atomic_write_text
from sim.outcomes.observed import Target
from sim.plots.validation_plots import plot_bands

SAMPLES = ("in", "out")


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
    errors: ObservationError | None = None  # the runs' counts with an inferred observation and model error

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
        published = (self.rows["observed_p05"].to_numpy(), self.rows["observed_p95"].to_numpy()) \
            if "observed_p05" in self.rows else None
        paths.append(plot_bands(self.targets, self.values, self.series, len(self.seeds),
                                folder / "validation_bands.png", observed_band=published))
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


def sample_of(t: Target, until: dt.date | None) -> str:
    """``in`` when the calibration saw the row (it ends by ``until``), else ``out``."""
    return "in" if until is None or t.end <= until else "out"


def _beats(entry: dict, names) -> bool | None:
    """Whether a series' ARD is below every baseline of ``names`` that can be computed (None when none can)."""
    known = [entry[f"ard_{k}"] for k in names if not math.isnan(entry[f"ard_{k}"])]
    return all(entry["ard_seed_median"] < b for b in known) if known else None


def _scored_in(targets: list[Target], sample: str, until) -> list[Target]:
    """The targets with only the rows of one sample scored."""
    return [t if t.scored and sample_of(t, until) == sample else _unscored(t) for t in targets]


def _unscored(t: Target) -> Target:
    return Target(**{**t.__dict__, "scored": False})


def _series_rows(targets, values, med, predictions, sample, until) -> list[dict]:
    part = _scored_in(targets, sample, until)
    per_seed = [ard_of(v, part) for v in values]
    med_series = ard_of(med, part)[1]
    rows = []
    for s in dict.fromkeys(t.series for t in part if t.scored):
        seed_scores = np.array([p[1].get(s, np.nan) for p in per_seed])
        entry = {"series": s, "sample": sample, "rows": sum(1 for t in part if t.series == s and t.scored),
                 "ard_seed_median": float(np.median(seed_scores)),
                 "ard_seed_p05": float(np.percentile(seed_scores, 5)),
                 "ard_seed_p95": float(np.percentile(seed_scores, 95)),
                 "ard_of_median": med_series.get(s)}
        for name, pred in predictions.items():
            entry[f"ard_{name}"] = ard_of(pred, part)[1].get(s, math.nan)  # NaN: too few earlier rows
        rows.append(entry)
    return rows


def _overall(targets, values, med, predictions, sample, until, errors: ObservationError | None) -> dict:
    part = _scored_in(targets, sample, until)
    overall_seed = np.array([ard_of(v, part)[0] for v in values])
    inside = coverage(values, part)
    with_error = coverage(errors.draws, part) if errors is not None else {90: None, 50: None}
    return {"rows": sum(t.scored for t in part), "coverage_90": inside[90], "coverage_50": inside[50],
            "coverage_90_with_error": with_error[90], "coverage_50_with_error": with_error[50],
            "ard_seed_median": float(np.median(overall_seed)),
            "ard_seed_p05": float(np.percentile(overall_seed, 5)),
            "ard_seed_p95": float(np.percentile(overall_seed, 95)),
            "ard_seed_max": float(overall_seed.max()),
            "ard_per_seed": [round(float(x), 4) for x in overall_seed],
            "ard_of_median": _clean(ard_of(med, part)[0]),
            **{f"ard_{k}": _clean(ard_of(pred, part)[0]) for k, pred in predictions.items()}}


def make_report(scenario_label: str, observed_label: str, seeds: list[int], targets: list[Target],
                values: np.ndarray, others: list[dict], checks=(), until: dt.date | None = None,
                error_root: int | None = None) -> ValidationReport:
    """Turn the runs' values into per-row, per-series and overall tables, in and out of sample (and the checks).

    With ``error_root``, the rows also get bands for the published figure: the runs' counts with an observation
    and model error inferred from the in-sample rows (:mod:`sim.analysis.observation_error`, draws seeded from
    ``error_root``), and the coverage of those bands.
    """
    obs = np.array([t.value for t in targets])
    med = np.median(values, axis=0)
    lo, hi = np.percentile(values, 5, axis=0), np.percentile(values, 95, axis=0)
    samples = [sample_of(t, until) for t in targets]
    in_sample = _scored_in(targets, "in", until)
    errors = None if error_root is None else \
        observation_error(values, targets, [t.scored for t in in_sample], error_root)
    base = {f"{k}_loo": v for k, v in baseline_predictions(in_sample).items()}
    base.update({f"{k}_insample": v for k, v in baseline_predictions(in_sample, in_sample=True).items()})
    base.update(forecast_predictions(targets, until))
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
    rows["sample"] = samples
    rows["in_band_50"] = (obs >= np.percentile(values, 25, axis=0)) & (obs <= np.percentile(values, 75, axis=0))
    if errors is not None:
        e_lo, e_hi = np.percentile(errors.draws, 5, axis=0), np.percentile(errors.draws, 95, axis=0)
        rows["observed_p05"], rows["observed_p95"] = e_lo, e_hi
        rows["in_band_with_error"] = (obs >= e_lo) & (obs <= e_hi)
    series_rows = []
    present = [s for s in SAMPLES if any(t.scored and sample_of(t, until) == s for t in targets)]
    for sample in present:
        series_rows += _series_rows(targets, values, med, base, sample, until)
    series = pd.DataFrame(series_rows)
    beats = {s["series"]: _beats(s, [f"{k}_loo" for k in BASELINES]) for s in series_rows if s["sample"] == "in"}
    beats_forecasts = {f"{s['sample']}: {s['series']}": _beats(s, FORECASTS) for s in series_rows}
    other_keys = [k for k in others[0] if k != "checks"] if others else []
    checks_table = check_table(list(checks), np.array([o["checks"] for o in others])) if checks else None
    summary = {
        "scenario": scenario_label, "observed": observed_label, "n_seeds": len(seeds), "seeds": seeds,
        "calibrated_until": until.isoformat() if until else None,
        "definitions": {
            "relative_error": "|sim - obs| / obs",
            "sample": "in: the row ends by calibrated_until (the calibration saw it); out: it ends later",
            "ard_series": "mean relative error over the scored rows of one country x metric series",
            "ard_overall": "mean of the series ARDs",
            "ard_seed_median": "ARD computed for each seed's run, then the median over seeds",
            "ard_of_median": "ARD of the per-row median over seeds",
            "baselines": "flat / ramp / last on daily rates, leave-one-out (_loo) and in-sample (_insample), within "
                         "the in-sample rows; a leave-one-out baseline needs at least two rows of a series",
            "forecasts": "last_year / same_months / trend: naive forecasts from earlier figures only (for an "
                         "out-of-sample row, only those published by calibrated_until); null where they are missing",
            "beats_every_loo_baseline": "in sample: the model's ARD is below every leave-one-out baseline that can be "
                                        "computed for the series; null when none can",
            "beats_every_forecast": "the model's ARD is below every forecasting baseline that can be computed; null "
                                    "when none can",
            "coverage_90": "share of the scored rows whose observed value lies inside the simulated 5-95 % band "
                           "(coverage_50: inside 25-75 %); with a posterior, the bands include parameter uncertainty",
            "coverage_90_with_error": "the same for the bands of the published figure (observed_p05..observed_p95): "
                                      "each run's count with an observation and model error inferred from the "
                                      "in-sample rows, each in-sample row's own residual left out (observation_error)",
        },
        "observation_error": errors.summary() if errors is not None else None,
        "overall": _overall(targets, values, med, base, "in", until, errors) if "in" in present else {},
        "out_of_sample": _overall(targets, values, med, base, "out", until, errors) if "out" in present else None,
        "beats_every_loo_baseline": beats,
        "beats_every_forecast": beats_forecasts,
        "series": [{k: (_clean(v) if isinstance(v, float) else v) for k, v in e.items()} for e in series_rows],
        "rows": json.loads(rows.to_json(orient="records")),
        "other_outcomes": {k: {"median": float(np.median([o[k] for o in others])),
                               "p05": float(np.percentile([o[k] for o in others], 5)),
                               "p95": float(np.percentile([o[k] for o in others], 95))} for k in other_keys},
        "independent_checks": json.loads(checks_table.to_json(orient="records")) if checks_table is not None else [],
    }
    return ValidationReport(scenario_label, observed_label, seeds, targets, values, others, rows, series, summary,
                            checks_table, errors)


def _num(x, width: int = 8) -> str:
    return f"{'-':>{width}}" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:>{width}.3f}"


def _series_lines(report: ValidationReport, sample: str) -> list[str]:
    lines = [f"{'series ARD':<26}{'model':>8}{'flat':>8}{'ramp':>8}{'last':>8}{'lastyr':>8}{'samemo':>8}{'trend':>8}"]
    part = report.series[report.series["sample"] == sample] if len(report.series) else report.series
    for s in part.itertuples(index=False):
        lines.append(f"{s.series:<26}{_num(s.ard_seed_median)}{_num(s.ard_flat_loo)}{_num(s.ard_ramp_loo)}"
                     f"{_num(s.ard_last_loo)}{_num(s.ard_last_year)}{_num(s.ard_same_months)}{_num(s.ard_trend)}")
    o = report.summary["overall" if sample == "in" else "out_of_sample"]
    lines.append(f"{'overall':<26}{_num(o['ard_seed_median'])}{_num(o['ard_flat_loo'])}{_num(o['ard_ramp_loo'])}"
                 f"{_num(o['ard_last_loo'])}{_num(o['ard_last_year'])}{_num(o['ard_same_months'])}"
                 f"{_num(o['ard_trend'])}")
    lines.append(f"(model = median over seeds of each seed's ARD; 5-95 % over seeds "
                 f"{o['ard_seed_p05']:.3f}-{o['ard_seed_p95']:.3f}; "
                 f"ARD of the median run {_num(o['ard_of_median'], 0)})")
    lines.append(f"coverage: {100 * o['coverage_90']:.0f} % of the rows inside the 90 % band, "
                 f"{100 * o['coverage_50']:.0f} % inside the 50 % band ({report.summary.get('uncertainty', 'seeds')})")
    err = report.summary.get("observation_error")
    if err and o.get("coverage_90_with_error") is not None:
        lines.append(f"with an observation and model error (sigma {err['sigma_median']:.2f}, 5-95 % "
                     f"{err['sigma_p05']:.2f}-{err['sigma_p95']:.2f}, inferred from {err['rows']} in-sample rows, "
                     f"each row's own left out): {100 * o['coverage_90_with_error']:.0f} % inside the 90 % band, "
                     f"{100 * o['coverage_50_with_error']:.0f} % inside the 50 % band")
    return lines


def format_table(report: ValidationReport) -> str:
    """A short plain-text table of the results."""
    until = report.summary.get("calibrated_until")
    lines = [f"Validation of {report.scenario} against {report.observed} ({len(report.seeds)} seeds)", ""]
    errors = "observed_p05" in report.rows
    lines.append(f"{'row':<34}{'observed':>10}{'sim median':>12}{'5-95 %':>18}{'rel.err':>9}"
                 + (f"{'published 5-95 %':>20}" if errors else ""))
    for r in report.rows.itertuples(index=False):
        label = f"{r.country} {r.metric} {r.period_start[2:]}..{r.period_end[2:]}"
        band = f"{r.sim_p05:,.0f}-{r.sim_p95:,.0f}"
        published = f"{r.observed_p05:,.0f}-{r.observed_p95:,.0f}" if errors else ""
        flag = "" if r.scored else "  (not scored)"
        flag += "  out of sample" if until and r.sample == "out" else ""
        lines.append(f"{label:<34}{r.observed:>10,.0f}{r.sim_median:>12,.0f}{band:>18}{r.rel_error_median:>9.2f}"
                     f"{published:>20}{flag}")
    if report.summary["overall"]:
        title = f"In sample (rows ending by {until}, which the calibration saw)" if until else "All rows"
        lines += ["", title + "; baselines: leave-one-out (flat, ramp, last) and forecasts from earlier figures "
                  "(last year, same months, trend):"]
        lines += _series_lines(report, "in")
    if report.summary.get("out_of_sample"):
        lines += ["", f"Out of sample (rows ending after {until}): forecasts use only figures published by {until}:"]
        lines += _series_lines(report, "out")
    lines.append("('-': a baseline needs more rows of the series than there are)")
    oth = report.summary["other_outcomes"]
    if oth:
        lines.append("")
        lines.append("other outcomes (median, 5-95 %): " + "; ".join(
            f"{k} {v['median']:,.0f} ({v['p05']:,.0f}-{v['p95']:,.0f})" for k, v in oth.items()))
    if report.checks is not None and len(report.checks):
        lines += ["", format_checks(report.checks)]
    return "\n".join(lines)
