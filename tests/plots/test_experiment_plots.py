"""Plots of ensembles, sweeps, sensitivity and comparisons: Figure API, no pyplot, atomic and deterministic."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd

from sim.plots import experiment_plots as plots

ROOT = Path(__file__).resolve().parents[2]


def _bands(shift: float = 0.0) -> pd.DataFrame:
    dates = pd.date_range("2021-08-01", periods=30).strftime("%Y-%m-%d")
    rows = []
    for c in ("PL", "LT", "LV"):
        for k, d in enumerate(dates):
            q50 = 10 + k + shift
            rows.append({"date": d, "metric": "attempts", "country": c, "q05": q50 - 4, "q25": q50 - 2, "q50": q50,
                         "q75": q50 + 2, "q95": q50 + 4})
    return pd.DataFrame(rows)


def _runs() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for run, (a, b) in enumerate((a, b) for a in (0.0, 0.5, 1.0) for b in (1, 2) for _ in range(3)):
        rows.append({"run": run, "outcome": "deaths", "value": 10 * a + b + rng.normal(), "status": "ok",
                     "share": a, "flights": b})
    return pd.DataFrame(rows)


def _table() -> pd.DataFrame:
    return pd.DataFrame([{"outcome": o, "baseline": "base", "scenario": s, "diff": 1.0, "ci_low": 0.0, "ci_high": 2.0}
                         for o in ("attempts_PL", "deaths_total") for s in ("a", "b")])


def _draw_all(folder: Path) -> list[Path]:
    return [plots.fan_chart({"base": _bands(), "surge": _bands(5)}, "attempts", folder / "fan.png",
                            n_seeds={"base": 10, "surge": 10}),
            *plots.plot_outcomes_vs_parameters(_runs(), ["share", "flights"], ["deaths"], folder),
            plots.tornado(["a", "b", "c"], np.array([3.0, 1.0, 2.0]), np.array([0.5, 0.2, 0.1]), "Morris", "mu*",
                          folder / "tornado.png", second=(np.array([1.0, 2.0, 3.0]), None, "sigma"), first_label="mu*"),
            plots.differences(_table(), folder / "differences.png")]


def test_every_plot_is_written_deterministically(tmp_path):
    first, second = _draw_all(tmp_path / "a"), _draw_all(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        pixels = mpimg.imread(a)
        assert pixels.shape[0] > 200 and float(pixels[..., :3].std()) > 0.05, a.name
    assert not list(tmp_path.rglob(".*tmp*")), "a temporary file was left behind"


def test_the_figures_never_touch_pyplot_or_the_global_backend():
    """No pyplot is imported and no backend is chosen: figures draw on their own Agg canvas."""
    source = (ROOT / "sim" / "plots" / "experiment_plots.py").read_text()
    assert not re.search(r"import.*pyplot|matplotlib\.use\(", source)
    code = ("import sys\n"
            "import sim.plots.experiment_plots, sim.plots.run_plots, sim.report.animation\n"
            "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["no", "pyplot"], out.stderr


def test_differences_title_clears_the_panel_titles():
    fig = plots.differences_figure(_table())
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = fig.get_suptitle() and fig._suptitle.get_window_extent(renderer)
    for ax in fig.axes:
        assert ax.title.get_window_extent(renderer).y1 <= top.y0
