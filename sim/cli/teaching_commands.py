"""``corridor demo`` and ``corridor report`` (listed in :mod:`sim.cli.commands`).

Usage::

    run.py demo [SCENARIO] [--host 127.0.0.1] [--port 8765]
    run.py report RUN_DIR [--out FILE.html] [--fps 8] [--frames 60]

This module imports nothing heavy: solara is loaded only when ``demo`` runs, so every
other command works without the ``demo`` extra.
"""

from __future__ import annotations

import argparse
import sys

from sim.errors import ScenarioError

DEMO_EXTRA_HINT = "install the demo extra: .venv/bin/pip install -e '.[demo]'"


def add_demo_parser(sub) -> argparse.ArgumentParser:
    """Add ``demo``: the teaching app in the browser."""
    p = sub.add_parser("demo", help="start the teaching demo (a local web app) and print its address",
                       description="Start the Mesa/Solara teaching demo. It listens on 127.0.0.1 only, "
                                   "unless --host says otherwise, and needs no internet.")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario YAML file (default: scenarios/classroom.yaml)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 exposes the demo to the network)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 picks a free one)")
    return p


def cmd_demo(args) -> int:
    """Serve the demo until Ctrl+C."""
    if not 0 <= args.port <= 65535:
        raise ScenarioError(f"port {args.port} is not between 0 and 65535.", file="--port")
    try:
        import solara  # noqa: F401
    except ModuleNotFoundError:
        raise ScenarioError("the demo needs solara, which is not installed.", hint=DEMO_EXTRA_HINT) from None
    from sim.demo.server import serve

    try:
        serve(args.scenario, host=args.host, port=args.port)
    except KeyboardInterrupt:
        print("Demo stopped.", file=sys.stderr)
    return 0


def add_report_parser(sub) -> argparse.ArgumentParser:
    """Add ``report``: one self-contained HTML file from a run folder."""
    p = sub.add_parser("report", help="write a self-contained HTML report (with an animated map) of a run folder",
                       description="Write RUN_DIR/report.html (or --out FILE.html) from the files that "
                                   "'run.py run' wrote into RUN_DIR, and the animated map next to it "
                                   "(report.gif, or FILE.gif).")
    p.add_argument("run_dir", help="a run folder (with manifest.json, daily.csv, summary.csv, flows.csv)")
    p.add_argument("--out", default=None,
                   help="HTML file to write (default RUN_DIR/report.html); the GIF goes next to it")
    p.add_argument("--fps", type=int, default=8, help="frames per second of the animation (default 8)")
    p.add_argument("--frames", type=int, default=60, help="most frames in the animation (default 60)")
    return p


def cmd_report(args) -> int:
    """Write the report and print its path."""
    from sim.report.report import animation_path, write_report

    if not 1 <= args.fps <= 60:
        raise ScenarioError(f"--fps {args.fps} is not between 1 and 60.", file="--fps")
    if not 1 <= args.frames <= 1000:
        raise ScenarioError(f"--frames {args.frames} is not between 1 and 1000.", file="--frames")
    path = write_report(args.run_dir, out=args.out, fps=args.fps, max_frames=args.frames)
    print(f"Report written: {path}")
    print(f"Animation:      {animation_path(path)}")
    return 0
