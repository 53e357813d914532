"""The one-at-a-time screen of a calibration's parameters."""

from __future__ import annotations

from helpers import twin_files

from sim.analysis.screen import NOT_MOVED, screen_parameters
from sim.cli import main as cli_main

TRUTH = {"border_services.PL.detection_per_guard_km": 1.2, "state_actors.belarus.steer.LT": 0.4}
RANGES = {"state_actors.belarus.steer.LT": [0.05, 2.0], "migrants.repatriation_pull": [0.01, 0.15]}


def test_a_parameter_the_rows_do_not_see_is_flagged(tmp_path, capsys):
    scenario, params = twin_files(tmp_path, TRUTH, RANGES)
    ard, table = screen_parameters(scenario, params, seeds=1, workers=1)
    rows = table.set_index("parameter")
    # Belarus's steering moves the attempts at both borders; the repatriation pull acts only while flights
    # home run (none here)
    assert rows.loc["state_actors.belarus.steer.LT", "identified_by_rows"]
    assert rows.loc["migrants.repatriation_pull", "moves"] < NOT_MOVED
    assert not rows.loc["migrants.repatriation_pull", "identified_by_rows"]
    assert table["parameter"].iloc[0] == "state_actors.belarus.steer.LT" and ard >= 0
    assert cli_main(["calibrate", str(scenario), "--params", str(params), "--method", "screen", "--seeds", "1",
                     "--workers", "1", "--out", str(tmp_path / "screen")]) == 0
    assert "moves no series' ARD by" in capsys.readouterr().out
    assert (tmp_path / "screen" / "screen.csv").exists()
