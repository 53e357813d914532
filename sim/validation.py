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

Scores: the relative error of a row is ``|sim - obs| / obs``; the ARD of a series
(country × metric) is the mean of its rows' relative errors; the overall ARD is the mean
over series (each series weighs the same, however many rows it has).

Naive baselines predict each scored row from the *other* rows of its series (leave-one-out),
on daily rates (value / days in the period, so rows of different lengths are comparable):

* ``flat``: the mean daily rate of the other rows, times the row's days;
* ``ramp``: a least-squares line of daily rate against the period's mid-date through the
  other rows, evaluated at the row's mid-date (clipped at 0; ``flat`` when fewer than two
  other rows);
* ``last``: the daily rate of the most recent other row whose period ends before the row's
  mid-date (the nearest later row for the first one), carried forward.

The same baselines fitted in-sample (all rows of the series, including the one scored) are
reported as well, for reference.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.recorder import METRICS
from sim.schema import Scenario

RAW_METRICS = {m.name for m in METRICS}
COUNTABLE = ("attempts", "detained", "turned_back", "prevented", "apprehended")
REQUIRED_COLUMNS = ("country", "metric", "period_start", "period_end", "value", "aggregation")
AGGREGATIONS = ("period_total", "cumulative")
BASELINES = ("flat", "ramp", "last")


# --------------------------------------------------------------------------- observed data
def load_observed(path) -> pd.DataFrame:
    """Read and check an observed CSV; every problem is a :class:`ScenarioError`."""
    if isinstance(path, pd.DataFrame):
        obs, label = path.copy(), "observed data"
    else:
        path = Path(path)
        label = str(path)
        if not path.exists():
            raise ScenarioError("the observed data file does not exist.", file=label,
                                hint="give --observed FILE or set 'observed:' in the scenario.")
        try:
            obs = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise ScenarioError(f"the observed data file cannot be read as CSV ({exc}).", file=label) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in obs.columns]
    if missing:
        raise ScenarioError(f"the observed data lacks the column(s) {', '.join(missing)}.", file=label,
                            hint=f"columns needed: {', '.join(REQUIRED_COLUMNS)}.")
    if obs.empty:
        raise ScenarioError("the observed data file has no rows.", file=label)
    for i, row in obs.iterrows():
        where = f"row {i + 2}"
        if row["aggregation"] not in AGGREGATIONS:
            raise ScenarioError(f"{where}: unknown aggregation '{row['aggregation']}'.", file=label,
                                hint=f"use one of {', '.join(AGGREGATIONS)}.")
        try:
            start = dt.date.fromisoformat(str(row["period_start"]))
            end = dt.date.fromisoformat(str(row["period_end"]))
        except ValueError:
            raise ScenarioError(f"{where}: dates must be YYYY-MM-DD.", file=label) from None
        if end < start:
            raise ScenarioError(f"{where}: period_end is before period_start.", file=label)
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            raise ScenarioError(f"{where}: value '{row['value']}' is not a number.", file=label) from None
        if not value > 0:
            raise ScenarioError(f"{where}: value must be positive (relative errors divide by it).", file=label)
    obs["value"] = obs["value"].astype(float)
    return obs.reset_index(drop=True)


def observed_path(scenario_file, scenario: Scenario, override=None) -> Path:
    """The observed CSV: ``override`` if given, else the scenario's ``observed:`` (relative to its file)."""
    if override:
        return Path(override)
    if not scenario.observed:
        raise ScenarioError("the scenario names no observed data.", file=str(scenario_file), key_path="observed",
                            hint="add 'observed: path/to.csv' to the scenario or give --observed FILE.")
    p = Path(scenario.observed)
    if not p.is_absolute() and scenario_file is not None:
        p = Path(scenario_file).resolve().parent / p
    return p


def components(scenario: Scenario, country: str, metric: str, file: str | None = None) -> tuple[str, ...]:
    """Raw simulated metrics that make up ``country``'s observed ``metric``, from its counting rules."""
    if country not in scenario.border_services:
        raise ScenarioError(f"the observed data names country '{country}', which has no border service in the "
                            "scenario.", file=file, hint=f"countries: {', '.join(scenario.border_services)}.")
    found: list[str] = []
    for rule in scenario.border_services[country].counts:
        if metric in rule.metrics:
            found += [m for m in rule.metrics if m not in found]
    if found:
        return tuple(found)
    if metric in COUNTABLE:
        return (metric,)
    raise ScenarioError(f"unknown observed metric '{metric}' for {country}.", file=file,
                        hint=f"metrics that can be compared: {', '.join(COUNTABLE)}.")


@dataclass
class Target:
    """One observed row, with what to sum in a run to compare with it."""

    row: int
    country: str
    metric: str
    start: dt.date
    end: dt.date
    value: float
    aggregation: str
    components: tuple[str, ...]
    first: int  # first run day index summed (clipped)
    last: int  # last run day index summed (clipped), inclusive; last < first when none
    days: int  # days in the observed period
    coverage: float
    scored: bool
    note: str = ""

    @property
    def series(self) -> str:
        """Series label: ``country metric``."""
        return f"{self.country} {self.metric}"

    @property
    def mid(self) -> float:
        """Mid-date of the period as a day ordinal."""
        return (self.start.toordinal() + self.end.toordinal()) / 2


def build_targets(scenario: Scenario, observed: pd.DataFrame, file: str | None = None) -> list[Target]:
    """One :class:`Target` per observed row, clipped to the run's dates."""
    out = []
    for i, row in observed.iterrows():
        start = dt.date.fromisoformat(str(row["period_start"]))
        end = dt.date.fromisoformat(str(row["period_end"]))
        comp = components(scenario, str(row["country"]), str(row["metric"]), file)
        first = max(0, (start - scenario.start).days)
        last = min(scenario.days - 1, (end - scenario.start).days)
        days = (end - start).days + 1
        covered = max(0, last - first + 1)
        coverage = covered / days
        note = ""
        if coverage < 1:
            note = (f"period {start}–{end} is only {covered} of {days} days inside the run "
                    f"({scenario.start}–{scenario.end}); simulated value covers those days only; not scored")
        out.append(Target(i, str(row["country"]), str(row["metric"]), start, end, float(row["value"]),
                          str(row["aggregation"]), comp, first, last, days, coverage, coverage >= 1, note))
    return out


# --------------------------------------------------------------------------- running
def seeds_for(root: int, n: int) -> list[int]:
    """``n`` independent seeds spawned from ``root`` with numpy's SeedSequence."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(root).spawn(n)]


def run_values(scenario: Scenario, seed: int, targets: list[Target]) -> tuple[np.ndarray, dict]:
    """Run once; the simulated value of each target and a few other outcomes.

    Runs the model directly (no tidy table), which is what makes calibration affordable.
    """
    from sim.model import CorridorModel

    model = CorridorModel(scenario, rng=seed)
    model.run_to_end()
    rec = model.recorder
    cache: dict = {}

    def full(metric, country):
        key = (metric, country)
        if key not in cache:
            cache[key] = np.concatenate([[0], np.cumsum(rec._full_series(metric, country))])
        return cache[key]

    values = np.full(len(targets), np.nan)
    for k, t in enumerate(targets):
        if t.last >= t.first:
            values[k] = sum(full(m, t.country)[t.last + 1] - full(m, t.country)[t.first] for m in t.components)
    return values, other_outcomes(model)


def values_from_daily(daily: pd.DataFrame, targets: list[Target], start: dt.date) -> np.ndarray:
    """The simulated value of each target from a run's tidy daily table (country totals, place '')."""
    totals = daily[daily["place"] == ""]
    day = (pd.to_datetime(totals["date"]) - pd.Timestamp(start)).dt.days.to_numpy()
    out = np.full(len(targets), np.nan)
    for k, t in enumerate(targets):
        if t.last < t.first:
            continue
        mask = (totals["country"].to_numpy() == t.country) & totals["metric"].isin(t.components).to_numpy()
        mask &= (day >= t.first) & (day <= t.last)
        out[k] = float(totals["value"].to_numpy()[mask].sum())
    return out


def other_outcomes(model) -> dict:
    """Outcomes with no official series but a plausible range: onward, repatriation, stranded, deaths."""
    rec, sc = model.recorder, model.config
    dest_country = np.array([sc.places[d].country for d in model.destination_ids])
    onward = rec.values["onward_arrivals"]
    at_border = rec.values["at_border"].sum(axis=1)
    pl = rec.values["at_border"][:, model.segment_country == model.countries.index("PL")].sum(axis=1) \
        if "PL" in model.countries else at_border * 0
    return {
        "arrivals_minsk": float(rec.values["arrivals_minsk"].sum()),
        "onward_germany": float(onward[:, dest_country == "DE"].sum()),
        "onward_all": float(onward.sum()),
        "repatriated": float(rec.values["repatriated"].sum()),
        "stranded_peak_all": float(at_border.max()),
        "stranded_peak_PL": float(pl.max()),
        "stranded_peak_date": (sc.start + dt.timedelta(days=int(at_border.argmax()))).isoformat(),
        "deaths": float(rec.values["deaths"].sum()),
    }


def _run_job(args):
    scenario, seed, targets = args
    return run_values(scenario, seed, targets)


def run_ensemble(scenario: Scenario, seeds: list[int], targets: list[Target], workers: int = 1):
    """Run every seed; returns (values [seed × target], list of other-outcome dicts)."""
    jobs = [(scenario, s, targets) for s in seeds]
    if workers > 1 and len(seeds) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_run_job, jobs))
    else:
        results = [_run_job(j) for j in jobs]
    return np.array([r[0] for r in results]), [r[1] for r in results]


# --------------------------------------------------------------------------- scoring
def relative_errors(sim: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """``|sim - obs| / obs`` elementwise."""
    return np.abs(np.asarray(sim, float) - np.asarray(obs, float)) / np.asarray(obs, float)


def ard(sim, obs, series, scored=None) -> tuple[float, dict]:
    """Overall ARD (mean over series of the mean relative error of their rows) and per-series ARD.

    Args:
        sim: Simulated values, one per row.
        obs: Observed values, one per row.
        series: Series label per row (rows with the same label form one series).
        scored: Optional booleans; rows marked False are left out.
    """
    sim, obs = np.asarray(sim, float), np.asarray(obs, float)
    series = list(series)
    scored = np.ones(len(obs), bool) if scored is None else np.asarray(scored, bool)
    err = relative_errors(sim, obs)
    per: dict[str, float] = {}
    for s in dict.fromkeys(series):
        mask = np.array([x == s for x in series]) & scored
        if mask.any():
            per[s] = float(err[mask].mean())
    overall = float(np.mean(list(per.values()))) if per else float("nan")
    return overall, per


def _rate(t: Target) -> float:
    return t.value / t.days


def _predict(t: Target, others: list[Target], kind: str) -> float:
    if not others:
        return float("nan")
    rates = np.array([_rate(o) for o in others])
    mids = np.array([o.mid for o in others])
    if kind == "flat" or (kind == "ramp" and len(others) < 2):
        rate = rates.mean()
    elif kind == "ramp":
        if np.ptp(mids) == 0:
            rate = rates.mean()
        else:
            slope, icpt = np.polyfit(mids, rates, 1)
            rate = max(0.0, slope * t.mid + icpt)
    elif kind == "last":
        ends = np.array([o.end.toordinal() for o in others])
        before = np.flatnonzero(ends < t.mid)
        if before.size:
            rate = rates[before[np.argmax(ends[before])]]
        else:
            rate = rates[np.argmin(np.abs(mids - t.mid))]
    else:
        raise ValueError(kind)
    return float(rate * t.days)


def baseline_predictions(targets: list[Target], in_sample: bool = False) -> dict[str, np.ndarray]:
    """Predictions of each naive baseline for every target (NaN for unscored rows).

    Leave-one-out by default (a row's own value is never used to predict it); ``in_sample``
    fits each baseline on all scored rows of the series.
    """
    out = {k: np.full(len(targets), np.nan) for k in BASELINES}
    for k, t in enumerate(targets):
        if not t.scored:
            continue
        same = [o for o in targets if o.series == t.series and o.scored]
        others = same if in_sample else [o for o in same if o.row != t.row]
        for kind in BASELINES:
            if in_sample and kind == "last":
                # in-sample "last": the row's own rate carried forward is the row itself, so use the
                # previous row's rate (the first row keeps its own)
                prev = [o for o in same if o.end < t.end]
                src = max(prev, key=lambda o: o.end) if prev else t
                out[kind][k] = _rate(src) * t.days
            else:
                out[kind][k] = _predict(t, others, kind)
    return out


def score(values: np.ndarray, targets: list[Target]) -> tuple[float, dict]:
    """ARD of one run's values (unscored rows and rows with NaN left out)."""
    obs = np.array([t.value for t in targets])
    scored = np.array([t.scored for t in targets]) & ~np.isnan(values)
    return ard(np.nan_to_num(values), obs, [t.series for t in targets], scored)


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

    def write(self, folder) -> list[Path]:
        """Write validation.csv, validation.json and the band plot into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "validation.csv", folder / "validation.json"]
        self.rows.to_csv(paths[0], index=False)
        paths[1].write_text(json.dumps(self.summary, indent=2, default=_json_default))
        paths.append(plot_bands(self, folder / "validation_bands.png"))
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


def make_report(scenario_label: str, observed_label: str, seeds: list[int], targets: list[Target],
                values: np.ndarray, others: list[dict]) -> ValidationReport:
    """Turn an ensemble's values into per-row, per-series and overall tables."""
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
            entry[f"ard_{name}"] = score(pred, targets)[1].get(s)
        series_rows.append(entry)
    series = pd.DataFrame(series_rows)
    baselines_overall = {name: score(pred, targets)[0] for name, pred in base.items()}
    beats = {s["series"]: all(s["ard_seed_median"] < s[f"ard_{k}_loo"] for k in BASELINES) for s in series_rows}
    other_keys = [k for k in others[0] if k != "stranded_peak_date"] if others else []
    summary = {
        "scenario": scenario_label, "observed": observed_label, "n_seeds": len(seeds), "seeds": seeds,
        "definitions": {
            "relative_error": "|sim - obs| / obs",
            "ard_series": "mean relative error over the scored rows of one country x metric series",
            "ard_overall": "mean of the series ARDs",
            "ard_seed_median": "ARD computed for each seed's run, then the median over seeds",
            "ard_of_median": "ARD of the per-row median over seeds",
            "baselines": "flat / ramp / last on daily rates, leave-one-out (_loo) and in-sample (_insample)",
        },
        "overall": {"ard_seed_median": float(np.median(overall_seed)),
                    "ard_seed_p05": float(np.percentile(overall_seed, 5)),
                    "ard_seed_p95": float(np.percentile(overall_seed, 95)),
                    "ard_seed_max": float(overall_seed.max()),
                    "ard_per_seed": [round(float(x), 4) for x in overall_seed],
                    "ard_of_median": med_overall,
                    **{f"ard_{k}": v for k, v in baselines_overall.items()}},
        "beats_every_loo_baseline": beats,
        "series": [{k: (_clean(v) if isinstance(v, float) else v) for k, v in e.items()} for e in series_rows],
        "rows": json.loads(rows.to_json(orient="records")),
        "other_outcomes": {k: {"median": float(np.median([o[k] for o in others])),
                               "p05": float(np.percentile([o[k] for o in others], 5)),
                               "p95": float(np.percentile([o[k] for o in others], 95))} for k in other_keys},
    }
    return ValidationReport(scenario_label, observed_label, seeds, targets, values, others, rows, series, summary)


def validate(scenario_path, n_seeds: int = 20, root_seed: int | None = None, workers: int = 1,
             observed=None, overrides=None) -> ValidationReport:
    """Run ``n_seeds`` seeds of a scenario and score them against its observed data.

    Args:
        scenario_path: Scenario file (or Scenario / dict with ``observed`` given).
        n_seeds: Number of runs.
        root_seed: Root of the SeedSequence (default: the scenario's seed).
        workers: Local processes.
        observed: Observed CSV path or DataFrame (default: the scenario's ``observed:``).
        overrides: ``--set``-style overrides.
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
    targets = build_targets(scenario, obs, obs_label)
    seeds = seeds_for(scenario.seed if root_seed is None else root_seed, n_seeds)
    values, others = run_ensemble(scenario, seeds, targets, workers)
    return make_report(file or scenario.name, obs_label, seeds, targets, values, others)


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
        lines.append(f"{s.series:<22}{s.ard_seed_median:>8.3f}{s.ard_flat_loo:>8.3f}{s.ard_ramp_loo:>8.3f}"
                     f"{s.ard_last_loo:>8.3f}")
    o = report.summary["overall"]
    lines.append(f"{'overall':<22}{o['ard_seed_median']:>8.3f}{o['ard_flat_loo']:>8.3f}{o['ard_ramp_loo']:>8.3f}"
                 f"{o['ard_last_loo']:>8.3f}")
    lines.append(f"(model = median over seeds of each seed's ARD; 5-95 % over seeds "
                 f"{o['ard_seed_p05']:.3f}-{o['ard_seed_p95']:.3f}; ARD of the median run {o['ard_of_median']:.3f})")
    oth = report.summary["other_outcomes"]
    if oth:
        lines.append("")
        lines.append("other outcomes (median, 5-95 %): " + "; ".join(
            f"{k} {v['median']:,.0f} ({v['p05']:,.0f}-{v['p95']:,.0f})" for k, v in oth.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------- plots
def plot_bands(report: ValidationReport, path: Path) -> Path:
    """One panel per series: observed points against the simulated median and 5–95 % band."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    groups: dict[str, list[int]] = {}
    for k, t in enumerate(report.targets):
        groups.setdefault(t.series, []).append(k)
    n = len(groups)
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(7 * ncols, 3.6 * nrows + 0.9))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    vals = report.values
    for ax, (label, idx) in zip(axes, groups.items(), strict=False):
        for k in idx:
            t = report.targets[k]
            x0 = pd.Timestamp(t.start)
            x1 = pd.Timestamp(t.end) + pd.Timedelta(days=1)
            xm = x0 + (x1 - x0) / 2
            v = vals[:, k]
            lo, med, hi = np.percentile(v, 5), np.median(v), np.percentile(v, 95)
            alpha = 1.0 if t.scored else 0.35
            if t.aggregation == "cumulative":  # a running total: a point at the period's end
                xe = pd.Timestamp(t.end)
                ax.errorbar([xe], [med], yerr=[[med - lo], [hi - med]], fmt="s", color="tab:orange", capsize=5,
                            markersize=7, linewidth=2)
                ax.plot([xe], [t.value], "o", color="black", markersize=6)
                ax.plot([pd.Timestamp(t.start), xe], [0, t.value], color="black", linewidth=0.6, alpha=0.4)
                continue
            ax.fill_between([x0, x1], [lo, lo], [hi, hi], color="tab:orange", alpha=0.25 * alpha, linewidth=0)
            ax.plot([x0, x1], [med, med], color="tab:orange", linewidth=2.5, alpha=alpha)
            ax.plot([x0, x1], [t.value, t.value], color="black", linewidth=1, alpha=0.5 * alpha)
            ax.plot([xm], [t.value], "o", color="black", markersize=6, alpha=alpha)
            if not t.scored:
                ax.annotate("not scored (period starts before the run)", (xm, t.value), fontsize=7,
                            textcoords="offset points", xytext=(4, 6))
        first = min(report.targets[k].start for k in idx)
        last = max(report.targets[k].end for k in idx)
        ax.set_xlim(pd.Timestamp(first) - pd.Timedelta(days=4), pd.Timestamp(last) + pd.Timedelta(days=6))
        s = report.series[report.series["series"] == label]
        ttl = label
        if not s.empty:
            ttl += f" — ARD {float(s['ard_seed_median'].iloc[0]):.2f}"
        agg = report.targets[idx[0]].aggregation
        ttl += f" (running totals since {report.targets[idx[0]].start:%-d %b %Y})" if agg == "cumulative" \
            else " (period totals)"
        ax.set_title(ttl, fontsize=10.5)
        ax.set_ylabel("people (" + " + ".join(report.targets[idx[0]].components) + ")", fontsize=8.5)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelsize=8, rotation=30)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles = [Line2D([], [], color="black", marker="o", linewidth=1, label="observed (official figure)"),
               Line2D([], [], color="tab:orange", linewidth=2.5, label="simulated median"),
               Line2D([], [], color="tab:orange", alpha=0.3, linewidth=8, label="simulated 5–95 %")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9)
    fig.suptitle(f"Observed vs simulated, {len(report.seeds)} seeds", fontsize=13, fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def plot_outcomes(daily: pd.DataFrame, path: Path, title: str = "") -> Path:
    """One run's stranded people by border, and running totals of repatriation and onward arrivals."""
    from matplotlib.figure import Figure

    tot = daily[daily["place"] == ""].copy()
    tot["date"] = pd.to_datetime(tot["date"])
    fig = Figure(figsize=(13, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    stock = tot[tot["metric"] == "at_border"].pivot_table(index="date", columns="country", values="value")
    for c in stock.columns:
        ax1.plot(stock.index, stock[c], label=f"at the {c} border", linewidth=1.8)
    ax1.plot(stock.index, stock.sum(axis=1), color="black", linewidth=1.2, label="all borders")
    ax1.set_title("People waiting or crossing at the borders (stranded)", fontsize=10.5)
    ax1.legend(fontsize=8)
    for metric, country, label in [("repatriated", None, "repatriated from Minsk"),
                                    ("onward_arrivals", "DE", "onward arrivals in Germany"),
                                    ("deaths", None, "deaths at the border (x100)")]:
        part = tot[tot["metric"] == metric]
        if country:
            part = part[part["country"] == country]
        series = part.groupby("date")["value"].sum().cumsum()
        if metric == "deaths":
            series = series * 100
        ax2.plot(series.index, series.values, label=label, linewidth=1.8)
    ax2.set_title("Running totals", fontsize=10.5)
    ax2.legend(fontsize=8)
    for ax in (ax1, ax2):
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelsize=8, rotation=30)
        ax.set_ylabel("people")
    fig.suptitle(title or "Outcomes without an official monthly series", fontsize=12, fontweight="bold")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
