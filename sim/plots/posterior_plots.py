"""Plots of an ABC posterior: each parameter's marginal against its prior range, and the correlated pairs.

The marginals show, for every parameter, the weighted posterior density over the whole prior range
(the range is the x axis, the prior is drawn flat or as its log-uniform curve), the median and the
5–95 % interval: a parameter the data identify is a narrow peak; one they do not is a spread that
fills the range. The pairwise panels show the most correlated pairs, dots sized by weight: a narrow
diagonal band is a direction the data cannot see (the fit trades one parameter for the other).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.plots.base import new_figure, save_png
from sim.plots.style import series_colour


def shorten(text: str, width: int) -> str:
    """A key path cut from the left to ``width`` characters (its end names the parameter)."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _prior_density(low: float, high: float, prior: str, x: np.ndarray) -> np.ndarray:
    if prior == "loguniform":
        return 1.0 / (x * (math.log(high) - math.log(low)))
    return np.full_like(x, 1.0 / (high - low))


def _density(values: np.ndarray, weights: np.ndarray, x: np.ndarray, log: bool) -> np.ndarray:
    """Weighted Gaussian kernel density of ``values`` on ``x`` (in log space for a log-uniform prior)."""
    from scipy.stats import gaussian_kde

    v, grid = (np.log(values), np.log(x)) if log else (values, x)
    if np.ptp(v) == 0 or len(v) < 3:
        return np.zeros_like(x)
    density = gaussian_kde(v, weights=weights)(grid)
    return density / x if log else density


def marginals(frame: pd.DataFrame, weights, table: pd.DataFrame, path: Path, title: str) -> Path:
    """One panel per parameter: the weighted posterior density over the prior range, the prior, median and 5-95 %.

    Args:
        frame: The posterior parameter sets (one column per parameter).
        weights: Their weights.
        table: :func:`sim.analysis.posterior_summary.parameter_table` of the same sets.
        path: PNG to write.
        title: Figure title.
    """
    names = list(frame.columns)
    cols = 3 if len(names) > 4 else max(len(names), 2)
    rows = math.ceil(len(names) / cols)
    fig = new_figure(3.4 * cols, 2.3 * rows + 1.0, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = np.asarray(weights, float) / np.sum(weights)
    for ax, row in zip(axes, table.itertuples(), strict=False):
        lo, hi, log = row.low, row.high, row.prior == "loguniform"
        x = np.geomspace(lo, hi, 240) if log else np.linspace(lo, hi, 240)
        values = np.clip(frame[row.parameter].to_numpy(float), lo, hi)
        ax.fill_between(x, _density(values, w, x, log), color=series_colour(0), alpha=0.5, lw=0,
                        label="posterior (weighted density)")
        ax.plot(x, _prior_density(lo, hi, row.prior, x), color="#555555", ls="--", lw=1, label="prior")
        ax.axvspan(row.q05, row.q95, color=series_colour(1), alpha=0.15, label="posterior 5-95 %")
        ax.axvline(row.median, color=series_colour(1), lw=1.5, label="posterior median")
        ax.plot(values, np.zeros_like(values), "|", color="#333333", ms=6, alpha=0.6, label="accepted sets")
        if log:
            ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(bottom=0)
        ax.set_yticks([])
        mark = "identified" if row.identified else "not identified"
        ax.set_title(f"{shorten(row.parameter, 44)}\n{mark}: 90 % in {row.share_of_range:.0%} of range", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if len(names):
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=5, fontsize=7, frameon=False)
    return save_png(fig, path, title, title_size=11, tight=False)


def pairs(frame: pd.DataFrame, weights, strongest: list[tuple[str, str, float]], bounds: dict, path: Path,
          title: str) -> Path:
    """Scatter of the most correlated pairs of parameters, dots sized by weight, axes over the prior ranges."""
    n = max(len(strongest), 1)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = new_figure(max(3.4 * cols, 6.5), 3.1 * rows + 0.6, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = np.asarray(weights, float) / np.max(weights)
    for ax, (a, b, corr) in zip(axes, strongest, strict=False):
        ax.scatter(frame[a], frame[b], s=4 + 30 * w, color=series_colour(0), alpha=0.5, linewidths=0)
        ax.set_xlim(*bounds[a])
        ax.set_ylim(*bounds[b])
        ax.set_xlabel(shorten(a, 40), fontsize=7)
        ax.set_ylabel(shorten(b, 40), fontsize=7)
        ax.set_title(f"correlation {corr:+.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(strongest):]:
        ax.set_visible(False)
    return save_png(fig, path, title, title_size=11, tight=False)
