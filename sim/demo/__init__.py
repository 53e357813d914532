"""The teaching demo: a Mesa SolaraViz app with levers, a map and live charts.

Run it with ``python run.py demo [SCENARIO]``; :func:`sim.demo.app.serve` is the entry point.
Only :mod:`sim.demo.levers` and :mod:`sim.demo.charts` are importable without the ``demo``
extra (solara); :mod:`sim.demo.app` needs it.
"""
