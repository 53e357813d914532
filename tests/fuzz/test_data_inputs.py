"""Observed CSV files and the folders compare reads, damaged: the CLI keeps its promise (tests/fuzzing.py)."""

import csv
import io
import shutil

import pytest
from fuzzing import FUZZ, holds_the_promise
from helpers import ROOT
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.commands import main

OBSERVED = (ROOT / "data" / "observed" / "observed_2021.csv").read_text()
SHORT = {"end": "2021-07-15", "events": "[]"}  # belarus_2021, six weeks: a validation takes a second


def _cells():
    return st.one_of(st.text(max_size=12), st.sampled_from(["", "inf", "-1", "0", "1e400", "nan", "2021-02-30",
                                                             "2021-06-01", "PL", "XX", "attempts", "cumulative",
                                                             "period_total", "1,000", '"', "\0"]))


@FUZZ
@given(st.data())
def test_damaged_observed_files(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("observed")
    rows = list(csv.reader(io.StringIO(OBSERVED)))
    for _ in range(data.draw(st.integers(1, 4), label="changes")):
        op = data.draw(st.sampled_from(["cell", "cell", "drop", "extra", "header", "cut", "dupe"]), label="op")
        r = data.draw(st.integers(0, len(rows) - 1), label="row") if rows else 0
        if op == "cell" and rows and rows[r]:
            rows[r][data.draw(st.integers(0, len(rows[r]) - 1), label="col")] = data.draw(_cells(), label="cell")
        elif op == "drop" and len(rows) > 1:
            rows.pop(r)
        elif op == "extra" and rows:
            rows[r].append(data.draw(_cells(), label="extra"))
        elif op == "header" and rows:
            rows[0] = rows[0][::-1]
        elif op == "cut":
            rows = rows[: data.draw(st.integers(0, len(rows)), label="keep")]
        elif op == "dupe" and rows:
            rows.append(list(rows[r]))
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp / "observed.csv"
    path.write_text(buf.getvalue())
    sets = [x for k, v in SHORT.items() for x in ("--set", f"{k}={v}")]
    holds_the_promise(["validate", str(ROOT / "scenarios" / "belarus_2021.yaml"), "--observed", str(path),
                       "--seeds", "1", "--workers", "1", "--checks", str(ROOT / "data" / "observed" /
                                                                           "observed_2021_checks.csv"),
                       *sets, "--out", str(tmp / "v")], tmp, names=("observed.csv", "checks"),
                      writes=tmp / "v", repo=ROOT)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("folders")
    scen = root / "short.yaml"
    scen.write_text(f"extends: {ROOT / 'scenarios' / 'classroom.yaml'}\nname: short\nend: 2021-08-25\nevents: []\n")
    assert main(["run", str(scen), "--out", str(root / "run"), "--no-plots", "--quiet"]) == 0
    assert main(["ensemble", str(scen), "--seeds", "2", "--out", str(root / "ens"), "--no-plots",
                 "--no-progress"]) == 0
    return root


def _damage(data, folder):
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        target = data.draw(st.sampled_from(files), label="file")
        op = data.draw(st.sampled_from(["cut", "bytes", "empty", "delete", "text"]), label="op")
        if not target.exists():
            continue
        raw = target.read_bytes()
        if op == "cut":
            target.write_bytes(raw[: data.draw(st.integers(0, len(raw)), label="at")])
        elif op == "bytes":
            at = data.draw(st.integers(0, len(raw)), label="at")
            target.write_bytes(raw[:at] + data.draw(st.binary(min_size=1, max_size=30), label="b") + raw[at + 1:])
        elif op == "empty":
            target.write_bytes(b"")
        elif op == "delete":
            target.unlink()
        else:
            target.write_text(data.draw(st.sampled_from(["[]", "{}", "{not json", "a,b,c\n1,2,3\n", "null"]),
                                        label="text"))


@FUZZ
@given(st.data())
def test_damaged_run_and_ensemble_folders(folders, tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("compare")
    which = data.draw(st.sampled_from(["run", "ens"]), label="folder")
    damaged = tmp / f"damaged_{which}"
    shutil.copytree(folders / which, damaged)
    _damage(data, damaged)
    holds_the_promise(["compare", str(damaged), str(folders / which), "--out", str(tmp / "c"), "--no-plots",
                       "--no-progress"], tmp, names=("damaged", "compare"), writes=tmp / "c", repo=ROOT)
