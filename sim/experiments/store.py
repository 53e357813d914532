"""Crash-safe result store: one small file per finished run.

Layout of an output folder::

    plan.json         what will be run (fingerprint, tasks); guards resumes
    runs/run_000042.json   one record per finished run (ok or failed)
    runs/run_000042.npz    ensemble runs: record + country-total series

Every file is written to a temporary name in the same folder and moved into
place with ``os.replace``, so a killed process leaves either a complete file
or a stray ``.*.tmp`` (removed from the folder, ``runs/`` and ``plots/`` on the
next start), never a corrupt record. Re-running the same command skips
recorded runs. The plan's fingerprint covers the fully resolved scenario
(every file it ``extends``), so a changed parent file refuses the resume.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from sim.errors import PlanMismatch
from sim.files import atomic_write_bytes, atomic_write_json, remove_stray_temps
from sim.runs.provenance import scenario_hash
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario


class RunStore:
    """Per-run records under ``<out>/runs``.

    Args:
        out: Output folder.
        write: Open for writing: take the folder's lock (one writer at a time;
            the kernel releases it if the process dies) and remove stray
            temporary files left by a killed run. Readers pass False.

    Raises:
        PlanMismatch: If another running command holds the folder.
    """

    def __init__(self, out: str | Path, write: bool = True):
        self.out = Path(out)
        self.runs = self.out / "runs"
        self._lock = None
        if not write:
            return
        self.runs.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.out / ".lock", "w")  # noqa: SIM115 - held for the store's lifetime
        try:
            import fcntl

            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no lock
            pass
        except OSError:
            self._lock.close()
            raise PlanMismatch(f"Output folder {self.out} is in use by another running command; wait for it "
                               "to finish or choose another --out.") from None
        remove_stray_temps(self.out, self.runs, self.out / "plots")

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def check_plan(self, plan: dict) -> None:
        """Record the plan, or verify it matches the one already recorded.

        Raises:
            PlanMismatch: If the folder was started with a different plan.

        """
        path = self.out / "plan.json"
        if path.exists():
            try:
                old = json.loads(path.read_text())
            except json.JSONDecodeError:
                old = None
            if old is not None and old.get("fingerprint") != plan.get("fingerprint"):
                why = ""
                if old.get("scenario_hash") and old.get("scenario_hash") != plan.get("scenario_hash"):
                    why = (": the resolved scenario has changed since those runs (the scenario file, a file "
                           "it extends through 'extends:', or the overrides), and resuming would mix "
                           "results of two scenario versions")
                raise PlanMismatch(
                    f"Output folder {self.out} holds results of a different plan{why} (fingerprint "
                    f"{old.get('fingerprint')}, now {plan.get('fingerprint')}); choose another --out "
                    "or delete the folder.")
            if old is not None:
                return
        atomic_write_json(path, plan)

    def _name(self, index: int) -> str:
        return f"run_{index:06d}"

    def write(self, record: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
        """Store one finished run (JSON, or NPZ when it carries arrays)."""
        name = self._name(int(record["index"]))
        if arrays:
            import io

            buf = io.BytesIO()
            np.savez_compressed(buf, record=np.array(json.dumps(record, sort_keys=True, default=str)), **arrays)
            atomic_write_bytes(self.runs / f"{name}.npz", buf.getvalue())
            (self.runs / f"{name}.json").unlink(missing_ok=True)
        else:
            atomic_write_json(self.runs / f"{name}.json", record)
            (self.runs / f"{name}.npz").unlink(missing_ok=True)

    def files(self) -> dict[int, Path]:
        """Run index -> its record file (JSON, or NPZ when it carries arrays), sorted by index."""
        files: dict[int, Path] = {}
        if not self.runs.is_dir():
            return files
        for p in self.runs.iterdir():
            if p.name.startswith("run_") and p.suffix in (".json", ".npz"):
                try:
                    files[int(p.stem[4:])] = p
                except ValueError:
                    continue
        return dict(sorted(files.items()))

    def read(self, path: Path, arrays: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
        """Read one stored run: (record, arrays)."""
        if path.suffix == ".json":
            return json.loads(path.read_text()), {}
        with np.load(path, allow_pickle=False) as z:
            rec = json.loads(str(z["record"]))
            arr = {k: z[k] for k in z.files if k != "record"} if arrays else {}
        return rec, arr

    def status(self) -> dict[int, str]:
        """Run index -> 'ok' / 'failed' for every readable record."""
        out = {}
        for i, p in self.files().items():
            try:
                out[i] = self.read(p)[0].get("status", "failed")
            except (OSError, ValueError, KeyError):
                continue  # unreadable: treated as not done
        return out

    def records(self, arrays: bool = False) -> Iterator[tuple[dict, dict[str, np.ndarray]]]:
        """Yield (record, arrays) for every stored run, sorted by run index."""
        for _, p in self.files().items():
            try:
                yield self.read(p, arrays=arrays)
            except (OSError, ValueError, KeyError):
                continue


# Keys of the resolved scenario that no run of an ensemble or sweep depends on: the
# observed-data path (read by plots and validation only; kept as written, so its form is
# not stable), the description, and the default seed (every run is given its own seed).
NOT_RUN_INPUTS = ("observed", "description", "seed", "posterior", "calibrated_until")


def scenario_fingerprint(scenario: str | Path | Scenario, overrides: dict | None = None) -> str:
    """Short :func:`sim.runs.api.scenario_hash` of the fully resolved scenario, without the keys no run reads.

    Every ``extends`` parent is merged and the overrides applied, and the keys that
    cannot change a run (:data:`NOT_RUN_INPUTS`) are left out, so a resume is refused
    exactly when the runs would differ: a changed parent file changes the hash,
    moving or reformatting the files does not.

    Args:
        scenario: Scenario YAML path, or an already validated :class:`sim.scenario.schema.Scenario`
            (not loaded again when no overrides are given).
        overrides: Dotted key path -> value applied to every run.

    Returns:
        16 hex digits.

    Raises:
        sim.ScenarioError: If the scenario cannot be loaded.

    """
    if not isinstance(scenario, Scenario) or overrides:
        source = scenario if isinstance(scenario, Scenario) else str(scenario)
        scenario = load_scenario(source, overrides=dict(overrides) if overrides else None)
    return scenario_hash(scenario, exclude=NOT_RUN_INPUTS)[:16]
