"""Execution engines: serial, local process pool and Dask distributed.

A :class:`RunTask` is one seeded simulator run. :func:`execute` runs it and
returns a small picklable record (never per-agent data); exceptions inside a
run are caught and returned as a failed record so a sweep goes on. Engines
yield records as runs finish, in any order; callers store them by run index,
so results do not depend on the engine, worker count or finishing order.

The Dask engine needs the optional extra (``pip install -e ".[dask]"``). It
connects to ``scheduler`` (e.g. ``tcp://10.0.0.1:8786`` or a
``dask_jobqueue.SLURMCluster``'s address) or starts a ``LocalCluster``.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sim.errors import EngineUnavailable
from sim.runs.api import run
from sim.runs.parallel import process_context

DASK_HINT = 'The Dask engine needs the optional extra: pip install -e ".[dask]"'
SCHEDULER_HINT = "give the scheduler's address as tcp://HOST:8786 (HOST its name or IP, 8786 its port)"




@dataclass(frozen=True)
class RunTask:
    """One seeded run.

    Attributes:
        index: Run index (unique within a sweep/ensemble; sort key).
        scenario: Scenario file path (str) or a Scenario object.
        seed: Integer seed for ``sim.run``.
        overrides: Dotted key path -> value.
        collect: ``collect(result) -> dict`` reducing the run to a record.
        meta: Extra fields copied into the record (sample, replicate, ...).
        posterior: A posterior file the run takes a parameter set from (the overrides win over it), or None.
        draw: Which set of the posterior (:func:`sim.seeds.posterior_draws`).

    """

    index: int
    scenario: Any
    seed: int
    overrides: dict = field(default_factory=dict)
    collect: Callable[[Any], dict] | None = None
    meta: dict = field(default_factory=dict)
    posterior: str | None = None
    draw: int | None = None


def execute(task: RunTask) -> dict:
    """Run one task; never raises for a failing run.

    Args:
        task: The run.

    Returns:
        Record with index, seed, meta, status ('ok'/'failed'), error,
        elapsed seconds and the collector's fields.

    """
    t0 = time.perf_counter()
    rec = {"index": task.index, "seed": task.seed, **task.meta}
    if task.posterior is not None:
        rec["posterior_set"] = task.draw
    try:
        result = run(task.scenario, seed=task.seed, overrides=list(task.overrides.items()) or None,
                     posterior=task.posterior, draw=task.draw)
        rec.update(task.collect(result) if task.collect else {})
        rec["status"], rec["error"] = "ok", ""
    except Exception as exc:  # noqa: BLE001 - recorded, sweep goes on
        rec["status"] = "failed"
        rec["error"] = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        rec["traceback"] = traceback.format_exc(limit=8)
    rec["elapsed"] = round(time.perf_counter() - t0, 4)
    return rec


def _ready(pause: float) -> bool:
    """Do nothing for a moment (used to start every worker of a pool)."""
    time.sleep(pause)
    return True


def _failed(task: RunTask, exc: BaseException, engine_error: bool = False) -> dict:
    """Record for a run the engine could not complete.

    ``engine_error`` marks infrastructure problems (a worker that cannot
    unpickle the task, a lost connection): such records are not stored, so the
    run is retried when the command is re-run.
    """
    rec = {"index": task.index, "seed": task.seed, **task.meta, "status": "failed",
           "error": f"{type(exc).__name__}: {str(exc).strip()}", "elapsed": 0.0}
    if engine_error:
        rec["engine_error"] = True
    return rec


class SerialEngine:
    """Runs tasks one after another in this process."""

    name = "serial"
    workers = 1

    def map_unordered(self, tasks: Iterable[RunTask]) -> Iterator[dict]:
        """Yield a record per task."""
        for t in tasks:
            yield execute(t)

    def close(self) -> None:
        """Nothing to release."""


class LocalEngine:
    """A ``concurrent.futures.ProcessPoolExecutor`` with bounded submission.

    If a worker process dies (e.g. killed for memory) the pool is restarted
    and the runs that were in flight are re-run one at a time; the one that
    kills its worker again is recorded as failed, the others finish normally.
    """

    name = "local"

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=process_context())
        cf.wait([pool.submit(_ready, 0.05) for _ in range(self.workers)])  # start the workers now
        return pool

    def _submit(self, task: RunTask) -> cf.Future:
        try:
            return self._pool.submit(execute, task)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(execute, task)

    def map_unordered(self, tasks: Iterable[RunTask]) -> Iterator[dict]:
        """Yield records as runs finish (at most 2 x workers in flight)."""
        it = iter(tasks)
        pending: dict[cf.Future, RunTask] = {}
        suspects: deque[RunTask] = deque()
        alone: list[int] = []  # index of a suspect running on its own

        def fill() -> None:
            if suspects:
                if not pending:
                    t = suspects.popleft()
                    alone[:] = [t.index]
                    pending[self._submit(t)] = t
                return
            for t in islice(it, max(0, 2 * self.workers - len(pending))):
                pending[self._submit(t)] = t

        fill()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                try:
                    rec = fut.result()
                except BrokenProcessPool:
                    if alone == [task.index]:
                        yield _failed(task, RuntimeError("the worker process died running it (out of memory?)"))
                    else:
                        suspects.append(task)
                except Exception as exc:  # noqa: BLE001 - e.g. unpicklable result
                    yield _failed(task, exc, engine_error=True)
                else:
                    yield rec
                if alone == [task.index]:
                    alone.clear()
            fill()

    def close(self) -> None:
        """Shut the pool down, cancelling queued runs."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine:
    """Dask distributed: a given scheduler address or a LocalCluster."""

    name = "dask"

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise EngineUnavailable(DASK_HINT) from None
        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=20)
            except ValueError as exc:  # e.g. "missing port number", "unknown address scheme"
                raise EngineUnavailable(f"--scheduler '{scheduler}' is not a Dask scheduler address ({exc}); "
                                        f"{SCHEDULER_HINT}.") from None
            except (OSError, TimeoutError) as exc:
                raise EngineUnavailable(f"Cannot reach the Dask scheduler at {scheduler}: {exc}. Check that it runs "
                                        f"and that this machine can reach it; {SCHEDULER_HINT}.") from None
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)

    def _limit(self) -> int:
        """Return how many runs to keep in flight: 4 per connected worker (clusters grow), at least 8."""
        now = time.monotonic()
        if now - getattr(self, "_asked", 0.0) > 2.0:  # ask the scheduler at most every 2 s
            self._asked = now
            try:
                self.workers = max(self.workers, len(self.client.scheduler_info().get("workers", {})))
            except Exception:  # noqa: BLE001 - scheduler busy; keep the last figure
                pass
        return max(8, 4 * self.workers)

    def map_unordered(self, tasks: Iterable[RunTask]) -> Iterator[dict]:
        """Yield records as runs finish (a bounded number in flight)."""
        from dask.distributed import as_completed

        it = iter(tasks)
        owner: dict[str, RunTask] = {}

        def submit(t: RunTask):
            fut = self.client.submit(execute, t, pure=False, key=f"corridor-run-{t.index}-{time.monotonic_ns()}")
            owner[fut.key] = t
            return fut

        ac = as_completed([submit(t) for t in islice(it, self._limit())])
        for fut in ac:
            task = owner.pop(fut.key)
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - execute() never raises: this is the engine
                # KilledWorker: the run killed workers repeatedly (a run failure); else infrastructure
                yield _failed(task, exc, engine_error=type(exc).__name__ != "KilledWorker")
            finally:
                fut.release()
            for t in islice(it, max(1, self._limit() - ac.count())):
                ac.add(submit(t))

    def close(self) -> None:
        """Close the client (and the LocalCluster we started)."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def check_workers(workers: int) -> None:
    """Refuse a worker count that is not a whole number of 1 or more.

    Called by :func:`make_engine` and, before anything is written, by the commands'
    library functions (``run_sweep``, ``run_ensemble``).

    Raises:
        EngineUnavailable: Naming the value (exit code 2).

    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise EngineUnavailable(f"--workers must be 1 or more (got {workers!r}), a whole number: 1 runs serially, "
                                "N runs N worker processes.")


def make_engine(kind: str = "local", workers: int = 1, scheduler: str | None = None):
    """Create an engine.

    Args:
        kind: 'local' (process pool; serial when workers == 1) or 'dask'.
        workers: Worker processes (local, or LocalCluster size).
        scheduler: Dask scheduler address; implies kind 'dask'.

    Returns:
        An engine with ``map_unordered(tasks)`` and ``close()``.

    Raises:
        EngineUnavailable: Unknown kind, fewer than one worker or Dask missing.

    """
    check_workers(workers)
    if scheduler and kind == "local":
        kind = "dask"
    if kind == "dask":
        return DaskEngine(workers=workers, scheduler=scheduler)
    if kind != "local":
        raise EngineUnavailable(f"Unknown engine '{kind}'; use local or dask.")
    if workers <= 1:
        return SerialEngine()
    return LocalEngine(workers)
