"""Write the generated part of docs/benghazi.md, and its plots, from the output folder of the Benghazi sweep.

    corridor sweep scenarios/sweeps/benghazi_2025_questions.yaml --workers 2
    python docs/make_benghazi.py outputs/sweeps/benghazi_2025_questions

The sweep (``scenarios/sweeps/benghazi_2025_questions.yaml``) runs every combination of three named levels:
the Benghazi–Minsk flights (``none``, ``reported``, 1, 3, 7, 14 a week), Poland's asylum suspension (on, off)
and Belarus's steering (fitted, more to Latvia, more to Lithuania), each with the same replicate seeds. For each
flights level against ``none`` *at the same suspension and steering levels*, each outcome's difference is taken
run by run, pairing the runs that share a seed (:func:`sim.experiments.compare.difference`, the pairing
``corridor compare`` uses): the mean difference with its 95 % interval (paired t), and the 5–95 % range of the
paired differences themselves (what one run of the what-if may give).

Only the part of docs/benghazi.md between ``<!-- generated: make_benghazi.py -->`` and ``<!-- end generated -->``
is replaced; the hand-written text around it stays. The plots go to ``docs/img/benghazi_*.png``.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import EXIT_BAD_INPUT, CorridorError, SweepFileError
from sim.experiments.compare import difference
from sim.experiments.discovery.cases import level_labels, read_manifest
from sim.files import atomic_write_text, read_text
from sim.plots.base import new_figure, save_png
from sim.plots.style import series_colour

ROOT = Path(__file__).resolve().parents[1]

DOC = ROOT / "docs" / "benghazi.md"
IMG = ROOT / "docs" / "img"
START, END = "<!-- generated: make_benghazi.py -->", "<!-- end generated -->"
FLIGHTS, SUSPENSION, STEERING = "benghazi_flights", "pl_asylum_suspension", "belarus_steering"
BASELINE = "none"  # the flights level every other one is compared with
AS_IN_SCENARIO = {SUSPENSION: "on", STEERING: "fitted"}  # the levels that leave the scenario as it is
WHAT = {  # (metric, country) -> words; an outcome of another kind is named by its own name
    ("reported", "PL"): "Poland: attempts (as Poland counts)",
    ("reported", "LT"): "Lithuania: not allowed to enter (turned back + prevented)",
    ("reported", "LV"): "Latvia: crossings prevented (prevented + turned back)",
    ("crossed", "PL"): "crossed into Poland undetected", ("crossed", "LT"): "crossed into Lithuania undetected",
    ("crossed", "LV"): "crossed into Latvia undetected", ("onward_arrivals", "DE"): "reached Germany",
    ("deaths", None): "deaths at the borders", ("arrivals_minsk", "BY"): "arrivals in Minsk on BEN-MSQ",
}
PLOTTED = [("reported", "PL"), ("reported", "LT"), ("reported", "LV"), ("crossed", "PL"), ("onward_arrivals", "DE")]
KEY = "bars: mean paired difference; black: its 95 % interval; dotted: 5–95 % of the paired differences"
SHORT = {("reported", "PL"): "PL attempts", ("reported", "LT"): "LT not allowed", ("reported", "LV"): "LV prevented",
         ("crossed", "PL"): "crossed PL", ("onward_arrivals", "DE"): "reached DE"}


# ------------------------------------------------------------------------------------------------ reading
def read_runs(folder: Path) -> tuple[pd.DataFrame, dict]:
    """The finished runs of the sweep folder and its manifest.

    Args:
        folder: The sweep's output folder (``corridor sweep`` wrote it).

    Returns:
        ``runs.csv`` (every run, failed ones too; the level columns as text) and ``manifest.json``.

    Raises:
        SweepFileError: The folder is not a sweep folder, or not of this sweep.
    """
    manifest = read_manifest(folder)
    missing = [p for p in (FLIGHTS, SUSPENSION, STEERING) if p not in level_labels(manifest)]
    if missing:
        raise SweepFileError(f"this sweep has no named levels '{', '.join(missing)}', so it is not "
                             "benghazi_2025_questions.", file=str(folder),
                             hint="run `corridor sweep scenarios/sweeps/benghazi_2025_questions.yaml` and give its "
                                  "output folder.")
    if not (folder / "runs.csv").is_file():
        raise SweepFileError("this sweep folder holds no runs.csv yet.", file=str(folder),
                             hint="run the sweep (re-running `corridor sweep` resumes it).")
    text = read_text(folder / "runs.csv", what="runs table", error=SweepFileError)
    runs = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""],
                       dtype={p: str for p in (FLIGHTS, SUSPENSION, STEERING)})
    return runs, manifest


# ------------------------------------------------------------------------------------------------ the table
def difference_table(runs: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """Each flights level against ``baseline`` at the same suspension and steering levels, per outcome.

    Args:
        runs: The long runs table of the sweep (``run, sample, replicate, seed, status, outcome, value`` and the
            level columns ``benghazi_flights``, ``pl_asylum_suspension``, ``belarus_steering``).
        baseline: The flights level the others are compared with.

    Returns:
        One row per suspension level, steering level, flights level (not the baseline) and outcome: ``n`` pairs,
        ``mean_a`` (the baseline's mean), ``mean_b``, ``diff`` (mean paired difference), ``ci_low``/``ci_high``
        (its 95 % interval) and ``q05``/``q95`` (5–95 % of the paired differences), in the order the levels
        first appear in ``runs``. Only runs with status ok count; a pair needs both runs.
    """
    ok = runs[runs["status"].astype(str) == "ok"]
    wide = ok.pivot_table(index=["seed", FLIGHTS, SUSPENSION, STEERING], columns="outcome", values="value",
                          aggfunc="first").reset_index()
    outcomes = list(dict.fromkeys(ok["outcome"]))
    rows = []
    for (suspension, steering), group in wide.groupby([SUSPENSION, STEERING], sort=False):
        base = group[group[FLIGHTS] == baseline]
        for level in dict.fromkeys(ok[FLIGHTS]):
            if level == baseline:
                continue
            other = group[group[FLIGHTS] == level]
            for o in outcomes:
                a, b = base[["seed", o]].dropna(), other[["seed", o]].dropna()
                a, b = a[a["seed"].isin(b["seed"])], b[b["seed"].isin(a["seed"])]  # pairs only
                if a.empty or b.empty:
                    continue
                rows.append({SUSPENSION: suspension, STEERING: steering, FLIGHTS: level, "outcome": o,
                             **difference(a, b, o)})
    return pd.DataFrame(rows, columns=[SUSPENSION, STEERING, FLIGHTS, "outcome", "mean_a", "mean_b", "diff",
                                       "ci_low", "ci_high", "q05", "q95", "n", "paired"])


def _order(table: pd.DataFrame, column: str, labels: list[str] | None) -> list[str]:
    present = list(dict.fromkeys(table[column]))
    return [v for v in (labels or []) if v in present] + [v for v in present if v not in (labels or [])]


def _num(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:+,.0f}" if abs(x) >= 10 else f"{x:+.1f}"


def _plain(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


def _cell(r: pd.Series) -> str:
    ci = f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]" if np.isfinite(r["ci_low"]) else "[–]"
    spread = f"({_num(r['q05'])} to {_num(r['q95'])})" if np.isfinite(r["q05"]) else ""
    return f"**{_num(r['diff'])}** {ci} {spread}".strip()


def outcome_label(name: str, spec: dict | None) -> str:
    """Words for an outcome of the sweep: what it counts, and where."""
    spec = spec or {}
    return WHAT.get((spec.get("metric"), spec.get("country")), name)


def windows(outcomes: dict, order: list[str] | None = None) -> dict[tuple[str, str], list[str]]:
    """The sweep's outcomes grouped by their date window (start, end), in ``order`` (else the mapping's)."""
    out: dict[tuple[str, str], list[str]] = {}
    names = [n for n in (order or []) if n in outcomes] + [n for n in outcomes if n not in (order or [])]
    for name in names:
        spec = outcomes[name]
        out.setdefault((str(spec.get("start") or "run start"), str(spec.get("end") or "run end")), []).append(name)
    return out


def markdown_tables(table: pd.DataFrame, outcomes: dict, levels: dict[str, list[str]] | None = None) -> str:
    """Markdown tables of :func:`difference_table`: one per date window, suspension level and steering level.

    Args:
        table: The differences.
        outcomes: The sweep's outcome specs (name -> mapping with metric, country, start, end), as the manifest
            stores them.
        levels: Each level parameter's labels in the sweep file's order (the columns' order).

    Returns:
        Markdown text: rows are outcomes, columns the flights levels; each cell the mean paired difference from
        no flights, its 95 % interval in brackets and the 5–95 % range of the paired differences in parentheses.
    """
    levels = levels or {}
    flights = _order(table, FLIGHTS, levels.get(FLIGHTS))
    lines = []
    for (start, end), names in windows(outcomes, list(dict.fromkeys(table["outcome"]))).items():
        names = [n for n in names if n in set(table["outcome"])]
        if not names:
            continue
        lines += [f"### {_date(start)} – {_date(end)}", ""]
        for suspension in _order(table, SUSPENSION, levels.get(SUSPENSION)):
            for steering in _order(table, STEERING, levels.get(STEERING)):
                g = table[(table[SUSPENSION] == suspension) & (table[STEERING] == steering)]
                if g.empty:
                    continue
                as_is = (suspension, steering) == (AS_IN_SCENARIO[SUSPENSION], AS_IN_SCENARIO[STEERING])
                scenario = " (the scenario as it is)" if as_is else ""
                lines += [f"**Asylum suspension {suspension}, Belarus's steering {steering.replace('_', ' ')}**"
                          f"{scenario}; n = {int(g['n'].min())} pairs", "",
                          "| outcome | no flights (mean) | " + " | ".join(_flights_label(f) for f in flights) + " |",
                          "|---|---:|" + "---:|" * len(flights)]
                for name in names:
                    cells = []
                    for f in flights:
                        r = g[(g["outcome"] == name) & (g[FLIGHTS] == f)]
                        cells.append(_cell(r.iloc[0]) if len(r) else "–")
                    base = g.loc[g["outcome"] == name, "mean_a"]
                    lines.append(f"| {outcome_label(name, outcomes.get(name))} | "
                                 f"{_plain(base.iloc[0]) if len(base) else '–'} | " + " | ".join(cells) + " |")
                lines.append("")
    return "\n".join(lines)


def _flights_label(level: str) -> str:
    return "reported" if level == "reported" else f"{level} a week"


def _date(text: str) -> str:
    try:
        return pd.Timestamp(text).strftime("%-d %b %Y")
    except ValueError:
        return text


# ------------------------------------------------------------------------------------------------ the plots
def _plotted(outcomes: dict, window: tuple[str, str]) -> list[str]:
    """The outcomes of one window that the plots show, in the order of :data:`PLOTTED`."""
    by_kind = {(s.get("metric"), s.get("country")): n for n, s in outcomes.items()
               if (str(s.get("start")), str(s.get("end"))) == window}
    return [by_kind[k] for k in PLOTTED if k in by_kind]


def _bars(ax, table: pd.DataFrame, names: list[str], outcomes: dict, flights: list[str]) -> None:
    width = 0.8 / max(len(flights), 1)
    for i, f in enumerate(flights):
        g = table[table[FLIGHTS] == f].set_index("outcome").reindex(names)
        x = np.arange(len(names)) + (i - (len(flights) - 1) / 2) * width
        diff = g["diff"].to_numpy(float)
        err = np.vstack([diff - g["ci_low"].to_numpy(float), g["ci_high"].to_numpy(float) - diff])
        ax.bar(x, diff, width * 0.9, color=series_colour(i), label=_flights_label(f))
        ax.errorbar(x, diff, yerr=np.nan_to_num(err), fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
        ax.vlines(x, g["q05"].to_numpy(float), g["q95"].to_numpy(float), colors="black", linewidth=0.4,
                  linestyles="dotted")
    ax.axhline(0, color="black", linewidth=0.6)
    short = {n: SHORT.get((outcomes[n].get("metric"), outcomes[n].get("country")), n) for n in names}
    ax.set_xticks(np.arange(len(names)), [short[n] for n in names], fontsize=7, rotation=20)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)


def plot_differences(table: pd.DataFrame, outcomes: dict, img: Path,
                     levels: dict[str, list[str]] | None = None) -> list[Path]:
    """Bars of the difference from no flights per border, by flights level, with intervals.

    Two PNGs, of the first date window of the outcomes (the year 2025; a window from 1 May holds the same
    differences, the flights starting then): ``benghazi_flights_<window>.png`` (the scenario as it is:
    suspension on, steering as fitted) and ``benghazi_variants_<window>.png`` (one panel per suspension and
    steering level).

    Args:
        table: :func:`difference_table`.
        outcomes: The sweep's outcome specs.
        img: Folder of the PNGs.
        levels: Each level parameter's labels in the sweep file's order.

    Returns:
        The PNGs written.
    """
    levels = levels or {}
    flights = _order(table, FLIGHTS, levels.get(FLIGHTS))
    suspensions = _order(table, SUSPENSION, levels.get(SUSPENSION))
    steerings = _order(table, STEERING, levels.get(STEERING))
    paths = []
    order = list(dict.fromkeys(table["outcome"]))
    for window in windows(outcomes, order):
        names = _plotted(outcomes, window)
        if not names or not set(names) & set(table["outcome"]):
            continue
        if paths:  # the first window only: the flights start on 1 May, so later windows hold the same differences
            break
        tag = "2025" if window[0].endswith("01-01") else "from_" + pd.Timestamp(window[0]).strftime("%b").lower()
        span = f"{_date(window[0])} – {_date(window[1])}"
        as_is = table[(table[SUSPENSION] == AS_IN_SCENARIO[SUSPENSION]) & (table[STEERING] == AS_IN_SCENARIO[STEERING])]
        if not as_is.empty:
            fig = new_figure(8.0, 4.0)
            ax = fig.subplots()
            _bars(ax, as_is, names, outcomes, flights)
            ax.set_ylabel("people, difference from no flights", fontsize=8)
            ax.legend(fontsize=7, title="Benghazi–Minsk", title_fontsize=7, ncols=len(flights))
            paths.append(save_png(fig, img / f"benghazi_flights_{tag}.png",
                                  f"What the Benghazi–Minsk flights add, {span} (asylum suspension on, steering as "
                                  f"fitted)\n{KEY}", title_size=9))
        fig = new_figure(max(3.6 * len(steerings), 7.0), 3.0 * len(suspensions) + 0.4)
        axes = fig.subplots(len(suspensions), len(steerings), squeeze=False, sharey=True)
        for r, suspension in enumerate(suspensions):
            for c, steering in enumerate(steerings):
                ax = axes[r][c]
                g = table[(table[SUSPENSION] == suspension) & (table[STEERING] == steering)]
                _bars(ax, g, names, outcomes, flights)
                ax.set_title(f"suspension {suspension}, steering {steering.replace('_', ' ')}", fontsize=8)
        axes[0][0].legend(fontsize=6, title="Benghazi–Minsk", title_fontsize=6)
        paths.append(save_png(fig, img / f"benghazi_variants_{tag}.png",
                              f"Difference from no flights by asylum suspension and steering, {span}\n{KEY}",
                              title_size=9))
    return paths


# ------------------------------------------------------------------------------------------------ the page
def generated_part(runs: pd.DataFrame, manifest: dict, table: pd.DataFrame, folder: Path, plots: list[Path]) -> str:
    """The text between the markers: where the numbers come from, the tables, the plots."""
    ok = runs[runs["status"].astype(str) == "ok"]["run"].nunique()
    failed = runs[runs["status"].astype(str) != "ok"]["run"].nunique()
    post = manifest.get("posterior")
    noise = (f"seed noise and parameter uncertainty (each replicate draws a parameter set from "
             f"{Path(str(post.get('file', '?'))).name}, the same in every sample)" if isinstance(post, dict)
             else "seed noise only (the runs drew no parameter sets from a posterior)")
    levels = level_labels(manifest)
    lines = [START, "",
             f"*Generated by `python docs/make_benghazi.py {folder.as_posix()}` from {ok} finished runs"
             + (f" ({failed} failed, left out)" if failed else "")
             + f" of sweep `{Path(str(manifest.get('sweep', '?'))).name}` (scenario hash "
             f"`{str(manifest.get('scenario_hash', '?'))[:16]}`, {manifest.get('replicates', '?')} replicates per "
             f"sample). The intervals include {noise}. Do not edit by hand: re-run the script.*", "",
             "Each cell: **the mean difference from no Benghazi–Minsk flight**, people, over runs paired by seed "
             "(the same asylum and steering levels, the same seed), then [its 95 % interval], then (the 5–95 % range "
             "of the paired differences: what one run may give). The column *no flights (mean)* is the level the "
             "differences are added to. No flight carries anyone before May 2025, so a pair's two runs are the same "
             "until then and the windows from 1 January and from 1 May differ only in that level.", ""]
    for p in plots:
        rel = p.relative_to(DOC.parent) if p.is_relative_to(DOC.parent) else p
        lines += [f"![{p.stem}]({Path(rel).as_posix()})", ""]
    lines += [markdown_tables(table, manifest.get("outcomes", {}), levels), END]
    return "\n".join(lines)


def replace_generated(doc: str, part: str, path: Path = DOC) -> str:
    """``doc`` with the text between the markers (markers included) replaced by ``part``.

    Raises:
        SweepFileError: The markers are missing or out of order.
    """
    i, j = doc.find(START), doc.find(END)
    if i < 0 or j < i:
        raise SweepFileError(f"the page has no '{START}' ... '{END}' block to replace.", file=str(path),
                             hint="put the two markers on lines of their own where the generated part goes.")
    return doc[:i] + part + doc[j + len(END):]


def main(argv: list[str] | None = None) -> int:
    """Read the sweep folder, write the plots and the generated part of docs/benghazi.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="output folder of the benghazi_2025_questions sweep")
    parser.add_argument("--doc", type=Path, default=DOC, help="the page to update (default docs/benghazi.md)")
    parser.add_argument("--img", type=Path, default=IMG, help="folder of the plots (default docs/img)")
    args = parser.parse_args(argv)
    try:
        runs, manifest = read_runs(args.folder)
        table = difference_table(runs)
        if table.empty:
            raise SweepFileError(f"no finished run pairs a flights level with '{BASELINE}'.", file=str(args.folder),
                                 hint="let the sweep finish (re-run it to resume) and run this script again.")
        doc = read_text(args.doc, what="page", error=SweepFileError)
        plots = plot_differences(table, manifest.get("outcomes", {}), args.img, level_labels(manifest))
        atomic_write_text(args.doc, replace_generated(doc, generated_part(runs, manifest, table, args.folder, plots),
                                                      args.doc))
    except CorridorError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.doc}: {len(table)} differences; plots: {', '.join(p.name for p in plots)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
