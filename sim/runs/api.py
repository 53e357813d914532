"""The Python API: ``sim.run(scenario_or_path, seed=..., overrides=...)`` → :class:`~sim.runs.result.RunResult`."""

from __future__ import annotations

import datetime as dt
import time

from sim.errors import ScenarioError
from sim.model.model import CorridorModel
from sim.outcomes.tables import summary_table
from sim.runs.provenance import file_sha256, scenario_hash, versions
from sim.runs.result import RunResult
from sim.scenario.keypaths import override_pairs
from sim.scenario.loader import load_scenario
from sim.scenario.posterior_file import Posterior, read_posterior
from sim.scenario.schema import Scenario


def run(scenario_or_path, seed: int | None = None, overrides=None, progress: bool = False,
        out=None, plots: bool = True, posterior=None, draw: int | None = None) -> RunResult:
    """Run one scenario and return its tables.

    Args:
        scenario_or_path: A scenario file path, a dict, or a validated Scenario.
        seed: Random seed; defaults to the scenario's ``seed``.
        overrides: ``{"key.path": value}`` or ``["key.path=value", ...]``.
        progress: Show a progress bar on the terminal.
        out: Folder to write the outputs into; nothing is written when None.
        plots: With ``out``, also draw the plots.
        posterior: A posterior file (or :class:`~sim.scenario.posterior_file.Posterior`): the run takes one of its
            parameter sets (``overrides`` still win over it); recorded in the manifest.
        draw: Which set of the posterior; by default one drawn by weight from the seed's own stream.

    Returns:
        A :class:`~sim.runs.result.RunResult`.

    Example:
        >>> import sim
        >>> result = sim.run("scenarios/classroom.yaml", seed=3)
        >>> result.summary.query("metric == 'attempts' and place == ''")  # doctest: +SKIP
    """
    source = None if isinstance(scenario_or_path, (Scenario, dict)) else str(scenario_or_path)
    used = None
    if posterior is not None:
        posterior = posterior if isinstance(posterior, Posterior) else read_posterior(posterior)
        if seed is None:
            seed = load_scenario(scenario_or_path, overrides).seed
        seed = int(seed)
        draw = posterior.draws(max(seed, 0), 1)[0] if draw is None else int(draw)
        if not 0 <= draw < len(posterior):
            raise ScenarioError(f"the posterior holds {len(posterior)} parameter sets; there is no set {draw}.",
                                file=str(posterior.path))
        mine = override_pairs(overrides)
        chosen = posterior.overrides_under(draw, [k for k, _ in mine])
        used = {**posterior.describe(), "set": draw, "values": chosen}
        overrides = list(chosen.items()) + mine
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
    flows = model.recorder.flows_frame()
    wall = time.perf_counter() - t0
    all_versions = versions()
    manifest = {
        "scenario_name": scenario.name,
        "scenario_file": source,
        "scenario_hash": scenario_hash(scenario),
        "seed": seed,
        "versions": {k: all_versions[k] for k in ("corridor", "mesa", "python")},
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 3),
        "people_created": model.population.created_people,
        "party_rows": len(model.population),
        "events_applied": [{"date": d, "what": w} for d, w in model.events_applied],
        "observed_file": str(scenario.observed_file) if scenario.observed else None,
        "observed_sha256": file_sha256(scenario.observed_file) if scenario.observed else None,
        "posterior": used,  # the parameter set drawn from a posterior, when the run used one
        # the scenario as run: with the run's seed, which --seed may have changed
        "scenario": {**scenario.model_dump(by_alias=True, mode="json"), "seed": seed},
    }
    result = RunResult(scenario=scenario, seed=seed, daily=daily, summary=summary_table(daily), flows=flows,
                       manifest=manifest, events_applied=model.events_applied, source=source)
    if out is not None:
        result.write(out, plots=plots)
    return result
