"""Shared pytest configuration for the whole suite.

Browser tests (marked ``browser``) need Debian's chromium. On a laptop without it they
are skipped; in CI (``CI=true``) a missing chromium fails them instead, so a broken
install step cannot turn the browser checks green by skipping them. Browser fixtures
(Solara server, Playwright page) live beside the browser tests, e.g.
``tests/workshop/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Solara sends usage telemetry unless told not to; tests run offline.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

IN_CI = os.environ.get("CI", "").lower() == "true"


def find_chromium() -> str | None:
    """Return the chromium executable to drive, or ``None`` when there is none.

    ``MEDLEAD_CHROMIUM`` overrides the search; otherwise Debian's ``/usr/bin/chromium``
    or whichever ``chromium`` is on PATH (Playwright's own download does not work here).
    """
    override = os.environ.get("MEDLEAD_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the chromium executable for Playwright's ``executable_path``."""
    path = find_chromium()
    if path is None:  # only reachable from unmarked tests: marked ones are handled below
        pytest.skip("chromium is not installed (scripts/setup.sh --browser installs it)")
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip browser tests without chromium on a laptop; fail them in CI."""
    if item.get_closest_marker("browser") is None or find_chromium() is not None:
        return
    message = "chromium is not installed (scripts/setup.sh --browser installs it)"
    if IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)
