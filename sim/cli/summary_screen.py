"""The one-screen summary printed at the end of a run."""

from __future__ import annotations

from pathlib import Path

LINES = [
    ("arrivals_minsk", "BY", "Arrived in Minsk"),
    ("attempts", None, "Attempts detected"),
    ("crossed", None, "Crossed undetected"),
    ("turned_back", None, "Turned back"),
    ("prevented", None, "Prevented at the line"),
    ("detained", None, "Detained"),
    ("asylum_claims", None, "Asylum claims"),
    ("deaths", None, "Deaths"),
    ("returned_minsk", None, "Gave up, back in Minsk"),
]


def summary_screen(result, folder: Path, plots: list[str] | None = None) -> str:
    """A compact text summary of a finished run, naming its output folder and the plots drawn there."""
    s = result.summary
    totals = s[s["place"] == ""].set_index(["metric", "country"])["total"]
    countries = list(result.scenario.border_services)
    m = result.manifest
    out = [
        f"Corridor run '{result.scenario.name}' seed {result.seed}: {result.scenario.start} to "
        f"{result.scenario.end} ({result.scenario.days} days), {m['people_created']:,} people, "
        f"{m['wall_seconds']:.2f} s",
        "",
        f"{'people':<26}" + "".join(f"{c:>10}" for c in countries),
    ]
    for metric, only, label in LINES:
        if only:
            out.append(f"{label:<26}{int(totals.get((metric, only), 0)):>10,}")
            continue
        out.append(f"{label:<26}" + "".join(f"{int(totals.get((metric, c), 0)):>10,}" for c in countries))
    onward = s[(s["metric"] == "onward_arrivals") & (s["place"] == "")]
    out.append("Reached destination       " + ", ".join(f"{r.country} {r.total:,}" for r in onward.itertuples()))
    rep = int(s[(s["metric"] == "repatriated") & (s["place"] == "")]["total"].sum())
    stranded = s[(s["metric"] == "at_border") & (s["place"] == "")]
    out.append(f"Repatriated from Minsk    {rep:,}")
    out.append("Peak at the border        " + ", ".join(
        f"{r.country} {r.peak:,} ({r.peak_date})" for r in stranded.itertuples()))
    out.append("")
    out.append(f"Outputs: {folder}")
    if plots:
        out.append(f"Plots:   {', '.join(plots)}")
    return "\n".join(out)
