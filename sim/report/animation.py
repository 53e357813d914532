"""The report's animated map: flows of people over time, drawn day by day by :mod:`sim.plots.maps`.

:func:`flow_frames` derives, from a run's daily table, the people at each place and along each
link per day; :func:`animation_frames` draws them on the corridor and border-zone maps (with
country outlines), sized for a projector (1280×640 pixels, large type); :func:`write_animation`
writes the frames as a GIF.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from sim.files import atomic_write_bytes
from sim.plots.base import new_figure
from sim.plots.maps.layout import BORDER_ZONE_KINDS, places_from_scenario, zoom_box
from sim.plots.maps.mpl import MplMap, map_axes
from sim.plots.text import LabelFont

WINDOW_DAYS = 7  # a link's line width shows the people moving along it over this many days
SIZE = (1280, 640)  # pixels of a frame
PLACE_FONT = LabelFont(16, bold=True)
COUNTRY_FONT = LabelFont(13)


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
        ``dates``, ``places``, ``place_ids``, ``edges``, ``people`` (days × places) and
        ``edge_flows`` (days × edges).

    """
    sc = manifest["scenario"]
    places = places_from_scenario(sc["places"])
    place_ids = list(places)
    pindex = {p: i for i, p in enumerate(place_ids)}
    edges = [(link["from"], link["to"], link["mode"]) for link in sc.get("links", [])]
    eindex = {(u, v): k for k, (u, v, _) in enumerate(edges)}
    dates = sorted(daily["date"].unique())
    people = np.zeros((len(dates), len(place_ids)))
    flows = np.zeros((len(dates), len(edges)))

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


def frame_days(n_days: int, max_frames: int) -> list[int]:
    """The days drawn: evenly spaced, at most about ``max_frames``, always the first and the last."""
    days = list(range(0, n_days, max(1, int(np.ceil(n_days / max_frames))))) or [0]
    if n_days and days[-1] != n_days - 1:
        days.append(n_days - 1)
    return days


class AnimationFigure:
    """The animation's figure: the corridor and the border zone, drawn for one day at a time.

    Args:
        manifest: The run's manifest (its ``scenario`` block gives places and links).
        daily: The run's daily table.

    """

    def __init__(self, manifest: dict, daily: pd.DataFrame) -> None:
        self.data = data = flow_frames(manifest, daily)
        dates, places = data["dates"], data["places"]
        self.window = np.cumsum(data["edge_flows"], axis=0)
        self.deaths = np.cumsum(_country_total(daily, "deaths", dates))
        self.stranded = _country_total(daily, "at_border", dates)
        self.onward = np.cumsum(_country_total(daily, "onward_arrivals", dates))
        self.fig = new_figure(SIZE[0] / 100, SIZE[1] / 100, dpi=100)
        minsk = [p for p, d in places.items() if d["kind"] == "minsk"]
        fonts = {"place_font": PLACE_FONT, "country_font": COUNTRY_FONT}
        self.maps = [
            MplMap(map_axes(self.fig, 12, 95, 680, 535), places, data["edges"], title="Corridor", title_size=15,
                   named=minsk, labels=5, named_kinds=("origin", "destination"), **fonts),
            MplMap(map_axes(self.fig, 710, 95, 558, 535), places, data["edges"], title="Border zone", title_size=15,
                   box=zoom_box(places, BORDER_ZONE_KINDS, margin=0.35), named=minsk, labels=5,
                   named_kinds=("border_segment",), **fonts)]

    def draw(self, day: int) -> None:
        """Draw one day: people now, flows over the last :data:`WINDOW_DAYS` days, the headline."""
        data = self.data
        recent = self.window[day] - (self.window[day - WINDOW_DAYS] if day >= WINDOW_DAYS else 0)
        people = dict(zip(data["place_ids"], data["people"][day], strict=True))
        for m in self.maps:
            m.draw(people, recent)
        self.fig.suptitle(f"{data['dates'][day]}    at the border now {int(self.stranded[day]):,}    deaths so far "
                          f"{int(self.deaths[day]):,}    arrived at destination {int(self.onward[day]):,}",
                          fontsize=18, fontweight="bold", y=0.975)
        self.fig.canvas.draw()

    def image(self) -> Image.Image:
        """The figure as drawn now, as a 128-colour image."""
        canvas = self.fig.canvas
        rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
        return rgb.quantize(colors=128, method=Image.Quantize.FASTOCTREE)


def animation_frames(manifest: dict, daily: pd.DataFrame, max_frames: int = 60) -> list[Image.Image]:
    """Draw the animated map's frames: the whole corridor and the border zone, day by day.

    Sized for a projector: 1280×640 pixels, place names and the headline in large type, the
    border segments and Belarus's borders in the same country colours as the demo.

    Args:
        manifest: The run's manifest (its ``scenario`` block gives places and links).
        daily: The run's daily table.
        max_frames: Upper bound on frames; days are sampled evenly to stay below it.

    Returns:
        A list of PIL images, one per frame.

    """
    figure = AnimationFigure(manifest, daily)
    images = []
    for day in frame_days(len(figure.data["dates"]), max_frames):
        figure.draw(day)
        images.append(figure.image())
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
