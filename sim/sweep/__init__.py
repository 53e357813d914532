"""Parameter sweeps: schema, checks against the base scenario, designs, engines, outcomes, store, plots.

Entry points: :func:`sim.sweep.schema.load_sweep` and
:func:`sim.sweep.runner.run_sweep`; the CLI lives in :mod:`sim.cli_analysis`.
"""
