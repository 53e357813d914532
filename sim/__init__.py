"""Corridor: an agent-based simulator of migration through Minsk to the EU's eastern borders.

Example:
    >>> import sim
    >>> result = sim.run("scenarios/classroom.yaml", seed=1)   # doctest: +SKIP
    >>> result.daily.head()                                      # doctest: +SKIP

The public API: :func:`run` (:func:`sim.runs.api.run`), :func:`load_scenario`
(:func:`sim.scenario.loader.load_scenario`), :class:`CorridorModel`
(:class:`sim.model.model.CorridorModel`) and :class:`ScenarioError`. ``run`` and
``CorridorModel`` are imported on first use, so that ``import sim`` and loading a scenario
stay fast (Mesa and pandas take about two seconds to import).
"""

from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.version import __version__


def run(*args, **kwargs):
    """Run a scenario; see :func:`sim.runs.api.run`."""
    from sim.runs.api import run as _run

    return _run(*args, **kwargs)


def __getattr__(name):
    if name == "CorridorModel":
        from sim.model.model import CorridorModel

        return CorridorModel
    if name == "RunResult":
        from sim.runs.result import RunResult

        return RunResult
    raise AttributeError(name)


__all__ = ["CorridorModel", "RunResult", "ScenarioError", "__version__", "load_scenario", "run"]
