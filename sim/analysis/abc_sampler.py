"""A reproducible parallel sampler for pyabc's ABC-SMC: the same posterior whatever the workers or their timing.

pyabc's own multicore samplers reseed every worker from the operating system, so two runs of one
calibration differ. :class:`SeededSampler` gives candidate ``i`` of generation ``t`` its own seed,
``SeedSequence([root, t, i])``, evaluates candidates in rounds of a fixed size on worker processes
from the fork server (:func:`sim.runs.parallel.process_context`), puts the results back in candidate
order and keeps everything up to the n-th acceptance: the accepted set depends on the root seed alone.

Each candidate's seed serves twice: pyabc draws its proposal from numpy's global generator, which
the sampler seeds with it just before (pyabc offers no other way; this module is the only place the
project touches numpy's global state), and the simulation runs with its own generator seeded from
:func:`candidate_seed`, so the posterior includes the model's own noise.
"""

from __future__ import annotations

import math
import random
from concurrent.futures import ProcessPoolExecutor

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim.runs.parallel import process_context

_CANDIDATE_SEED: int | None = None  # set in the worker before each candidate is simulated


def candidate_seed() -> int:
    """The simulation seed of the candidate being evaluated (set by :class:`SeededSampler`)."""
    if _CANDIDATE_SEED is None:
        raise RuntimeError("no candidate is being evaluated by the SeededSampler")
    return _CANDIDATE_SEED


def _seeds(root: int, t: int, i: int) -> tuple[int, int]:
    """(seed of pyabc's proposal draws, seed of the simulation) of candidate ``i`` of generation ``t``."""
    state = np.random.SeedSequence([root, t + 2, i]).generate_state(2)  # t = -1 is pyabc's calibration sample
    return int(state[0]), int(state[1])


def _evaluate(payload: bytes, root: int, t: int, start: int, stop: int) -> list:
    """Simulate candidates ``start .. stop - 1`` of generation ``t`` (in a worker process).

    ``payload`` is pyabc's ``simulate_one`` closure, serialised by :meth:`SeededSampler.sample_until_n_accepted` in
    the parent process a moment before and handed to this worker through the executor's own pipe; it never comes
    from a file, a socket or a user. The closure cannot travel by plain pickle (it is a nested function), which is
    why it is cloudpickled, as pyabc's own multicore samplers do.
    """
    global _CANDIDATE_SEED
    simulate_one = cloudpickle.loads(payload)  # trusted: made by this process tree only (see above)
    out = []
    for i in range(start, stop):
        proposal, simulation = _seeds(root, t, i)
        np.random.seed(proposal)
        random.seed(proposal)
        _CANDIDATE_SEED = simulation
        out.append(simulate_one())
    _CANDIDATE_SEED = None
    return out


class SeededSampler(Sampler):
    """Evaluate pyabc's candidates reproducibly on ``workers`` processes (in this process when 1).

    Args:
        workers: Worker processes.
        root: Root seed of every candidate's seeds.
        chunk: Candidates a worker evaluates at a time.
    """

    def __init__(self, workers: int, root: int, chunk: int = 4) -> None:
        super().__init__()
        self.workers, self.root, self.chunk = workers, int(root), chunk
        self.acceptance = 0.5  # the last generation's acceptance rate, to size the next rounds
        self._pool: ProcessPoolExecutor | None = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_pool"] = None
        return state

    def _map(self, tasks: list[tuple]) -> list[list]:
        if self.workers <= 1:
            return [_evaluate(*task) for task in tasks]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=process_context())
        return list(self._pool.map(_evaluate, *zip(*tasks, strict=True)))

    def close(self) -> None:
        """Shut the worker processes down."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        """Evaluate candidates in order until ``n`` are accepted (pyabc's sampler interface)."""
        payload = cloudpickle.dumps(simulate_one)
        particles: list = []
        accepted, start = 0, 0
        while accepted < n and start < max_eval:
            need = max(self.workers * self.chunk, math.ceil(1.2 * (n - accepted) / max(self.acceptance, 0.02)))
            need = -(-need // self.chunk) * self.chunk
            if math.isfinite(max_eval):
                need = min(need, int(max_eval) - start)
            tasks = [(payload, self.root, t, s, min(s + self.chunk, start + need))
                     for s in range(start, start + need, self.chunk)]
            for result in self._map(tasks):
                particles.extend(result)
            accepted = sum(p.accepted for p in particles)
            start += need
        sample = self._create_empty_sample()
        kept = 0
        for particle in particles:  # everything up to the n-th acceptance, as if evaluated one by one
            sample.append(particle)
            kept += 1
            if sample.n_accepted >= n:
                break
        self.nr_evaluations_ = kept
        self.acceptance = max(sample.n_accepted, 1) / kept
        return sample
