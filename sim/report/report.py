"""One self-contained HTML report of a run folder, with an animated map of flows over time.

``python run.py report RUN_DIR`` reads what ``run.py run`` wrote (``manifest.json``,
``daily.csv``, ``summary.csv``, ``flows.csv`` and the PNG plots) and writes
``RUN_DIR/report.html`` (or ``--out FILE.html``) and, next to it, the animation as
``report.gif`` (``FILE.gif``). Every image is embedded as
base64, there is no script, and nothing links outside the file, so it opens offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import ScenarioError
from sim.files import atomic_write_bytes, atomic_write_text
from sim.plots import charts
from sim.plots.style import COLOUR_NAMES, country_colour

REQUIRED = ("manifest.json", "daily.csv", "summary.csv", "flows.csv")
KEY_METRICS = ("arrivals_minsk", "attempts", "turned_back", "detained", "asylum_claims", "crossed",
               "onward_arrivals", "deaths", "repatriated", "at_border", "reported")
WINDOW_DAYS = 7
# Plain names of the colours of sim.plots.style (COUNTRY_COLOURS, then OTHER_COLOURS), for captions.


# --------------------------------------------------------------------------- reading
def read_run(run_dir: str | Path) -> dict:
    """Read a run folder.

    Args:
        run_dir: Folder written by ``run.py run`` (or :meth:`sim.runs.api.RunResult.write`).

    Returns:
        ``manifest`` (dict), ``daily``, ``summary``, ``flows`` (DataFrames) and ``plots``
        (sorted PNG paths).

    Raises:
        ScenarioError: The folder or one of its files is missing or unreadable.

    """
    folder = Path(run_dir)
    hint = "give a folder written by 'python run.py run SCENARIO --out RUN_DIR'."
    if not folder.is_dir():
        raise ScenarioError("the run folder does not exist.", file=str(folder), hint=hint)
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(f"the run folder lacks {', '.join(missing)}.", file=str(folder), hint=hint)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        tables = {name: pd.read_csv(folder / f"{name}.csv", keep_default_na=False)
                  for name in ("daily", "summary", "flows")}
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ScenarioError(f"a file of the run folder cannot be read ({exc}).", file=str(folder), hint=hint) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("scenario"), dict):
        raise ScenarioError("manifest.json has no 'scenario' block.", file=str(folder / "manifest.json"), hint=hint)
    needed = {"daily": {"date", "metric", "country", "place", "value"}, "summary": {"metric", "country", "total"}}
    for name, columns in needed.items():
        if not columns <= set(tables[name].columns):
            raise ScenarioError(f"{name}.csv lacks columns {sorted(columns - set(tables[name].columns))}.",
                                file=str(folder / f"{name}.csv"), hint=hint)
    return {"manifest": manifest, **tables, "plots": sorted(folder.glob("*.png"))}


# --------------------------------------------------------------------------- animation
def _daily_matrix(daily: pd.DataFrame, metric: str, dates: list[str]) -> pd.DataFrame:
    """Rows = dates, columns = place keys of ``metric`` (per-key rows only)."""
    rows = daily[(daily["metric"] == metric) & (daily["place"] != "")]
    if rows.empty:
        return pd.DataFrame(index=dates)
    table = rows.pivot_table(index="date", columns="place", values="value", aggfunc="sum")
    return table.reindex(dates).fillna(0)


def flow_frames(manifest: dict, daily: pd.DataFrame) -> dict:
    """Per-day people at places and flows along links, derived from the daily table.

    Flights carry each route's arrivals in Minsk; the forest link from a segment's staging
    place carries its attempts; onward links carry arrivals at each destination (split over
    the links into it). People at places: Minsk (``in_minsk``), border segments
    (``at_border``) and destinations (cumulative ``onward_arrivals``).

    Returns:
        ``dates``, ``places``, ``edges``, ``people`` (days × places) and ``edge_flows``
        (days × edges) arrays.

    """
    sc = manifest["scenario"]
    places = charts.places_from_scenario(sc["places"])
    place_ids = list(places)
    pindex = {p: i for i, p in enumerate(place_ids)}
    edges = [(link["from"], link["to"], link["mode"]) for link in sc.get("links", [])]
    eindex = {(u, v): k for k, (u, v, _) in enumerate(edges)}
    dates = sorted(daily["date"].unique())
    n = len(dates)
    people = np.zeros((n, len(place_ids)))
    flows = np.zeros((n, len(edges)))

    def add_edge(u, v, values):
        k = eindex.get((u, v), eindex.get((v, u)))
        if k is not None:
            flows[:, k] += values

    minsk = next((p for p, d in places.items() if d["kind"] == "minsk"), None)
    routes = {rid: r for car in sc.get("carriers", {}).values() for rid, r in car.get("routes", {}).items()}
    for rid, values in _daily_matrix(daily, "arrivals_minsk", dates).items():
        if rid in routes:
            add_edge(routes[rid]["from"], routes[rid].get("to", minsk), values.to_numpy())
    segments = {sid: s for bs in sc.get("border_services", {}).values() for sid, s in bs.get("segments", {}).items()}
    for sid, values in _daily_matrix(daily, "at_border", dates).items():
        if sid in segments and segments[sid]["place"] in pindex:
            people[:, pindex[segments[sid]["place"]]] += values.to_numpy()
    for sid, values in _daily_matrix(daily, "attempts", dates).items():
        if sid in segments:
            add_edge(segments[sid]["staging"], segments[sid]["place"], values.to_numpy())
    for dest, values in _daily_matrix(daily, "onward_arrivals", dates).items():
        if dest not in pindex:
            continue
        people[:, pindex[dest]] += values.cumsum().to_numpy()
        into = [(u, v) for u, v, mode in edges if v == dest and mode == "onward"]
        for u, v in into:
            add_edge(u, v, values.to_numpy() / len(into))
    in_minsk = daily[(daily["metric"] == "in_minsk") & (daily["place"] == "")]
    if minsk is not None and not in_minsk.empty:
        people[:, pindex[minsk]] += in_minsk.groupby("date")["value"].sum().reindex(dates).fillna(0).to_numpy()
    return {"dates": dates, "places": places, "place_ids": place_ids, "edges": edges,
            "people": people, "edge_flows": flows}


def _country_total(daily: pd.DataFrame, metric: str, dates: list[str]) -> np.ndarray:
    rows = daily[(daily["metric"] == metric) & (daily["place"] == "")]
    return rows.groupby("date")["value"].sum().reindex(dates).fillna(0).to_numpy()


def animation_frames(manifest: dict, daily: pd.DataFrame, max_frames: int = 60, size=(12.8, 6.4), dpi: int = 100):
    """Draw the animated map's frames: the whole corridor and the border zone, day by day.

    Sized for a projector: 1280×640 pixels, place names and the headline in large type, the
    border segments and the headline figures in the same country colours as the demo.

    Args:
        manifest: The run's manifest (its ``scenario`` block gives places and links).
        daily: The run's daily table.
        max_frames: Upper bound on frames; days are sampled evenly to stay below it.
        size: Figure size in inches.
        dpi: Pixels per inch.

    Returns:
        A list of PIL images, one per frame.

    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    data = flow_frames(manifest, daily)
    dates, places, ids = data["dates"], data["places"], data["place_ids"]
    n = len(dates)
    frames = list(range(0, n, max(1, int(np.ceil(n / max_frames))))) or [0]
    if frames[-1] != n - 1 and n:
        frames.append(n - 1)
    window = np.cumsum(data["edge_flows"], axis=0)
    deaths = np.cumsum(_country_total(daily, "deaths", dates))
    stranded = _country_total(daily, "at_border", dates)
    onward = np.cumsum(_country_total(daily, "onward_arrivals", dates))
    box = charts.zoom_box(places, kinds=("minsk", "staging", "border_segment"), margin=0.35)
    fig = Figure(figsize=size, dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.86, wspace=0.12)
    axes = fig.subplots(1, 2, width_ratios=[1.25, 1])
    images = []
    for day in frames:
        recent = window[day] - (window[day - WINDOW_DAYS] if day >= WINDOW_DAYS else 0)
        people = dict(zip(ids, data["people"][day], strict=True))
        for ax, zoom in zip(axes, (None, box), strict=True):
            ax.clear()
            kinds = ("minsk", "border_segment") if zoom else ("minsk", "origin", "destination")
            charts.draw_network(ax, places, data["edges"], people, edge_people=list(recent), box=zoom,
                                named_kinds=kinds, labels=5, fontsize=12)
        axes[0].set_title("Corridor", fontsize=15, fontweight="bold")
        axes[1].set_title("Border zone", fontsize=15, fontweight="bold")
        fig.suptitle(f"{dates[day]}    at the border now {int(stranded[day]):,}    deaths so far "
                     f"{int(deaths[day]):,}    arrived at destination {int(onward[day]):,}",
                     fontsize=18, fontweight="bold")
        canvas.draw()
        rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
        images.append(rgb.quantize(colors=128, method=Image.Quantize.MEDIANCUT))
    return images


def write_animation(manifest: dict, daily: pd.DataFrame, path: Path, fps: int = 8, max_frames: int = 60) -> Path:
    """Animate the flows over time (see :func:`animation_frames`) as a GIF, written atomically.

    Args:
        manifest: The run's manifest.
        daily: The run's daily table.
        path: GIF file to write.
        fps: Frames per second.
        max_frames: Upper bound on frames.

    Returns:
        ``path``.

    """
    images = animation_frames(manifest, daily, max_frames=max_frames)
    buf = io.BytesIO()
    durations = [int(1000 / fps)] * len(images)
    durations[-1] = max(durations[-1], 2000)  # hold the last day before the loop starts again
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


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
    segments = [p for p in charts.places_from_scenario(places).values() if p["kind"] == "border_segment"]
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
                     f"src='data:image/gif;base64,{_b64(gif)}'><figcaption>Marker area: people at a place "
                     f"(in Minsk, stranded at a border segment, arrived at a destination so far); line width: "
                     f"people moving along a link over the last {WINDOW_DAYS} days (flights into Minsk, attempts "
                     "from a staging place, onward journeys). Border segments are drawn in their country's colour "
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
              "<code>run.py report</code>. This file is self-contained: it loads nothing from anywhere.</p>",
              "</body></html>"]
    return "\n".join(parts)


def animation_path(html_path: str | Path) -> Path:
    """Where the GIF of a report goes: next to the HTML file, with the same name (``report.gif``)."""
    return Path(html_path).with_suffix(".gif")


def write_report(run_dir: str | Path, out: str | Path | None = None, fps: int = 8, animate: bool = True,
                 max_frames: int = 60) -> Path:
    """Write the self-contained HTML report of a run folder, and its animation next to it.

    Args:
        run_dir: Folder written by ``run.py run``.
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
