"""Which free parameters do the observed rows move at all? A one-at-a-time screen of the fit.

``corridor calibrate ... --method screen`` scores the scenario as it stands (every parameter at the
scenario's value) and then each parameter alone near each end of its range (10 % of the range in
from the end), on the calibration seeds, and reports how much the ARD of each observed series moves.
A parameter is judged by the largest change of any *series'* ARD, not of the overall ARD: a parameter
can trade one series against another (more departures in spring fit Poland better and Lithuania
worse) and leave the overall ARD flat although the rows plainly see it. A parameter that moves no
series' ARD by :data:`NOT_MOVED` anywhere in its range cannot be identified by these rows:
listing it under ``abc.leave_out`` keeps it at the scenario's value in ABC-SMC, whose
importance weights degenerate with many parameters the data say nothing about. A one-at-a-time
screen misses interactions (two parameters that only matter together); it is a triage, reported
as such in docs/validation.md.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.objective import Objective
from sim.analysis.params_file import fit_base, load_params
from sim.outcomes.observed import build_targets, observed_path
from sim.runs.parallel import parallel_map
from sim.scenario.loader import load_scenario
from sim.scenario.observed_file import load_observed
from sim.seeds import calibration_seeds

NOT_MOVED = 0.1  # change of every series' ARD below which the rows do not identify a parameter
INSET = 0.1  # how far in from each end of the range the screen looks


def _score(job) -> tuple[float, dict[str, float]]:
    objective, x = job
    return objective.per_series(x)


def screen_parameters(scenario_path, params_path, seeds: int = 2, workers: int = 1, root_seed: int | None = None,
                      observed=None) -> tuple[float, pd.DataFrame]:
    """The ARD at the scenario's values, and per parameter the ARD near each end of its range.

    Returns:
        ``(ard, table)``: the table has ``parameter, value, low, high, ard_low, ard_high, moves``
        (the largest change of any series' ARD), ``series`` (the series it moves most) and
        ``identified_by_rows`` (``moves >= NOT_MOVED``), largest change first.
    """
    file = str(scenario_path)
    scenario = load_scenario(scenario_path)
    spec = load_params(params_path, scenario)
    targets = build_targets(scenario, load_observed(observed_path(file, scenario, observed)), file)
    base = fit_base(scenario)
    objective = Objective(base, spec, targets, calibration_seeds(scenario.seed if root_seed is None else root_seed,
                                                                 seeds))
    x0 = spec.start(base, source=str(params_path))
    jobs = [x0]
    for i, (lo, hi) in enumerate(spec.bounds):
        for value in (lo + INSET * (hi - lo), hi - INSET * (hi - lo)):
            x = x0.copy()
            x[i] = value
            jobs.append(x)
    scores = parallel_map(_score, [(objective, x) for x in jobs], workers)
    base_ard, base_per = scores[0]
    rows = []
    for i, (name, (lo, hi)) in enumerate(zip(spec.names, spec.bounds, strict=True)):
        (a, per_a), (b, per_b) = scores[1 + 2 * i], scores[2 + 2 * i]
        change = {s: max(abs(per_a[s] - base_per[s]), abs(per_b[s] - base_per[s])) for s in base_per}
        series = max(change, key=change.get)
        moves = change[series]
        rows.append({"parameter": name, "value": x0[i], "low": lo, "high": hi, "ard_low": round(a, 4),
                     "ard_high": round(b, 4), "moves": round(moves, 4), "series": series,
                     "identified_by_rows": moves >= NOT_MOVED})
    table = pd.DataFrame(rows).sort_values("moves", ascending=False, kind="stable").reset_index(drop=True)
    return float(base_ard), table


def format_screen(ard: float, table: pd.DataFrame) -> str:
    """The screen as text for the terminal."""
    lines = [f"ARD at the scenario's values: {ard:.3f}; each parameter alone, {INSET:.0%} in from each end of its "
             "range (overall ARD at each end; 'moves': the largest change of one series' ARD):", ""]
    width = max(len(p) for p in table["parameter"]) + 2
    for r in table.itertuples():
        mark = "" if r.identified_by_rows else f"  <- moves no series' ARD by {NOT_MOVED} or more"
        lines.append(f"{r.parameter:<{width}} low {r.ard_low:.3f}  high {r.ard_high:.3f}  moves {r.moves:.3f} "
                     f"({r.series}){mark}")
    return "\n".join(lines)
