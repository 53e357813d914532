"""Scale benchmark: belarus_2021 and the four-year belarus_2022_2025 at demand and capacity ×1, ×10 and ×20.

Each case runs in a fresh process (so peak memory is its own) without plots and prints
wall time (model and tidy table), people simulated, person-days per second and peak resident
memory; then the whole command a user runs (`corridor run ... --no-plots`: load, validate,
simulate, write the tables). The first line is a speed reference of the machine at that
moment (a fixed pure-Python loop), because a shared or throttled machine can be a third
slower from one minute to the next: compare figures taken beside the same reference.

    python benchmarks/bench_scale.py [--scenarios A.yaml B.yaml] [--scales 1 10 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("belarus_2021.yaml", "belarus_2022_2025.yaml")
CHILD = r"""
import json, resource, sys, time
import numpy as np
import sim
from sim.model.model import CorridorModel
from sim.model.population import TERMINAL
scale = float(sys.argv[1])
scenario = sim.load_scenario(sys.argv[2], overrides={"scale": scale})
t0 = time.perf_counter()
model = CorridorModel(scenario)
active_days = 0
terminal = np.array([int(s) for s in TERMINAL])
while model.running:
    model.step()
    by_state = model.recorder.states[model.day]
    active_days += int(by_state.sum() - by_state[terminal].sum())
daily = model.recorder.frame(model.dates())
wall = time.perf_counter() - t0
print(json.dumps({
    "scale": scale, "wall_s": wall, "people": model.population.created_people,
    "party_rows": len(model.population), "days": model.n_days,
    "active_person_days": active_days,
    "people_x_days": model.population.created_people * model.n_days,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "daily_rows": len(daily),
    "reached_minsk": int(model.recorder.values["arrivals_minsk"].sum()),
}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", "--scenario", nargs="+",
                        default=[str(ROOT / "scenarios" / name) for name in SCENARIOS])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 20])
    parser.add_argument("--repeat", type=int, default=3, help="runs per scale; the fastest is reported")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}; reference loop (10M additions): "
          f"{reference_loop():.2f} s (best of 3)")
    for scenario in args.scenarios:
        print(f"\n{Path(scenario).name}")
        print(f"{'scale':>6} {'wall s':>8} {'days':>5} {'people':>10} {'in Minsk':>9} {'rows':>9} "
              f"{'active person-days/s':>21} {'people×days/s':>14} {'peak MB':>8}")
        for scale in args.scales:
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, "-c", CHILD, str(scale), scenario],
                                     capture_output=True, text=True, check=True, cwd=ROOT)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            best = min(runs, key=lambda r: r["wall_s"])
            print(f"{scale:>6g} {best['wall_s']:>8.2f} {best['days']:>5} {best['people']:>10,} "
                  f"{best['reached_minsk']:>9,} {best['party_rows']:>9,} "
                  f"{best['active_person_days'] / best['wall_s']:>21,.0f} "
                  f"{best['people_x_days'] / best['wall_s']:>14,.0f} {max(r['peak_rss_mb'] for r in runs):>8.0f}")
        print(f"whole command, corridor run {Path(scenario).name} --no-plots: "
              f"{whole_command(scenario, args.repeat):.2f} s "
              f"(best of {args.repeat}; Python start-up, imports, validation, simulation and tables)")
    return 0


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop: how fast this machine is right now."""
    best = float("inf")
    for _ in range(3):
        t0, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - t0)
    return best


def whole_command(scenario: str, repeat: int) -> float:
    """Best wall time of the CLI run without plots, in a fresh process each time."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "run.py", "run", scenario, "--no-plots", "--quiet",
                            "--out", str(Path(tmp) / f"run{k}")], check=True, cwd=ROOT, capture_output=True)
            best = min(best, time.perf_counter() - t0)
    return best


if __name__ == "__main__":
    sys.exit(main())
