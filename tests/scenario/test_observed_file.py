"""Observed CSV files are read strictly: small ones work, broken ones stop with the row named."""

import pytest
from helpers import BELARUS

from sim.cli.commands import main
from sim.errors import ScenarioError
from sim.scenario.observed_file import load_observed

HEADER = "country,metric,period_start,period_end,value,aggregation\n"
ROW = "PL,attempts,2021-08-01,2021-08-31,3500,period_total\n"


@pytest.mark.parametrize(("body", "why"), [
    ("PL,attempts,2021-08-01,2021-08-31,inf,period_total\n", "finite positive"),
    ("PL,attempts,2021-08-01,2021-08-31,nan,period_total\n", "finite positive"),
    ("PL,attempts,2021-08-01,2021-08-31,0,period_total\n", "finite positive"),
    ("PL,attempts,2021-08-01,2021-08-31,3500,period_total,extra\n", "7 fields, the header has 6"),
    ("PL,attempts,2021-08-01,2021-08-31\n", "4 fields"),
    ("PL,attempts,2021-02-30,2021-08-31,1,period_total\n", "not a date"),
    ("PL,attempts,2021-09-01,2021-08-31,1,period_total\n", "before period_start"),
    ("Poland,attempts,2021-08-01,2021-08-31,1,period_total\n", "two-letter code"),
    ("PL,attempts,2021-08-01,2021-08-31,1,monthly\n", "unknown aggregation"),
    ("", "header but no rows"),
])
def test_broken_rows_are_refused_with_the_row(tmp_path, body, why):
    path = tmp_path / "o.csv"
    path.write_text(HEADER + body)
    with pytest.raises(ScenarioError, match=why):
        load_observed(path)


def test_binary_and_headerless_files_are_refused_without_echoing_them(tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ScenarioError, match="not text"):
        load_observed(path)
    with pytest.raises(ScenarioError) as exc:
        load_observed("/etc/passwd")
    assert "root:" not in exc.value.message


@pytest.mark.parametrize("rows", [1, 2])
def test_one_and_two_row_files_validate(tmp_path, capsys, rows):
    path = tmp_path / "o.csv"
    path.write_text(HEADER + ROW + ("PL,attempts,2021-09-01,2021-09-30,5000,period_total\n" if rows == 2 else ""))
    assert main(["validate", str(BELARUS), "--observed", str(path), "--seeds", "1", "--out", str(tmp_path / "v")]) == 0
    out = capsys.readouterr().out
    assert "PL attempts" in out and "a baseline needs more rows" in out


def test_every_period_outside_the_run_is_one_message(tmp_path, capsys):
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "PL,attempts,2019-08-01,2019-08-31,3500,period_total\n")
    assert main(["validate", str(BELARUS), "--observed", str(path), "--seeds", "1", "--out", str(tmp_path / "v")]) == 2
    assert "none of the 1 observed rows lies wholly inside the run" in capsys.readouterr().err
