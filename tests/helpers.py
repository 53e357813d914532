"""Helpers shared by the tests: paths, a tiny scenario built in code, running and totalling a model, the CLI."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import sim
from sim.model.model import CorridorModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
CLASSROOM = SCENARIOS / "classroom.yaml"
BELARUS = SCENARIOS / "belarus_2021.yaml"
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # pragma: no cover - fall back to whatever runs the tests
    PYTHON = Path(sys.executable)

_MONEY = {"mean": 6000, "sd": 0, "min": 6000}
_TINY = {
    "name": "tiny",
    "description": "Two origins, one route each, two border services with one segment each.",
    "start": "2021-09-01",
    "end": "2021-10-30",
    "seed": 3,
    "places": {
        "baghdad": {"name": "Baghdad", "lat": 33.31, "lon": 44.36, "country": "IQ", "kind": "origin"},
        "damascus": {"name": "Damascus", "lat": 33.51, "lon": 36.28, "country": "SY", "kind": "origin"},
        "minsk": {"name": "Minsk", "lat": 53.90, "lon": 27.56, "country": "BY", "kind": "minsk"},
        "grodno": {"name": "Grodno", "lat": 53.68, "lon": 23.83, "country": "BY", "kind": "staging"},
        "michalowo": {"name": "Michalowo", "lat": 53.03, "lon": 23.60, "country": "PL", "kind": "border_segment"},
        "varena": {"name": "Varena", "lat": 54.22, "lon": 24.57, "country": "LT", "kind": "border_segment"},
        "bialystok": {"name": "Bialystok", "lat": 53.13, "lon": 23.16, "country": "PL", "kind": "eu_transit"},
        "vilnius": {"name": "Vilnius", "lat": 54.69, "lon": 25.28, "country": "LT", "kind": "eu_transit"},
        "berlin": {"name": "Berlin", "lat": 52.52, "lon": 13.40, "country": "DE", "kind": "destination"},
    },
    "links": [
        {"from": "baghdad", "to": "minsk", "mode": "flight", "days": 0, "km": 2900},
        {"from": "damascus", "to": "minsk", "mode": "flight", "days": 0, "km": 2500},
        {"from": "minsk", "to": "grodno", "mode": "road", "days": 1, "km": 272},
        {"from": "grodno", "to": "michalowo", "mode": "forest", "days": 1, "km": 60},
        {"from": "grodno", "to": "varena", "mode": "forest", "days": 1, "km": 80},
        {"from": "michalowo", "to": "bialystok", "mode": "road", "days": 1, "km": 45},
        {"from": "varena", "to": "vilnius", "mode": "road", "days": 1, "km": 90},
        {"from": "bialystok", "to": "berlin", "mode": "onward", "days": 2, "km": 700},
        {"from": "vilnius", "to": "berlin", "mode": "onward", "days": 2, "km": 1000},
    ],
    "demand": {
        "party_size": {"mean": 1.0, "max": 1},
        "patience_days": 60,
        "origins": {
            "baghdad": {"nationality": "IQ", "people_per_week": 700, "money_usd": _MONEY},
            "damascus": {"nationality": "SY", "people_per_week": 300, "money_usd": _MONEY},
        },
    },
    "migrants": {
        "endurance_days": {"mean": 25, "sd": 5, "min": 3},
        "minsk_days": 2,
        "attempt_interval_days": 2,
        "max_attempts": 12,
        "destinations": {"berlin": 1.0},
        "exposure": {"base_daily_death": 0.0, "cold_factor": 0.0},
    },
    "carriers": {
        "air": {
            "name": "Air",
            "package_price_usd": 3000,
            "routes": {
                "BGW-MSQ": {"from": "baghdad", "flights_per_week": 7, "seats": 100, "load_factor": 1.0,
                            "serves": ["baghdad"]},
                "DAM-MSQ": {"from": "damascus", "flights_per_week": 7, "seats": 60, "load_factor": 1.0,
                            "serves": ["damascus"]},
            },
            "repatriation": {"MSQ-BGW": {"to": "baghdad", "flights_per_week": 0, "seats": 100,
                                         "nationalities": ["IQ"]}},
        },
    },
    "border_services": {
        "PL": {
            "name": "Polish Border Guard",
            "reception": "bialystok",
            "apprehension_capacity_per_day": 1000,
            "policy": {"turn_back_share": 0.5, "detention_capacity": 500},
            "segments": {"pl1": {"place": "michalowo", "staging": "grodno", "length_km": 60, "guards": 40,
                                 "surveillance": 0.2}},
        },
        "LT": {
            "name": "Lithuanian Border Guard",
            "reception": "vilnius",
            "apprehension_capacity_per_day": 1000,
            "policy": {"turn_back_share": 0.5, "detention_capacity": 500},
            "segments": {"lt1": {"place": "varena", "staging": "grodno", "length_km": 80, "guards": 40,
                                 "surveillance": 0.2}},
        },
    },
    "state_actors": {
        "belarus": {
            "name": "Belarus", "country": "BY", "role": "transit", "facilitation": 0.8, "transport_per_day": 1000,
            "pressure_to_cross": 0.3, "block_return": 0.0, "steer": {"PL": 0.5, "LT": 0.5},
            "camp": {"open": False, "place": "grodno", "capacity": 0, "exposure_factor": 0.2},
        },
    },
    "events": [],
}


def tiny() -> dict:
    """A fresh deep copy of the tiny scenario data (60 days, about 8,000 people, ~0.1 s)."""
    return copy.deepcopy(_TINY)


def run_model(source, overrides=None, seed: int | None = None, check=None) -> CorridorModel:
    """Load ``source`` (dict or path) with ``overrides``, step it to the end and return the model.

    ``check(model)`` is called after every step when given.
    """
    scenario = sim.load_scenario(source, overrides)
    model = CorridorModel(scenario, rng=seed)
    while model.running:
        model.step()
        if check is not None:
            check(model)
    return model


def total(model: CorridorModel, metric: str, country: str = "") -> int:
    """Run total of a flow metric (all keys, or one country's keys)."""
    return int(model.recorder.series(metric, country).sum())


def by_key(model: CorridorModel, metric: str) -> np.ndarray:
    """Run totals of ``metric`` per key (segment, route, ...)."""
    return model.recorder.values[metric].sum(axis=0)


def cli(*args: str, cwd: Path = ROOT, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``python run.py ARGS`` in a subprocess and capture its output."""
    env = dict(os.environ, PYTHONHASHSEED="123", MPLBACKEND="Agg")
    return subprocess.run([str(PYTHON), str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def twin_files(folder: Path, truth: dict, ranges: dict, abc: dict | None = None) -> tuple[Path, Path]:
    """A twin experiment: the tiny scenario whose observed rows the model made itself from ``truth`` (seed 11).

    Writes ``observed.csv`` (attempts in PL and LT over two periods), ``twin.yaml`` naming it, and
    ``params.yaml`` with ``ranges`` (and the ``abc`` options); returns the scenario and parameters files.
    """
    import yaml

    from sim.runs.api import run

    data = tiny()
    data["end"] = "2021-10-15"
    daily = run(data, seed=11, overrides=truth).daily
    rows = ["country,metric,period_start,period_end,value,aggregation,quality,definition,source"]
    for country in ("PL", "LT"):
        for start, end in (("2021-09-01", "2021-09-21"), ("2021-09-22", "2021-10-15")):
            part = daily[(daily.metric == "attempts") & (daily.country == country) & (daily.place == "")
                         & (daily.date >= start) & (daily.date <= end)]
            rows.append(f"{country},attempts,{start},{end},{int(part.value.sum())},period_total,reported,twin,model")
    (folder / "observed.csv").write_text("\n".join(rows) + "\n")
    data["observed"] = "observed.csv"
    (folder / "twin.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (folder / "params.yaml").write_text(yaml.safe_dump({"parameters": ranges, "abc": abc or {}}))
    return folder / "twin.yaml", folder / "params.yaml"
