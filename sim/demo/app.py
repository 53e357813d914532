"""The teaching demo: a Mesa SolaraViz app of the corridor, served offline (see :mod:`sim.demo.server`).

Each browser page (tab) gets its own Solara kernel, and :func:`Page` builds that page's own
:class:`~sim.demo.state.DemoModel` and :class:`~sim.demo.state.DemoState` with ``use_memo``;
no model lives at module level, so two tabs never share a model.

The maps and charts are SVG drawn by :mod:`sim.plots.svg` (milliseconds a day, legible on a
projector). Mesa's SolaraViz is used as it is, with three adjustments for a classroom
(:func:`adapt_mesa`): its *Information* card shows the date and key figures instead of
``Time: 10.0``, its grid puts the two maps and three charts on one 1280×720 screen, and the
page's CSS hides the single-page tab bar (``PAGE 0``) and the *Use Threads* switch, and keeps
Step / Play / Reset in view while the levers scroll.
"""

from __future__ import annotations

import markdown
import solara
from mesa.visualization import SolaraViz
from mesa.visualization import solara_viz as mesa_viz
from mesa.visualization.utils import update_counter

from sim.demo.levers import GROUP_HELP, GROUP_SHORT, Lever
from sim.demo.server import go_offline, scenario_path
from sim.demo.state import DemoModel, DemoState
from sim.model.network import minsk_id
from sim.plots import charts, svg

__all__ = ["COMPONENTS", "DemoModel", "DemoState", "Page", "adapt_mesa"]

go_offline()

MESA_COLUMN = ".v-navigation-drawer__content > div > .v-sheet:first-child"
CSS = f"""
.v-navigation-drawer__content > div {{ height: auto !important; min-height: 100%; }}
{MESA_COLUMN} {{ position: sticky; top: 0; z-index: 5; background: white; padding-bottom: 2px;
  box-shadow: 0 3px 4px -3px rgba(0,0,0,.35); }}
{MESA_COLUMN} > .v-card:nth-child(1) {{ order: -2; }}
{MESA_COLUMN} > .v-card:nth-child(3) {{ order: -1; }}
{MESA_COLUMN} > .v-card:nth-child(2) {{ display: none !important; }}
{MESA_COLUMN} > .v-card:nth-child(1) .v-input--checkbox {{ display: none !important; }}
.v-navigation-drawer .v-card {{ margin: 4px 8px !important; }}
.v-navigation-drawer .v-card__title {{ font-size: 1.05rem; padding: 4px 12px 0 12px; }}
.v-navigation-drawer .v-card__text {{ padding: 2px 12px 6px 12px; }}
.v-content .v-tabs {{ display: none !important; }}
.v-content .vue-grid-item {{ overflow: hidden; background: white; }}
.corridor-chart {{ width: 100%; height: 100%; overflow: hidden; }}
.corridor-status {{ font-size: 15px; line-height: 1.35; color: #222; }}
.corridor-date {{ font-size: 17px; font-weight: 700; }}
.corridor-status td {{ padding: 0 10px 0 0; vertical-align: top; }}
.corridor-status .num {{ font-weight: 700; }}
.corridor-per-step {{ font-size: 13px; color: #555; }}
.corridor-note {{ font-size: 12.5px; color: #8a4b00; margin: -4px 0 6px 0; line-height: 1.25; }}
.corridor-help {{ font-size: 13.5px; line-height: 1.35; color: #333; }}
.corridor-help p {{ margin-bottom: 6px; }}
"""

# Mesa's grid is 12 columns of 30-px rows (10-px gaps); (x, y, w, h) per component, in COMPONENTS
# order: both maps and four charts fill one 1280×720 screen, the guide comes below.
GRID = [(0, 0, 4, 7), (4, 0, 4, 7), (8, 0, 4, 7), (0, 7, 4, 7), (4, 7, 4, 7), (8, 7, 4, 7), (0, 14, 12, 10)]
MAP_SIZE = CHART_SIZE = (270, 270)  # CSS pixels of each map and chart in its grid cell


def grid_layout(n: int) -> list[dict]:
    """Mesa grid layout: both maps side by side, the three charts in one row below, the guide last."""
    spec = GRID + [(0, 24 + 9 * k, 12, 9) for k in range(max(0, n - len(GRID)))]
    return [{"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False} for i, (x, y, w, h) in enumerate(spec[:n])]


def adapt_mesa() -> None:
    """Give Mesa's SolaraViz the demo's grid layout and *Information* card (see the module doc)."""
    mesa_viz.make_initial_grid_layout = grid_layout
    mesa_viz.ShowSteps = StatusPanel


# --------------------------------------------------------------------------- views
def _recent_edge_flows(model, days: int = 7):
    flows = model.recorder.edge_flows
    if model.day < 0:
        return [0] * flows.shape[1]
    return flows[max(0, model.day - days + 1): model.day + 1].sum(axis=0).tolist()


def _svg_view(model, build, key: str, label: str):
    """Show ``build()``'s SVG, rebuilt only after a step or a new model (not when a lever moves)."""
    counter = update_counter.value
    markup = solara.use_memo(build, [counter, id(model), model.day, key])
    return solara.HTML(tag="div", unsafe_innerHTML=markup, classes=["corridor-chart", f"corridor-{key}"],
                       attributes={"title": label})


def _map(model, zoom: bool):
    def make():
        places = charts.places_from_scenario(model.config.places)
        width, height = MAP_SIZE
        if zoom:
            box = charts.zoom_box(places, kinds=("minsk", "staging", "border_segment"), margin=0.3)
            return svg.NetworkMap(places, model.edges, box=box, title="Border zone", width=width, height=height,
                                  always_named=[minsk_id(model.config)], labels=5,
                                  legend=("minsk", "staging", "eu_transit", *model.countries))
        return svg.NetworkMap(places, model.edges, title="Corridor", width=width, height=height,
                              always_named=charts.corridor_names(model.config), labels=3,
                              legend=("origin", "air_hub", "minsk", "eu_transit", "destination"))

    network = solara.use_memo(make, [id(model), zoom])
    return _svg_view(model, lambda: network.svg(model.people_by_place(), _recent_edge_flows(model)),
                     "border-map" if zoom else "corridor-map", network.title)


def CorridorMap(model):
    """Whole network on lon/lat: marker area ∝ people at each place, line width ∝ people moving."""
    return _map(model, zoom=False)


def BorderMap(model):
    """Zoom on Belarus and its western borders; border segments in their country's colour."""
    return _map(model, zoom=True)


def _by_country(model, metric: str, cumulative: bool = False) -> dict:
    out = {}
    for country in model.countries:
        values = model.recorder.series(metric, country)[: model.day + 1] if model.day >= 0 else []
        out[country] = values.cumsum() if cumulative and len(values) else values
    return out


def _chart(model, key: str, panels_of):
    return _svg_view(model, lambda: svg.line_chart(panels_of(), model.config.start, model.n_days,
                                                   width=CHART_SIZE[0], height=CHART_SIZE[1]), key, key)


def PressureChart(model):
    """Border pressure: detected crossing attempts per day and country."""
    return _chart(model, "pressure", lambda: [("Attempts per day", _by_country(model, "attempts"))])


def StrandedChart(model):
    """People stranded at the border (waiting or trying to cross) per country."""
    return _chart(model, "stranded", lambda: [("People at the border", _by_country(model, "at_border"))])


def DeathsChart(model):
    """Cumulative deaths at each border."""
    return _chart(model, "deaths", lambda: [("Deaths so far", _by_country(model, "deaths", cumulative=True))])


def OnwardChart(model):
    """Cumulative onward arrivals per destination country."""

    def panels():
        out = {}
        if model.day >= 0:
            for country in dict.fromkeys(model.config.places[d].country for d in model.destination_ids):
                out[country] = model.recorder.series("onward_arrivals", country)[: model.day + 1].cumsum()
        return [("Arrived at destination so far", out)]

    return _chart(model, "onward", panels)


def rich_text(text: str, classes: tuple[str, ...] = ("corridor-help",)):
    """Markdown rendered on the server (``solara.Markdown`` would load KaTeX from a CDN)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), classes=list(classes))


GUIDE = (
    "### How to use this demo\n\n"
    "**Step** moves on by *Render Interval* days (1 by default; it is Mesa's name for days per Step). "
    "**▶** plays day after day and **❚❚** pauses; *Play Interval* is the pause between days in "
    "milliseconds. **Reset** starts again from the first day with the levers and the *Random seed* as "
    "they are now. **Restore defaults** (top of the levers) puts every lever and the seed back to the "
    "scenario's values; click Reset after it to run the scenario as written. *Information* shows the "
    "date and the key figures of the last simulated day.\n\n"
    "A lever moved during a run acts **from the current day on**. It also wins over the scenario's "
    "later dated changes of the same setting (the lever says so under its slider); the scenario's other "
    "dated events still happen. Each browser tab has its own simulation.\n\n")


def LeverGuide(model):
    """Explain the controls and what each lever does."""
    return rich_text(GUIDE + "### The levers\n\n" + "\n\n".join(GROUP_HELP.values()))


@solara.component
def StatusPanel(model):
    """The date and the key figures of the last simulated day (Mesa's *Information* card)."""
    update_counter.get()
    days = getattr(getattr(model, "demo_state", None), "days_per_step", None)
    per_step = int(days.value) if days is not None else 1
    step_html = f"<div class='corridor-per-step'>Each Step: {per_step} day{'s' if per_step != 1 else ''}</div>"
    if model.day < 0:
        html = (f"<div class='corridor-date'>Date: not started (first day {model.config.start.isoformat()})</div>"
                f"<div>Press <b>Step</b> or <b>▶</b>.</div>{step_html}")
    else:
        rec, day = model.recorder, model.day
        attempts = " · ".join(
            f"<span style='color:{charts.country_colour(c)}'>{c}</span> {int(rec.series('attempts', c)[day]):,}"
            for c in model.countries)
        rows = [("At the border now", f"{int(rec.series('at_border')[day]):,}"),
                ("Attempts today", attempts),
                ("Gave up at the border", f"{int(rec.series('returned_minsk')[: day + 1].sum()):,}"),
                ("Deaths so far", f"{int(rec.series('deaths')[: day + 1].sum()):,}"),
                ("Arrived at destination", f"{int(rec.series('onward_arrivals')[: day + 1].sum()):,}")]
        table = "".join(f"<tr><td>{k}</td><td class='num'>{v}</td></tr>" for k, v in rows)
        html = (f"<div class='corridor-date'>Date: {model.date.isoformat()} (day {day + 1} of {model.n_days})</div>"
                f"<table>{table}</table>{step_html}")
    return solara.HTML(tag="div", unsafe_innerHTML=html, classes=["corridor-status"])


@solara.component
def LeverPanel(state: DemoState):
    """Sliders and switches for every lever, grouped, with one line of help per group, and the seed."""
    values, set_values = solara.use_state(dict(state.values))
    seed, set_seed = solara.use_state(state.seed)

    def change(lever: Lever, value) -> None:
        state.set_lever(lever, value)
        set_values({**state.values})

    def restore() -> None:
        state.restore_defaults()
        set_values({**state.values})
        set_seed(state.seed)

    def change_seed(value: int) -> None:
        state.seed = int(value)
        set_seed(state.seed)

    moved = sum(state.is_moved(lv) for lv in state.levers) + (state.seed != state.base.seed)
    solara.Button(f"Restore defaults ({moved} changed)", on_click=restore, disabled=not moved, small=True,
                  outlined=True, classes=["corridor-restore"])
    solara.SliderInt(f"Random seed (used on Reset): {seed}", value=seed, min=0, max=99, on_value=change_seed)
    groups: dict[str, list[Lever]] = {}
    for lever in state.levers:
        groups.setdefault(lever.group, []).append(lever)
    for group, levers in groups.items():
        rich_text(f"**{group}:** {GROUP_SHORT[group]}")
        for lever in levers:
            _lever_control(lever, values[lever.name], change)
            note = state.note(lever)
            if note:
                solara.HTML(tag="div", unsafe_innerHTML=note, classes=["corridor-note"])


def _lever_control(lever: Lever, value, change) -> None:
    def on_value(v, lever=lever):
        change(lever, v)

    if lever.kind == "bool":
        solara.Checkbox(label=lever.label, value=bool(value), on_value=on_value)
    elif lever.kind == "int":
        solara.SliderInt(f"{lever.label}: {int(value)}", value=int(value), min=int(lever.min), max=int(lever.max),
                         step=int(lever.step), on_value=on_value)
    else:
        solara.SliderFloat(f"{lever.label}: {float(value):g}", value=float(value), min=lever.min, max=lever.max,
                           step=lever.step, on_value=on_value)


COMPONENTS = [CorridorMap, BorderMap, PressureChart, StrandedChart, DeathsChart, OnwardChart, LeverGuide]


@solara.component
def Page():
    """One browser page: its own state and model, Mesa's controls, the levers and the charts."""
    adapt_mesa()
    state = solara.use_memo(lambda: DemoState(scenario_path()), [])
    initial = solara.use_memo(lambda: DemoModel(state=state), [])
    model = solara.use_reactive(initial)
    state.days_per_step = solara.use_reactive(1)  # Mesa's "Render Interval", shown in the Information card
    solara.Title(f"Corridor demo: {state.base.name}")
    solara.Style(CSS)
    SolaraViz(model, components=COMPONENTS, model_params={"state": state}, render_interval=state.days_per_step,
              name=f"Corridor — {state.base.name}", play_interval=100)
    _SidebarExtras(state)


@solara.component
def _SidebarExtras(state: DemoState):
    # Solara orders sidebar content by component depth; one level below SolaraViz's own
    # sidebar call puts the levers after Mesa's Step/Play/Reset controls.
    _SidebarInner(state)


@solara.component
def _SidebarInner(state: DemoState):
    with solara.Sidebar():
        with solara.Card("Levers", margin=0):
            LeverPanel(state)
