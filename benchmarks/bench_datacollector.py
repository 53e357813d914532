"""What Mesa's DataCollector costs a run: each scenario with it collecting every day, and with it switched off.

Runs alternate (on, off, on, off, ...) so a machine that slows down affects both alike; prints the
median wall time of each and the difference.

    python benchmarks/bench_datacollector.py [--repeat 5] [scenario ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sim.model.model import CorridorModel
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["scenarios/classroom.yaml", "scenarios/belarus_2021.yaml", "scenarios/belarus_2022_2025.yaml"]


def once(scenario, collect: bool) -> float:
    t0 = time.perf_counter()
    model = CorridorModel(scenario, rng=1)
    if not collect:
        model.datacollector.collect = lambda _model: None
    model.run_to_end()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'scenario':<34}{'with (s)':>10}{'without (s)':>13}{'cost':>9}")
    for path in args.scenarios:
        scenario = load_scenario(ROOT / path)
        once(scenario, True)  # warm-up
        on, off = [], []
        for _ in range(args.repeat):
            on.append(once(scenario, True))
            off.append(once(scenario, False))
        a, b = statistics.median(on), statistics.median(off)
        print(f"{Path(path).stem:<34}{a:>10.3f}{b:>13.3f}{100 * (a - b) / b:>8.1f}%")


if __name__ == "__main__":
    main()
