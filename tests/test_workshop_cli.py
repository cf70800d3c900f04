"""``medlead workshop`` says "ready" only once the page answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from medlead.experiments.cli import workshop as cli_workshop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """A stand-in for the server process that never ends by itself."""

    def wait(self, timeout=None):
        time.sleep(timeout or 0)
        raise subprocess.TimeoutExpired("solara", timeout)


def test_wait_until_ready_waits_for_the_page():
    port = free_port()
    url = f"http://127.0.0.1:{port}/"

    class Ok(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    assert cli_workshop._wait_until_ready(Running(), url, timeout=0.6) == "timeout"
    server = HTTPServer(("127.0.0.1", port), Ok)
    threading.Timer(0.5, lambda: threading.Thread(target=server.serve_forever).start()).start()
    try:
        ready = cli_workshop._wait_until_ready(Running(), url, timeout=10)
        assert isinstance(ready, float) and 0.4 < ready < 10
    finally:
        time.sleep(0.6)
        server.shutdown()
        server.server_close()


def test_wait_until_ready_stops_when_the_server_ends():
    class Ended:
        def wait(self, timeout=None):
            return 1

    assert cli_workshop._wait_until_ready(Ended(), "http://127.0.0.1:9/", timeout=5) == "ended"


@pytest.mark.slow
def test_medlead_workshop_is_ready_when_it_says_so():
    """The real command: when "ready" is printed the page answers at once."""
    port = free_port()
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="false", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "medlead.experiments.cli", "workshop", "--port", str(port)]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "ready at" in line:
                break
        assert any("ready at" in ln for ln in lines), lines
        assert "starting" in lines[0] and "ready" not in lines[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
        assert time.monotonic() - t0 < 120
    finally:
        proc.terminate()
        proc.wait(15)
