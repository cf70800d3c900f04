"""``medlead workshop``: start the Solara workshop app as a subprocess, offline."""

from __future__ import annotations

import importlib.util
import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from medlead.experiments.cli.app import command, console, fail, say

WORKSHOP_MODULE = "medlead.workshop.app"


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
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"medlead workshop: http://{shown}:{port}  (Ctrl+C to stop)", markup=False, highlight=False
    )
    say(shlex.join(cmd))
    proc = subprocess.Popen(cmd, env=env)

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # SIGTERM (e.g. from a process manager) stops the server too, not only Ctrl+C.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
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
