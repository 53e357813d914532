"""``corridor discover`` (listed in :mod:`sim.cli.commands`): scenario discovery with PRIM over a sweep folder.

Usage::

    corridor discover SWEEP_DIR --where "attempts_PL > 20000" [--out DIR] [--threshold 0.8]
                      [--cases run|sample] [--mass-min 0.05] [--peel-alpha 0.05] [--paste-alpha 0.05]
                      [--step N] [--keep-insignificant] [--no-plots]

A folder that is not a sweep, a malformed condition, an outcome the sweep does not store, an
option out of range or a missing ``ema`` extra is a :class:`~sim.errors.CorridorError` (exit 2
through the one guard). PRIM needs ``pip install -e ".[ema]"``.
"""

from __future__ import annotations

import argparse
import sys

INTERRUPTED = "Interrupted; files already written are complete."


def add_discover_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``discover``: PRIM over a finished sweep folder."""
    p = subparsers.add_parser(
        "discover", help="scenario discovery: PRIM over a finished sweep folder",
        description="Find the ranges of the sweep's levers where a condition on its outcomes holds (PRIM, from "
                    "the EMA Workbench: pip install -e \".[ema]\"). Writes the peeling trajectory, the chosen box's "
                    "limits with quasi-p values, two plots and summary.md into SWEEP_DIR/discovery/<condition>.")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="output folder of `corridor sweep`")
    p.add_argument("--where", required=True, metavar="EXPRESSION",
                   help='condition on the sweep\'s outcomes, e.g. "attempts_PL > 20000" or '
                        '"deaths_total >= 30 and attempts_LT < 5000"')
    p.add_argument("--out", metavar="DIR", help="output folder (default SWEEP_DIR/discovery/<condition>)")
    p.add_argument("--threshold", type=float, default=0.8, metavar="D",
                   help="density the chosen box must reach: it is the box of highest coverage among those with "
                        "density >= D (default 0.8)")
    p.add_argument("--cases", choices=("run", "sample"), default="run",
                   help="a case is a run (default: replicates count one by one, seed variation included) or a "
                        "sample (outcomes averaged over its replicates)")
    p.add_argument("--mass-min", type=float, default=0.05, metavar="M",
                   help="smallest share of the cases a box may hold (default 0.05)")
    p.add_argument("--peel-alpha", type=float, default=0.05, metavar="A",
                   help="share of the cases peeled away at each step (default 0.05)")
    p.add_argument("--paste-alpha", type=float, default=0.05, metavar="A",
                   help="share of the cases pasted back at each step (default 0.05)")
    p.add_argument("--step", type=int, metavar="N", help="report step N of the peeling trajectory instead")
    p.add_argument("--keep-insignificant", action="store_true",
                   help="keep the box's limits whose quasi-p value is 0.05 or more (by default they are dropped, "
                        "the least significant first)")
    p.add_argument("--no-plots", action="store_true", help="skip the two plots")
    return p


def cmd_discover(args: argparse.Namespace) -> int:
    """Run ``discover``."""
    from sim.experiments.discovery.discover import run_discovery
    from sim.experiments.discovery.summary import levers

    res = run_discovery(args.sweep_dir, args.where, args.out, per=args.cases, threshold=args.threshold,
                        mass_min=args.mass_min, peel_alpha=args.peel_alpha, paste_alpha=args.paste_alpha,
                        step=args.step, prune=not args.keep_insignificant, plots=not args.no_plots)
    print(res.headline)
    s = res.box.stats
    print(f"box: step {res.box.step} of {len(res.box.trajectory) - 1}, density {s['density']:.2f}, coverage "
          f"{s['coverage']:.2f}, {levers(int(s['res_dim']))} restricted -> {res.out / 'summary.md'}")
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0
