"""What a posterior says about each parameter: weighted median, 5–95 %, how much the data narrowed it.

A parameter counts as **identified** by the data when its 90 % posterior interval covers at most half
of its prior range; otherwise the data leave it largely where the prior put it (a ridge or a flat
direction of the fit). Strong correlations between parameters are reported too: two parameters the
data cannot tell apart show up as a narrow diagonal band in the pairwise plot even when each one's
own interval is wide.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

IDENTIFIED_SHARE = 0.5  # a 90 % interval at most this share of the prior range: the data identify the parameter


def weighted_quantile(values, weights, q: float) -> float:
    """The ``q`` quantile of ``values`` weighted by ``weights`` (the least value whose cumulative weight reaches q)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(int(np.searchsorted(cdf, q)), len(values) - 1)])


def effective_sample_size(weights) -> float:
    """Kish's effective sample size of importance weights, (Σw)² / Σw²."""
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / (w**2).sum())


def weighted_correlations(frame: pd.DataFrame, weights) -> pd.DataFrame:
    """Weighted Pearson correlations between the columns of ``frame``."""
    w = np.asarray(weights, float) / np.sum(weights)
    x = frame.to_numpy(float)
    centred = x - w @ x
    cov = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    return pd.DataFrame(cov / np.outer(sd, sd), index=frame.columns, columns=frame.columns)


def parameter_table(frame: pd.DataFrame, weights, bounds: dict[str, tuple[float, float]],
                    priors: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per parameter: prior, range, weighted median and 5–95 %, share of the range, identified."""
    rows = []
    for name in frame.columns:
        lo, hi = bounds[name]
        q05, q50, q95 = (weighted_quantile(frame[name], weights, q) for q in (0.05, 0.5, 0.95))
        share = (q95 - q05) / (hi - lo)
        rows.append({"parameter": name, "prior": (priors or {}).get(name, "uniform"), "low": lo, "high": hi,
                     "median": q50, "q05": q05, "q95": q95, "share_of_range": round(share, 4),
                     "identified": bool(share <= IDENTIFIED_SHARE)})
    return pd.DataFrame(rows)


def strongest_pairs(frame: pd.DataFrame, weights, n: int = 6) -> list[tuple[str, str, float]]:
    """The ``n`` pairs of parameters with the largest absolute weighted correlation."""
    corr = weighted_correlations(frame, weights)
    names = list(frame.columns)
    pairs = [(a, b, float(corr.loc[a, b])) for i, a in enumerate(names) for b in names[i + 1:]]
    return sorted(pairs, key=lambda p: (-abs(p[2]), p[0], p[1]))[:n]


def summary_markdown(title: str, table: pd.DataFrame, facts: dict, pairs: list[tuple[str, str, float]]) -> str:
    """The posterior summary as Markdown: the facts of the run, the parameter table, the correlated pairs."""
    lines = [f"# {title}", ""]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += ["", "| Parameter | Prior | Range | Median | 5-95 % | Share of range | Identified |",
              "|---|---|---:|---:|---:|---:|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.parameter} | {r.prior} | {r.low:g} to {r.high:g} | {r.median:.4g} | "
                     f"{r.q05:.4g} to {r.q95:.4g} | {r.share_of_range:.0%} | {'yes' if r.identified else 'no'} |")
    lines += ["", f"A parameter is *identified* when its 90 % interval covers at most {IDENTIFIED_SHARE:.0%} of its "
              "prior range. Most correlated pairs (a strong correlation is a direction the data cannot see: "
              "the fit trades one parameter for the other):", ""]
    lines += [f"- {a} ~ {b}: {c:+.2f}" for a, b, c in pairs]
    return "\n".join(lines) + "\n"
