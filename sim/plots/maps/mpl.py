"""The network map on a matplotlib Axes: the run's ``flow_map.png`` and the report's animation frames.

The axes' data units are the map's pixels (:func:`map_axes` makes an Axes of an exact pixel size,
y down), so the layout, the text measured with the figure's own renderer and the drawing agree
to the pixel. The static artists are made once; :meth:`MplMap.draw` replaces only the day's
flows, circles and labels, so an animation redraws quickly. Only the object-oriented API is
used (no pyplot), so figures can be drawn from several threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

from sim.plots.maps.labels import Label
from sim.plots.maps.layout import MapLayout
from sim.plots.style import HALO_COLOUR, KIND_STYLE, MODE_STYLE, OUTLINE_STYLE, TEXT_COLOUR, country_colour, mode_style
from sim.plots.text import LabelFont

ANCHOR = {"start": "left", "middle": "center", "end": "right"}


def map_axes(fig: Figure, left: float, top: float, width: float, height: float) -> Axes:
    """An Axes at an exact place of the figure, in pixels from its top-left corner."""
    w, h = fig.bbox.width, fig.bbox.height
    return fig.add_axes((left / w, 1 - (top + height) / h, width / w, height / h))


def _font(font: LabelFont, dpi: float) -> FontProperties:
    return FontProperties(family="DejaVu Sans", size=font.size * 72 / dpi, weight="bold" if font.bold else "normal",
                          style="italic" if font.italic else "normal")


def _compound(rings) -> Path:
    verts, codes = [], []
    for ring in rings:
        verts.extend(ring.tolist())
        codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY])
    return Path(verts, codes)


class MplMap:
    """A network map drawn on one Axes, frame after frame.

    Args:
        ax: The Axes (made with :func:`map_axes`; its figure needs a canvas, e.g. ``FigureCanvasAgg``).
        places: Place id → dict with ``name, lat, lon, kind, country``.
        edges: ``(from, to, mode)`` per link, in the order of the flow arrays.
        box: ``(lon_min, lon_max, lat_min, lat_max)`` to show, or None for every place.
        title: Drawn above the axes.
        title_size: Title size in points.
        **layout: Passed to :class:`~sim.plots.maps.layout.MapLayout` (``named``, ``labels``, fonts ...).

    """

    def __init__(self, ax: Axes, places: Mapping[str, dict], edges: Sequence[tuple], box=None, title: str = "",
                 title_size: float = 13, **layout) -> None:
        self.ax, self.fig = ax, ax.get_figure()
        self.dpi = self.fig.dpi
        bbox = ax.get_position().transformed(self.fig.transFigure)
        width, height = bbox.width, bbox.height
        self.layout = MapLayout(places, edges, box, width=width, height=height, **layout)
        self._sizes: dict[tuple[str, LabelFont], tuple[float, float, float]] = {}
        self._dynamic: list = []
        self.labels: list[Text] = []
        self.notes: list[Text] = []  # other text on the map, kept clear of the labels
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(OUTLINE_STYLE["sea"])
        for spine in ax.spines.values():
            spine.set_edgecolor("#bbbbbb")
        if title:
            ax.set_title(title, fontsize=title_size, fontweight="bold", loc="left")
        self._static()

    def px(self, pixels: float) -> float:
        """Map pixels as points (line widths, font sizes)."""
        return pixels * 72 / self.dpi

    def _static(self) -> None:
        ax, lay = self.ax, self.layout
        for shape in lay.shapes:
            ax.add_patch(PathPatch(_compound(shape.rings), facecolor=shape.fill, edgecolor=shape.fill,
                                   linewidth=self.px(0.4), zorder=0))
        for lines in (lay.coast, *lay.border_lines):
            if lines.lines:
                ax.add_collection(LineCollection([ln.tolist() for ln in lines.lines], colors=lines.colour,
                                                 linewidths=self.px(lines.width), zorder=1, capstyle="round",
                                                 joinstyle="round"))
        by_mode: dict[str, list] = {}
        for k in lay.visible_edges:
            u, v, mode = lay.edges[k]
            by_mode.setdefault(mode, []).append([lay.xy[u], lay.xy[v]])
        for mode, segments in by_mode.items():
            style = mode_style(mode)
            dash = (0, style.dash) if style.dash else "solid"
            ax.add_collection(LineCollection(segments, colors=[to_rgba(style.colour, 0.55)], linewidths=self.px(1),
                                             linestyles=[dash], zorder=2))
        for pid in lay.inside:
            colour, marker, r = lay.marker(pid)
            x, y = lay.xy[pid]
            size = (2 * self.px(r)) ** 2 * (1.6 if marker == "*" else 1.0)
            ax.scatter([x], [y], s=size, c=[colour], marker=marker, edgecolors="#222222", linewidths=self.px(0.6),
                       zorder=5)

    def mark_box(self, box, text: str = "") -> None:
        """Outline another map's ``(lon_min, lon_max, lat_min, lat_max)`` box on this one (dotted), with a note."""
        (x0, y0), (x1, y1) = self.layout.projection.points([[box[0], box[3]], [box[1], box[2]]])
        self.ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#333333",
                                    linewidth=self.px(1.2), linestyle=":", zorder=2.5))
        if text:
            font = LabelFont(12)
            _, ascent, _ = self.measure(text, font)
            self.notes.append(self._text(Label(text, x0, y1 + 3 + ascent, "start", (0, 0, 0, 0), font, "note", "box")))

    def measure(self, text: str, font: LabelFont) -> tuple[float, float, float]:
        """Width, ascent and descent of a label in map pixels, as this figure's renderer draws it."""
        key = (text, font)
        if key not in self._sizes:
            probe = Text(0, 0, text, fontproperties=_font(font, self.dpi), va="baseline", ha="left",
                         transform=IdentityTransform())
            probe.set_figure(self.fig)
            box = probe.get_window_extent(self.fig.canvas.get_renderer())
            self._sizes[key] = (box.width + 1.0, box.y1, -box.y0)
        return self._sizes[key]

    def draw(self, people: Mapping[str, float], edge_flows: Sequence[float] | None = None) -> list[Text]:
        """Draw one frame: flows along links, circles of people, labels (the last frame's are removed).

        Returns:
            The label Text artists (for checking their extents).

        """
        for artist in self._dynamic:
            artist.remove()
        self._dynamic, lay, ax = [], self.layout, self.ax
        flows = lay.flows(edge_flows)
        if flows:
            segments = [[lay.xy[lay.edges[k][0]], lay.xy[lay.edges[k][1]]] for k, _ in flows]
            colours = [to_rgba(mode_style(lay.edges[k][2]).colour, 0.75) for k, _ in flows]
            self._dynamic.append(ax.add_collection(LineCollection(
                segments, colors=colours, linewidths=[self.px(w) for _, w in flows], capstyle="round", zorder=3)))
        bubbles = lay.bubbles(people)
        if bubbles:
            xs, ys = zip(*(lay.xy[p] for p, _ in bubbles), strict=True)
            colours = [lay.marker(p)[0] for p, _ in bubbles]
            self._dynamic.append(ax.scatter(xs, ys, s=[(2 * self.px(r)) ** 2 for _, r in bubbles],
                                            c=[to_rgba(c, 0.4) for c in colours], edgecolors=colours,
                                            linewidths=self.px(1.2), zorder=4))
        renderer = self.fig.canvas.get_renderer()
        reserved = [tuple(n.get_window_extent(renderer).transformed(self.ax.transData.inverted()).extents)
                    for n in self.notes]
        reserved = [(x0, min(y0, y1), x1, max(y0, y1)) for x0, y0, x1, y1 in reserved]
        self.labels = [self._text(label) for label in lay.place_labels(people, self.measure, reserved)]
        self._dynamic += self.labels
        return self.labels

    def _text(self, label: Label) -> Text:
        colour = {"country": OUTLINE_STYLE["country_label"], "note": "#333333"}.get(label.kind, TEXT_COLOUR)
        return self.ax.text(label.x, label.y, label.text, ha=ANCHOR[label.anchor], va="baseline", color=colour,
                            fontproperties=_font(label.font, self.dpi), zorder=6, clip_on=False,
                            path_effects=[patheffects.withStroke(linewidth=self.px(3), foreground=HALO_COLOUR)])


def legend_handles(kinds: Sequence[str], modes: Sequence[str], countries: Sequence[str], dpi: float) -> list:
    """Legend entries from the style table: place kinds (marker), link modes (line), borders (country colour)."""
    pt = 72 / dpi
    handles = [Line2D([], [], color=KIND_STYLE[k].colour, marker=KIND_STYLE[k].marker, linestyle="",
                      markersize=2 * KIND_STYLE[k].size * pt * (1.3 if KIND_STYLE[k].marker == "*" else 1.0) + 2,
                      markeredgecolor="#222222", markeredgewidth=0.6 * pt, label=KIND_STYLE[k].label)
               for k in kinds if k in KIND_STYLE]
    handles += [Line2D([], [], color=MODE_STYLE[m].colour, linewidth=2.5,
                       linestyle=(0, tuple(d / 2.5 * pt for d in MODE_STYLE[m].dash)) if MODE_STYLE[m].dash else "-",
                       label=f"{MODE_STYLE[m].label} link") for m in modes if m in MODE_STYLE]
    handles += [Line2D([], [], color=country_colour(c), linewidth=3, label=f"{c} border with Belarus")
                for c in countries]
    return handles
