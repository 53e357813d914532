"""The Python API: ``sim.run(scenario_or_path, seed=..., overrides=...)``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import pandas as pd

from sim import __version__
from sim.errors import ScenarioError
from sim.model.model import CorridorModel
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario


def scenario_hash(scenario: Scenario, exclude: tuple[str, ...] = ("seed",)) -> str:
    """SHA-256 of the resolved scenario's canonical JSON, leaving out its ``seed``.

    Runs of one scenario with different seeds share the hash (the seed is recorded beside it).
    Paths stay as written in the scenario (``observed`` is relative to the scenario file), so
    the same scenario gives the same hash wherever the project is checked out.

    Args:
        scenario: The validated scenario.
        exclude: Top-level keys left out of the hash (by default the seed).

    Returns:
        64 hex digits.
    """
    data = scenario.model_dump(by_alias=True, mode="json")
    for key in exclude:
        data.pop(key, None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _file_sha256(path) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def summarise(daily: pd.DataFrame) -> pd.DataFrame:
    """Totals and peaks per metric, country and place (place '' = country total).

    For stocks (``in_minsk``, ``at_border``, ``state_*``) the total is the value on the
    last day; for flows it is the sum over the run. The peak is the largest daily value,
    on its first date.
    """
    from sim.model.recorder import METRICS

    stocks = {m.name for m in METRICS if m.stock}
    values = daily.groupby(["metric", "country", "place"], sort=True)["value"]
    table = pd.DataFrame({"sum": values.sum(), "last": values.last(), "peak": values.max(),
                          "peak_row": values.idxmax()}).reset_index()
    is_stock = table["metric"].isin(stocks) | table["metric"].str.startswith("state_")
    return pd.DataFrame({
        "metric": table["metric"], "country": table["country"], "place": table["place"],
        "kind": is_stock.map({True: "stock", False: "flow"}),
        "total": table["last"].where(is_stock, table["sum"]).astype("int64"),
        "peak": table["peak"].astype("int64"),
        "peak_date": daily["date"].to_numpy()[table["peak_row"].to_numpy()],
    })


@dataclass
class RunResult:
    """Everything one run produced, as pandas frames; nothing is written until :meth:`write`."""

    scenario: Scenario
    seed: int
    daily: pd.DataFrame
    summary: pd.DataFrame
    flows: pd.DataFrame
    manifest: dict
    events_applied: list = field(default_factory=list)
    source: str | None = None

    def write(self, folder, plots: bool = True) -> Path:
        """Write manifest.json, daily.csv, summary.csv, flows.csv (and plots) into ``folder``."""
        from sim.runs.folder import write_run

        return write_run(self, Path(folder), plots=plots)


def run(scenario_or_path, seed: int | None = None, overrides=None, progress: bool = False,
        out=None, plots: bool = True) -> RunResult:
    """Run one scenario and return its tables.

    Args:
        scenario_or_path: A scenario file path, a dict, or a validated Scenario.
        seed: Random seed; defaults to the scenario's ``seed``.
        overrides: ``{"key.path": value}`` or ``["key.path=value", ...]``.
        progress: Show a progress bar on the terminal.
        out: Folder to write the outputs into; nothing is written when None.
        plots: With ``out``, also draw the plots.

    Returns:
        A :class:`RunResult`.

    Example:
        >>> import sim
        >>> result = sim.run("scenarios/classroom.yaml", seed=3)
        >>> result.summary.query("metric == 'attempts' and place == ''")  # doctest: +SKIP
    """
    source = None if isinstance(scenario_or_path, (Scenario, dict)) else str(scenario_or_path)
    scenario = load_scenario(scenario_or_path, overrides)
    seed = scenario.seed if seed is None else int(seed)
    if seed < 0:
        raise ScenarioError(f"the seed must be a whole number of 0 or more (got {seed}).", key_path="seed",
                            hint="use e.g. --seed 1.")
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    model = CorridorModel(scenario, rng=seed)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=model.n_days, unit="day", desc=scenario.name, leave=False)
    model.run_to_end(progress=(lambda day: bar.update(1)) if bar else None)
    if bar:
        bar.close()
    daily = model.recorder.frame(model.dates())
    flows = model.recorder.flows_frame({})
    wall = time.perf_counter() - t0
    manifest = {
        "scenario_name": scenario.name,
        "scenario_file": source,
        "scenario_hash": scenario_hash(scenario),
        "seed": seed,
        "versions": {"corridor": __version__, "mesa": mesa.__version__, "python": platform.python_version()},
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 3),
        "people_created": model.population.created_people,
        "party_rows": len(model.population),
        "events_applied": [{"date": d, "what": w} for d, w in model.events_applied],
        "observed_file": str(scenario.observed_file) if scenario.observed else None,
        "observed_sha256": _file_sha256(scenario.observed_file) if scenario.observed else None,
        # the scenario as run: with the run's seed, which --seed may have changed
        "scenario": {**scenario.model_dump(by_alias=True, mode="json"), "seed": seed},
    }
    result = RunResult(scenario=scenario, seed=seed, daily=daily, summary=summarise(daily), flows=flows,
                       manifest=manifest, events_applied=model.events_applied, source=source)
    if out is not None:
        result.write(out, plots=plots)
    return result
