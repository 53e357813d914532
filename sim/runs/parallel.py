"""Running many simulations in worker processes on this machine (validation, calibration, sweep pools).

Forking a process that already runs threads (numpy's BLAS pool, Dask's client) can deadlock, so
worker processes come from a fork server started once, with the simulator preloaded. As with any
multiprocessing code, a script that starts a pool needs the ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

PRELOAD = ["sim", "sim.runs.api", "sim.model.model"]


def process_context():
    """The start method of every worker pool: ``forkserver`` with the simulator preloaded (None if unavailable)."""
    if "forkserver" not in mp.get_all_start_methods():
        return None
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def parallel_map(fn: Callable, jobs: Iterable, workers: int = 1) -> list:
    """``[fn(job) for job in jobs]``, in order, on ``workers`` processes (in this process when 1)."""
    jobs = list(jobs)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=process_context()) as pool:
            return list(pool.map(fn, jobs))
    return [fn(job) for job in jobs]
