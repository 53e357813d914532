"""Writing a run's files: atomically, so nothing is ever left half-written."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync and an atomic rename.

    A killed process leaves either the complete file or a stray ``.<name>.*.tmp``, never a
    half-written file; an existing file is replaced only once the new one is complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj) -> None:
    """Write JSON atomically (sorted keys, stable output)."""
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n")


def atomic_write_frame(path: Path, frame, **to_csv) -> None:
    """Write a DataFrame as CSV atomically (LF line ends, no index)."""
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n", **to_csv))


def default_run_dir(root: Path, scenario_name: str, seed: int) -> Path:
    """``outputs/<scenario>/<UTC time>-seed<seed>``, made unique if it already exists."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = root / scenario_name / f"{stamp}-seed{seed}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def write_run(result, folder: Path, plots: bool = True) -> Path:
    """Write manifest.json, daily.csv, summary.csv, flows.csv and (optionally) the plots.

    Everything is written into a fresh hidden folder beside ``folder`` and swapped in at the
    end, so ``folder`` holds either the previous complete run or this complete run: never a
    mix of both, never half-written files. An existing ``folder`` is replaced only when it is
    itself a Corridor run folder (it has a ``manifest.json``) or empty; anything else is
    refused, so that no one's files are deleted by a mistyped ``--out``.
    """
    from sim.errors import ScenarioError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError("the output path exists and is not a folder.", file=str(folder),
                            hint="choose another --out folder.")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "manifest.json").is_file():
        raise ScenarioError("the output folder already holds files that are not a Corridor run; they are left "
                            "alone.", file=str(folder), hint="choose a new or empty --out folder.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    old = None
    try:
        os.chmod(staging, 0o755)
        atomic_write_frame(staging / "daily.csv", result.daily)
        atomic_write_frame(staging / "summary.csv", result.summary)
        atomic_write_frame(staging / "flows.csv", result.flows)
        if plots:
            from sim.plots.run_plots import draw_all

            result.manifest["plots"] = [p.name for p in draw_all(result, staging) if p is not None]
        else:
            result.manifest.pop("plots", None)
        atomic_write_text(staging / "manifest.json",
                          json.dumps(result.manifest, indent=2, sort_keys=False, default=str) + "\n")
        if folder.exists():
            old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
            os.replace(folder, old)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not folder.exists():
            os.replace(old, folder)  # put the previous run back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder
