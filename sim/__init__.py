"""Corridor: an agent-based simulator of migration through Minsk to the EU's eastern borders.

Example:
    >>> import sim
    >>> result = sim.run("scenarios/classroom.yaml", seed=1)   # doctest: +SKIP
    >>> result.daily.head()                                      # doctest: +SKIP
"""

__version__ = "0.1.0"

from sim.errors import ScenarioError  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402


def run(*args, **kwargs):
    """Run a scenario; see :func:`sim.runs.api.run`."""
    from sim.runs.api import run as _run

    return _run(*args, **kwargs)


def __getattr__(name):
    if name == "CorridorModel":
        from sim.model.model import CorridorModel

        return CorridorModel
    raise AttributeError(name)


__all__ = ["CorridorModel", "ScenarioError", "__version__", "load_scenario", "run"]
