"""Serving the demo: offline guards, the listening socket, the addresses to open.

:func:`serve` binds the socket itself (so ``--port 0`` has no race between picking a port
and using it), runs Solara's Starlette app under uvicorn on that socket (Solara's documented
way to deploy), and prints the address only once the server is listening, with this
machine's LAN addresses when it listens on all interfaces.

Offline: :func:`go_offline` sets Solara's own settings so that it sends no telemetry and never fetches
from a CDN (the front end comes from the ``solara-assets`` package), and :func:`guard_network` makes
the server process refuse, and log, any connection to an address that is not this machine.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario

ENV_SCENARIO = "CORRIDOR_DEMO_SCENARIO"
APP_NAME = "sim.demo.app:Page"
BLOCKED = "offline demo: blocked a connection to"


# --------------------------------------------------------------------------- offline guards
OFFLINE_CDN = "offline://solara-assets-only/"
"""Solara's CDN setting in the demo: no client can fetch from it, so an asset missing from solara-assets is
a 404 (which the browser test catches) instead of a download."""
OFFLINE_SETTINGS = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_PROXY": "True",
                    "SOLARA_ASSETS_CDN": OFFLINE_CDN, "SOLARA_THEME_SHOW_BANNER": "False"}


def go_offline() -> None:
    """Keep Solara from contacting anything but this machine, with Solara's own settings (nothing patched).

    Turns off Solara's telemetry (mixpanel) and its banner (its corner link overlaps the charts on a
    projector), and keeps its asset proxy on, serving the files of the ``solara-assets`` package, with
    :data:`OFFLINE_CDN` as the address it would fetch a missing file from. The settings go into the
    environment (read when Solara starts) and onto Solara's settings objects (if it has started already).
    """
    os.environ.update(OFFLINE_SETTINGS)
    import solara.server.settings as server_settings
    import solara.settings

    server_settings.telemetry.mixpanel_enable = False
    server_settings.theme.show_banner = False
    solara.settings.assets.proxy = True
    solara.settings.assets.cdn = OFFLINE_CDN


def is_local(host) -> bool:
    """Whether an address belongs to this machine's loopback (or is a Unix socket path)."""
    if not isinstance(host, str) or host.startswith("/") or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


def _audit(event: str, args: tuple) -> None:
    if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
        address = args[1]
        if isinstance(address, tuple) and address and not is_local(address[0]):
            target = f"{address[0]}:{address[1]}" if len(address) > 1 else str(address[0])
            print(f"{BLOCKED} {target}", file=sys.stderr, flush=True)
            raise ConnectionRefusedError(f"{BLOCKED} {target}")


_guarded = False


def guard_network() -> None:
    """Refuse, and report on stderr, every outgoing connection of this process off the machine.

    Uses an audit hook (:func:`sys.addaudithook`), which cannot be removed again; call it in
    the demo's server process only. Incoming connections (students' browsers) are not affected.
    """
    global _guarded
    if not _guarded:
        sys.addaudithook(_audit)
        _guarded = True


# --------------------------------------------------------------------------- addresses
def scenario_path() -> Path:
    """The scenario the server was started with (``$CORRIDOR_DEMO_SCENARIO``) or the classroom one."""
    from sim.demo.state import default_scenario

    return Path(os.environ[ENV_SCENARIO]) if os.environ.get(ENV_SCENARIO) else default_scenario()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (a free port if 0), kept open for the server.

    Raises:
        ScenarioError: The address cannot be used (exit code 2).

    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ScenarioError(f"cannot listen on {host} ({getattr(exc, 'strerror', None) or exc}).",
                            file="--host",
                            hint="use 127.0.0.1 (this machine only) or 0.0.0.0 (every network).") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ScenarioError(
            f"cannot listen on {host}:{port} ({exc.strerror}).", file="--host/--port",
            hint="choose another port with --port (0 picks a free one), or check --host.") from None
    sock.set_inheritable(True)
    return sock


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, found without any network request."""
    found: list[str] = []
    try:
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            for _, name in socket.if_nameindex():
                try:
                    packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))  # SIOCGIFADDR
                except OSError:
                    continue
                found.append(socket.inet_ntoa(packed[20:24]))
    except (ImportError, OSError, AttributeError):
        try:
            found = socket.gethostbyname_ex(socket.gethostname())[2]
        except OSError:
            found = []
    keep = []
    for addr in found:
        ip = ipaddress.ip_address(addr)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and addr not in keep:
            keep.append(addr)
    return keep


def addresses(host: str, port: int) -> list[str]:
    """The URLs to open: the host itself, or this machine's addresses when it listens on all of them."""
    if host in ("0.0.0.0", "::", ""):
        lan = [f"http://{a}:{port}/" for a in lan_addresses()]
        return [f"http://127.0.0.1:{port}/", *lan]
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}/"]


def _announce(server, path: Path, host: str, port: int) -> None:
    """Print the address(es) once uvicorn is listening."""
    while not server.started:
        if getattr(server, "should_exit", False):
            return
        time.sleep(0.05)
    urls = addresses(host, port)
    print(f"Corridor demo ({path}) at {urls[0]} — press Ctrl+C to stop.", flush=True)
    if not is_local(host):
        if len(urls) > 1:
            print("Students on this network can open: " + "  ".join(urls[1:]), flush=True)
        elif host in ("0.0.0.0", "::"):
            print("No network address found: is this machine connected to the classroom network?", flush=True)
        print(f"Note: listening on {host}, so other machines can reach this demo.", flush=True)


def serve(scenario: str | Path | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Start the demo server and block until it is stopped (Ctrl+C).

    Args:
        scenario: Scenario file; defaults to ``scenarios/classroom.yaml``.
        host: Address to listen on. Keep the default 127.0.0.1 unless you mean to let other
            machines connect.
        port: Port to listen on; 0 picks a free one.

    Raises:
        ScenarioError: The scenario is invalid or the address cannot be used (exit code 2).

    """
    from sim.demo.state import default_scenario

    path = Path(scenario) if scenario else default_scenario()
    load_scenario(path)  # fail early, with the loader's message, before the server starts
    sock = bind(host, int(port))
    port = sock.getsockname()[1]
    os.environ.update({ENV_SCENARIO: str(path.resolve()), "SOLARA_APP": APP_NAME, "SERVER_NAME": host,
                       "SERVER_PORT": str(port)})
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # plain http on a LAN address: Solara falls back to SameSite=lax cookies, which is what we want
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    go_offline()
    guard_network()
    from sim.demo.mesa_adaptation import check_versions

    check_versions()  # a clear error now, rather than a broken page later
    import uvicorn

    print(f"Corridor demo ({path}): starting…", flush=True)
    server = uvicorn.Server(uvicorn.Config("solara.server.starlette:app", log_level="warning", access_log=False))
    threading.Thread(target=_announce, args=(server, path, host, port), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
