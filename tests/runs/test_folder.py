"""The run folder: a killed writer's leftovers are cleared or restored, a full disk is one clear message."""

import errno
import os
import shutil

import pytest
from helpers import CLASSROOM

import sim
from sim.cli.commands import main
from sim.errors import OutputError
from sim.files import atomic_write_bytes
from sim.runs import folder as run_folder


@pytest.fixture(scope="module")
def short_result():
    return sim.run(CLASSROOM, overrides={"end": "2021-08-20", "events": []})


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_leftovers_of_a_killed_writer_are_cleared(tmp_path, short_result):
    out = tmp_path / "run"
    short_result.write(out, plots=False)
    dead = _dead_pid()
    stale = tmp_path / f".run.{dead}.abc123.tmp"
    stale.mkdir()
    (stale / "daily.csv").write_text("half")
    short_result.write(out, plots=False)
    assert not stale.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_writer_killed_between_the_renames_leaves_the_previous_run_to_restore(tmp_path, short_result):
    out = tmp_path / "run"
    short_result.write(out, plots=False)
    before = (out / "daily.csv").read_bytes()
    old = tmp_path / f".run.{_dead_pid()}.old"
    os.replace(out, old)  # what a kill after the first os.replace leaves: no run folder, the previous run set aside
    run_folder.recover(out)
    assert (out / "daily.csv").read_bytes() == before and not old.exists()


def test_another_live_writers_staging_folder_is_left_alone(tmp_path, short_result):
    out = tmp_path / "run"
    live = tmp_path / f".run.{os.getppid()}.xyz.tmp"  # the test runner: a process that is alive
    live.mkdir()
    short_result.write(out, plots=False)
    assert live.exists()
    shutil.rmtree(live)


def test_a_full_disk_is_one_message_naming_the_folder(tmp_path, monkeypatch, capsys):
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: Full(real_fdopen(fd, mode, *a, **k)))
    with pytest.raises(OutputError, match="the disk is full"):
        atomic_write_bytes(tmp_path / "x.bin", b"data")
    assert not list(tmp_path.iterdir())  # no temporary file left behind
    rc = main(["run", str(CLASSROOM), "--set", "end=2021-08-10", "--set", "events=[]", "--no-plots", "--quiet",
               "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and "the disk is full" in err and str(tmp_path) in err
    assert not (tmp_path / "o").exists()


def test_the_reader_refuses_what_is_not_a_whole_run(tmp_path, short_result):
    out = short_result.write(tmp_path / "run", plots=False)
    assert run_folder.read_run(out)["daily"]["value"].dtype.kind == "i"
    text = (out / "daily.csv").read_text()
    (out / "daily.csv").write_text(text[: len(text) * 2 // 3].rsplit("\n", 1)[0] + "\n")  # whole rows, fewer of them
    with pytest.raises(sim.ScenarioError, match="not a whole run"):
        run_folder.read_daily(out)
