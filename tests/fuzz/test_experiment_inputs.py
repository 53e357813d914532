"""Sweep files and calibration parameters files, mutated: `corridor check` keeps its promise (tests/fuzzing.py)."""

import yaml
from fuzzing import FUZZ, holds_the_promise, mutate, mutate_text
from helpers import ROOT
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.analysis.params_file import load_params
from sim.errors import CorridorError

SWEEP = yaml.safe_load((ROOT / "scenarios" / "sweeps" / "classroom_turnbacks.yaml").read_text())
SWEEP["base"] = str(ROOT / "scenarios" / "classroom.yaml")
SWEEP["design"] = {"method": "grid"}
PARAMS = yaml.safe_load((ROOT / "scenarios" / "calibration" / "belarus_2021_params.yaml").read_text())
CLASSROOM = sim.load_scenario(ROOT / "scenarios" / "classroom.yaml")


@FUZZ
@given(st.data())
def test_mutated_sweep_files(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("sweep")
    doc = mutate(data, SWEEP)
    path = tmp / "sweep.yaml"
    path.write_bytes(mutate_text(data, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)))
    holds_the_promise(["check", str(path)], tmp, names=("sweep.yaml", "classroom.yaml", "corridor.yaml", "/"),
                      repo=ROOT)


@FUZZ
@given(st.data())
def test_mutated_parameters_files(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("params")
    doc = mutate(data, PARAMS)
    path = tmp / "params.yaml"
    path.write_bytes(mutate_text(data, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)))
    code, _ = holds_the_promise(["check", str(path)], tmp, names=("params.yaml",), repo=ROOT)
    if code == 0:  # the schema accepts it: its key paths against a scenario are refused cleanly or fit
        try:
            load_params(path, CLASSROOM)
        except CorridorError as exc:
            assert exc.message.startswith("Error") and "\n" not in exc.message
