"""Parameter sweeps: schema, designs, engines, outcomes, result store, plots.

Entry points: :func:`sim.sweep.schema.load_sweep` and
:func:`sim.sweep.runner.run_sweep`; the CLI lives in :mod:`sim.cli_analysis`.
"""
