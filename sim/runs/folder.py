"""The run folder: one writer (:func:`write_run`) and one reader (:func:`read_run`).

A run folder holds ``manifest.json``, ``daily.csv``, ``summary.csv``, ``flows.csv`` and the plots.
The writer fills a hidden staging folder beside the target and swaps it in when complete, so the
target holds either the previous complete run or this one, never a mix and never a half-written
file; a writer killed on the way leaves hidden leftovers that the next write into the same folder
clears (or, when it died between the two renames, puts the previous run back). The reader checks
every file it is given and refuses, with one paragraph, anything that is not a whole run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import OutputError, ScenarioError, quoted
from sim.files import atomic_write_frame, atomic_write_text, read_text, write_error
from sim.plots.run_plots import draw_run

TABLES = ("daily", "summary", "flows")
REQUIRED = ("manifest.json", "daily.csv", "summary.csv", "flows.csv")
COLUMNS = {"daily": ("date", "metric", "country", "place", "value"),
           "summary": ("metric", "country", "place", "kind", "total", "peak", "peak_date"),
           "flows": ("from_place", "to_place", "mode", "people")}
NUMERIC = {"daily": ("value",), "summary": ("total", "peak"), "flows": ("people",)}
MAX_TABLE_BYTES = 2048 * 1024 * 1024  # a ten-year run's daily.csv is a few hundred MB at most
READ_HINT = "give a folder written by `corridor run SCENARIO --out RUN_DIR`, or run it again."


def default_run_dir(root: Path, scenario_name: str, seed: int) -> Path:
    """``outputs/<scenario>/<UTC time>-seed<seed>``, made unique if it already exists."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = root / scenario_name / f"{stamp}-seed{seed}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


# --------------------------------------------------------------------------- writing
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(folder: Path) -> tuple[list[Path], list[Path]]:
    """Staging folders and previous runs set aside by writers into ``folder`` that are no longer running."""
    staging, old = [], []
    if not folder.parent.is_dir():
        return staging, old
    for p in folder.parent.glob(f".{folder.name}.*"):
        parts = p.name[len(folder.name) + 2:].split(".")
        pid = int(parts[0]) if parts and parts[0].isdigit() else None
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue  # another writer is at work
        if p.name.endswith(".tmp") and p.is_dir():
            staging.append(p)
        elif p.name.endswith(".old") and p.is_dir():
            old.append(p)
    return staging, old


def recover(folder: Path) -> None:
    """Clear what a killed writer into ``folder`` left: its staging folders; restore a previous run it set aside.

    A writer that died between setting the previous run aside and moving the new one in leaves no
    ``folder`` and a ``.<name>.<pid>.old``: that previous run is put back.
    """
    staging, old = _leftovers(folder)
    for p in staging:
        shutil.rmtree(p, ignore_errors=True)
    for p in sorted(old, key=lambda p: p.stat().st_mtime, reverse=True):
        if not folder.exists():
            os.replace(p, folder)
        else:
            shutil.rmtree(p, ignore_errors=True)


def write_run(result, folder: Path, plots: bool = True) -> Path:
    """Write manifest.json, daily.csv, summary.csv, flows.csv and (optionally) the plots of a run.

    An existing ``folder`` is replaced only when it is itself a Corridor run folder (it has a
    ``manifest.json``) or empty; anything else is refused, so that no one's files are deleted
    by a mistyped ``--out``. The manifest written lists the plots; ``result`` is not changed.

    Args:
        result: A :class:`~sim.runs.result.RunResult`.
        folder: The run folder.
        plots: Also draw the plots (:func:`sim.plots.run_plots.draw_run`).

    Returns:
        ``folder``.

    Raises:
        OutputError: The folder cannot be written or holds other files.
    """
    folder = Path(folder)
    recover(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError("the output path exists and is not a folder.", file=str(folder),
                          hint="choose another --out folder.")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "manifest.json").is_file():
        raise OutputError("the output folder already holds files that are not a Corridor run; they are left "
                          "alone.", file=str(folder), hint="choose a new or empty --out folder.")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.{os.getpid()}.", suffix=".tmp"))
    except OSError as exc:
        raise write_error(folder / "manifest.json", exc) from None
    old = None
    try:
        os.chmod(staging, 0o755)
        for name in TABLES:
            atomic_write_frame(staging / f"{name}.csv", getattr(result, name))
        manifest = dict(result.manifest)
        manifest.pop("plots", None)
        if plots:
            manifest["plots"] = [p.name for p in draw_run(result.daily, result.flows, result.scenario, staging)]
        text = json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n"
        atomic_write_text(staging / "manifest.json", text)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
            os.replace(folder, old)
        os.replace(staging, folder)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not folder.exists():
            os.replace(old, folder)  # put the previous run back
        if isinstance(exc, OSError):
            raise write_error(folder / "manifest.json", exc) from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder


# --------------------------------------------------------------------------- reading
def is_run_folder(path: Path) -> bool:
    """Whether ``path`` looks like a run folder (manifest.json and daily.csv, and no sweep or ensemble plan)."""
    path = Path(path)
    return path.is_dir() and (path / "manifest.json").is_file() and (path / "daily.csv").is_file() \
        and not (path / "plan.json").exists()


def read_manifest(folder: Path) -> dict:
    """The manifest of a run folder, checked to be a run's (a mapping with the scenario and the seed)."""
    path = Path(folder) / "manifest.json"
    text = read_text(path, what="run manifest")
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise ScenarioError(f"manifest.json is not valid JSON ({exc.args[0] if exc.args else exc}).",
                            file=str(path), hint=READ_HINT) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("scenario"), dict):
        raise ScenarioError("manifest.json is not a run's manifest (no 'scenario' block).", file=str(path),
                            hint=READ_HINT)
    seed = manifest.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError("manifest.json has no seed (a whole number of 0 or more).", file=str(path),
                            hint=READ_HINT)
    return manifest


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    text = read_text(path, what=f"run table {name}.csv", limit=MAX_TABLE_BYTES)
    try:
        table = pd.read_csv(StringIO(text), keep_default_na=False, dtype=str)
    except (ValueError, pd.errors.ParserError) as exc:
        raise ScenarioError(f"{name}.csv cannot be read as CSV ({str(exc).splitlines()[0]}).", file=str(path),
                            hint=READ_HINT) from None
    missing = [c for c in COLUMNS[name] if c not in table.columns]
    if missing:
        raise ScenarioError(f"{name}.csv lacks the column(s) {', '.join(missing)}.", file=str(path), hint=READ_HINT)
    for column in NUMERIC[name]:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float)) | (values != values.round())
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScenarioError(f"{name}.csv, row {row + 2}: {column} '{quoted(table[column].iloc[row], 40)}' is not "
                                "a whole number (a cut or edited file?).", file=str(path), hint=READ_HINT)
        table[column] = values.astype(np.int64)
    return table


def read_daily(folder: Path) -> pd.DataFrame:
    """A run folder's daily table, checked whole: every series has every day, every value a whole number."""
    folder = Path(folder)
    daily = _read_table(folder, "daily")
    path = folder / "daily.csv"
    if daily.empty:
        raise ScenarioError("daily.csv has no rows.", file=str(path), hint=READ_HINT)
    try:
        dates = pd.to_datetime(daily["date"], format="%Y-%m-%d")
    except ValueError:
        raise ScenarioError("daily.csv has a date that is not YYYY-MM-DD.", file=str(path), hint=READ_HINT) from None
    n_dates = dates.nunique()
    per_series = daily.groupby(["metric", "country", "place"], sort=False)["date"].nunique()
    if (per_series != n_dates).any() or len(daily) != n_dates * len(per_series):
        short = per_series[per_series != n_dates]
        which = " / ".join(map(str, short.index[0])) if len(short) else "some series"
        raise ScenarioError(f"daily.csv is not a whole run: {which} does not have a value for each of the "
                            f"{n_dates} days (a cut or edited file?).", file=str(path), hint=READ_HINT)
    return daily


def read_run(folder) -> dict:
    """Read a whole run folder.

    Returns:
        ``manifest`` (dict), ``daily``, ``summary``, ``flows`` (DataFrames) and ``plots`` (sorted PNG paths).

    Raises:
        ScenarioError: The folder or one of its files is missing, unreadable or not a whole run.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError("the run folder does not exist.", file=str(folder), hint=READ_HINT)
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(f"the run folder lacks {', '.join(missing)}.", file=str(folder), hint=READ_HINT)
    return {"manifest": read_manifest(folder), "daily": read_daily(folder), "summary": _read_table(folder, "summary"),
            "flows": _read_table(folder, "flows"), "plots": sorted(folder.glob("*.png"))}
