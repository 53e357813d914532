"""PRIM through the EMA Workbench (the ``ema`` extra), and the choice of one box on its peeling trajectory.

:func:`find_box` runs ``ema_workbench.analysis.prim.Prim`` on the cases (parameters as inputs,
the condition as the binary outcome) and returns the whole peeling (and pasting) trajectory, the
chosen box, its limits per lever with their quasi-p values, and which cases it holds.

The box chosen (:func:`choose_step`) is **the one with the highest coverage among the boxes whose
density is at least the threshold** (default 0.8; ties: the denser box, then fewer restricted
levers, then the earlier step): the largest region of the lever space where the condition holds at
least that often. When no box reaches the threshold, the densest box is chosen and the result says so.
Then the box's limits that are not significant (quasi-p value ≥ 0.05: removing that limit does not
significantly lower the density) are dropped one side at a time, the least significant first, the
others' quasi-p values recomputed after each drop (Bryant & Lempert 2010): peeling cuts a little off
many levers by chance, and a box of the levers that matter is the one an analyst can act on. Each
drop is a row of the trajectory after PRIM's own (``phase`` ``dropped``); ``prune=False`` keeps them.

Two workarounds for ema_workbench 3.0.0 under pandas 3 are kept here: integer inputs are cast to
float (PRIM's pasting writes fractional limits into them, quaquel/EMAworkbench#448, fixed after
3.0.0), and booleans and text are passed as categories. The Workbench's own warnings (its optional
dependencies, pandas deprecations inside it) are silenced while it runs.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import CommandLineError, EngineUnavailable

EMA_HINT = ('PRIM comes from the EMA Workbench, an optional extra: pip install -e ".[ema]" (or pip install '
            '"ema_workbench>=3.0,<4").')
SIGNIFICANT = 0.05  # a quasi-p value below this marks a restriction as significant
TRAJECTORY_COLUMNS = ("step", "n", "k", "coverage", "density", "mass", "res_dim")


def prim_module():
    """``ema_workbench.analysis.prim``, imported quietly.

    Raises:
        EngineUnavailable: The ``ema`` extra is not installed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError as exc:
        raise EngineUnavailable(f"scenario discovery needs the EMA Workbench, which cannot be imported ({exc}).",
                                hint=EMA_HINT) from None
    return prim


@dataclass
class Limit:
    """The box's limit on one lever.

    Attributes:
        parameter: The sweep's parameter name.
        kind: ``number`` or ``category``.
        lower: Lower limit, or None when the box does not restrict it from below (numbers).
        upper: Upper limit, or None when not restricted from above (numbers).
        full_lower: Smallest value in the cases (numbers).
        full_upper: Largest value in the cases (numbers).
        kept: The categories inside the box (categories).
        categories: Every category in the cases (categories).
        qp_lower: Quasi-p value of the lower limit (categories: of the restriction), or None.
        qp_upper: Quasi-p value of the upper limit, or None.
        restriction: Share of the lever's range (or of its categories) the box cuts away, 0..1.
        integer: The lever takes whole numbers.
    """

    parameter: str
    kind: str
    lower: float | None = None
    upper: float | None = None
    full_lower: float | None = None
    full_upper: float | None = None
    kept: list | None = None
    categories: list | None = None
    qp_lower: float | None = None
    qp_upper: float | None = None
    restriction: float = 0.0
    integer: bool = False

    @property
    def qp(self) -> float:
        """The largest quasi-p value of the restricted sides (the least significant part of the restriction)."""
        values = [q for q in (self.qp_lower, self.qp_upper) if q is not None]
        return max(values) if values else math.nan

    @property
    def significant(self) -> bool:
        """Every restricted side has a quasi-p value below :data:`SIGNIFICANT`."""
        return bool(self.qp < SIGNIFICANT)

    def contains(self, values: pd.Series) -> np.ndarray:
        """Which values lie inside this limit."""
        if self.kind == "category":
            return values.astype(object).isin(self.kept).to_numpy()
        v = values.to_numpy(dtype=float)
        inside = np.ones(v.shape, dtype=bool)
        if self.lower is not None:
            inside &= v >= self.lower
        if self.upper is not None:
            inside &= v <= self.upper
        return inside


@dataclass
class Box:
    """The result of PRIM.

    Attributes:
        trajectory: One row per box on the trajectory: step, n (cases in the box), k (of them meeting the
            condition), coverage, density, mass, res_dim (restricted levers), phase (``prim``, or ``dropped``
            for a limit dropped as not significant), note (which), chosen.
        step: The chosen box's step.
        rule: How it was chosen, in words.
        reached: Its density reaches the threshold.
        limits: Its limits on the restricted levers, most restricting first.
        in_box: Which cases it holds.
        threshold: The density threshold.
        prim_step: The step PRIM's trajectory gave before limits were dropped (``step`` when none was).
        choice: How ``prim_step`` was chosen (the first part of ``rule``).
    """

    trajectory: pd.DataFrame
    step: int
    rule: str
    reached: bool
    limits: list[Limit]
    in_box: np.ndarray
    threshold: float
    prim_step: int = 0
    choice: str = ""

    @property
    def stats(self) -> dict:
        """The chosen box's row of the trajectory, as a mapping."""
        return self.trajectory.iloc[self.step].to_dict()


def choose_step(trajectory: pd.DataFrame, threshold: float) -> tuple[int, bool, str]:
    """The box to report: the highest coverage among those with density ≥ ``threshold``.

    Returns:
        (step, whether the threshold is reached, the rule in words).
    """
    t = trajectory.reset_index(drop=True)
    ok = t[t["density"] >= threshold - 1e-12]
    if len(ok):
        best = ok.sort_values(["coverage", "density", "res_dim", "step"], ascending=[False, False, True, True],
                              kind="stable").iloc[0]
        return int(best["step"]), True, (
            f"the box with the highest coverage among those on the peeling trajectory whose density is at least "
            f"{threshold * 100:.0f} % (ties: the denser box, then fewer restricted levers)")
    best = t.sort_values(["density", "coverage", "step"], ascending=[False, False, True], kind="stable").iloc[0]
    return int(best["step"]), False, (
        f"no box on the peeling trajectory reaches a density of {threshold * 100:.0f} %, so the densest one is "
        f"shown ({best['density'] * 100:.0f} %); lower --threshold or ask a narrower question")


def _clean(qp) -> float | None:
    return None if qp is None or qp < 0 or not np.isfinite(qp) else float(qp)


def box_limits(x: pd.DataFrame, lims: pd.DataFrame, init: pd.DataFrame, p_values: dict) -> list[Limit]:
    """The restricted levers of one box, most restricting first (then by quasi-p value)."""
    out = []
    for u in x.columns:
        qps = list(p_values.get(u, [-1, -1])) + [-1, -1]
        if isinstance(init.loc[0, u], set):
            kept, every = lims.loc[0, u], init.loc[0, u]
            if set(kept) == set(every):
                continue
            order = [c for c in x[u].cat.categories if c in every]
            out.append(Limit(u, "category", kept=[c for c in order if c in kept], categories=order,
                             qp_lower=_clean(qps[0]), restriction=1 - len(kept) / max(len(every), 1)))
            continue
        lo, hi = float(lims.loc[0, u]), float(lims.loc[1, u])
        full_lo, full_hi = float(init.loc[0, u]), float(init.loc[1, u])
        if lo <= full_lo and hi >= full_hi:
            continue
        span = full_hi - full_lo
        out.append(Limit(u, "number", lower=lo if lo > full_lo else None, upper=hi if hi < full_hi else None,
                         full_lower=full_lo, full_upper=full_hi, qp_lower=_clean(qps[0]), qp_upper=_clean(qps[1]),
                         restriction=(1 - (hi - lo) / span) if span > 0 else 0.0,
                         integer=pd.api.types.is_integer_dtype(x[u])))
    return sorted(out, key=lambda lim: (-round(lim.restriction, 9), np.nan_to_num(lim.qp, nan=1.0)))


def _weak_sides(limits: list[Limit]) -> list[tuple[Limit, int]]:
    """Restricted sides (0 lower, 1 upper) with a quasi-p value of :data:`SIGNIFICANT` or more, the largest first."""
    sides = [(qp, k, lim) for lim in limits for k, qp in enumerate((lim.qp_lower, lim.qp_upper))
             if qp is not None and qp >= SIGNIFICANT]
    return [(lim, k) for _, k, lim in sorted(sides, key=lambda item: -item[0])]


def _without(inputs: pd.DataFrame, lims: pd.DataFrame, init: pd.DataFrame, lim: Limit, k: int):
    """The box limits with one side of one lever's restriction removed, and the cases inside."""
    lims = lims.copy()
    if lim.kind == "category":
        lims[lim.parameter] = init[lim.parameter]
    else:
        lims.loc[k, lim.parameter] = init.loc[k, lim.parameter]
    mask = np.ones(len(inputs), dtype=bool)
    for kept in box_limits(inputs, lims, init, {}):
        mask &= kept.contains(inputs[kept.parameter])
    return lims, mask


def _prune(found, inputs: pd.DataFrame, chosen: int) -> list[str]:
    """Drop the chosen box's non-significant limits one side at a time, as new rows of the trajectory.

    The least significant side first; the quasi-p values of the others are recomputed after each drop.
    """
    notes, current = [], chosen
    init = found.box_lims[0]
    for _ in range(2 * len(inputs.columns)):
        weak = _weak_sides(box_limits(inputs, found.box_lims[current], init, found.p_values[current]))
        if not weak:
            break
        lim, k = weak[0]
        lims, mask = _without(inputs, found.box_lims[current], init, lim, k)
        what = "restriction" if lim.kind == "category" else f"{('lower', 'upper')[k]} limit"
        notes.append(f"dropped the {what} of {lim.parameter}")
        found.update(lims, np.flatnonzero(mask))
        current = len(found.box_lims) - 1
    return notes


def find_box(x: pd.DataFrame, y: np.ndarray, *, threshold: float = 0.8, mass_min: float = 0.05,
             peel_alpha: float = 0.05, paste_alpha: float = 0.05, step: int | None = None,
             prune: bool = True) -> Box:
    """Run PRIM, choose a box and drop its limits that are not significant.

    Args:
        x: Parameter values, one row per case (numbers, or categories).
        y: Whether the condition holds, one entry per case (some true, some false).
        threshold: Density the chosen box must reach (see :func:`choose_step`).
        mass_min: Smallest share of the cases a box may hold.
        peel_alpha: Share of the cases peeled away at each step.
        paste_alpha: Share of the cases pasted back at each step.
        step: Choose this step of PRIM's trajectory instead of applying the rule.
        prune: Then drop the box's limits whose quasi-p value is not below :data:`SIGNIFICANT`, one side at
            a time, the least significant first, recomputing the others' quasi-p values after each drop
            (each drop is a row of the trajectory, after PRIM's own).

    Returns:
        The trajectory and the chosen box.

    Raises:
        EngineUnavailable: The ``ema`` extra is missing.
        CommandLineError: ``step`` is not on the trajectory.
    """
    prim = prim_module()
    inputs = x.reset_index(drop=True).copy()
    for column in inputs.columns:
        if pd.api.types.is_bool_dtype(inputs[column]):
            inputs[column] = inputs[column].astype("category")
        elif pd.api.types.is_integer_dtype(inputs[column]):
            inputs[column] = inputs[column].astype(float)
    y = np.asarray(y, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = prim.Prim(inputs, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min).find_box()
        steps = len(found.box_lims)
        if step is None:
            chosen, reached, rule = choose_step(_trajectory(found), threshold)
        elif not 0 <= step < steps:
            raise CommandLineError(f"--step {step} is not on the peeling trajectory, which has steps 0 to "
                                   f"{steps - 1}.", file="--step", hint="see trajectory.csv of a run without --step.")
        else:
            chosen, reached = step, bool(found.peeling_trajectory["density"].iloc[step] >= threshold - 1e-12)
            rule = f"step {step} of the peeling trajectory, as asked with --step"
        notes = _prune(found, inputs, chosen) if prune else []
    final = len(found.box_lims) - 1 if notes else chosen
    choice = rule
    if notes:
        if len(notes) == 1:
            rule += f"; then its one limit that was not significant (quasi-p ≥ {SIGNIFICANT}) dropped"
        else:
            rule += (f"; then its {len(notes)} limits that were not significant (quasi-p ≥ {SIGNIFICANT}) dropped one "
                     "by one, the least significant first")
    trajectory = _trajectory(found)
    trajectory["phase"] = ["prim"] * steps + ["dropped"] * len(notes)
    trajectory["note"] = [""] * steps + notes
    trajectory["chosen"] = trajectory["step"] == final
    limits = box_limits(inputs, found.box_lims[final], found.box_lims[0], found.p_values[final])
    for lim in limits:
        lim.integer = lim.kind == "number" and pd.api.types.is_integer_dtype(x[lim.parameter])
    in_box = np.ones(len(inputs), dtype=bool)
    for lim in limits:
        in_box &= lim.contains(inputs[lim.parameter])
    return Box(trajectory=trajectory, step=final, rule=rule, reached=reached, limits=limits, in_box=in_box,
               threshold=threshold, prim_step=chosen, choice=choice)


def _trajectory(found) -> pd.DataFrame:
    t = found.peeling_trajectory.reset_index(drop=True)
    return pd.DataFrame({"step": np.arange(len(t)), "n": t["n"].astype(int), "k": t["k"].astype(int),
                         "coverage": t["coverage"].astype(float), "density": t["density"].astype(float),
                         "mass": t["mass"].astype(float), "res_dim": t["res_dim"].astype(int)})


def plot_axes(box: Box, parameters: list[str]) -> list[str]:
    """The two levers to draw the box over: the two most restricting, else padded in the sweep's order."""
    axes = [lim.parameter for lim in box.limits[:2]]
    axes += [p for p in parameters if p not in axes][: 2 - len(axes)]
    return axes
