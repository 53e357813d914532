"""The teaching demo: a Mesa SolaraViz app with levers, maps and live charts.

Run it with ``python run.py demo [SCENARIO]``; :func:`sim.demo.server.serve` is the entry
point. :mod:`sim.demo.levers`, :mod:`sim.demo.state`, :mod:`sim.plots.svg`,
:mod:`sim.plots.charts` and :mod:`sim.demo.server` import without the ``demo`` extra (the
server loads solara and uvicorn only when it starts); :mod:`sim.demo.app` needs solara.
"""
