"""The teaching demo: a Solara page on Mesa's model controls, served offline (see :mod:`sim.demo.server`).

Each browser page (tab) gets its own Solara kernel, and :func:`Page` builds that page's own
:class:`~sim.demo.state.DemoModel` and :class:`~sim.demo.state.DemoState` with ``use_memo``;
no model lives at module level, so two tabs never share a model.

The page is made of public Solara components (app bar, sidebar, cards, sliders, a grid of
HTML views) and Mesa's ``ModelController`` for Reset, ▶/❚❚ and Step (taken, with Mesa's
``update_counter``, from :mod:`sim.demo.mesa_adaptation`, which checks the versions). Nothing of
Mesa or Solara is patched. The sidebar keeps the controls, the layout switch and the date with
the key figures in view while the levers scroll; the main area (:mod:`sim.demo.views`) shows the
maps and charts in the *overview* layout (everything on one 1280×720 screen) or the *big map*
layout (the corridor map across the whole main area).
"""

from __future__ import annotations

import markdown
import solara

from sim.demo.levers import GROUP_HELP, GROUP_SHORT, Lever
from sim.demo.mesa_adaptation import ModelController, update_counter
from sim.demo.server import go_offline, scenario_path
from sim.demo.state import DemoModel, DemoState
from sim.demo.views import LAYOUTS, Dashboard, grid_css
from sim.plots.style import country_colour

__all__ = ["DemoModel", "DemoState", "Page"]

go_offline()

CSS = """
.corridor-sticky { position: sticky; top: 0; z-index: 5; background: white; padding-bottom: 2px;
  box-shadow: 0 3px 4px -3px rgba(0,0,0,.35); }
.corridor-sidebar .v-card { margin: 4px 8px !important; }
.corridor-sidebar .v-card__title { font-size: 1.05rem; padding: 4px 12px 0 12px; }
.corridor-sidebar .v-card__text { padding: 2px 12px 6px 12px; }
.corridor-layout-row { display: flex; align-items: center; gap: 8px; font-size: 14px; margin: 2px 0 4px 0; }
.corridor-grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; width: 100%; }
.corridor-chart { width: 100%; height: 100%; overflow: hidden; background: white; }
.corridor-map { position: relative; }
.corridor-map > .corridor-layer { position: absolute; inset: 0; will-change: transform; }
.corridor-status { font-size: 15px; line-height: 1.35; color: #222; }
.corridor-date { font-size: 17px; font-weight: 700; }
.corridor-status td { padding: 0 10px 0 0; vertical-align: top; }
.corridor-status .num { font-weight: 700; }
.corridor-per-step { font-size: 13px; color: #555; }
.corridor-note { font-size: 12.5px; color: #8a4b00; margin: -4px 0 6px 0; line-height: 1.25; }
.corridor-help { font-size: 13.5px; line-height: 1.35; color: #333; }
.corridor-help p { margin-bottom: 6px; }
""" + grid_css()


def rich_text(text: str, classes: tuple[str, ...] = ("corridor-help",)):
    """Markdown rendered on the server (``solara.Markdown`` would load KaTeX from a CDN)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), classes=list(classes))


GUIDE = (
    "### How to use this demo\n\n"
    "**Step** moves on by *Days per Step* days (1 by default). **▶** plays day after day and **❚❚** pauses; "
    "*Pause while playing* is the wait between Steps in milliseconds. **Reset** starts again from the first "
    "day with the levers and the *Random seed* as they are now. **Restore defaults** (top of the levers) puts "
    "every lever and the seed back to the scenario's values; click Reset after it to run the scenario as "
    "written. *Information* shows the date and the key figures of the last simulated day. *Layout* switches "
    "between the *overview* (both maps and four charts on one screen) and the *big map* (the corridor map "
    "across the screen, the rest below it).\n\n"
    "A lever moved during a run acts **from the current day on**. It also wins over the scenario's "
    "later dated changes of the same setting (the lever says so under its slider); the scenario's other "
    "dated events still happen. Each browser tab has its own simulation.\n\n")


def LeverGuide():
    """Explain the controls and what each lever does."""
    return rich_text(GUIDE + "### The levers\n\n" + "\n\n".join(GROUP_HELP.values()))


@solara.component
def StatusPanel(model, days_per_step: int):
    """The date and the key figures of the last simulated day."""
    update_counter.get()
    step_html = (f"<div class='corridor-per-step'>Each Step: {days_per_step} "
                 f"day{'s' if days_per_step != 1 else ''}</div>")
    if model.day < 0:
        html = (f"<div class='corridor-date'>Date: not started (first day {model.config.start.isoformat()})</div>"
                f"<div>Press <b>Step</b> or <b>▶</b>.</div>{step_html}")
    else:
        rec, day = model.recorder, model.day
        attempts = " · ".join(
            f"<span style='color:{country_colour(c)}'>{c}</span> {int(rec.series('attempts', c)[day]):,}"
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


@solara.component
def Controls(model, state: DemoState, days, pause, layout):
    """Reset / ▶ / Step (Mesa's), days per Step, the pause while playing, and the layout switch."""
    parameters = solara.use_reactive(solara.use_memo(lambda: {"state": state}, []))
    threads = solara.use_reactive(False)
    ModelController(model, model_parameters=parameters, play_interval=pause, render_interval=days,
                    use_threads=threads)
    solara.SliderInt(f"Days per Step: {days.value}", value=days, min=1, max=100)
    solara.SliderInt(f"Pause while playing (ms): {pause.value}", value=pause, min=10, max=500, step=10)
    with solara.Div(classes=["corridor-layout-row"]):
        solara.Text("Layout:")
        solara.ToggleButtonsSingle(value=layout, values=list(LAYOUTS), dense=True, classes=["corridor-layout"])


@solara.component
def Page():
    """One browser page: its own state and model, the controls and levers in the sidebar, the views."""
    state = solara.use_memo(lambda: DemoState(scenario_path()), [])
    model = solara.use_reactive(solara.use_memo(lambda: DemoModel(state=state), []))
    days = solara.use_reactive(1)
    pause = solara.use_reactive(100)
    layout = solara.use_reactive("overview")
    solara.Title(f"Corridor demo: {state.base.name}")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"Corridor — {state.base.name}")
    with solara.Sidebar(), solara.Column(classes=["corridor-sidebar"], gap="0px"):
        with solara.Div(classes=["corridor-sticky"]):
            with solara.Card("Controls", margin=0):
                Controls(model, state, days, pause, layout)
            with solara.Card("Information", margin=0):
                StatusPanel(model.value, days.value)
        with solara.Card("Levers", margin=0):
            LeverPanel(state)
    Dashboard(model.value, layout.value, LeverGuide)
