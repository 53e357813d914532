"""The demo without a browser: levers, live changes, levers against dated events, per-page models,
the offline guard and the server's address handling."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.demo import server, state
from sim.demo.levers import WINTER_C, build_levers, overrides_for
from sim.demo.state import DemoModel, DemoState
from sim.model.model import CorridorModel

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(CLASSROOM)


@pytest.fixture(scope="module")
def levers(scenario):
    return {lv.name: lv for lv in build_levers(scenario)}


def test_every_lever_of_the_issue_is_there(levers, scenario):
    routes = [f"flights:{c}:{r}" for c, car in scenario.carriers.items() for r in car.routes]
    countries = list(scenario.border_services)
    expected = routes + ["facilitation:belarus", "winter"]
    expected += [f"{kind}:{c}" for kind in ("turn_back", "guards", "barrier") for c in countries]
    assert sorted(levers) == sorted(expected)
    for lever in levers.values():
        assert lever.help, lever.name
        if lever.kind != "bool":
            assert lever.min <= lever.default <= lever.max, lever.name


def test_defaults_change_nothing(levers, scenario):
    assert overrides_for(list(levers.values()), {n: lv.default for n, lv in levers.items()}) == {}
    for lever in levers.values():  # the default written out explicitly is the scenario's own value
        loaded = sim.load_scenario(CLASSROOM, overrides=lever.overrides(lever.default))
        if lever.mode in ("set", "scale", "winter"):
            assert loaded == scenario, lever.name


def test_every_lever_at_both_ends_loads(levers):
    for lever in levers.values():
        for value in ((False, True) if lever.kind == "bool" else (lever.min, lever.max)):
            sim.load_scenario(CLASSROOM, overrides=lever.overrides(value))  # raises ScenarioError if invalid


def test_lever_values_reach_the_scenario(levers):
    values = {"flights:belavia:IST-MSQ": 0, "turn_back:PL": 1.0, "guards:LT": 2.0, "barrier:PL": 40,
              "facilitation:belarus": 0.25, "winter": True}
    sc = sim.load_scenario(CLASSROOM, overrides=overrides_for(list(levers.values()), values))
    assert sc.carriers["belavia"].routes["IST-MSQ"].flights_per_week == 0
    assert sc.border_services["PL"].policy.turn_back_share == 1.0
    assert sc.border_services["LT"].segments["salcininkai"].guards == 120
    pl = sc.border_services["PL"].segments
    assert pl["michalowo"].barrier_km == pytest.approx(30) and pl["kuznica"].barrier_km == pytest.approx(10)
    assert sc.state_actors["belarus"].facilitation == 0.25
    assert max(sc.monthly_temperature_c) == WINTER_C


def test_live_lever_acts_from_today(levers, scenario):
    model = CorridorModel(scenario)
    for _ in range(20):
        model.step()
    before = int(model.recorder.series("arrivals_minsk").sum())
    lever = levers["flights:iraqi_airways:BGW-MSQ"]
    for route in ("flights:iraqi_airways:BGW-MSQ", "flights:belavia:IST-MSQ"):
        model.change_scenario(levers[route].overrides(0), note=f"{lever.label} = 0")
    assert model.config.carriers["iraqi_airways"].routes["BGW-MSQ"].flights_per_week == 0
    for _ in range(30):
        model.step()
    arrivals = model.recorder.series("arrivals_minsk")
    assert before > 0
    assert arrivals[21:].sum() == 0, "flights kept landing after both routes were closed"


def test_live_winter_lowers_the_temperature(levers, scenario):
    model = CorridorModel(scenario)
    model.step()
    before = model.arrays.temperature.copy()
    model.change_scenario(levers["winter"].overrides(True), note="winter")
    assert np.all(model.arrays.temperature <= WINTER_C) and before.max() > WINTER_C
    assert len(model.arrays.temperature) == model.n_days


def test_each_page_state_builds_its_own_model():
    first, second = DemoState(CLASSROOM), DemoState(CLASSROOM)
    a, b = DemoModel(state=first), DemoModel(state=second)
    assert a is not b and first.model is a and second.model is b
    lever = next(lv for lv in first.levers if lv.name == "turn_back:PL")
    first.set_lever(lever, 0.0)
    assert a.config.border_services["PL"].policy.turn_back_share == 0.0
    assert b.config.border_services["PL"].policy.turn_back_share == 0.5
    rebuilt = DemoModel(state=first, scenario=object())  # what Mesa's Reset does
    assert rebuilt.config.border_services["PL"].policy.turn_back_share == 0.0
    assert first.model is rebuilt


TURN_BACK = "border_services.{}.policy.turn_back_share"


def _run(model, days: int | None = None):
    for _ in range(model.n_days if days is None else days):
        model.step()
    return model


def _lever(page: DemoState, name: str):
    return next(lv for lv in page.levers if lv.name == name)


def test_scenario_event_overrules_the_scenario_value_without_a_lever():
    page = DemoState(CLASSROOM)
    model = _run(DemoModel(state=page), 70)  # past 1 October: the scenario raises PL's share to 0.8
    assert model.config.border_services["PL"].policy.turn_back_share == 0.8
    assert model.overridden == []
    assert "Moving the lever overrides that" in page.note(_lever(page, "turn_back:PL"))


def test_lever_moved_live_wins_over_a_later_dated_event():
    page = DemoState(CLASSROOM)
    model = _run(DemoModel(state=page), 10)
    lever = _lever(page, "turn_back:PL")
    page.set_lever(lever, 0.0)
    _run(model, 100)
    assert model.config.border_services["PL"].policy.turn_back_share == 0.0
    assert model.recorder.series("turned_back", "PL")[10:].sum() == 0, "PL turned people back after the lever"
    assert [(date, keys) for date, _, keys in model.overridden] == [("2021-10-01", [TURN_BACK.format("PL")])]
    assert ("2021-10-01", "Poland legalises turn-backs more widely (overridden by a lever)") in model.events_applied
    assert page.note(lever).startswith("Your setting overrides the scenario's dated change: 1 Oct → 0.8")


def test_lever_put_back_lets_the_dated_event_happen_again():
    page = DemoState(CLASSROOM)
    model = _run(DemoModel(state=page), 10)
    lever = _lever(page, "turn_back:PL")
    page.set_lever(lever, 0.2)
    page.set_lever(lever, lever.default)
    _run(model, 70)
    assert model.config.border_services["PL"].policy.turn_back_share == 0.8
    assert model.overridden == []


def test_a_lever_drops_only_its_own_keys_from_an_event():
    page = DemoState(CLASSROOM)
    page.set_lever(_lever(page, "flights:iraqi_airways:BGW-MSQ"), 4)
    model = _run(DemoModel(state=page), 120)  # past 15 November
    assert model.config.carriers["iraqi_airways"].routes["BGW-MSQ"].flights_per_week == 4
    assert model.config.carriers["belavia"].repatriation["MSQ-BGW"].flights_per_week == 3  # rest of the event
    assert model.config.state_actors["belarus"].camp.open is True


def test_demo_reset_matches_the_documented_command_line_run():
    """docs/teaching.md exercise 2: the demo's turn-back sliders at 0 and the `--set` recipe agree."""
    page = DemoState(CLASSROOM)
    for country in ("PL", "LT", "LV"):
        page.set_lever(_lever(page, f"turn_back:{country}"), 0.0)
    demo = _run(DemoModel(state=page))
    overrides = {TURN_BACK.format(c): 0 for c in ("PL", "LT", "LV")}
    overrides["events.1.set"] = {TURN_BACK.format("PL"): 0}
    cli = _run(CorridorModel(sim.load_scenario(CLASSROOM, overrides=overrides)))
    for metric in ("attempts", "turned_back", "crossed", "detained"):
        for country in ("PL", "LT", "LV"):
            assert demo.recorder.series(metric, country).sum() == cli.recorder.series(metric, country).sum()
    assert demo.recorder.series("turned_back").sum() == 0


def test_restore_defaults_puts_levers_and_seed_back():
    page = DemoState(CLASSROOM)
    model = DemoModel(state=page)
    page.set_lever(_lever(page, "turn_back:PL"), 0.0)
    page.set_lever(_lever(page, "winter"), True)
    page.seed = 3
    assert sorted(page.restore_defaults()) == ["turn_back:PL", "winter"]
    assert page.values == {lv.name: lv.default for lv in page.levers}
    assert page.seed == page.base.seed and model.pinned == {}
    assert model.config.border_services["PL"].policy.turn_back_share == 0.5
    assert DemoModel(state=page).config == sim.load_scenario(CLASSROOM)


def test_seed_of_the_page_is_used_on_reset():
    page = DemoState(CLASSROOM)
    page.seed = 3
    assert DemoModel(state=page).seed == 3
    assert DemoModel(state=page, seed=5).seed == 5


def test_missing_default_scenario_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(state, "CLASSROOM", Path("no") / "such.yaml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sim.ScenarioError, match="was not found") as err:
        state.default_scenario()
    assert "corridor demo path/to/classroom.yaml" in str(err.value)


# --------------------------------------------------------------------------- server side
def test_offline_guard_blocks_connections_off_the_machine_only():
    code = (
        "import socket\n"
        "from sim.demo.server import guard_network\n"
        "guard_network()\n"
        "srv = socket.create_server(('127.0.0.1', 0))\n"
        "socket.create_connection(srv.getsockname(), timeout=5).close()\n"  # loopback: allowed
        "print('loopback ok', flush=True)\n"
        "socket.create_connection(('192.0.2.1', 80), timeout=5)\n"  # TEST-NET-1: refused by the guard
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "loopback ok" in proc.stdout
    assert proc.returncode != 0
    assert f"{server.BLOCKED} 192.0.2.1:80" in proc.stderr


def test_solara_is_kept_offline_by_its_own_settings():
    pytest.importorskip("solara", reason="the demo extra (solara) is not installed")
    code = (
        "import sys\n"
        "connects = []\n"
        "sys.addaudithook(lambda event, args: connects.append(args) if event == 'socket.connect' else None)\n"
        "from pathlib import Path\n"
        "from sim.demo import server\n"
        "server.go_offline()\n"
        "import requests, solara.settings, solara.server.cdn_helper as cdn_helper, solara.server.settings as s\n"
        "assert cdn_helper.requests is requests  # nothing patched\n"
        "assert s.telemetry.mixpanel_enable is False and solara.settings.assets.proxy is True\n"
        "assert solara.settings.assets.cdn == server.OFFLINE_CDN\n"
        "try:\n"
        "    cdn_helper.get_data(Path('/nonexistent-cache'), 'missing-package@1.0/x.js')\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "print('connections', len(connects))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["InvalidSchema", "connections", "0"]  # a missing asset: refused, nothing fetched


def test_port_zero_binds_a_real_port_at_once():
    sock = server.bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert port > 0
        with pytest.raises(sim.ScenarioError, match=f"cannot listen on 127.0.0.1:{port}"):
            server.bind("127.0.0.1", port)  # still held: nobody else can take it meanwhile
    finally:
        sock.close()


def test_all_interfaces_print_addresses_students_can_open():
    urls = server.addresses("0.0.0.0", 8765)
    assert urls[0] == "http://127.0.0.1:8765/"
    assert all("0.0.0.0" not in url for url in urls)
    for url in urls[1:]:
        host = url.split("//")[1].rsplit(":", 1)[0]
        ip = ipaddress.ip_address(host)
        assert not ip.is_loopback and not ip.is_unspecified
    assert server.addresses("127.0.0.1", 9) == ["http://127.0.0.1:9/"]
    assert server.addresses("::1", 9) == ["http://[::1]:9/"]


def test_demo_command_bad_address_exits_2_without_traceback():
    env = dict(os.environ, MPLBACKEND="Agg")
    for args in (["--port", "70000"], ["--host", "256.1.1.1"]):
        proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "demo", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, env=env)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# --------------------------------------------------------------------------- the lesson's claims
WINTER = {"monthly_temperature_c": [WINTER_C] * 12}


def _season(overrides: dict | None = None, seed: int | None = None) -> CorridorModel:
    return _run(CorridorModel(sim.load_scenario(CLASSROOM, overrides=overrides or {}), rng=seed))


def _total(model: CorridorModel, metric: str) -> int:
    return int(model.recorder.series(metric).sum())


def test_lesson_exercise_1_closing_a_route_diverts_the_flow():
    base = _season()
    closed = _season({"carriers.iraqi_airways.routes.BGW-MSQ.flights_per_week": 0})

    def istanbul(model):
        return int(model.recorder.values["arrivals_minsk"][:, model.route_labels.index("IST-MSQ")].sum())

    assert istanbul(closed) > istanbul(base)
    assert _total(closed, "arrivals_minsk") < _total(base, "arrivals_minsk")
    assert closed.recorder.series("attempts", "PL").sum() < base.recorder.series("attempts", "PL").sum()


def test_lesson_exercise_2_turn_backs_multiply_attempts_and_the_count_adds_up():
    runs = {}
    for share in (0, 1):
        overrides = {TURN_BACK.format(c): share for c in ("PL", "LT", "LV")}
        overrides["events.1.set"] = {TURN_BACK.format("PL"): share}
        runs[share] = _season(overrides)
    for model in runs.values():  # every attempt night ends in exactly one of four ways
        nights = sum(_total(model, m) for m in ("crossed", "prevented", "turned_back", "detained"))
        pushed = model.population.view("attempts") * model.population.view("size")
        assert int(pushed.sum()) == _total(model, "prevented") + _total(model, "turned_back")
        assert nights > _total(model, "prevented") + _total(model, "turned_back")

    def repeats_at_least(model):
        return (_total(model, "prevented") + _total(model, "turned_back") - _total(model, "returned_minsk")
                - _total(model, "deaths"))

    assert repeats_at_least(runs[1]) > 5 * repeats_at_least(runs[0]) > 0
    assert _total(runs[0], "turned_back") == 0
    assert runs[1].recorder.series("attempts", "PL").sum() > runs[0].recorder.series("attempts", "PL").sum()
    assert runs[1].recorder.series("at_border").max() > runs[0].recorder.series("at_border").max()
    assert _total(runs[1], "onward_arrivals") >= _total(runs[0], "onward_arrivals")


def test_lesson_exercise_3_winter_over_several_seeds():
    mild = [_season(seed=s) for s in (1, 2, 3)]
    cold = [_season(WINTER, seed=s) for s in (1, 2, 3)]
    for m, c in zip(mild, cold, strict=True):  # robust in every seed: far more people give up
        assert _total(c, "returned_minsk") > 2 * _total(m, "returned_minsk")
        assert _total(c, "onward_arrivals") < _total(m, "onward_arrivals")
    assert sum(_total(c, "deaths") for c in cold) > sum(_total(m, "deaths") for m in mild)
