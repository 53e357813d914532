from pathlib import Path

import matplotlib.image as mpimg
import pytest
from observed_helpers import write_observed

import sim
from sim.plots import observed_plot
from sim.plots import run_plots as plots

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ["border_pressure.png", "journey_states.png", "arrivals_by_route.png", "flow_map.png"]


@pytest.fixture(scope="module")
def result():
    return sim.run(ROOT / "scenarios" / "classroom.yaml", seed=1)


def _check_png(path: Path) -> None:
    assert path.exists(), path
    assert path.stat().st_size > 10_000, f"{path.name} is suspiciously small"
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert float(pixels[..., :3].std()) > 0.05, f"{path.name} looks blank"


def test_draw_run_writes_every_plot(result, tmp_path):
    paths = plots.draw_run(result.daily, result.flows, result.scenario, tmp_path / "plots")
    assert sorted(p.name for p in paths) == sorted(EXPECTED)  # classroom has no observed data
    for name in EXPECTED:
        _check_png(tmp_path / "plots" / name)


def test_plots_are_deterministic(result, tmp_path):
    a = plots.journey_states(result.daily, tmp_path / "a.png")
    b = plots.journey_states(result.daily, tmp_path / "b.png")
    assert a.read_bytes() == b.read_bytes()


def test_counting_label_names_the_rule():
    assert plots.counting_label("PL", [{"metrics": ["attempts"], "from": None, "until": None}]) == (
        "PL — attempts (as Poland counts)")
    label = plots.counting_label("LT", [{"metrics": ["detained"], "until": "2021-08-02"},
                                        {"metrics": ["turned_back", "prevented"], "from": "2021-08-03"}])
    assert "detained until 2 Aug 2021" in label and "turned back + prevented from 3 Aug 2021" in label


def test_observed_plot(result, tmp_path):
    with_obs = sim.load_scenario(ROOT / "scenarios" / "classroom.yaml",
                                 overrides={"observed": str(write_observed(tmp_path, result.daily))})
    _check_png(observed_plot.draw_observed(result.daily, with_obs, tmp_path / "obs.png"))
    assert observed_plot.draw_observed(result.daily, result.scenario, tmp_path / "none.png") is None  # names none
    with pytest.raises(sim.ScenarioError, match="does not exist"):  # a scenario naming a missing file stops early
        sim.load_scenario(ROOT / "scenarios" / "classroom.yaml", overrides={"observed": str(tmp_path / "x.csv")})


def test_draw_all_includes_observed_when_the_scenario_has_it(result, tmp_path):
    observed = ROOT / "data" / "observed" / "observed_2021.csv"
    if not observed.exists():
        pytest.skip("no observed data file")
    with_obs = sim.run(ROOT / "scenarios" / "classroom.yaml", seed=1, overrides={"observed": str(observed)})
    if not with_obs.scenario.observed or not Path(with_obs.scenario.observed).exists():
        pytest.skip("the loader does not resolve an overridden observed path")
    names = [p.name for p in plots.draw_run(with_obs.daily, with_obs.flows, with_obs.scenario, tmp_path)]
    assert "observed_vs_simulated.png" in names
    _check_png(tmp_path / "observed_vs_simulated.png")
