"""Fixtures for the workshop's browser tests: a Solara server on a free port and a
chromium page in which every request that would leave the machine is blocked (and
recorded, so tests can assert that none was attempted).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def workshop_url(tmp_path_factory) -> Iterator[str]:
    """Start ``solara run medlead.workshop.app --production`` on a free port."""
    port = free_port()
    log = tmp_path_factory.mktemp("solara") / "server.log"
    # The badge is switched off by the app itself (test_no_badge checks); the environment
    # variable is left unset here so that the test shows the app does it.
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="false", PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "solara",
                "run",
                "medlead.workshop.app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--production",
                "--no-open",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the Solara server exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the Solara server did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def chromium(chromium_path) -> Iterator:
    """A headless Debian chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Blocked(list):
    """Requests to anywhere but this machine (aborted by the route handler)."""


@pytest.fixture
def blocked() -> Blocked:
    """The list of non-local requests attempted during a test."""
    return Blocked()


@pytest.fixture
def app_page(chromium, workshop_url, blocked) -> Iterator:
    """A fresh page on the workshop, 1600x1000, with non-local requests blocked."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.on(
        "websocket",
        lambda ws: (
            None if (urlparse(ws.url).hostname or "") in LOCAL_HOSTS else blocked.append(ws.url)
        ),
    )
    pg.goto(workshop_url)
    pg.wait_for_selector(".ml-week", timeout=60_000)
    pg.wait_for_selector(".ml-hospital-0 img, img.ml-hospital-0, .ml-hospital-0", timeout=60_000)
    yield pg
    context.close()
