"""Plots of a scenario discovery: drawn from plain tables, deterministic bytes, Figure API only (no pyplot)."""

import re
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
from helpers import ROOT

from sim.plots.discovery_plots import box_plot, trajectory_plot


def _trajectory() -> pd.DataFrame:
    steps = np.arange(12)
    t = pd.DataFrame({"step": steps, "coverage": np.linspace(1, 0.5, 12), "density": np.linspace(0.3, 0.95, 12),
                      "res_dim": np.minimum(steps, 4), "phase": ["prim"] * 10 + ["dropped"] * 2})
    t["chosen"] = t["step"] == 11
    return t


def _points():
    rng = np.random.default_rng(3)
    n = 120
    points = pd.DataFrame({"flights": rng.uniform(0.5, 7, n),
                           "asylum_off": pd.Categorical(rng.random(n) < 0.5)})
    hit = (points["flights"] >= 5).to_numpy() & points["asylum_off"].astype(bool).to_numpy()
    sides = [{"kind": "number", "lower": 5.0, "upper": None},
             {"kind": "category", "categories": [False, True], "kept": [True]}]
    return points, hit, sides


def _draw(folder):
    points, hit, sides = _points()
    return [trajectory_plot(_trajectory(), folder / "trajectory.png", threshold=0.8, pruned_from=9),
            box_plot(points, hit, sides, folder / "box.png", labels=list(points.columns), title="flights x asylum"),
            box_plot(points[["flights"]].assign(y=np.arange(len(points))), hit,
                     [sides[0], {"kind": "number"}], folder / "one_lever.png", labels=["flights", "y"], title="one")]


def test_discovery_plots_are_drawn_and_deterministic(tmp_path):
    first, second = _draw(tmp_path / "a"), _draw(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name  # the spread of category dots is seeded
        pixels = mpimg.imread(a)
        assert pixels.shape[0] > 300 and float(pixels[..., :3].std()) > 0.05, a.name
    assert not list(tmp_path.rglob(".*tmp*"))


def test_the_discovery_plots_never_touch_pyplot():
    source = (ROOT / "sim" / "plots" / "discovery_plots.py").read_text()
    assert not re.search(r"import.*pyplot|matplotlib\.use\(", source)
    code = ("import sys\nimport sim.plots.discovery_plots\n"
            "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["no", "pyplot"], out.stderr
