"""What one run produced: its tables and manifest, as pandas frames, written only when asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.scenario.schema import Scenario


@dataclass
class RunResult:
    """Everything one run produced; nothing is written until :meth:`write`.

    Attributes:
        scenario: The scenario as run (overrides applied).
        seed: The run's seed.
        daily: The tidy daily table (``daily.csv``).
        summary: Totals and peaks (``summary.csv``, :func:`sim.outcomes.tables.summary_table`).
        flows: People along each network link over the run (``flows.csv``).
        manifest: Provenance (``manifest.json``, :func:`sim.runs.api.run`).
        events_applied: ``(date, what)`` of every dated event that fired.
        source: The scenario file, when the run was started from one.
    """

    scenario: Scenario
    seed: int
    daily: pd.DataFrame
    summary: pd.DataFrame
    flows: pd.DataFrame
    manifest: dict
    events_applied: list = field(default_factory=list)
    source: str | None = None

    def write(self, folder, plots: bool = True) -> Path:
        """Write manifest.json, daily.csv, summary.csv, flows.csv (and the plots) into ``folder``.

        See :func:`sim.runs.folder.write_run`.
        """
        from sim.runs.folder import write_run

        return write_run(self, Path(folder), plots=plots)
