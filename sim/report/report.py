"""One self-contained HTML report of a run folder, with an animated map of flows over time.

``corridor report RUN_DIR`` reads what ``corridor run`` wrote (``manifest.json``, ``daily.csv``,
``summary.csv``, ``flows.csv`` and the PNG plots, through :func:`sim.runs.folder.read_run`) and
writes ``RUN_DIR/report.html`` (or ``--out FILE.html``) and, next to it, the animation
(:mod:`sim.report.animation`) as ``report.gif`` (``FILE.gif``). Every image is embedded as
base64, there is no script, and nothing links outside the file, so it opens offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.files import atomic_write_text
from sim.plots.maps.layout import places_from_scenario
from sim.plots.style import COLOUR_NAMES, country_colour
from sim.report.animation import WINDOW_DAYS, write_animation
from sim.runs.folder import read_run

KEY_METRICS = ("arrivals_minsk", "attempts", "turned_back", "detained", "asylum_claims", "crossed",
               "onward_arrivals", "deaths", "repatriated", "at_border", "reported")


# --------------------------------------------------------------------------- HTML
def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _outcome_table(summary: pd.DataFrame) -> str:
    rows = summary[(summary["place"] == "") & summary["metric"].isin(KEY_METRICS)] if "place" in summary else summary
    if rows.empty:
        return "<p>No totals in summary.csv.</p>"
    value = rows.assign(value=np.where(rows.get("kind", "flow") == "stock", rows.get("peak", rows["total"]),
                                       rows["total"]))
    table = value.pivot_table(index="metric", columns="country", values="value", aggfunc="sum", fill_value=0)
    table = table.reindex([m for m in KEY_METRICS if m in table.index])
    table.index = [f"{m} (peak)" if m == "at_border" else m for m in table.index]
    return table.astype(int).to_html(classes="num", border=0)


def _events_html(manifest: dict) -> str:
    events = manifest.get("events_applied") or []
    if not events:
        return "<p>No dated events.</p>"
    items = "".join(f"<li><b>{html.escape(str(e.get('date', '')))}</b> {html.escape(str(e.get('what', '')))}</li>"
                    for e in events if isinstance(e, dict))
    return f"<ul>{items}</ul>"


def _flows_table(flows: pd.DataFrame) -> str:
    if flows.empty or "people" not in flows:
        return "<p>No flows.</p>"
    top = flows.sort_values("people", ascending=False).head(15)
    return top.to_html(index=False, border=0, classes="num")


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222}h1{margin-bottom:.2em}table{border-collapse:collapse;margin:.5em 0}
td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}th{background:#f4f4f4}
img{max-width:100%;border:1px solid #eee}.meta td{text-align:left}figure{margin:1.5em 0}
figcaption{color:#555;font-size:.9em}.note{color:#555;font-size:.9em}
"""


def border_colour_key(places) -> str:
    """Name the colour each country's border segments are drawn in, as the animation draws them.

    Args:
        places: The scenario's places (place id → dict or object with ``country`` and ``kind``).

    Returns:
        For example ``PL orange, LT blue, LV pink``: the countries of the border segments in
        the order of the places, each with the name of :func:`sim.plots.style.country_colour`
        (or its hex code when :data:`sim.plots.style.COLOUR_NAMES` has no name for it).

    """
    segments = [p for p in places_from_scenario(places).values() if p["kind"] == "border_segment"]
    colours = {p["country"]: country_colour(p["country"]) for p in segments}
    return ", ".join(f"{country} {COLOUR_NAMES.get(colour, colour)}" for country, colour in colours.items())


def render_html(run: dict, gif: Path | None) -> str:
    """Render the report as one HTML string (images inlined as base64; no scripts, no links out)."""
    m, sc = run["manifest"], run["manifest"]["scenario"]
    esc = html.escape
    meta = [("Scenario", sc.get("name", m.get("scenario_name", ""))), ("File", m.get("scenario_file", "")),
            ("Period", f"{sc.get('start', '')} to {sc.get('end', '')}"), ("Seed", m.get("seed", "")),
            ("Scale", sc.get("scale", "")), ("Scenario hash", m.get("scenario_hash", "")),
            ("People created", m.get("people_created", "")), ("Run time (s)", m.get("wall_seconds", "")),
            ("Versions", ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items()))]
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Corridor report: "
             f"{esc(str(sc.get('name', '')))}</title><style>{CSS}</style></head><body>",
             f"<h1>Corridor report: {esc(str(sc.get('name', '')))}</h1>",
             f"<p>{esc(str(sc.get('description', '')))}</p>",
             "<table class='meta'>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in meta)
             + "</table>",
             "<h2>Outcomes by country</h2><p class='note'>Totals over the run (people, or attempts where a person "
             "can count more than once); <i>at_border (peak)</i> is the most people stranded on one day; "
             "<i>reported</i> is each country's official figure under its own counting rule — never add the "
             "countries' figures up as if they counted the same thing.</p>",
             _outcome_table(run["summary"]), "<h2>Dated events</h2>", _events_html(m)]
    if gif is not None:
        parts.append("<h2>Flows over time</h2><figure><img alt='Animated map of flows over time' "
                     f"src='data:image/gif;base64,{_b64(gif)}'><figcaption>Circle area: people at a place "
                     f"(in Minsk, stranded at a border segment, arrived at a destination so far); line width: "
                     f"people moving along a link over the last {WINDOW_DAYS} days (flights into Minsk, attempts "
                     "from a staging place, onward journeys). Border segments, and Belarus's borders with the EU, are "
                     "drawn in their country's colour "
                     f"({esc(border_colour_key(sc['places']))}). The same animation is saved next to this file as "
                     f"{html.escape(gif.name)}.</figcaption></figure>")
    if run["plots"]:
        parts.append("<h2>Plots</h2>")
        for png in run["plots"]:
            caption = png.stem.replace("_", " ").capitalize()
            parts.append(f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{_b64(png)}'>"
                         f"<figcaption>{esc(caption)} ({esc(png.name)})</figcaption></figure>")
    parts += ["<h2>Busiest links</h2>", _flows_table(run["flows"]),
              f"<p class='note'>Written {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} by "
              "<code>corridor report</code>. This file is self-contained: it loads nothing from anywhere.</p>",
              "</body></html>"]
    return "\n".join(parts)


def animation_path(html_path: str | Path) -> Path:
    """Where the GIF of a report goes: next to the HTML file, with the same name (``report.gif``)."""
    return Path(html_path).with_suffix(".gif")


def write_report(run_dir: str | Path, out: str | Path | None = None, fps: int = 8, animate: bool = True,
                 max_frames: int = 60) -> Path:
    """Write the self-contained HTML report of a run folder, and its animation next to it.

    Args:
        run_dir: Folder written by ``corridor run``.
        out: HTML file to write; defaults to ``RUN_DIR/report.html``. The GIF goes next to
            it with the same name (:func:`animation_path`: ``report.gif``).
        fps: Frames per second of the animation.
        animate: Make and embed the animated map.
        max_frames: Upper bound on the animation's frames.

    Returns:
        The HTML file's path.

    Raises:
        ScenarioError: The run folder is missing or incomplete, or ``out`` is not an
            ``.html`` file that can be written (exit code 2).

    """
    target = Path(out) if out else Path(run_dir) / "report.html"
    if target.suffix.lower() not in (".html", ".htm") or target.is_dir():
        raise ScenarioError("--out must name an .html file (the animation is saved next to it as a .gif).",
                            file=str(target), hint="for example --out outputs/class/report.html.")
    run = read_run(run_dir)
    try:
        gif = write_animation(run["manifest"], run["daily"], animation_path(target), fps=fps,
                              max_frames=max_frames) if animate else None
        atomic_write_text(target, render_html(run, gif))
    except OSError as exc:
        raise ScenarioError(f"cannot write the report ({exc.strerror or exc}).", file=str(target),
                            hint="choose a folder you can write to with --out.") from None
    return target
