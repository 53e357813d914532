"""Scenario discovery over a finished sweep: which lever ranges make a condition on the outcomes hold?

``corridor discover SWEEP_DIR --where "attempts_PL > 20000"`` reads the sweep folder
(:mod:`~sim.experiments.discovery.cases`), evaluates the condition on every run
(:mod:`~sim.experiments.discovery.condition`: a restricted grammar, never ``eval``), runs the EMA
Workbench's PRIM and chooses a box on its peeling trajectory (:mod:`~sim.experiments.discovery.prim_box`),
and writes the trajectory, the box's limits with their quasi-p values, two plots and a Markdown
summary (:mod:`~sim.experiments.discovery.discover`, :mod:`~sim.experiments.discovery.summary`).
PRIM needs the ``ema`` extra (``pip install -e ".[ema]"``). Guide: ``docs/sweeps.md``.
"""
