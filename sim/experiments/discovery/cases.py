"""The cases of a discovery: a finished sweep folder read into one row per run (or per sample).

A sweep folder (written by ``corridor sweep`` or ``corridor sensitivity``) holds ``manifest.json``
(its parameters and outcomes) and ``runs.csv`` (one row per run and outcome: ``run, sample,
replicate, seed, status, error, outcome, value`` and the parameter columns). :func:`read_cases`
turns it into the inputs PRIM needs: the parameter values and the outcomes, one row per case.

A case is **a run** by default: replicates of a sample share its parameter values and differ only
in their seed, so the share of the runs in a box where the condition holds (PRIM's density) is the
chance that it holds there, stochastic variation included. With ``per="sample"`` a case is a
sample and each outcome its mean over the sample's runs (the condition is then about the expected
outcome). Failed runs are left out and counted.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SweepFileError, quoted
from sim.files import MiB, read_bytes, read_text

RUN_COLUMNS = ("run", "sample", "replicate", "seed", "status", "error", "outcome", "value")
MAX_RUNS_BYTES = 1024 * MiB  # runs.csv of a sweep of about a million runs with a few outcomes
HINT = "give the output folder of `corridor sweep` (it holds manifest.json and runs.csv)."
PER = ("run", "sample")


@dataclass
class Cases:
    """The sweep's cases, ready for PRIM.

    Attributes:
        folder: The sweep folder.
        per: ``run`` (a case is a run) or ``sample`` (a case is a sample; outcomes are means over its runs).
        x: Parameter values, one row per case (columns: the sweep's parameters that vary).
        outcomes: Outcome values, one row per case (columns: the sweep's outcomes).
        ids: ``run, sample, replicate, seed`` of each run (per run), or ``sample, runs`` (per sample).
        parameters: Every parameter of the sweep, as its manifest records it.
        constant: Parameters left out because they take a single value in the cases.
        planned: Runs the sweep plans.
        ok: Runs that finished.
        failed: Runs recorded as failed.
        manifest: The sweep's manifest.
    """

    folder: Path
    per: str
    x: pd.DataFrame
    outcomes: pd.DataFrame
    ids: pd.DataFrame
    parameters: dict
    constant: list[str] = field(default_factory=list)
    planned: int = 0
    ok: int = 0
    failed: int = 0
    manifest: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)


def read_manifest(folder: Path) -> dict:
    """The manifest of a sweep folder.

    Raises:
        SweepFileError: The folder is missing, is not a sweep folder, or its manifest cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise SweepFileError(f"the sweep folder {what}.", file=quoted(folder, 200), hint=HINT)
    path = folder / "manifest.json"
    if not path.is_file():
        raise SweepFileError("this folder holds no manifest.json, so it is not the output of a sweep.",
                             file=quoted(folder, 200), hint=HINT)
    try:
        manifest = json.loads(read_text(path, what="sweep manifest", error=SweepFileError))
    except ValueError as exc:
        raise SweepFileError(f"manifest.json is not valid JSON ({exc}).", file=quoted(path, 200), hint=HINT) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != "sweep":
        kind = manifest.get("kind") if isinstance(manifest, dict) else None
        what = f"of a {quoted(kind, 30)} plan" if kind else "of a single run, not of a sweep"
        raise SweepFileError(f"manifest.json is the manifest {what}: discovery needs a sweep's runs.",
                             file=quoted(path, 200), hint=HINT)
    for key in ("parameters", "outcomes"):
        if not isinstance(manifest.get(key), dict) or not manifest[key]:
            raise SweepFileError(f"manifest.json has no '{key}' of the sweep.", file=quoted(path, 200), hint=HINT)
    return manifest


def _read_runs(folder: Path, manifest: dict) -> pd.DataFrame:
    path = folder / "runs.csv"
    if not path.is_file():
        raise SweepFileError("this sweep folder holds no runs.csv: the sweep has not finished a pass yet.",
                             file=quoted(folder, 200), hint="run the sweep (re-running `corridor sweep` resumes it).")
    data = read_bytes(path, what="runs table", limit=MAX_RUNS_BYTES, error=SweepFileError)
    labels = {p: str for p in level_labels(manifest)}  # a level's label is text, even "0" or "007"
    try:
        runs = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""], dtype=labels or None)
    except (ValueError, pd.errors.ParserError) as exc:
        raise SweepFileError(f"runs.csv cannot be read as CSV ({str(exc).splitlines()[0]}).",
                             file=quoted(path, 200), hint=HINT) from None
    missing = [c for c in (*RUN_COLUMNS[:5], "outcome", "value", *manifest["parameters"]) if c not in runs.columns]
    if missing:
        raise SweepFileError(f"runs.csv lacks the column(s) {quoted(', '.join(missing), 200)} that the sweep's "
                             "manifest names.", file=quoted(path, 200), hint=HINT)
    if runs.empty:
        raise SweepFileError("runs.csv has no runs.", file=quoted(path, 200), hint=HINT)
    return runs


def level_labels(manifest: dict) -> dict[str, list[str]]:
    """The parameters of a sweep with named ``levels`` (docs/sweeps.md) and their labels.

    In the sweep file's order, which the manifest keeps in ``level_order`` (its mappings have sorted keys);
    a manifest without it gives the labels sorted.
    """
    order = manifest.get("level_order") if isinstance(manifest.get("level_order"), dict) else {}
    out = {}
    for name, p in manifest["parameters"].items():
        levels = p.get("levels") if isinstance(p, dict) else None
        if isinstance(levels, dict):
            listed = order.get(name)
            keep = isinstance(listed, list) and sorted(map(str, listed)) == sorted(map(str, levels))
            out[name] = [str(label) for label in (listed if keep else levels)]
    return out


def _as_input(column: pd.Series, labels: list[str] | None = None) -> pd.Series:
    """A parameter column as PRIM takes it: numbers stay numbers, anything else becomes a category.

    A parameter with named levels is always a category (its labels in the sweep file's order), even
    when every label looks like a number ("1", "3", "7"): the levels are sets of overrides, not a scale.
    """
    if labels is not None:
        return pd.Series(pd.Categorical(column.astype(str), categories=labels), index=column.index)
    if pd.api.types.is_bool_dtype(column):
        return column.astype("category")
    if pd.api.types.is_numeric_dtype(column) and not column.isna().any():
        return column
    return column.map(lambda v: "none" if pd.isna(v) else v).astype(str).astype("category")


def read_cases(folder: str | Path, per: str = "run") -> Cases:
    """Read a sweep folder into cases.

    Args:
        folder: The sweep's output folder.
        per: ``run`` or ``sample`` (see the module docstring).

    Returns:
        The cases.

    Raises:
        SweepFileError: The folder is not a sweep folder, its tables are unreadable, or no run finished.
    """
    folder = Path(folder)
    if per not in PER:
        raise SweepFileError(f"cases are counted per 'run' or per 'sample', not '{quoted(per)}'.", file="--cases")
    manifest = read_manifest(folder)
    runs = _read_runs(folder, manifest)
    params, outcomes = list(manifest["parameters"]), list(manifest["outcomes"])
    known = set(runs["outcome"].astype(str))
    absent = [o for o in outcomes if o not in known]
    if absent:
        raise SweepFileError(f"runs.csv holds no value of the outcome(s) {quoted(', '.join(absent), 200)} that the "
                             "manifest names.", file=quoted(folder / "runs.csv", 200), hint=HINT)
    status = runs.drop_duplicates("run").set_index("run")["status"].astype(str)
    ok_runs = runs[runs["status"].astype(str) == "ok"]
    if ok_runs.empty:
        raise SweepFileError(f"none of the {len(status)} runs of this sweep finished (all failed).",
                             file=quoted(folder, 200), hint="see the errors in runs.csv; fix the sweep and re-run "
                                                            "it with --retry-failed.")
    values = ok_runs.pivot_table(index="run", columns="outcome", values="value", aggfunc="first")
    values = values.reindex(columns=outcomes).astype(float)
    first = ok_runs.drop_duplicates("run").set_index("run").loc[values.index]
    if per == "sample":
        grouped = values.groupby(first["sample"].to_numpy())
        values = grouped.mean()
        counts = grouped.size()
        first = first.drop_duplicates("sample").set_index("sample").loc[values.index]
        ids = pd.DataFrame({"sample": values.index.to_numpy(), "runs": counts.to_numpy()})
    else:
        ids = first.reset_index()[["run", "sample", "replicate", "seed"]]
    levels = level_labels(manifest)
    x = pd.DataFrame({p: _as_input(first[p].reset_index(drop=True), levels.get(p)) for p in params})
    constant = [p for p in params if x[p].nunique(dropna=False) <= 1]
    x = x.drop(columns=constant)
    if x.empty or not len(x.columns):
        raise SweepFileError("no parameter of this sweep varies across its finished runs, so there are no "
                             "ranges for PRIM to find.", file=quoted(folder, 200),
                             hint="run discovery on a sweep that varies at least one parameter.")
    return Cases(folder=folder, per=per, x=x, outcomes=values.reset_index(drop=True), ids=ids.reset_index(drop=True),
                 parameters=manifest["parameters"], constant=constant, planned=int(manifest.get("runs") or len(status)),
                 ok=int(values.shape[0] if per == "run" else counts.sum()),
                 failed=int((status != "ok").sum()), manifest=manifest)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def describe_outcomes(cases: Cases, names) -> str:
    """The range of each named outcome over the cases, for a message.

    Example: ``attempts_PL ranges from 1,859 to 19,144 (median 9,808)``.
    """
    parts = []
    for name in names:
        v = cases.outcomes[name].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size:
            parts.append(f"{name} ranges from {_number(v.min())} to {_number(v.max())} "
                         f"(median {_number(np.median(v))})")
    return "; ".join(parts)
