"""The teaching demo: a Solara page on Mesa's model controls, with levers, maps and live charts.

Run it with ``corridor demo [SCENARIO]``; :func:`sim.demo.server.serve` is the entry point.
:mod:`sim.demo.levers`, :mod:`sim.demo.state`, :mod:`sim.demo.server` and the drawings
(:mod:`sim.plots.maps`, :mod:`sim.plots.svg`) import without the ``demo`` extra (the server loads
solara and uvicorn only when it starts); :mod:`sim.demo.app`, :mod:`sim.demo.views` and
:mod:`sim.demo.mesa_adaptation` need solara and mesa's visualization.
"""
