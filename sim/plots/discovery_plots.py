"""Plots of a scenario discovery (``corridor discover``): PRIM's peeling trajectory and the chosen box.

* :func:`trajectory_plot`: coverage against density of every box on the peeling trajectory,
  coloured by the number of restricted levers, the density threshold dashed, the boxes left when
  non-significant limits are dropped as diamonds, and the chosen box ringed.
* :func:`box_plot`: the cases as dots over two levers (or one lever and an outcome), coloured by
  whether the condition holds, with the box drawn over them. A lever with categories (a switch,
  a named option) is drawn as one column per category, the dots spread within it.

The figures use the object-oriented API on their own Agg canvas (:func:`sim.plots.base.new_figure`:
no pyplot, no global backend) and are written by :func:`sim.plots.base.save_png` (atomically, with
deterministic bytes). They take plain tables and mappings, so this module knows nothing of PRIM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from sim.plots.base import new_figure, save_png

HIT = "#d55e00"  # vermillion: the condition holds
MISS = "#9a9a9a"  # grey: it does not
BOX = "#222222"
JITTER = 0.28  # half-width of a category's column of dots


def trajectory_plot(trajectory: pd.DataFrame, path: Path, *, threshold: float | None = None,
                    title: str = "PRIM peeling trajectory", pruned_from: int | None = None) -> Path:
    """Coverage against density of each box on the trajectory; the chosen box ringed.

    Args:
        trajectory: Columns ``step, coverage, density, res_dim, chosen`` (one ``chosen`` row is True) and
            optionally ``phase``: ``prim`` for PRIM's steps, anything else for boxes derived from one of
            them (limits dropped), drawn as diamonds on a dotted path from step ``pruned_from``.
        path: The PNG to write.
        threshold: The density the chosen box had to reach (a dashed line), if any.
        title: Figure title.
        pruned_from: The PRIM step the derived boxes start from.

    Returns:
        The path written.
    """
    fig = new_figure(7.2, 5.0, layout="constrained")
    ax = fig.add_subplot()
    t = trajectory.sort_values("step")
    phase = t["phase"] if "phase" in t else pd.Series("prim", index=t.index)
    peel, drops = t[phase == "prim"], t[phase != "prim"]
    ax.plot(peel["coverage"], peel["density"], color="#c8c8c8", lw=1, zorder=1)
    dims = t["res_dim"].astype(int)
    top = max(int(dims.max()), 1)
    cmap = matplotlib.colormaps["viridis"].resampled(top + 1)
    style = {"cmap": cmap, "vmin": -0.5, "vmax": top + 0.5, "edgecolors": "white", "linewidths": 0.5, "zorder": 2}
    dots = ax.scatter(peel["coverage"], peel["density"], c=peel["res_dim"].astype(int), s=28, **style)
    if len(drops) and pruned_from is not None:
        start = t[t["step"] == pruned_from]
        path_x = [*start["coverage"], *drops["coverage"]]
        path_y = [*start["density"], *drops["density"]]
        ax.plot(path_x, path_y, color=BOX, ls=":", lw=1, zorder=1)
        ax.scatter(drops["coverage"], drops["density"], c=drops["res_dim"].astype(int), s=42, marker="D",
                   label="limits not significant, dropped", **style)
    bar = fig.colorbar(dots, ax=ax, ticks=range(top + 1))
    bar.set_label("levers restricted")
    if threshold is not None:
        ax.axhline(threshold, color=BOX, ls="--", lw=0.9, zorder=0)
        ax.annotate(f"density threshold {threshold:.0%}", (0.01, threshold), xycoords=("axes fraction", "data"),
                    xytext=(0, 3), textcoords="offset points", fontsize=8, color=BOX)
    chosen = t[t["chosen"].astype(bool)]
    if len(chosen):
        row = chosen.iloc[0]
        ax.scatter([row["coverage"]], [row["density"]], s=190, facecolors="none", edgecolors=HIT, linewidths=2,
                   zorder=3, label="chosen box")
        ax.annotate(f"step {int(row['step'])}: coverage {row['coverage']:.0%}, density {row['density']:.0%}",
                    (row["coverage"], row["density"]), xytext=(-12, -16), textcoords="offset points",
                    ha="right", fontsize=9, color=HIT)
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xlim(-0.02, 1.04)
    ax.set_ylim(min(0.0, float(t["density"].min())) - 0.02, 1.04)
    ax.set_xlabel("coverage (share of the cases meeting the condition that the box holds)")
    ax.set_ylabel("density (share of the box's cases meeting the condition)")
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return save_png(fig, path, title, title_size=11)


def _positions(values: pd.Series, side: Mapping, rng: np.random.Generator) -> tuple[np.ndarray, list | None]:
    """Plot coordinates of one axis: the numbers, or a category's column with the dots spread within it."""
    if side.get("kind") == "category":
        categories = list(side["categories"])
        codes = {c: i for i, c in enumerate(categories)}
        base = np.array([codes.get(v, -1) for v in values.astype(object)], dtype=float)
        return base + rng.uniform(-JITTER, JITTER, len(base)), categories
    return values.to_numpy(dtype=float), None


def _spans(side: Mapping, data: np.ndarray) -> list[tuple[float, float]]:
    """The intervals the box covers on one axis (one per kept category, or one for a number)."""
    if side.get("kind") == "category":
        kept = set(side.get("kept") or side["categories"])
        return [(i - JITTER - 0.1, i + JITTER + 0.1) for i, c in enumerate(side["categories"]) if c in kept]
    lo_data, hi_data = (float(np.nanmin(data)), float(np.nanmax(data))) if data.size else (0.0, 1.0)
    pad = 0.02 * ((hi_data - lo_data) or 1.0)
    lo = side.get("lower")
    hi = side.get("upper")
    return [(lo_data - pad if lo is None else float(lo), hi_data + pad if hi is None else float(hi))]


def _label_categories(ax, which: str, categories: list) -> None:
    ticks = list(range(len(categories)))
    labels = [str(c).lower() if isinstance(c, (bool, np.bool_)) else str(c) for c in categories]
    if which == "x":
        ax.set_xticks(ticks, labels)
        ax.set_xlim(-0.6, len(categories) - 0.4)
    else:
        ax.set_yticks(ticks, labels)
        ax.set_ylim(-0.6, len(categories) - 0.4)


def box_plot(points: pd.DataFrame, hit: np.ndarray, sides: Sequence[Mapping], path: Path, *,
             labels: Sequence[str], title: str, unit: str = "runs") -> Path:
    """The cases over two axes, coloured by the condition, with the box drawn over them.

    Args:
        points: Two columns, the x and y values of each case (numbers, or categories).
        hit: Whether the condition holds, per case.
        sides: Per axis: ``kind`` (``number`` or ``category``), ``lower`` and ``upper`` (None: not restricted),
            ``categories`` (every category, in order) and ``kept`` (those in the box) for a category.
        path: The PNG to write.
        labels: Axis labels.
        title: Figure title.
        unit: What a dot is (for the legend).

    Returns:
        The path written.
    """
    rng = np.random.default_rng(0)  # the spread of the dots in a category's column: the same every time
    fig = new_figure(7.2, 5.6, layout="constrained")
    ax = fig.add_subplot()
    hit = np.asarray(hit, dtype=bool)
    xs, x_categories = _positions(points.iloc[:, 0], sides[0], rng)
    ys, y_categories = _positions(points.iloc[:, 1], sides[1], rng)
    ax.scatter(xs[~hit], ys[~hit], s=12, color=MISS, alpha=0.55, lw=0,
               label=f"condition does not hold ({int((~hit).sum()):,} {unit})")
    ax.scatter(xs[hit], ys[hit], s=14, color=HIT, alpha=0.8, lw=0,
               label=f"condition holds ({int(hit.sum()):,} {unit})")
    for x0, x1 in _spans(sides[0], xs):
        for y0, y1 in _spans(sides[1], ys):
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=BOX, alpha=0.05, edgecolor="none"))
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor=BOX, lw=1.8, zorder=4))
    ax.plot([], [], color=BOX, lw=1.8, label="box")
    if x_categories is not None:
        _label_categories(ax, "x", x_categories)
    if y_categories is not None:
        _label_categories(ax, "y", y_categories)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return save_png(fig, path, title, title_size=11)
