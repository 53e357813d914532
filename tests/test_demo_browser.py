"""The teaching demo in a real browser: offline, stepping, levers, charts and per-tab sessions.

Starts ``python run.py demo`` on a free port as a subprocess and drives Debian's chromium
through Playwright (never ``playwright install``). Skipped with a reason when chromium,
playwright or solara is missing; CI installs them (``apt-get install -y chromium``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # pragma: no cover
    import sys

    PYTHON = Path(sys.executable)
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
DATE_RE = re.compile(r"Date: (\d{4}-\d{2}-\d{2}) \(day (\d+) of (\d+)\)")


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python package) is not installed"
    try:
        import solara  # noqa: F401
    except ImportError:
        return "solara (the demo extra) is not installed"
    if not Path(CHROMIUM).exists():
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


pytestmark = [pytest.mark.browser, pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_url():
    """Start ``run.py demo`` on a free loopback port; yield its address; stop it."""
    port = _free_port()
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(PYTHON), "run.py", "demo", "scenarios/classroom.yaml", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = proc.stdout.readline()
    match = re.search(r"at (http://127\.0\.0\.1:\d+/)", first)
    assert match, f"demo did not print its address: {first!r}"
    url = match.group(1)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None, f"demo exited early: {proc.stdout.read()}"
        assert time.monotonic() < deadline, "demo did not answer within 60 s"
        time.sleep(0.3)
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Traffic:
    """Every request, failure and websocket of a browser context."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.failed: list[str] = []

    def attach(self, context) -> None:
        context.on("request", lambda r: self.urls.append(r.url))
        context.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        context.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"))
        context.on("page", lambda page: page.on("websocket", lambda ws: self.urls.append(ws.url)))

    def off_machine(self) -> list[str]:
        out = []
        for url in self.urls:
            parsed = urlparse(url[5:] if url.startswith("blob:") else url)
            if parsed.scheme == "data":
                continue
            if parsed.hostname not in LOOPBACK:
                out.append(url)
        return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's chromium with a fresh profile, driven by Playwright; yields (context, traffic)."""
    from playwright.sync_api import sync_playwright

    traffic = Traffic()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        traffic.attach(context)
        yield context, traffic
        context.close()


def _open(context, url):
    page = context.new_page()
    page.goto(url)
    page.get_by_text("Date: not started").wait_for(timeout=60_000)
    return page


def _date(page) -> tuple[str, int]:
    text = page.locator(".corridor-date").inner_text()
    match = DATE_RE.search(text)
    assert match, f"no date shown: {text!r}"
    return match.group(1), int(match.group(2))


def _step(page, expect_day: int) -> None:
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(rf"\(day {expect_day} of")).wait_for(timeout=60_000)


def _reset(page) -> None:
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Date: not started").wait_for(timeout=60_000)


def _slider_to(page, name_prefix: str, key: str, presses: int = 1) -> None:
    slider = page.get_by_role("slider", name=re.compile("^" + re.escape(name_prefix)))
    slider.focus()
    for _ in range(presses):
        slider.press(key)


def _settled_png(locator, timeout: float = 20.0) -> bytes:
    """Element screenshot once two in a row are identical (the image has finished updating)."""
    deadline = time.monotonic() + timeout
    last = locator.screenshot()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        shot = locator.screenshot()
        if shot == last:
            return shot
        last = shot
    return last


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


def _assert_not_blank(png: bytes, what: str) -> None:
    px = _pixels(png)
    inked = float((px < 200).mean())
    assert px.std() > 15 and inked > 0.01, f"{what} looks blank (std {px.std():.1f}, inked {inked:.3f})"


def _charts(page):
    return page.locator(".vue-grid-item img")


def _assert_offline(traffic: Traffic) -> None:
    assert traffic.urls, "no requests were recorded"
    assert traffic.off_machine() == [], f"requests left the machine: {traffic.off_machine()}"
    assert traffic.failed == [], f"requests failed: {traffic.failed}"


def test_page_is_offline_steps_and_draws(demo_url, browser, tmp_path):
    context, traffic = browser
    page = _open(context, demo_url)
    _step(page, 1)
    assert _date(page) == ("2021-08-01", 1)
    _step(page, 2)
    assert _date(page) == ("2021-08-02", 2)
    charts = _charts(page)
    assert charts.count() == 5, "expected two maps and three charts"
    for index, what in ((0, "corridor map"), (1, "border map"), (2, "pressure chart"), (4, "outcomes chart")):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        _settled_png(chart)
        shot = tmp_path / f"demo-{index}.png"
        page.screenshot(path=str(shot))  # the page as a person sees it, then the chart's region of it
        full = _pixels(shot.read_bytes())
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150, f"{what} is too small: {box}"
        top, left = max(0, int(box["y"])), max(0, int(box["x"]))
        region = full[top: int(box["y"] + box["height"]), left: int(box["x"] + box["width"])]
        assert region.size > 0.8 * box["width"] * box["height"], f"{what} is not in view: {box}"
        assert region.std() > 15 and (region < 200).mean() > 0.01, f"{what} is blank in the screenshot"
    _assert_offline(traffic)
    page.close()


def test_lever_changes_chart_and_reset_is_reproducible(demo_url, browser):
    context, traffic = browser
    page = _open(context, demo_url)
    _slider_to(page, "Render Interval", "End")  # 100 days per Step (the slider maximum)
    time.sleep(2)  # widget state is sent once the server is idle; let it arrive before clicking
    pressure = _charts(page).nth(2)

    def run_100_days() -> bytes:
        _step(page, 100)
        assert _date(page) == ("2021-11-08", 100)
        return _settled_png(pressure)

    baseline = run_100_days()
    _assert_not_blank(baseline, "pressure chart after 100 days")
    _reset(page)
    again = run_100_days()
    assert np.abs(_pixels(again) - _pixels(baseline)).mean() < 1.0, "Reset with the same levers changed the run"

    _slider_to(page, "BGW-MSQ", "Home")
    _slider_to(page, "IST-MSQ", "Home")
    page.get_by_role("slider", name="BGW-MSQ Iraqi Airways: 0").wait_for(state="attached", timeout=20_000)
    page.get_by_role("slider", name="IST-MSQ Belavia: 0").wait_for(state="attached", timeout=20_000)
    _reset(page)
    no_flights = run_100_days()
    changed = float((np.abs(_pixels(no_flights) - _pixels(baseline)) > 30).mean())
    assert changed > 0.002, f"closing both routes did not change the pressure chart ({changed:.4f} of pixels)"
    _assert_offline(traffic)
    page.close()


def test_two_tabs_have_their_own_models(demo_url, browser):
    context, traffic = browser
    first = _open(context, demo_url)
    for day in (1, 2, 3):
        _step(first, day)
    second = _open(context, demo_url)  # a new tab: a fresh model, not the first tab's
    assert second.get_by_text("Date: not started").is_visible()
    _slider_to(second, "Belarus facilitation", "Home")
    second.get_by_role("slider", name="Belarus facilitation: 0").wait_for(state="attached", timeout=20_000)
    _step(second, 1)
    assert _date(second) == ("2021-08-01", 1)
    assert _date(first) == ("2021-08-03", 3)
    assert first.get_by_role("slider", name="Belarus facilitation: 0.8").count() == 1
    _step(first, 4)
    assert _date(second) == ("2021-08-01", 1)
    _assert_offline(traffic)
    first.close()
    second.close()
