"""Regenerate the images of the docs (docs/img/): the demo after 60 Steps, belarus_2021's flow map, its bands.

    .venv/bin/python docs/make_images.py                  # all
    .venv/bin/python docs/make_images.py --only map       # just the flow map (no browser needed)
    .venv/bin/python docs/make_images.py --only posterior # seed-only against posterior bands (2 x 100 runs)
    .venv/bin/python docs/make_images.py --only published # validation bands with the published figure's (20 runs)

The demo images come from the real demo: ``run.py demo scenarios/classroom.yaml --port 0`` is
started, Debian's chromium (``/usr/bin/chromium``, or ``$CORRIDOR_CHROMIUM``) is driven headless by
Playwright at 1280×720, Step is clicked 60 times (one day each), and the page is captured in
both layouts. The flow map is drawn from an in-memory run of ``scenarios/belarus_2021.yaml``
(its own seed) exactly as ``corridor run`` draws it. Every PNG is reduced to 256 colours.
Nothing is fetched from the network; no image is made by hand.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STEPS = 60
WAIT = 90_000  # ms


def save_small(png: bytes, path: Path) -> Path:
    """Write a PNG reduced to 256 colours (a screenshot or a plot keeps its look at a fraction of the size)."""
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    path.write_bytes(buf.getvalue())
    print(f"{path.relative_to(ROOT)}: {image.size[0]}×{image.size[1]}, {len(buf.getvalue()) / 1024:.0f} KiB")
    return path


def flow_map() -> Path:
    """belarus_2021's flow map, as ``corridor run`` draws it."""
    sys.path.insert(0, str(ROOT))
    import sim
    from sim.plots.maps.layout import corridor_names
    from sim.plots.run_plots import flow_map as draw

    result = sim.run(ROOT / "scenarios" / "belarus_2021.yaml")
    data = result.scenario.model_dump(by_alias=True, mode="json")
    tmp = OUT / ".flow_map.tmp.png"
    draw(result.flows, data["places"], data["border_services"], tmp, named=corridor_names(result.scenario))
    try:
        return save_small(tmp.read_bytes(), OUT / "flow_map_belarus_2021.png")
    finally:
        tmp.unlink(missing_ok=True)


def _start_demo() -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "run.py", "demo", "scenarios/classroom.yaml", "--port", "0"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        match = re.search(r" at (http://127\.0\.0\.1:\d+/)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, match.group(1)
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit("the demo printed no address")


def _settled(page) -> bytes:
    """A screenshot once two in a row are identical (the page has finished drawing)."""
    last = page.screenshot()
    for _ in range(60):
        time.sleep(0.4)
        shot = page.screenshot()
        if shot == last:
            return shot
        last = shot
    return last


def demo_screenshots() -> list[Path]:
    """The demo after 60 Steps of the classroom scenario, in the overview and the big-map layout."""
    from playwright.sync_api import sync_playwright

    proc, url = _start_demo()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            page.get_by_text("Date: not started").wait_for(timeout=WAIT)
            step = page.get_by_role("button", name="Step", exact=True)
            for day in range(1, STEPS + 1):
                step.click()
                page.get_by_text(re.compile(rf"\(day {day} of")).wait_for(timeout=WAIT)
            paths = [save_small(_settled(page), OUT / "demo_day60.png")]
            page.get_by_role("button", name="big map", exact=True).click()
            page.locator(".corridor-layout-big-map").wait_for(timeout=WAIT)
            paths.append(save_small(_settled(page), OUT / "demo_big_map_day60.png"))
            browser.close()
        return paths
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def posterior_bands() -> Path:
    """belarus_2021's official counts: bands of 100 seeds alone against 100 seeds with posterior draws."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from sim.experiments.ensemble import run_ensemble
    from sim.plots.experiment_plots import fan_chart
    from sim.scenario.loader import load_scenario

    scenario = ROOT / "scenarios" / "belarus_2021.yaml"
    posterior = load_scenario(scenario).posterior_file
    with tempfile.TemporaryDirectory() as tmp:
        seeds = run_ensemble(scenario, 100, out=Path(tmp) / "seeds", workers=2, progress=False, plots=False)
        post = run_ensemble(scenario, 100, out=Path(tmp) / "post", workers=2, progress=False, plots=False,
                            posterior=posterior)
        png = Path(tmp) / "bands.png"
        fan_chart({"seeds only": seeds.bands, "seeds and posterior draws": post.bands}, "reported", png,
                  n_seeds={"seeds only": 100, "seeds and posterior draws": 100})
        return save_small(png.read_bytes(), OUT / "posterior_bands_belarus_2021.png")


def published_bands() -> Path:
    """belarus_2021's validation bands (20 seeds, posterior draws) with the dashed bands of the published figure."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from sim.analysis.validation import validate
    from sim.scenario.loader import load_scenario

    scenario = ROOT / "scenarios" / "belarus_2021.yaml"
    report = validate(scenario, n_seeds=20, workers=2, checks=False, posterior=load_scenario(scenario).posterior_file)
    with tempfile.TemporaryDirectory() as tmp:
        report.write(Path(tmp))
        png = Path(tmp) / "validation_bands.png"
        return save_small(png.read_bytes(), OUT / "published_bands_belarus_2021.png")


def main() -> None:
    """Write the images named by ``--only`` (default: all) into docs/img/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("demo", "map", "posterior", "published"), help="make only these images")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "map"):
        flow_map()
    if args.only in (None, "posterior"):
        posterior_bands()
    if args.only in (None, "published"):
        published_bands()
    if args.only in (None, "demo"):
        demo_screenshots()


if __name__ == "__main__":
    main()
