"""docs/make_benghazi.py: paired differences from no flights, the Markdown tables, the page's generated block."""

import importlib.util

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from scipy import stats

from sim.errors import SweepFileError

_spec = importlib.util.spec_from_file_location("make_benghazi", ROOT / "docs" / "make_benghazi.py")
mb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mb)

OUTCOMES = {"attempts_PL_2025": {"metric": "reported", "country": "PL", "start": "2025-01-01", "end": "2025-12-31"},
            "prevented_LV_2025": {"metric": "reported", "country": "LV", "start": "2025-01-01", "end": "2025-12-31"}}
SEEDS = [11, 22, 33, 44]
# made-up outcome values: flights level -> per seed (the same for both outcomes, LV a tenth)
NONE = [100.0, 120.0, 90.0, 110.0]
SEVEN = [150.0, 180.0, 130.0, 170.0]


def tiny_runs(failed_seed: int | None = None) -> pd.DataFrame:
    """A runs table as `corridor sweep` writes it: 2 flights levels x 2 suspension levels x 1 steering, 4 seeds."""
    rows, run = [], 0
    for s, (flights, suspension) in enumerate([("none", "on"), ("7", "on"), ("none", "off"), ("7", "off")]):
        values = NONE if flights == "none" else SEVEN
        shift = 0.0 if suspension == "on" else 1000.0
        for r, seed in enumerate(SEEDS):
            status = "failed" if (seed == failed_seed and flights == "7" and suspension == "on") else "ok"
            for name, scale in (("attempts_PL_2025", 1.0), ("prevented_LV_2025", 0.1)):
                rows.append({"run": run, "sample": s, "replicate": r, "seed": seed, "status": status, "error": "",
                             "outcome": name, "value": np.nan if status != "ok" else (values[r] + shift) * scale,
                             "benghazi_flights": flights, "pl_asylum_suspension": suspension,
                             "belarus_steering": "fitted"})
            run += 1
    return pd.DataFrame(rows)


def test_differences_are_paired_by_seed_within_each_suspension_and_steering_level():
    table = mb.difference_table(tiny_runs())
    assert len(table) == 4  # (on, off) x one flights level x two outcomes
    row = table[(table["pl_asylum_suspension"] == "on") & (table["outcome"] == "attempts_PL_2025")].iloc[0]
    d = np.array(SEVEN) - np.array(NONE)  # 50, 60, 40, 60
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    assert row["paired"] and row["n"] == 4 and row["benghazi_flights"] == "7"
    assert row["diff"] == pytest.approx(d.mean()) and row["mean_a"] == pytest.approx(np.mean(NONE))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert (row["q05"], row["q95"]) == pytest.approx((np.percentile(d, 5), np.percentile(d, 95)))
    off = table[(table["pl_asylum_suspension"] == "off") & (table["outcome"] == "attempts_PL_2025")].iloc[0]
    assert off["diff"] == pytest.approx(d.mean()) and off["mean_a"] == pytest.approx(np.mean(NONE) + 1000)


def test_a_failed_run_drops_its_pair_only():
    runs = tiny_runs(failed_seed=22)
    table = mb.difference_table(runs)
    on = table[(table["pl_asylum_suspension"] == "on") & (table["outcome"] == "attempts_PL_2025")].iloc[0]
    off = table[(table["pl_asylum_suspension"] == "off") & (table["outcome"] == "attempts_PL_2025")].iloc[0]
    assert on["n"] == 3 and on["paired"] and off["n"] == 4
    # another seed failing on the other side: the two pairs left are still paired, not compared unpaired
    runs.loc[(runs["seed"] == 44) & (runs["benghazi_flights"] == "none") & (runs["pl_asylum_suspension"] == "on"),
             ["status", "value"]] = ["failed", np.nan]
    on = mb.difference_table(runs).query("pl_asylum_suspension == 'on' and outcome == 'attempts_PL_2025'").iloc[0]
    assert on["n"] == 2 and on["paired"] and on["diff"] == pytest.approx(np.mean([50.0, 40.0]))


def test_the_tables_name_each_border_as_it_counts_and_the_columns_in_level_order():
    table = mb.difference_table(tiny_runs())
    text = mb.markdown_tables(table, OUTCOMES, {"benghazi_flights": ["none", "7"],
                                                "pl_asylum_suspension": ["on", "off"]})
    assert text.startswith("### 1 Jan 2025 – 31 Dec 2025")
    assert text.index("Asylum suspension on") < text.index("Asylum suspension off")
    assert "(the scenario as it is)" in text and "n = 4 pairs" in text
    assert "| Poland: attempts (as Poland counts) | 105 | **+52** [" in text
    assert "Latvia: crossings prevented" in text and "| 7 a week |" in text


def test_only_the_generated_block_is_replaced(tmp_path):
    doc = f"intro\n{mb.START}\nold\n{mb.END}\nafter\n"
    assert mb.replace_generated(doc, f"{mb.START}\nnew\n{mb.END}") == f"intro\n{mb.START}\nnew\n{mb.END}\nafter\n"
    with pytest.raises(SweepFileError, match="no '<!-- generated"):
        mb.replace_generated("no markers", "x", tmp_path / "page.md")


def test_the_shipped_page_has_the_markers_and_the_commands():
    page = (ROOT / "docs" / "benghazi.md").read_text()
    assert page.count(mb.START) == 1 and page.count(mb.END) == 1 and page.index(mb.START) < page.index(mb.END)
    assert "corridor sweep scenarios/sweeps/benghazi_2025_questions.yaml --workers 2" in page
    assert "python docs/make_benghazi.py outputs/sweeps/benghazi_2025_questions" in page
    assert "## What the model cannot know" in page


def test_a_folder_that_is_not_a_sweep_exits_2(tmp_path, capsys):
    assert mb.main([str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error") and "Traceback" not in err
