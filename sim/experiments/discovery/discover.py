"""``corridor discover``: PRIM over a finished sweep folder, and the files an analyst reads.

:func:`run_discovery` reads the sweep's cases, evaluates the condition, runs PRIM, chooses a box
and writes into the output folder (default ``SWEEP_DIR/discovery/<slug of the condition>``):

* ``summary.md``: the box in one sentence, its limits with quasi-p values, how it was chosen;
* ``trajectory.csv`` / ``trajectory.png``: every box on the peeling trajectory (coverage, density,
  mass, levers restricted), then the limits dropped as not significant; the chosen box marked;
* ``box_limits.csv``: the chosen box's limit on each restricted lever, the lever's range, quasi-p values;
* ``box.png``: the cases over the two most restricting levers, coloured by the condition, with the box;
* ``cases.csv``: every case (ids, parameters, outcomes), whether the condition holds and it is in the box;
* ``discovery.json``: all of the above as data, with PRIM's settings and versions.

Every file is written atomically; a plot that cannot be drawn becomes a warning, never a lost table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import CommandLineError, OutputError, quoted
from sim.experiments.discovery.cases import Cases, describe_outcomes, read_cases
from sim.experiments.discovery.condition import Condition, parse_condition
from sim.experiments.discovery.prim_box import Box, find_box, plot_axes
from sim.experiments.discovery.summary import bounds, limit_text, sentence, summary_markdown
from sim.experiments.sweep import draw_safely
from sim.files import atomic_write_frame, atomic_write_json, atomic_write_text, output_folder, remove_stray_temps
from sim.version import __version__

TABLES = ("summary.md", "trajectory.csv", "box_limits.csv", "cases.csv", "discovery.json")
PLOTS = ("trajectory.png", "box.png")


@dataclass
class DiscoveryResult:
    """What a discovery found and wrote.

    Attributes:
        out: The output folder.
        condition: The parsed condition.
        cases: The sweep's cases.
        hits: Whether the condition holds, per case.
        box: PRIM's trajectory and the chosen box.
        headline: The box in one sentence.
        summary: The Markdown summary (also ``summary.md``).
        warnings: Plots that could not be drawn, a threshold not reached.
    """

    out: Path
    condition: Condition
    cases: Cases
    hits: np.ndarray
    box: Box
    headline: str
    summary: str
    warnings: list[str] = field(default_factory=list)


def default_out(sweep_dir: str | Path, condition: Condition) -> Path:
    """``SWEEP_DIR/discovery/<slug of the condition>``."""
    return output_folder(Path(sweep_dir) / "discovery", condition.slug())


def _check_options(threshold: float, mass_min: float, peel_alpha: float, paste_alpha: float) -> None:
    for option, value, low, high in (("--threshold", threshold, 0.0, 1.0), ("--mass-min", mass_min, 0.0, 1.0),
                                     ("--peel-alpha", peel_alpha, 0.0, 0.5), ("--paste-alpha", paste_alpha, 0.0, 0.5)):
        if not (np.isfinite(value) and low < value <= high):
            raise CommandLineError(f"{option} must be a number above {low:g} and at most {high:g} (got {value!r}).",
                                   file=option, hint="see `corridor discover --help`.")


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError("the output path exists and is not a folder.", file=str(out), hint="choose another --out.")
    if out.is_dir() and any(out.iterdir()) and not (out / "discovery.json").exists():
        raise OutputError("the output folder already holds files that are not a discovery; they are left alone.",
                          file=str(out), hint="choose an empty or new folder for --out.")


def _per_note(cases: Cases) -> str:
    replicates = int(cases.manifest.get("replicates") or 1)
    if cases.per == "sample":
        return f"each sample a case, its outcomes the mean over its runs ({replicates} replicates per sample)"
    if replicates > 1:
        return (f"each run a case ({replicates} replicates per sample, so a box's density is the chance the "
                "condition holds there, seed variation included)")
    return "each run a case"


def _limits_table(box: Box) -> pd.DataFrame:
    rows = []
    for lim in box.limits:
        lo, hi = bounds(lim)
        rows.append({"parameter": lim.parameter, "kind": lim.kind, "lower": lo, "upper": hi,
                     "kept": "" if lim.kept is None else json.dumps([str(v) for v in lim.kept]),
                     "sweep_min": lim.full_lower, "sweep_max": lim.full_upper,
                     "categories": "" if lim.categories is None else json.dumps([str(v) for v in lim.categories]),
                     "qp_lower": lim.qp_lower, "qp_upper": lim.qp_upper, "restriction": round(lim.restriction, 6),
                     "significant": lim.significant, "in_words": limit_text(lim)})
    columns = ["parameter", "kind", "lower", "upper", "kept", "sweep_min", "sweep_max", "categories", "qp_lower",
               "qp_upper", "restriction", "significant", "in_words"]
    return pd.DataFrame(rows, columns=columns)


def _side(box: Box, cases: Cases, name: str) -> dict:
    lim = next((lim for lim in box.limits if lim.parameter == name), None)
    if name in cases.x.columns and isinstance(cases.x[name].dtype, pd.CategoricalDtype):
        categories = list(cases.x[name].cat.categories)
        return {"kind": "category", "categories": categories, "kept": lim.kept if lim else categories}
    return {"kind": "number", "lower": lim.lower if lim else None, "upper": lim.upper if lim else None}


def _plots(result: DiscoveryResult) -> None:
    from sim.plots.discovery_plots import box_plot, trajectory_plot

    box, cases, out = result.box, result.cases, result.out
    unit = "runs" if cases.per == "run" else "samples"
    words = result.condition.words()
    trajectory_plot(box.trajectory, out / "trajectory.png", threshold=box.threshold,
                    title=f"PRIM peeling trajectory\n{words}", pruned_from=box.prim_step)
    axes = plot_axes(box, list(cases.x.columns))
    if len(axes) == 2:
        points, sides = cases.x[axes], [_side(box, cases, a) for a in axes]
    else:  # a sweep of one lever: the lever against the condition's first outcome
        outcome = result.condition.names[0]
        points = pd.DataFrame({axes[0]: cases.x[axes[0]], outcome: cases.outcomes[outcome]})
        sides, axes = [_side(box, cases, axes[0]), {"kind": "number"}], [axes[0], outcome]
    s = box.stats
    title = (f"{words}\nbox (step {box.step}): density {s['density']:.0%}, coverage {s['coverage']:.0%}, "
             f"{int(s['n']):,} {unit}")
    box_plot(points, result.hits, sides, out / "box.png", labels=axes, title=title, unit=unit)


def _ema_version() -> str:
    try:
        return metadata.version("ema_workbench")
    except metadata.PackageNotFoundError:  # pragma: no cover - find_box needs it installed
        return "?"


def run_discovery(sweep_dir: str | Path, where: str, out: str | Path | None = None, *, per: str = "run",
                  threshold: float = 0.8, mass_min: float = 0.05, peel_alpha: float = 0.05,
                  paste_alpha: float = 0.05, step: int | None = None, prune: bool = True,
                  plots: bool = True) -> DiscoveryResult:
    """Scenario discovery with PRIM over a finished sweep folder.

    Args:
        sweep_dir: The sweep's output folder (``corridor sweep``).
        where: The condition on the sweep's outcomes (:mod:`~sim.experiments.discovery.condition`).
        out: Output folder; default ``SWEEP_DIR/discovery/<slug of the condition>``.
        per: ``run`` (each run a case) or ``sample`` (each sample a case, outcomes averaged over its runs).
        threshold: Density the chosen box must reach.
        mass_min: Smallest share of the cases a box may hold.
        peel_alpha: Share of the cases PRIM peels away at each step.
        paste_alpha: Share of the cases PRIM pastes back at each step.
        step: Report this step of the peeling trajectory instead of applying the rule.
        prune: Drop the box's limits that are not significant (:func:`~sim.experiments.discovery.prim_box.find_box`).
        plots: Draw the two plots.

    Returns:
        The result (its files are written into ``out``).

    Raises:
        CorridorError: A folder that is not a sweep, a bad condition or option (exit code 2 on the command line).
    """
    _check_options(threshold, mass_min, peel_alpha, paste_alpha)
    cases = read_cases(sweep_dir, per)
    condition = parse_condition(where, list(cases.outcomes.columns), list(cases.parameters))
    hits = condition.evaluate({name: cases.outcomes[name].to_numpy() for name in condition.names})
    unit = "runs" if per == "run" else "samples"
    if hits.all() or not hits.any():
        how = "every one" if hits.all() else "none"
        ranges = describe_outcomes(cases, condition.names)
        raise CommandLineError(f"'{quoted(where, 120)}' holds in {how} of the {len(hits):,} {unit} of this sweep, so "
                               f"there is no region of the levers to find: {ranges}.",
                               file="--where", hint="choose a threshold inside that range.")
    out = Path(out) if out is not None else default_out(sweep_dir, condition)
    _check_out(out)
    remove_stray_temps(out)
    box = find_box(cases.x, hits, threshold=threshold, mass_min=mass_min, peel_alpha=peel_alpha,
                   paste_alpha=paste_alpha, step=step, prune=prune)
    words = condition.words()
    headline = sentence(box, words, unit)
    warnings = [] if box.reached or step is not None else [box.choice + "."]
    prim_settings = (f"PRIM settings: peel_alpha {peel_alpha:g}, paste_alpha {paste_alpha:g}, mass_min {mass_min:g} "
                     f"(EMA Workbench {_ema_version()})")
    counts = {"cases": len(cases), "hits": int(hits.sum()), "planned": cases.planned, "ok": cases.ok,
              "failed": cases.failed, "levers": len(cases.x.columns), "constant": cases.constant,
              "per_note": _per_note(cases)}
    sweep_label = f"`{cases.folder}`" + (f" (from `{cases.manifest['sweep']}`)" if cases.manifest.get("sweep") else "")
    files = [*TABLES[1:], *(PLOTS if plots else ())]
    summary = summary_markdown(box, condition=words, sweep=sweep_label, unit=unit,
                               counts={**counts, "parameters": cases.parameters},
                               prim_settings=prim_settings, files=files)
    result = DiscoveryResult(out=out, condition=condition, cases=cases, hits=hits, box=box, headline=headline,
                             summary=summary, warnings=warnings)
    atomic_write_frame(out / "trajectory.csv", box.trajectory)
    limits = _limits_table(box)
    atomic_write_frame(out / "box_limits.csv", limits)
    table = pd.concat([cases.ids, cases.x.astype(object), cases.outcomes], axis=1)
    atomic_write_frame(out / "cases.csv", table.assign(condition=hits, in_box=box.in_box))
    atomic_write_json(out / "discovery.json", {
        "sweep": str(cases.folder), "condition": where, "condition_plain": condition.render(), "per": per,
        "outcomes_used": list(condition.names), "threshold": threshold, "rule": box.rule, "reached": box.reached,
        "step": box.step, "prim_step": box.prim_step, "pruned": prune,
        "box": {k: float(v) for k, v in box.stats.items() if k in ("n", "k", "coverage", "density", "mass", "res_dim")},
        "sentence": headline, "limits": limits.astype(object).where(limits.notna(), None).to_dict(orient="records"),
        "counts": counts,
        "prim": {"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min,
                 "ema_workbench": _ema_version()},
        "versions": {"corridor": __version__}})
    atomic_write_text(out / "summary.md", summary)
    for name in PLOTS:
        (out / name).unlink(missing_ok=True)  # never left over from an earlier discovery into this folder
    if plots:
        draw_safely("trajectory.png and box.png", lambda: _plots(result), warnings)
    return result


__all__ = ["DiscoveryResult", "default_out", "run_discovery"]
