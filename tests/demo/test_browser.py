"""The teaching demo in a real browser: offline, stepping, levers, charts, layout and per-tab sessions.

Starts ``python run.py demo --port 0`` as a subprocess and drives Debian's chromium through
Playwright (never ``playwright install``). Where user namespaces work (``unshare -rn``, as
root in CI), the server runs in a network namespace that has nothing but loopback, and
chromium joins that namespace through ``nsenter``: the page then cannot load anything from
off the machine, on either side. Either way the test also checks every browser request and
the server's own log (its offline guard reports any refused fetch or blocked connection).
Skipped with a reason when chromium, playwright or solara is missing.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # pragma: no cover
    import sys

    PYTHON = Path(sys.executable)
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
DATE_RE = re.compile(r"Date: (\d{4}-\d{2}-\d{2}) \(day (\d+) of (\d+)\)")
SERVER_OFFLINE_FAILURES = ("offline demo: blocked", "Could not load URL", "Traceback")
PL, LT = (213, 94, 0), (0, 114, 178)  # the demo's country colours (sim.plots.style.COUNTRY_COLOURS)
WAIT = 90_000  # ms; generous, for a loaded 2-core CI machine


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


def _netns_available() -> bool:
    """Whether a network namespace with only loopback can be made and entered here."""
    if os.environ.get("CORRIDOR_DEMO_NETNS", "1") == "0" or not (shutil.which("unshare") and shutil.which("nsenter")):
        return False
    try:
        return subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up"], capture_output=True,
                              timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Demo:
    """The demo server: its address, its output so far, and the network namespace it runs in."""

    def __init__(self, proc: subprocess.Popen, netns: bool) -> None:
        self.proc, self.netns, self.lines, self.url = proc, netns, [], None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_address(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                match = re.search(r" at (http://127\.0\.0\.1:(\d+)/)", line)
                if match:
                    self.url = match.group(1)
                    return self.url
            assert self.proc.poll() is None, "demo exited early:\n" + "\n".join(self.lines)
            time.sleep(0.1)
        raise AssertionError("demo printed no address:\n" + "\n".join(self.lines))

    def offline_failures(self) -> list[str]:
        return [line for line in self.lines if any(bad in line for bad in SERVER_OFFLINE_FAILURES)]


@pytest.fixture(scope="module")
def demo():
    """``run.py demo --port 0``, in a loopback-only network namespace when possible."""
    netns = _netns_available()
    command = [str(PYTHON), "run.py", "demo", "scenarios/classroom.yaml", "--port", "0"]
    if netns:
        command = ["unshare", "-rn", "sh", "-c", "ip link set lo up && exec " + shlex.join(command)]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = Demo(proc, netns)
    try:
        server.wait_for_address()
        yield server
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
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
def browser(demo, tmp_path_factory):
    """Debian's chromium (in the demo's network namespace if it has one), 1280×720 like a projector."""
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM
    if demo.netns:
        executable = str(tmp_path_factory.mktemp("bin") / "chromium-in-netns")
        netns = f"/proc/{demo.proc.pid}/ns/net"
        Path(executable).write_text(f"#!/bin/sh\nexec nsenter --net={netns} -- {CHROMIUM} \"$@\"\n")
        os.chmod(executable, 0o755)
    traffic = Traffic()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 720})
        traffic.attach(context)
        yield context, traffic
        context.close()


def _open(context, url):
    page = context.new_page()
    page.goto(url)
    page.get_by_text("Date: not started").wait_for(timeout=WAIT)
    return page


def _date(page) -> tuple[str, int]:
    text = page.locator(".corridor-date").inner_text()
    match = DATE_RE.search(text)
    assert match, f"no date shown: {text!r}"
    return match.group(1), int(match.group(2))


def _step(page, expect_day: int) -> None:
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(rf"\(day {expect_day} of")).wait_for(timeout=WAIT)


def _reset(page) -> None:
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Date: not started").wait_for(timeout=WAIT)


def _days_per_step(page, key: str, expect: int) -> None:
    """Move the Days per Step slider; wait until the server shows the new days per Step."""
    slider = page.get_by_role("slider", name=re.compile("^Days per Step"))
    slider.focus()
    slider.press(key)
    page.get_by_text(f"Each Step: {expect} day").wait_for(timeout=WAIT)


def _lever_to(page, name_prefix: str, key: str, expect_label: str) -> None:
    """Move a lever with the keyboard; wait for the server-rendered label with its new value."""
    slider = page.get_by_role("slider", name=re.compile("^" + re.escape(name_prefix)))
    slider.focus()
    slider.press(key)
    page.get_by_role("slider", name=expect_label).wait_for(state="attached", timeout=WAIT)


def _chart(page, key: str):
    """A view's element: a chart's ``<div>`` with its SVG, or a map's with its two stacked SVGs."""
    return page.locator(f"div.corridor-{key}")


def _layout(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.locator(f".corridor-layout-{name.replace(' ', '-')}").wait_for(timeout=WAIT)


TEXT_BOXES = """el => [...el.querySelectorAll('svg text')].map(t => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left, r.top, r.right, r.bottom,
            parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a];
})"""


def _text_overlaps(boxes) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes, as the browser drew them, overlap by more than half a pixel."""
    out = []
    for i, (a, *ba, _) in enumerate(boxes):
        for b, *bb, _ in boxes[i + 1:]:
            if ba[0] < bb[2] - 0.5 and bb[0] < ba[2] - 0.5 and ba[1] < bb[3] - 0.5 and bb[1] < ba[3] - 0.5:
                out.append((a, b))
    return out


def _settled_png(locator, timeout: float = 30.0) -> bytes:
    """Element screenshot once two in a row are identical (the drawing has finished updating)."""
    deadline = time.monotonic() + timeout
    last = locator.screenshot()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        shot = locator.screenshot()
        if shot == last:
            return shot
        last = shot
    return last


def _rgb(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def _coloured(png: bytes, colour: tuple[int, int, int]) -> int:
    """Pixels within a small distance of ``colour`` (lines, markers and labels drawn in it)."""
    return int((np.linalg.norm(_rgb(png) - np.array(colour), axis=2) < 40).sum())


def _changed(a: bytes, b: bytes) -> float:
    pa, pb = _rgb(a), _rgb(b)
    assert pa.shape == pb.shape, "the element changed size"
    return float((np.abs(pa - pb).max(axis=2) > 40).mean())


def _assert_offline(traffic: Traffic, demo: Demo) -> None:
    assert traffic.urls, "no requests were recorded"
    assert traffic.off_machine() == [], f"requests left the machine: {traffic.off_machine()}"
    assert traffic.failed == [], f"requests failed: {traffic.failed}"
    assert demo.offline_failures() == [], f"the server tried the network: {demo.offline_failures()}"


def test_address_is_printed_once_listening(demo):
    starting = next(i for i, line in enumerate(demo.lines) if "starting…" in line)
    ready = next(i for i, line in enumerate(demo.lines) if " at http://127.0.0.1:" in line)
    assert starting < ready
    assert int(urlparse(demo.url).port) > 0, "--port 0 must print the port actually used"
    if demo.netns:  # the server's network namespace has loopback and nothing else
        links = subprocess.run(["nsenter", f"--net=/proc/{demo.proc.pid}/ns/net", "ip", "-o", "link"],
                               capture_output=True, text=True, timeout=20).stdout.splitlines()
        assert [line.split(":")[1].strip() for line in links] == ["lo"], links


def test_page_is_offline_steps_and_draws(demo, browser):
    context, traffic = browser
    page = _open(context, demo.url)
    keys = ("corridor-map", "border-map", "pressure", "stranded", "deaths", "onward")
    day0 = {key: _settled_png(_chart(page, key)) for key in keys}
    assert _coloured(day0["pressure"], PL) < 20, "the empty chart already has PL-coloured lines"
    _step(page, 1)
    assert _date(page) == ("2021-08-01", 1)
    _step(page, 2)
    assert _date(page) == ("2021-08-02", 2)
    _days_per_step(page, "End", 100)
    _step(page, 102)
    assert _date(page) == ("2021-11-10", 102)
    later = {key: _settled_png(_chart(page, key)) for key in keys}
    for key in ("corridor-map", "border-map"):
        assert _changed(day0[key], later[key]) > 0.01, f"the {key} did not change after 102 days"
    assert _coloured(later["border-map"], PL) > 50, "no PL-coloured people markers on the border map"
    for key in ("pressure", "stranded"):
        assert _changed(day0[key], later[key]) > 0.01, f"the {key} chart did not change after 102 days"
        assert _coloured(later[key], PL) > 150 and _coloured(later[key], LT) > 100, f"no country lines in {key}"
    assert _coloured(later["onward"], (34, 34, 34)) > 100, "no DE line in the onward-arrivals chart"
    _assert_offline(traffic, demo)
    page.close()


def test_one_projector_screen_holds_controls_date_and_charts(demo, browser, tmp_path):
    context, traffic = browser
    page = _open(context, demo.url)
    page.screenshot(path=str(tmp_path / "projector.png"))
    for key in ("corridor-map", "border-map", "pressure", "stranded", "deaths", "onward"):
        box = _chart(page, key).bounding_box()
        assert box and box["width"] >= 240 and box["height"] >= 220, f"{key} is too small: {box}"
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1, f"{key} is below the fold: {box}"
    for text in ("Page 0", "Use Threads", "Model Parameters"):
        assert not page.get_by_text(text, exact=True).is_visible(), f"Mesa's {text!r} is still shown"
    assert page.get_by_text(re.compile(r"^Time: ")).count() == 0, "Mesa's 'Time:' is still shown"
    page.get_by_text("Winter: hard frost all season").scroll_into_view_if_needed()
    step = page.get_by_role("button", name="Step", exact=True).bounding_box()
    date = page.locator(".corridor-date").bounding_box()
    for what, box in (("Step", step), ("the date", date)):
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 720, f"{what} scrolled away with the levers"
    labels = page.locator(".corridor-pressure svg text").all_inner_texts()
    sizes = page.locator(".corridor-pressure svg text").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a)")
    assert labels and min(sizes) >= 12, f"chart text is too small to project: {min(sizes):.1f} px"
    for key in ("corridor-map", "border-map"):
        boxes = _chart(page, key).evaluate(TEXT_BOXES)
        assert boxes and min(b[5] for b in boxes) >= 12, f"{key} text is too small to project"
    _assert_offline(traffic, demo)
    page.close()


def test_big_map_layout_and_map_labels_that_never_overlap_as_drawn(demo, browser, tmp_path):
    """At 1280×720: the big-map layout gives the corridor map half the screen; no two texts of a map overlap."""
    context, traffic = browser
    page = _open(context, demo.url)
    _days_per_step(page, "End", 100)
    for _ in range(59):  # back to 1 day per Step, one key press per day less
        page.get_by_role("slider", name=re.compile("^Days per Step")).press("ArrowLeft")
    page.get_by_text("Each Step: 41 days").wait_for(timeout=WAIT)
    _step(page, 41)
    for _ in range(21):
        page.get_by_role("slider", name=re.compile("^Days per Step")).press("ArrowRight")
    page.get_by_text("Each Step: 62 days").wait_for(timeout=WAIT)
    _step(page, 103)
    for layout in ("overview", "big map"):
        _layout(page, layout)
        for key in ("corridor-map", "border-map"):
            _settled_png(_chart(page, key))
            boxes = _chart(page, key).evaluate(TEXT_BOXES)
            assert len(boxes) >= 4, (layout, key, boxes)
            assert _text_overlaps(boxes) == [], (layout, key, _text_overlaps(boxes))
            assert min(b[5] for b in boxes) >= 12, (layout, key, "text too small to project")
    page.evaluate("() => { for (const e of document.querySelectorAll('*')) e.scrollTop = 0; window.scrollTo(0, 0); }")
    box = _chart(page, "corridor-map").bounding_box()
    assert box["width"] >= 640, f"the big map is only {box['width']:.0f} px wide"
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1, f"the big map does not fit the screen: {box}"
    labels = [b for b in _chart(page, "corridor-map").evaluate(TEXT_BOXES) if re.search(r" \d", b[0])]
    assert any(b[0].startswith("Minsk ") for b in labels), labels
    page.screenshot(path=str(tmp_path / "big_map.png"))
    _layout(page, "overview")
    assert _chart(page, "corridor-map").bounding_box()["width"] < 640
    assert _date(page) == ("2021-11-11", 103), "switching layouts changed the run"
    _assert_offline(traffic, demo)
    page.close()


def test_lever_changes_chart_wins_over_dated_event_and_reset_is_reproducible(demo, browser):
    context, traffic = browser
    page = _open(context, demo.url)
    _days_per_step(page, "End", 100)
    pressure = _chart(page, "pressure")

    def run_100_days() -> bytes:
        _step(page, 100)
        assert _date(page) == ("2021-11-08", 100)
        return _settled_png(pressure)

    baseline = run_100_days()
    _reset(page)
    again = run_100_days()
    assert _changed(baseline, again) == 0.0, "Reset with the same levers changed the run"

    note = page.get_by_text("The scenario changes this on 1 Oct → 0.8")
    assert note.count() == 1, "the PL turn-back lever does not mention the scenario's 1 October change"
    _lever_to(page, "PL turn-backs", "Home", "PL turn-backs: 0")
    page.get_by_text("Your setting overrides the scenario's dated change: 1 Oct").wait_for(timeout=WAIT)
    _lever_to(page, "BGW-MSQ", "Home", "BGW-MSQ Iraqi Airways: 0")
    _lever_to(page, "IST-MSQ", "Home", "IST-MSQ Belavia: 0")
    _reset(page)
    no_flights = run_100_days()
    assert _changed(baseline, no_flights) > 0.005, "closing both routes did not change the pressure chart"

    page.get_by_role("button", name=re.compile(r"^Restore defaults \(3 changed\)")).click()
    page.get_by_role("slider", name="PL turn-backs: 0.5").wait_for(state="attached", timeout=WAIT)
    page.get_by_role("slider", name="BGW-MSQ Iraqi Airways: 2").wait_for(state="attached", timeout=WAIT)
    _reset(page)
    assert _changed(baseline, run_100_days()) == 0.0, "Restore defaults + Reset did not give the scenario's run"
    _assert_offline(traffic, demo)
    page.close()


def test_two_tabs_have_their_own_models(demo, browser):
    context, traffic = browser
    first = _open(context, demo.url)
    for day in (1, 2, 3):
        _step(first, day)
    second = _open(context, demo.url)  # a new tab: a fresh model, not the first tab's
    assert second.get_by_text("Date: not started").is_visible()
    _lever_to(second, "Belarus facilitation", "Home", "Belarus facilitation: 0")
    _step(second, 1)
    assert _date(second) == ("2021-08-01", 1)
    assert _date(first) == ("2021-08-03", 3)
    assert first.get_by_role("slider", name="Belarus facilitation: 0.8").count() == 1
    _step(first, 4)
    assert _date(second) == ("2021-08-01", 1)
    _assert_offline(traffic, demo)
    first.close()
    second.close()
