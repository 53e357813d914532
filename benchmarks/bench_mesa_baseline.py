"""Reference point: an idiomatic per-person Mesa model (CellAgent on a Network + DataCollector).

Each agent moves to a random neighbouring place every day. This is the design Corridor does
*not* use; it is measured here so docs/performance.md can compare like with like on this machine.

    python benchmarks/bench_mesa_baseline.py [--agents 100000] [--steps 10]
"""

from __future__ import annotations

import argparse
import time

import mesa
import networkx as nx
from mesa.discrete_space import CellAgent, Network


class Walker(CellAgent):
    """A person moving between places."""

    def step(self):
        self.cell = self.cell.neighborhood.select_random_cell()


def count_agents(model):
    return len(model.agents)


class WalkModel(mesa.Model):
    """N walkers on a 40-node network."""

    def __init__(self, n, rng=1):
        super().__init__(rng=rng)
        graph = nx.connected_watts_strogatz_graph(40, 4, 0.2, seed=1)
        self.grid = Network(graph, capacity=None, random=self.random)
        cells = list(self.grid.all_cells)
        for _ in range(n):
            Walker(self).cell = self.random.choice(cells)
        self.datacollector = mesa.DataCollector(model_reporters={"agents": count_agents})

    def step(self):
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    model = WalkModel(args.agents)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        model.step()
    wall = time.perf_counter() - t0
    print(f"per-person Mesa: {args.agents:,} agents x {args.steps} steps in {wall:.2f} s = "
          f"{args.agents * args.steps / wall:,.0f} agent-steps/s")


if __name__ == "__main__":
    main()
