"""The teaching demo: a Mesa SolaraViz app of the corridor, served offline on 127.0.0.1.

Each browser page (tab) gets its own Solara kernel, and :func:`Page` builds that page's own
:class:`DemoModel` and :class:`DemoState` with ``use_memo``; no model lives at module level,
so two tabs never share a model. Solara's front end is served from the ``solara-assets``
package; :func:`go_offline` turns off Solara's telemetry and its server-side CDN fallback,
so no request leaves the machine.

Run it with ``python run.py demo [SCENARIO] [--host H] [--port P]`` or :func:`serve`.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import os
import socket
from pathlib import Path

import markdown
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.demo import charts
from sim.demo.levers import GROUP_HELP, Lever, apply_live, build_levers, overrides_for
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.model import CorridorModel

ENV_SCENARIO = "CORRIDOR_DEMO_SCENARIO"
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "classroom.yaml"
APP_NAME = "sim.demo.app:Page"
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- offline guard
class _NoNetwork:
    """Stands in for ``requests`` in Solara's CDN helper: never fetches, always fails."""

    @staticmethod
    def get(url, *args, **kwargs):
        log.warning("offline demo: refused to fetch %s (asset missing from solara-assets?)", url)
        raise RuntimeError(f"offline demo: refused to fetch {url}")


def go_offline() -> None:
    """Keep Solara from contacting anything but this machine.

    Turns off Solara's telemetry (mixpanel) and makes its CDN proxy serve only the files
    that the ``solara-assets`` package installed, instead of fetching missing ones.
    """
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as server_settings

    server_settings.telemetry.mixpanel_enable = False
    cdn_helper.requests = _NoNetwork()


go_offline()


# --------------------------------------------------------------------------- model
class DemoState:
    """One browser page's scenario, lever values and current model.

    Args:
        scenario_path: The scenario file the page starts from.

    """

    def __init__(self, scenario_path: str | Path) -> None:
        self.path = Path(scenario_path)
        self.base = load_scenario(self.path)
        self.levers: list[Lever] = build_levers(self.base)
        self.values = {lv.name: lv.default for lv in self.levers}
        self.model: DemoModel | None = None

    def scenario(self):
        """Return the scenario with every moved lever applied (what Reset builds)."""
        overrides = overrides_for(self.levers, self.values)
        return load_scenario(self.path, overrides=overrides) if overrides else self.base

    def set_lever(self, lever: Lever, value) -> None:
        """Remember a lever's value and apply it to the running model from today on."""
        self.values[lever.name] = value
        if self.model is not None:
            apply_live(self.model, lever.overrides(value), note=f"demo: {lever.label} = {value}")


class DemoModel(CorridorModel):
    """A :class:`~sim.model.CorridorModel` built from a page's :class:`DemoState`.

    Mesa's Reset button calls ``DemoModel(state=..., scenario=<mesa Scenario>)``; Mesa's own
    scenario object is ignored and the lever values held by ``state`` are used instead.

    Args:
        state: The page's state.
        seed: Random seed; defaults to the scenario's own.
        **kwargs: Ignored (Mesa passes its own ``scenario``).

    """

    def __init__(self, state: DemoState, seed: int | None = None, **kwargs) -> None:
        super().__init__(state.scenario(), rng=seed)
        state.model = self


def scenario_path() -> Path:
    """Return the scenario the server was started with (``$CORRIDOR_DEMO_SCENARIO``) or the classroom one."""
    return Path(os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO)


# --------------------------------------------------------------------------- views
def _recent_edge_flows(model, days: int = 7):
    flows = model.recorder.edge_flows
    if model.day < 0:
        return [0] * flows.shape[1]
    return flows[max(0, model.day - days + 1): model.day + 1].sum(axis=0).tolist()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _figure_view(model, build, key: str):
    """Show ``build()``'s figure as a PNG, redrawn only after a step or a new model.

    Levers and sliders re-render the page; memoising on the step counter keeps those
    re-renders cheap, so the browser's widget messages never queue up behind drawing.
    """
    counter = update_counter.value
    png = solara.use_memo(lambda: _png(build()), [counter, id(model), model.day, key])
    return solara.Image(png, format="png")


def _map(model, zoom: bool):
    def build():
        places = charts.places_from_scenario(model.config.places)
        box = charts.zoom_box(places) if zoom else None
        title = "Border zone" if zoom else "Corridor"
        kinds = ("minsk", "border_segment") if zoom else ("minsk", "origin", "air_hub", "destination")
        return charts.map_figure(places, model.edges, model.people_by_place(), _recent_edge_flows(model), box=box,
                                 title=f"{title}: people now, flows over the last 7 days", named_kinds=kinds)

    return _figure_view(model, build, f"map-{zoom}")


def CorridorMap(model):
    """Whole network on lon/lat: marker area ∝ people at each place."""
    return _map(model, zoom=False)


def BorderMap(model):
    """Zoom on Belarus and its western borders."""
    return _map(model, zoom=True)


def _series_chart(model, panels_of):
    return _figure_view(model, lambda: charts.series_figure(panels_of(), model.config.start, model.n_days),
                        panels_of.__name__)


def _by_country(model, metric: str, cumulative: bool = False) -> dict:
    out = {}
    for country in model.countries:
        values = model.recorder.series(metric, country) if model.day >= 0 else []
        out[country] = values.cumsum() if cumulative and len(values) else values
    return out


def PressureChart(model):
    """Border pressure: detected crossing attempts per day and country."""

    def pressure():
        return [("Border pressure: attempts per day", _by_country(model, "attempts"))]

    return _series_chart(model, pressure)


def StrandedChart(model):
    """People stranded at the border (waiting or trying to cross) per country."""

    def stranded():
        return [("People stranded at the border", _by_country(model, "at_border"))]

    return _series_chart(model, stranded)


def OutcomesChart(model):
    """Cumulative deaths per border country and onward arrivals per destination country."""

    def outcomes():
        onward = {}
        if model.day >= 0:
            for country in dict.fromkeys(model.config.places[d].country for d in model.destination_ids):
                onward[country] = model.recorder.series("onward_arrivals", country).cumsum()
        return [("Deaths (cumulative)", _by_country(model, "deaths", cumulative=True)),
                ("Onward arrivals (cumulative)", onward)]

    return _series_chart(model, outcomes)


def rich_text(text: str, size: str = "1em"):
    """Markdown rendered on the server (``solara.Markdown`` would load KaTeX from a CDN)."""
    html = markdown.markdown(text)
    return solara.HTML(tag="div", unsafe_innerHTML=html, style={"font-size": size})


def LeverGuide(model):
    """Explain what each lever does."""
    text = "\n\n".join(GROUP_HELP.values())
    return rich_text(
        "### The levers\n\n" + text + "\n\nA lever moved during a run acts **from the current day on**, "
        "like a dated event; **Reset** starts again from the first day with every lever as set now. "
        "Dated events of the scenario still happen and can overrule a lever (for example a route "
        "that the scenario closes on its date).")


@solara.component
def DateInfo(model_ref: solara.Reactive):
    """Show the simulated date (updates on every step and on Reset)."""
    update_counter.get()
    model = model_ref.value
    if model.day < 0:
        text = f"Date: not started (first day {model.config.start.isoformat()})"
    else:
        text = f"Date: {model.date.isoformat()} (day {model.day + 1} of {model.n_days})"
    solara.Text(text, classes=["corridor-date"])


@solara.component
def LeverPanel(state: DemoState):
    """Sliders and switches for every lever, grouped, with a one-line explanation per group."""
    values, set_values = solara.use_state(dict(state.values))

    def change(lever: Lever, value) -> None:
        state.set_lever(lever, value)
        set_values({**state.values})

    groups: dict[str, list[Lever]] = {}
    for lever in state.levers:
        groups.setdefault(lever.group, []).append(lever)
    for group, levers in groups.items():
        with solara.Card(group, margin=0):
            rich_text(GROUP_HELP[group], size="0.8em")
            for lever in levers:
                def on_value(v, lever=lever):
                    change(lever, v)

                if lever.kind == "bool":
                    solara.Checkbox(label=lever.label, value=bool(values[lever.name]), on_value=on_value)
                elif lever.kind == "int":
                    solara.SliderInt(f"{lever.label}: {int(values[lever.name])}", value=int(values[lever.name]),
                                     min=int(lever.min), max=int(lever.max), step=int(lever.step),
                                     on_value=on_value)
                else:
                    solara.SliderFloat(f"{lever.label}: {float(values[lever.name]):g}",
                                       value=float(values[lever.name]), min=lever.min, max=lever.max,
                                       step=lever.step, on_value=on_value)


COMPONENTS = [CorridorMap, BorderMap, PressureChart, StrandedChart, OutcomesChart, LeverGuide]


@solara.component
def Page():
    """One browser page: its own state and model, Mesa's controls, the levers and the charts."""
    state = solara.use_memo(lambda: DemoState(scenario_path()), [])
    initial = solara.use_memo(lambda: DemoModel(state=state), [])
    model = solara.use_reactive(initial)
    solara.Title(f"Corridor demo: {state.base.name}")
    seed = {"type": "SliderInt", "value": state.base.seed, "min": 0, "max": 99, "step": 1,
            "label": "Random seed (used on Reset)"}
    SolaraViz(model, components=COMPONENTS, model_params={"state": state, "seed": seed},
              name=f"Corridor — {state.base.name}", play_interval=150)
    _SidebarExtras(state, model)


@solara.component
def _SidebarExtras(state: DemoState, model_ref: solara.Reactive):
    # Solara orders sidebar content by component depth; one level below SolaraViz's own
    # sidebar call puts the date and levers after Mesa's Step/Play/Reset controls.
    _SidebarInner(state, model_ref)


@solara.component
def _SidebarInner(state: DemoState, model_ref: solara.Reactive):
    with solara.Sidebar():
        with solara.Card("Today", margin=0):
            DateInfo(model_ref)
        with solara.Card("Levers", margin=0):
            LeverPanel(state)


# --------------------------------------------------------------------------- server
def _check_port(host: str, port: int) -> int:
    """Return ``port`` (a free one if 0) after checking it can be bound on ``host``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ScenarioError(
                f"cannot listen on {host}:{port} ({exc.strerror}).", file="--host/--port",
                hint="choose another port with --port (0 picks a free one), or check --host.") from None
        return sock.getsockname()[1]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(scenario_path: str | Path | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Start the demo server and block until it is stopped (Ctrl+C).

    Args:
        scenario_path: Scenario file; defaults to ``scenarios/classroom.yaml``.
        host: Address to listen on. Keep the default 127.0.0.1 unless you mean to let other
            machines connect.
        port: Port to listen on; 0 picks a free one.

    Raises:
        ScenarioError: The scenario is invalid or the address cannot be used (exit code 2).

    """
    path = Path(scenario_path) if scenario_path else DEFAULT_SCENARIO
    load_scenario(path)  # fail early, with the loader's message, before the server starts
    port = _check_port(host, int(port))
    os.environ[ENV_SCENARIO] = str(path.resolve())
    go_offline()
    import solara.__main__ as solara_main

    shown = f"[{host}]" if ":" in host else host
    print(f"Corridor demo ({path}) at http://{shown}:{port}/ — press Ctrl+C to stop.", flush=True)
    if not _is_loopback(host):
        print(f"Note: listening on {host}, so other machines can reach this demo.", flush=True)
    solara_main.cli(["run", APP_NAME, "--host", host, "--port", str(port), "--production", "--no-open",
                      "--no-check-version", "--log-level", "warning"], standalone_mode=False)

