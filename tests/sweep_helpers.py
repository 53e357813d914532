"""Shared helpers for the ensemble / sweep / sensitivity / compare tests."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"
SHORT = {"end": "2021-09-15", "events": []}  # a 46-day classroom run: ~0.2 s


def short_scenario(tmp_path: Path, name: str = "short", **extra) -> Path:
    """A classroom variant that ends mid-September (fast), optionally changed."""
    data = {"extends": str(CLASSROOM), "name": name, "end": "2021-09-15", "events": []}
    data.update(extra)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def sweep_file(tmp_path: Path, name: str = "sweep.yaml", **changes) -> Path:
    """A tiny valid sweep file on the classroom scenario; ``changes`` replace top-level keys."""
    data = {
        "name": "tiny",
        "base": str(CLASSROOM),
        "parameters": {
            "border_services.PL.policy.turn_back_share": {"values": [0.2, 0.8]},
            "demand.scale": {"range": [0.5, 1.0], "num": 2},
        },
        "design": "grid",
        "replicates": 2,
        "seed": 11,
        "overrides": dict(SHORT),
        "outcomes": {
            "pl_attempts_aug": {"metric": "attempts", "country": "PL", "start": "2021-08-01", "end": "2021-08-31"},
            "deaths": {"metric": "deaths"},
            "onward_de": {"metric": "onward_arrivals", "country": "DE"},
            "peak_at_border": {"metric": "at_border", "stat": "peak"},
        },
    }
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


class KillWorkerOnSeed:
    """A run collector that kills its worker process for one seed (simulates an OOM kill)."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self, result):
        import os

        if result.seed == self.seed:
            os._exit(1)
        return {"outcomes": {"x": 1.0}}
