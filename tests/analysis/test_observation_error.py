"""The observation and model error: inferred from in-sample residuals, never from the row it is checked on."""

import datetime as dt
import json

import numpy as np
import pytest

from sim.analysis.observation_error import MIN_ROWS, log_residuals, observation_error
from sim.analysis.validation_report import format_table, make_report
from sim.outcomes.observed import Target


def _targets(values, scored=None, year=2021):
    """Monthly Polish rows, consecutive from January of ``year``."""
    scored = scored if scored is not None else [True] * len(values)
    rows = []
    for i, (v, s) in enumerate(zip(values, scored, strict=True)):
        start = dt.date(year + i // 12, 1 + i % 12, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        first = (start - dt.date(year, 1, 1)).days
        rows.append(Target(row=i, country="PL", metric="attempts", start=start, end=end, value=float(v),
                           aggregation="period_total", components=("attempts",), first=first,
                           last=first + (end - start).days, days=(end - start).days + 1, coverage=1.0, scored=s))
    return rows


def _world(sigma, rows=40, replicates=200, seed=1):
    """Published figures scattered around the model's count with a known log-scale error."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(500, 5000, rows)
    observed = np.expm1(np.log1p(truth) + sigma * rng.standard_normal(rows))
    values = np.tile(truth, (replicates, 1))  # a model with no noise of its own: every band is the error's
    return values, _targets(observed)


@pytest.mark.parametrize("sigma", [0.1, 0.4])
def test_a_known_error_is_recovered_and_its_bands_hold_the_figures_at_their_level(sigma):
    values, targets = _world(sigma, rows=200)
    errors = observation_error(values, targets, [True] * len(targets), root=7)
    assert errors is not None and errors.rows == len(targets)
    assert np.median(errors.sigma) == pytest.approx(sigma, rel=0.2)
    rms = np.sqrt(np.mean(log_residuals(values, targets)[0] ** 2))  # what 200 residuals say about sigma
    assert np.percentile(errors.sigma, 5) < rms < np.percentile(errors.sigma, 95)
    obs = np.array([t.value for t in targets])
    lo, hi = np.percentile(errors.draws, 5, axis=0), np.percentile(errors.draws, 95, axis=0)
    assert 0.8 <= np.mean((obs >= lo) & (obs <= hi)) <= 0.97
    # without the error, a noiseless model's band is a point and holds no figure
    assert np.mean((obs >= values.min(axis=0)) & (obs <= values.max(axis=0))) == 0


def _widths(errors):
    return np.percentile(errors.draws, 95, axis=0) / np.percentile(errors.draws, 5, axis=0)


def test_an_in_sample_row_does_not_widen_its_own_band():
    values, targets = _world(0.05, rows=10)
    wild = [*targets[:-1], Target(**{**targets[-1].__dict__, "value": targets[-1].value * 50})]  # one wild figure
    quiet = _widths(observation_error(values, wild, [True] * 9 + [False], root=3))
    assert observation_error(values, wild, [True] * 9 + [False], root=3).rows == 9
    learnt = observation_error(values, wild, [True] * 10, root=3)
    # the wild row's own band comes from the nine quiet rows only: as narrow as when it teaches nothing
    assert _widths(learnt)[-1] == pytest.approx(quiet[-1], rel=0.3)
    assert wild[-1].value > np.percentile(learnt.draws[:, -1], 95)
    # ... while it widens the bands of the rows it teaches
    assert np.median(_widths(learnt)[:-1]) > 5 * np.median(quiet[:-1])


def test_too_few_rows_give_no_error_model():
    values, targets = _world(0.2, rows=MIN_ROWS)
    assert observation_error(values, targets, [True] * (MIN_ROWS - 1) + [False], root=1) is None
    assert observation_error(values, targets, [True] * MIN_ROWS, root=1) is not None


def test_draws_are_seeded_prefix_stable_and_never_negative():
    values, targets = _world(0.8, rows=6, replicates=30)
    values = values * np.linspace(0, 1, 30)[:, None]  # some replicates count nobody
    learn = [True] * 6
    a = observation_error(values, targets, learn, root=11)
    b = observation_error(values, targets, learn, root=11)
    first = observation_error(values[:10], targets, learn, root=11)
    np.testing.assert_array_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.draws[:10], first.draws)  # replicate r always draws with its own stream
    assert not np.array_equal(a.draws, observation_error(values, targets, learn, root=12).draws)
    assert (a.draws >= 0).all()
    assert log_residuals(values, targets).shape == values.shape


def test_the_report_adds_published_bands_and_their_coverage():
    values, targets = _world(0.3, rows=12, replicates=50)
    targets = [*targets, *_targets([1000.0, 2000.0], year=2022)]
    values = np.hstack([values, np.full((50, 2), 1500.0)])
    report = make_report("s", "o", list(range(50)), targets, values, [{} for _ in range(50)],
                         until=dt.date(2021, 12, 31), error_root=5)
    assert {"observed_p05", "observed_p95", "in_band_with_error"} <= set(report.rows.columns)
    summary = json.loads(json.dumps(report.summary))
    assert summary["observation_error"]["rows"] == 12  # learnt from the in-sample rows only
    assert summary["overall"]["coverage_90"] == 0  # the model's own band is a point
    assert summary["overall"]["coverage_90_with_error"] >= 0.75
    assert summary["out_of_sample"]["coverage_90_with_error"] is not None
    assert "published 5-95 %" in format_table(report)
    plain = make_report("s", "o", list(range(50)), targets, values, [{} for _ in range(50)],
                        until=dt.date(2021, 12, 31))
    assert plain.summary["observation_error"] is None and "observed_p05" not in plain.rows.columns
