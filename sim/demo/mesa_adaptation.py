"""The one place where the demo depends on Mesa and Solara beyond their stable, exported names.

The demo's page (:mod:`sim.demo.app`) is a plain Solara page built from public components; from
Mesa it takes the two pieces SolaraViz itself is made of:

* ``ModelController`` (``mesa.visualization.solara_viz``): the Reset, ▶/❚❚ and Step buttons,
  which step the model ``render_interval`` times per Step and play it every ``play_interval`` ms;
* ``update_counter`` (``mesa.visualization.utils``): the reactive counter those buttons raise after
  each Step, which every view reads so that it redraws.

Neither is among ``mesa.visualization``'s exported names, and Mesa calls SolaraViz experimental
("there might be API breaking changes in minor releases"). Nothing of Mesa or Solara is
replaced or patched. This module checks, once when it is imported, that the installed Mesa
and Solara are the versions it was written for (:data:`WRITTEN_FOR`) and raises
:class:`~sim.errors.CorridorError` naming both otherwise: never a silent mismatch.
"""

from __future__ import annotations

from importlib import metadata

from sim.errors import CorridorError

WRITTEN_FOR = {"mesa": "3.5.1", "solara": "1.58.2"}
"""Distribution name -> the version the demo's use of its internals was written and tested for."""


def installed_versions() -> dict[str, str | None]:
    """The installed version of each package in :data:`WRITTEN_FOR` (None when it is not installed)."""
    found: dict[str, str | None] = {}
    for name in WRITTEN_FOR:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def check_versions(found: dict[str, str | None] | None = None) -> None:
    """Raise unless the installed Mesa and Solara are the versions this module was written for.

    Args:
        found: Package -> installed version (default: :func:`installed_versions`).

    Raises:
        CorridorError: A version differs, or a package is missing.

    """
    found = installed_versions() if found is None else found
    wrong = {name: version for name, version in found.items() if version != WRITTEN_FOR[name]}
    if wrong:
        have = ", ".join(f"{name} {version or 'not installed'}" for name, version in wrong.items())
        pins = [f"{name}=={version}" for name, version in WRITTEN_FOR.items()]
        raise CorridorError(
            f"the teaching demo was written for {' and '.join(pins)}, but this environment has {have}.",
            file="sim/demo/mesa_adaptation.py",
            hint=f"install those versions (.venv/bin/pip install {' '.join(pins)}), or check ModelController and "
                 "update_counter in the new versions and update WRITTEN_FOR.")


check_versions()

from mesa.visualization.solara_viz import ModelController  # noqa: E402  (only once the versions are right)
from mesa.visualization.utils import update_counter  # noqa: E402

__all__ = ["WRITTEN_FOR", "ModelController", "check_versions", "installed_versions", "update_counter"]
