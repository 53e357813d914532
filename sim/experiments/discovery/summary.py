"""The words of a discovery: each limit as a reader writes it, the box as one sentence, the Markdown summary.

The sentence follows the scenario discovery convention: the box's **density** is the share of the
cases inside it where the condition holds, its **coverage** the share of all the cases where the
condition holds that lie inside it::

    In 83 % of the runs with `flights_per_week` ≥ 4.9 and `asylum_claim_share` ≤ 0.1, attempts_PL > 20,000;
    this box holds 71 % of all such runs.
"""

from __future__ import annotations

import math

from sim.experiments.discovery.prim_box import SIGNIFICANT, Box, Limit


def number(value: float, integer: bool = False) -> str:
    """A limit as a reader writes it: ``4.87``, ``0.05``, ``12,300``."""
    if integer or float(value).is_integer():
        return f"{round(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _category(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def bounds(lim: Limit) -> tuple[float | None, float | None]:
    """The limits as the values they let in: whole numbers for a lever that takes whole numbers."""
    lo, hi = lim.lower, lim.upper
    if lim.integer:
        lo = None if lo is None else math.ceil(lo - 1e-9)
        hi = None if hi is None else math.floor(hi + 1e-9)
    return lo, hi


def limit_text(lim: Limit, named: bool = True) -> str:
    """One limit: ``2 ≤ `x` ≤ 6.5``, ```x` ≥ 4.9``, ```flag` = true``, ```mode` in {a, b}``.

    Without the name (``named=False``): ``2 – 6.5``, ``≥ 4.9``, ``= true``, ``in {a, b}``.
    """
    name = f"`{lim.parameter}` " if named else ""
    if lim.kind == "category":
        kept = [_category(v) for v in lim.kept or []]
        return f"{name}= {kept[0]}" if len(kept) == 1 else f"{name}in {{{', '.join(kept)}}}"
    lo, hi = bounds(lim)
    if lo is not None and hi is not None:
        if not named:
            return f"{number(lo, lim.integer)} – {number(hi, lim.integer)}"
        return f"{number(lo, lim.integer)} ≤ {name}≤ {number(hi, lim.integer)}"
    if lo is not None:
        return f"{name}≥ {number(lo, lim.integer)}"
    return f"{name}≤ {number(hi, lim.integer)}"


def range_text(lim: Limit, declared: dict | None = None) -> str:
    """The lever's range in the sweep: ``0.5 – 7`` or ``{false, true}``.

    Args:
        lim: The limit.
        declared: The parameter as the sweep's manifest records it: its ``range`` is shown when it has one
            (else the smallest and largest value in the cases).
    """
    span = (declared or {}).get("range")
    if lim.kind == "number" and isinstance(span, list) and len(span) == 2:
        return f"{number(span[0])} – {number(span[1])}"
    if lim.kind == "category":
        return "{" + ", ".join(_category(v) for v in lim.categories or []) + "}"
    return f"{number(lim.full_lower, lim.integer)} – {number(lim.full_upper, lim.integer)}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def levers(n: int) -> str:
    """``1 lever``, ``3 levers``."""
    return f"{n} lever" + ("" if n == 1 else "s")


def percent(share: float) -> str:
    """A share as a percentage for the summary: ``83 %``."""
    return f"{share * 100:.0f} %"


def sentence(box: Box, condition: str, unit: str = "runs") -> str:
    """The box in one sentence (density, then coverage)."""
    stats = box.stats
    if not box.limits:
        return (f"In {percent(stats['density'])} of all {unit}, {condition}, whatever the levers; PRIM found no "
                f"region of the levers where it holds more often than that.")
    return (f"In {percent(stats['density'])} of the {unit} with {_join([limit_text(lim) for lim in box.limits])}, "
            f"{condition}; this box holds {percent(stats['coverage'])} of all such {unit}.")


def _qp(lim: Limit) -> str:
    if lim.kind == "category":
        return f"{lim.qp_lower:.2g}" if lim.qp_lower is not None else "–"
    parts = []
    if lim.qp_lower is not None:
        parts.append(f"{lim.qp_lower:.2g} (lower)")
    if lim.qp_upper is not None:
        parts.append(f"{lim.qp_upper:.2g} (upper)")
    return ", ".join(parts) or "–"


def weak_limits(box: Box) -> list[str]:
    """The restrictions whose quasi-p value is not below :data:`~sim.experiments.discovery.prim_box.SIGNIFICANT`."""
    out = []
    for lim in box.limits:
        sides = [("lower", lim.qp_lower), ("upper", lim.qp_upper)] if lim.kind == "number" else [("", lim.qp_lower)]
        for side, qp in sides:
            if qp is not None and qp >= SIGNIFICANT:
                what = f"the {side} limit of `{lim.parameter}`" if side else f"the restriction of `{lim.parameter}`"
                out.append(f"{what} (quasi-p {qp:.2g})")
    return out


def summary_markdown(box: Box, *, condition: str, sweep: str, unit: str, counts: dict, prim_settings: str,
                     files: list[str]) -> str:
    """The Markdown summary of a discovery, to paste into a memo.

    Args:
        box: PRIM's result.
        condition: The condition in words.
        sweep: The sweep folder (and name) as the reader should see it.
        unit: ``runs`` or ``samples``.
        counts: ``cases``, ``hits`` (cases meeting the condition), ``planned``, ``ok``, ``failed``, ``levers``,
            ``constant`` (levers left out), ``per_note`` (how replicates enter), ``parameters`` (the
            manifest's parameters, for their declared ranges).
        prim_settings: PRIM's settings in words.
        files: The files written beside the summary.
    """
    stats = box.stats
    lines = [f"# Scenario discovery: {condition}", "",
             f"Sweep {sweep}: {counts['planned']:,} runs planned, {counts['ok']:,} finished, {counts['failed']:,} "
             f"failed. PRIM over {levers(counts['levers'])}, {counts['per_note']}.", "",
             f"**{sentence(box, condition, unit)}**", "",
             f"{counts['hits']:,} of the {counts['cases']:,} {unit} meet the condition "
             f"({percent(counts['hits'] / max(counts['cases'], 1))}); the box holds {int(stats['n']):,} {unit} "
             f"({percent(stats['mass'])} of all), {int(stats['k']):,} of which meet it.", ""]
    if box.limits:
        lines += ["| lever | in the box | range in the sweep | quasi-p |", "|---|---|---|---|"]
        declared = counts.get("parameters") or {}
        lines += [f"| `{lim.parameter}` | {limit_text(lim, named=False).replace('|', '/')} | "
                  f"{range_text(lim, declared.get(lim.parameter))} | {_qp(lim)} |" for lim in box.limits]
        lines.append("")
    prim_steps = int((box.trajectory["phase"] == "prim").sum()) if "phase" in box.trajectory else len(box.trajectory)
    lines.append(f"Box chosen: {box.rule}. PRIM's trajectory has steps 0 to {prim_steps - 1}; this box is step "
                 f"{box.step} of trajectory.csv: density {percent(stats['density'])}, coverage "
                 f"{percent(stats['coverage'])}, {levers(int(stats['res_dim']))} restricted.")
    if box.prim_step != box.step:
        before = box.trajectory.iloc[box.prim_step]
        lines.append(f"Before the drops (step {box.prim_step}) the box restricted {levers(int(before['res_dim']))}, "
                     f"with density {percent(before['density'])} and coverage {percent(before['coverage'])}.")
    lines.append(f"{prim_settings}.")
    weak = weak_limits(box)
    if weak:
        lines += ["", f"Not significant (quasi-p ≥ {SIGNIFICANT}): {_join(weak)}. PRIM may have drawn "
                      "these by chance; without --keep-insignificant they are dropped."]
    if counts.get("constant"):
        lines += ["", "Left out (one value in every case): " + ", ".join(f"`{p}`" for p in counts["constant"]) + "."]
    if counts["failed"] or counts["ok"] < counts["planned"]:
        lines += ["", f"Only the {counts['ok']:,} finished runs count; the {counts['planned'] - counts['ok']:,} "
                      "others (failed or not run yet) are not in any box."]
    lines += ["", "Files: " + ", ".join(f"`{f}`" for f in files) + "."]
    return "\n".join(lines) + "\n"
