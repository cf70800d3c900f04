"""``medlead workshop``: start the Solara workshop app as a subprocess, offline."""

from __future__ import annotations

import importlib.util
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer

from medlead.experiments.cli.app import command, console, fail, say

WORKSHOP_MODULE = "medlead.workshop.app"
#: How long to wait for the page to answer before saying so (a slow laptop's first start).
READY_TIMEOUT_S = 180.0


def _page_answers(url: str) -> bool:
    """Whether the workshop page answers ``GET url`` with 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - our own server
            return r.status == 200
    except OSError:
        return False


def _wait_until_ready(proc: Any, url: str, timeout: float = READY_TIMEOUT_S) -> float | str:
    """Seconds until the page answered, or ``"ended"`` / ``"timeout"``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            proc.wait(timeout=0.25)
            return "ended"  # the server stopped before it answered
        except subprocess.TimeoutExpired:
            pass
        if _page_answers(url):
            return time.monotonic() - t0
    return "timeout"


def _workshop_available() -> bool:
    """Whether ``medlead.workshop.app`` exists, without importing the workshop package."""
    spec = importlib.util.find_spec("medlead.workshop")
    if spec is None or not spec.submodule_search_locations:
        return False
    return any(
        (Path(loc) / "app.py").is_file() or (Path(loc) / "app" / "__init__.py").is_file()
        for loc in spec.submodule_search_locations
    )


@command()
def workshop(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to bind (0.0.0.0 to serve the room's network).")
    ] = "127.0.0.1",
) -> None:
    """Start the workshop app (Solara) and print its address; Ctrl+C stops it."""
    if not 1 <= port <= 65535:
        fail(f"--port {port}: must be between 1 and 65535")
    if not _workshop_available():
        fail(f"the workshop app ({WORKSHOP_MODULE}) is not installed in this version of medlead")
    if importlib.util.find_spec("solara") is None:
        fail("solara is not installed: pip install solara (see docs/CONTRIBUTING.md)")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        fail(f"cannot serve on {host}:{port} ({exc.strerror or exc})")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        WORKSHOP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
    ]
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "false")  # no badge over the projector's corner
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"medlead workshop: starting on http://{shown}:{port} ...", markup=False, highlight=False
    )
    say(shlex.join(cmd))
    proc = subprocess.Popen(cmd, env=env)
    # The address is only worth opening once the page answers (the server imports the
    # app first); ask it from this machine even when serving the room (0.0.0.0).
    local = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, shown)

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # SIGTERM (e.g. from a process manager) stops the server too, not only Ctrl+C.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        ready = _wait_until_ready(proc, f"http://{local}:{port}/")
        if isinstance(ready, float):
            console.print(
                f"medlead workshop: ready at http://{shown}:{port}  (answered after "
                f"{ready:.1f} s; Ctrl+C to stop)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        elif ready == "timeout":
            say(f"the page has not answered after {READY_TIMEOUT_S:.0f} s; still waiting")
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code != 0:
        raise typer.Exit(code)
