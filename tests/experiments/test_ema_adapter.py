"""The EMA Workbench adapter: a small experiment gives what `sim.run` + `outcome_values` give (``ema`` extra)."""

import pickle

import numpy as np
import pytest
from sweep_helpers import CLASSROOM, SHORT, sweep_file

import sim
from sim.errors import SweepFileError
from sim.outcomes.sources import TableSeries
from sim.outcomes.spec import OutcomeSpec
from sim.outcomes.values import outcome_values
from sim.seeds import spawn_seeds

ema = pytest.importorskip("ema_workbench")

from sim.experiments.ema_adapter import corridor_model, model_from_sweep  # noqa: E402 - needs the extra

OUTCOMES = {"pl_attempts": {"metric": "attempts", "country": "PL"}, "deaths": {"metric": "deaths"},
            "onward_de": {"metric": "onward_arrivals", "country": "DE", "start": "2021-08-15"}}
GUARD_KEY = "border_services.PL.detection_per_guard_km"


def _expected(overrides: dict, seed: int) -> dict:
    result = sim.run(str(CLASSROOM), seed=seed, overrides={**SHORT, **overrides})
    return outcome_values(TableSeries(result.daily), {k: OutcomeSpec(**v) for k, v in OUTCOMES.items()})


def test_a_small_experiment_equals_sim_run_for_the_same_inputs_and_seed():
    model = corridor_model(
        CLASSROOM, overrides=SHORT, outcomes=OUTCOMES, seed=5,
        uncertainties={"demand.scale": {"range": [0.5, 1.5]}, "migrants.max_attempts": {"range": [5, 20]}},
        levers={"border_services.PL.policy.turn_back_share": {"range": [0.2, 0.9]},
                "guards_x": {"keys": [GUARD_KEY], "range": [0.5, 2.0]},
                "state_actors.belarus.camp.open": {"values": [True, False]}})
    assert [p.name for p in model.uncertainties] == ["demand_scale", "migrants_max_attempts"]
    assert type(model.uncertainties["migrants_max_attempts"]).__name__ == "IntegerParameter"  # int in the scenario
    assert model.function.names["guards_x"] == "guards_x"
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=4, policies=2,
                                                              uncertainty_sampling_kwargs={"rng": 1},
                                                              lever_sampling_kwargs={"rng": 2})
    assert len(experiments) == 8 and set(outcomes) == set(OUTCOMES)
    base_guard = sim.load_scenario(str(CLASSROOM)).model_dump(by_alias=True)["border_services"]["PL"][
        "detection_per_guard_km"]
    for i, row in experiments.iterrows():
        overrides = {"demand.scale": float(row["demand_scale"]),
                     "migrants.max_attempts": int(row["migrants_max_attempts"]),
                     "border_services.PL.policy.turn_back_share":
                         float(row["border_services_PL_policy_turn_back_share"]),
                     GUARD_KEY: base_guard * float(row["guards_x"]),
                     "state_actors.belarus.camp.open": row["state_actors_belarus_camp_open"] in (True, "True")}
        expected = _expected(overrides, seed=5)
        assert {k: float(v[i]) for k, v in outcomes.items()} == expected, (i, overrides)
    assert outcomes["pl_attempts"].std() > 0  # the levers do move the outcome


def test_replications_use_the_spawned_seeds_and_the_function_pickles():
    # (a model of levers only cannot run in ema_workbench 3.0.0 itself, so the share is an uncertainty here)
    model = corridor_model(CLASSROOM, overrides=SHORT, outcomes=OUTCOMES, seed=9, replications=2,
                           uncertainties={"border_services.PL.policy.turn_back_share": {"values": [0.2, 0.8]}})
    assert type(model).__name__ == "ReplicatorModel"
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=2, uncertainty_sampling=ema.Samplers.FF)
    assert outcomes["pl_attempts"].shape == (2,)
    share = float(experiments["border_services_PL_policy_turn_back_share"].iloc[1])
    runs = [_expected({"border_services.PL.policy.turn_back_share": share}, seed)["pl_attempts"]
            for seed in spawn_seeds(9, 2)]
    assert runs[0] != runs[1] and outcomes["pl_attempts"][1] == pytest.approx(np.mean(runs), rel=1e-12)
    copy = pickle.loads(pickle.dumps(model.function))  # what a MultiprocessingEvaluator sends to its workers
    assert copy.overrides({"border_services.PL.policy.turn_back_share": 0.5}) == {
        **SHORT, "border_services.PL.policy.turn_back_share": 0.5}


def test_a_model_from_a_sweep_file_gives_the_sweeps_runs(tmp_path):
    spec_path = sweep_file(tmp_path, outcomes=OUTCOMES, replicates=2)
    model = model_from_sweep(spec_path)
    assert type(model).__name__ == "ReplicatorModel" and model.name == "tiny"
    assert [p.name for p in model.uncertainties] == ["border_services_PL_policy_turn_back_share", "demand_scale"]
    assert [r["seed"] for r in model.replications] == spawn_seeds(11, 2)  # the sweep's replicate seeds
    values = {"border_services.PL.policy.turn_back_share": 0.8, "demand.scale": 0.5}
    assert model.function.overrides(values) == {**SHORT, **values}
    assert model_from_sweep(spec_path, as_levers=True, seed=3).levers.keys() == model.uncertainties.keys()


def test_a_seed_uncertainty_when_seed_is_none():
    model = corridor_model(CLASSROOM, overrides=SHORT, outcomes=OUTCOMES, seed=None,
                           uncertainties={"demand.scale": {"range": [0.5, 1.5]}})
    assert [p.name for p in model.uncertainties] == ["demand_scale", "seed"]
    assert model.function(**{"demand.scale": 1.0, "seed": 4}) == _expected({"demand.scale": 1.0}, 4)


@pytest.mark.parametrize(("kwargs", "why"), [
    ({"uncertainties": {"demand.scael": {"range": [0.5, 1.5]}}}, "scale"),
    ({"uncertainties": {"demand.scale": {"range": [1.5, 0.5]}}}, "empty range"),
    ({"uncertainties": {"demand.scale": {"range": [0.5, 1.5]}}, "levers": {"demand.scale": {"range": [1, 2]}}},
     "both an uncertainty and a lever"),
    ({}, "at least one uncertainty or lever"),
    ({"levers": {"x": {"keys": ["demand.origins"], "range": [0.5, 1]}}}, "not a number"),
    ({"uncertainties": {"demand.scale": {"range": [0.5, 1.5]}}, "outcomes": {"a": {"metric": "atempts"}}},
     "did you mean 'attempts'"),
    ({"uncertainties": {"demand.scale": {"range": [0.5, 1.5]}}, "names": {"demand.scale": "not valid"}},
     "not a Python identifier"),
    ({"uncertainties": {"demand.scale": {"range": [0.5, 1.5]}}, "names": {"demand.scale": "seed"}},
     "a column of the Workbench's experiments"),
])
def test_bad_models_are_refused_before_any_run(kwargs, why):
    kwargs = {"overrides": SHORT, **kwargs}
    with pytest.raises(SweepFileError) as err:
        corridor_model(CLASSROOM, **kwargs)
    assert why in err.value.message and "\n" not in err.value.message


def test_outcome_arrays_are_numbers():
    model = corridor_model(CLASSROOM, overrides=SHORT, outcomes={"deaths": {"metric": "deaths"}},
                           uncertainties={"demand.scale": {"range": [0.5, 1.5]}})
    with ema.SequentialEvaluator(model) as evaluator:
        _, outcomes = evaluator.perform_experiments(scenarios=2)
    assert np.issubdtype(outcomes["deaths"].dtype, np.floating)


def test_named_levels_are_a_categorical_parameter_whose_label_becomes_its_overrides():
    levels = {"soft": {"border_services.PL.policy.turn_back_share": 0.2},
              "hard": {"border_services.PL.policy.turn_back_share": 0.95,
                       "border_services.PL.policy.asylum_claim_share": 0}}
    model = corridor_model(CLASSROOM, overrides=SHORT, outcomes=OUTCOMES, seed=5,
                           uncertainties={"demand.scale": {"range": [0.5, 1.5]}, "pl_policy": {"levels": levels}})
    param = model.uncertainties["pl_policy"]
    assert type(param).__name__ == "CategoricalParameter" and [c.value for c in param.categories] == ["soft", "hard"]
    assert model.function.overrides({"pl_policy": "hard", "demand.scale": 1.0}) == {
        **SHORT, **levels["hard"], "demand.scale": 1.0}
    assert model.function(**{"pl_policy": "soft", "demand.scale": 1.0}) == _expected(
        {**levels["soft"], "demand.scale": 1.0}, seed=5)
    with pytest.raises(SweepFileError, match="at least two levels"):
        corridor_model(CLASSROOM, overrides=SHORT, outcomes=OUTCOMES, seed=5,
                       uncertainties={"pl_policy": {"levels": {"soft": levels["soft"]}}})
