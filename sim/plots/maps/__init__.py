"""The one network-map drawer: a layout of places, links, outlines and labels, drawn as SVG or on matplotlib axes.

:mod:`~sim.plots.maps.layout` decides where everything goes (in map pixels);
:mod:`~sim.plots.maps.svg` and :mod:`~sim.plots.maps.mpl` draw the same layout as SVG text (the
demo) and on a matplotlib Axes (the run's ``flow_map.png``, the report's animation).
"""
