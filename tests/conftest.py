"""Fixtures shared by the tests (helpers: :mod:`helpers`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import CLASSROOM, cli, run_model, tiny

import sim
from sim.model.model import CorridorModel


@pytest.fixture
def tiny_data() -> dict:
    """The tiny scenario as a dict, to change freely in a test."""
    return tiny()


@pytest.fixture(scope="session")
def classroom_result():
    """One in-memory run of the classroom scenario (its own seed), shared by the session."""
    return sim.run(CLASSROOM)


@pytest.fixture(scope="session")
def tiny_model() -> CorridorModel:
    """The tiny scenario run to the end, shared by the session (do not change it)."""
    return run_model(tiny())


@pytest.fixture(scope="session")
def cli_classroom_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``python run.py run scenarios/classroom.yaml --out DIR`` (with plots) in a subprocess, once."""
    out = tmp_path_factory.mktemp("cli") / "classroom"
    proc = cli("run", str(CLASSROOM), "--out", str(out), "--quiet")
    return proc, out
