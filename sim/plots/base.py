"""What every PNG of a run or an analysis shares: saving, date axes, series read from the tidy table."""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.files import atomic_write_bytes

DPI = 110  # every PNG is written at this resolution


def new_figure(width: float, height: float, dpi: float = DPI, **kwargs) -> Figure:
    """A figure (inches) with its own Agg canvas: no pyplot, no global state, drawable at once."""
    fig = Figure(figsize=(width, height), dpi=dpi, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: Path, title: str | None = None, rect=(0, 0, 1, 1), title_size: float = 13,
             tight: bool = True) -> Path:
    """Add the title, lay out and write a figure as PNG: atomically, with deterministic bytes.

    No timestamp or software tag goes into the file, so the same run draws the same bytes.

    Args:
        fig: The figure.
        path: The PNG to write.
        title: Figure title (a suptitle), if any.
        rect: Where the tight layout may put the axes (figure fractions).
        title_size: Title size in points.
        tight: Apply the tight layout; False for figures laid out already (a layout engine, or axes
            placed in pixels such as the maps).

    """
    if title:
        fig.suptitle(title, fontsize=title_size, fontweight="bold")
    if tight and fig.get_layout_engine() is None:
        fig.tight_layout(rect=rect)
    FigureCanvasAgg(fig)  # draw with Agg whatever the global backend
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


def daily_series(daily: pd.DataFrame, metric: str, country: str = "", place: str = "") -> pd.Series:
    """Daily values of one metric (one country, one place) from a tidy table, as a Series indexed by date."""
    rows = daily[(daily["metric"] == metric) & (daily["place"] == place) & (daily["country"] == country)]
    out = rows.groupby("date")["value"].sum()
    out.index = pd.to_datetime(out.index)
    return out.sort_index()


def date_axis(ax, max_ticks: int = 14) -> None:
    """Monthly date ticks (every n months on long spans) and a light grid; call after plotting."""
    lo, hi = ax.get_xlim()
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, math.ceil((hi - lo) / 30.4 / max_ticks))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)


def fmt_date(text) -> str:
    """A date as people write it: 3 Aug 2021."""
    return pd.Timestamp(text).strftime("%-d %b %Y")
