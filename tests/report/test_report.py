"""The HTML report: self-contained, complete, with an animated map, and clear errors for bad input."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.plots.maps.labels import first_overlap
from sim.plots.style import COLOUR_NAMES, COUNTRY_COLOURS, OUTLINE_STYLE, PALETTE
from sim.report import report as report_module
from sim.report.animation import AnimationFigure, flow_frames, frame_days
from sim.report.report import animation_path, border_colour_key, write_report
from sim.runs.folder import read_run

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # pragma: no cover
    PYTHON = Path(sys.executable)


class Refs(HTMLParser):
    """Collects tags and every URL-bearing attribute of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value is not None:
                self.urls.append(value)
                if tag == "img" and name == "src":
                    self.images.append(value)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """The classroom scenario run once and written with its plots."""
    folder = tmp_path_factory.mktemp("run")
    sim.run(CLASSROOM).write(folder)
    return folder


@pytest.fixture(scope="module")
def report(run_dir) -> Path:
    return write_report(run_dir, max_frames=15)


def test_report_is_one_self_contained_file(report, run_dir):
    text = report.read_text(encoding="utf-8")
    refs = Refs()
    refs.feed(text)
    assert report == run_dir / "report.html"
    assert not {"script", "link", "iframe", "object", "embed"} & set(refs.tags)
    assert refs.urls, "no images found"
    assert all(u.startswith("data:") or u.startswith("#") for u in refs.urls), refs.urls[:3]
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), "CSS loads something from outside"
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", text)


def test_report_embeds_every_plot_and_the_animation(report, run_dir):
    refs = Refs()
    refs.feed(report.read_text(encoding="utf-8"))
    pngs = sorted(run_dir.glob("*.png"))
    assert pngs, "the run wrote no plots"
    kinds = [u.split(";")[0] for u in refs.images]
    assert kinds.count("data:image/png") == len(pngs)
    assert kinds.count("data:image/gif") == 1
    gif_b64 = next(u for u in refs.images if u.startswith("data:image/gif"))
    embedded = base64.b64decode(gif_b64.split(",", 1)[1])
    assert embedded == (run_dir / "report.gif").read_bytes(), "the GIF on disk and in the HTML differ"

    from PIL import Image

    gif = Image.open(io.BytesIO(embedded))
    assert gif.n_frames >= 10
    assert gif.size[0] >= 1200, f"the animation is too small to project: {gif.size}"
    frames = []
    for index in (0, gif.n_frames // 2, gif.n_frames - 1):
        gif.seek(index)
        frames.append(np.asarray(gif.convert("L"), dtype=float))
    assert all(f.std() > 10 for f in frames), "a frame is blank"
    assert np.abs(frames[0] - frames[-1]).mean() > 0.5, "the animation does not change over time"


def test_report_summarises_the_scenario(report, run_dir):
    text = report.read_text(encoding="utf-8")
    manifest = read_run(run_dir)["manifest"]
    assert "classroom" in text
    assert manifest["scenario_hash"] in text
    for country in ("PL", "LT", "LV"):
        assert f">{country}<" in text
    for metric in ("attempts", "turned_back", "deaths", "onward_arrivals", "at_border (peak)"):
        assert f">{metric}<" in text
    for event in manifest["events_applied"]:
        assert event["date"] in text
    summary = pd.read_csv(run_dir / "summary.csv", keep_default_na=False)
    attempts_pl = summary[(summary.metric == "attempts") & (summary.country == "PL") & (summary.place == "")]
    assert f">{int(attempts_pl.total.iloc[0])}<" in text


def test_animation_caption_names_the_colours_the_border_segments_are_drawn_in(report, run_dir, monkeypatch):
    assert ("Border segments, and Belarus's borders with the EU, are drawn in their country's colour "
            "(PL orange, LT blue, LV pink).") in report.read_text(encoding="utf-8")
    assert set(COUNTRY_COLOURS.values()) | set(PALETTE) <= set(COLOUR_NAMES)  # every colour has a name
    places = read_run(run_dir)["manifest"]["scenario"]["places"]
    monkeypatch.setitem(COUNTRY_COLOURS, "LT", "#e69f00")  # the caption follows the colours, not a fixed text
    assert border_colour_key(places) == "PL orange, LT amber, LV pink"


def test_flow_frames_follow_the_daily_table(run_dir):
    run = read_run(run_dir)
    data = flow_frames(run["manifest"], run["daily"])
    daily = run["daily"]
    assert len(data["dates"]) == daily["date"].nunique()
    arrivals = daily[(daily.metric == "arrivals_minsk") & (daily.place == "")]["value"].sum()
    flight_edges = [k for k, (_, _, mode) in enumerate(data["edges"]) if mode == "flight"]
    assert data["edge_flows"][:, flight_edges].sum() == pytest.approx(arrivals)
    stranded = daily[(daily.metric == "at_border") & (daily.place == "")].groupby("date")["value"].sum()
    segment_places = [data["place_ids"].index(s["place"])
                      for bs in run["manifest"]["scenario"]["border_services"].values()
                      for s in bs["segments"].values()]
    assert np.allclose(data["people"][:, sorted(set(segment_places))].sum(axis=1), stranded.to_numpy())


def test_animation_frames_have_outlines_and_labels_that_never_overlap(run_dir):
    run = read_run(run_dir)
    figure = AnimationFigure(run["manifest"], run["daily"])
    n = len(figure.data["dates"])
    assert frame_days(n, 60)[0] == 0 and frame_days(n, 60)[-1] == n - 1
    renderer = figure.fig.canvas.get_renderer()
    for day in (0, 59, n - 1):
        figure.draw(day)
        boxes = []
        for m in figure.maps:
            frame = m.ax.get_window_extent(renderer)
            for text in m.labels:
                box = text.get_window_extent(renderer)
                assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5 and frame.y0 - 0.5 <= box.y0
                boxes.append((text.get_text(), box.extents))
        assert first_overlap(boxes) is None, (day, first_overlap(boxes))
        names = [t for t, _ in boxes]
        assert "Minsk" in " ".join(names), names
        if day:
            assert any(name.startswith("Minsk ") for name in names), names
    assert figure.fig.canvas.get_width_height() == (1280, 640)
    border, corridor = figure.maps[1].layout, figure.maps[0].layout
    assert border.outlines.name == "border_region_10m" and corridor.outlines.name == "corridor_50m"
    pixels = np.asarray(figure.image().convert("RGB"), dtype=float)
    belarus = np.array([int(OUTLINE_STYLE["belarus"][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - belarus).max(axis=2) < 8).mean() > 0.02, "Belarus is not shaded"
    orange = np.array([213, 94, 0])  # PL: the Belarus-Poland border line
    assert (np.linalg.norm(pixels - orange, axis=2) < 60).sum() > 300


def test_out_elsewhere_puts_the_gif_next_to_it(tmp_path, run_dir):
    before = sorted(p.name for p in run_dir.iterdir())
    out = tmp_path / "class" / "week1.html"
    assert write_report(run_dir, out=out, max_frames=3) == out
    assert animation_path(out) == tmp_path / "class" / "week1.gif"
    assert out.is_file() and animation_path(out).is_file()
    assert sorted(p.name for p in run_dir.iterdir()) == before, "the run folder was written to"
    assert not list(out.parent.glob(".*.tmp")), "a temporary file was left behind"


def test_cli_report_prints_both_paths_and_refuses_a_non_html_out(tmp_path, run_dir):
    env = dict(os.environ, MPLBACKEND="Agg")
    out = tmp_path / "r.html"
    proc = subprocess.run([str(PYTHON), str(ROOT / "run.py"), "report", str(run_dir), "--out", str(out),
                           "--frames", "2"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"Report written: {out}" in proc.stdout
    assert f"Animation:      {tmp_path / 'r.gif'}" in proc.stdout
    assert (tmp_path / "r.gif").is_file()
    for bad in (tmp_path / "r.gif", tmp_path):
        proc = subprocess.run([str(PYTHON), str(ROOT / "run.py"), "report", str(run_dir), "--out", str(bad)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "--out must name an .html file" in proc.stderr


def test_missing_or_incomplete_run_folder_is_a_clear_error(tmp_path, run_dir):
    with pytest.raises(sim.ScenarioError, match="does not exist"):
        write_report(tmp_path / "nowhere")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "manifest.json").write_text((run_dir / "manifest.json").read_text())
    with pytest.raises(sim.ScenarioError, match="lacks daily.csv, summary.csv, flows.csv"):
        write_report(partial)
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("daily.csv", "summary.csv", "flows.csv"):
        (broken / name).write_text((run_dir / name).read_text())
    (broken / "manifest.json").write_text("{not json")
    with pytest.raises(sim.ScenarioError, match="manifest.json is not valid JSON"):
        write_report(broken)
    assert not hasattr(report_module, "read_run") or report_module.read_run is read_run  # one run-folder reader


def test_cli_report_bad_folder_exits_2_without_traceback(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([str(PYTHON), str(ROOT / "run.py"), "report", str(tmp_path / "nowhere")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "run folder does not exist" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.browser
def test_report_opens_offline_in_a_browser(report, tmp_path):
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (Python package) is not installed")
    if not chromium.exists():
        pytest.skip("chromium not found at /usr/bin/chromium (apt-get install chromium)")
    urls, failed = [], []
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(chromium),
                                                       headless=True, args=args)
        context.on("request", lambda r: urls.append(r.url))
        context.on("requestfailed", lambda r: failed.append(r.url))
        page = context.new_page()
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        shot = page.screenshot(full_page=True)
        context.close()
    assert failed == []
    assert all(u.startswith(("file:", "data:")) for u in urls), [u for u in urls if not u.startswith("file:")][:3]
    from PIL import Image

    px = np.asarray(Image.open(io.BytesIO(shot)).convert("L"), dtype=float)
    assert px.shape[0] > 2000, "the page is shorter than expected (images missing?)"
    assert px.std() > 15
