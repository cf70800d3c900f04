"""Browser tests of the workshop: Playwright drives Debian chromium against a real
Solara server; every request that would leave the machine is blocked and recorded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def week(page) -> int:
    text = page.inner_text(".ml-week")
    m = re.search(r"Week (\d+) of", text)
    assert m, text
    return int(m.group(1))


def wait_week(page, predicate, timeout=30_000) -> int:
    page.wait_for_function(
        "(f) => { const e = document.querySelector('.ml-week'); if (!e) return false;"
        " const m = e.innerText.match(/Week (\\d+) of/); return m && eval(f)(+m[1]); }",
        arg=predicate,
        timeout=timeout,
    )
    return week(page)


def wait_code(page, predicate: str) -> str:
    """Wait until the session code satisfies a JS predicate of the code text."""
    page.wait_for_function(
        "(f) => { const e = document.querySelector('.ml-session-code');"
        " return e && eval(f)(e.innerText); }",
        arg=predicate,
    )
    return page.inner_text(".ml-session-code")


def set_slider(page, name: str, *keys: str) -> None:
    """Move a slider with the keyboard (Home = its minimum, ArrowRight = one step up),
    waiting after each key until the server has redrawn the label with the new value.
    """
    label = f".ml-slider-{name} .v-label"
    for key in keys:
        before = page.inner_text(label)
        thumb = page.locator(f".ml-slider-{name} [role=slider]")
        thumb.focus()
        thumb.press(key)
        page.wait_for_function(
            "([sel, v]) => { const e = document.querySelector(sel);"
            " return e && e.innerText !== v; }",
            arg=[label, before],
        )


def footer_fingerprint(page) -> str:
    """The curves fingerprint from the footer (one text with the session code)."""
    m = re.search(r"curves fingerprint (\w+)", page.inner_text(".ml-footer"))
    assert m, page.inner_text(".ml-footer")
    return m.group(1)


def replay_code(page, code: str) -> None:
    """Type a session code into the sidebar and replay it."""
    page.fill(".ml-code-input input", code)
    page.click(".ml-replay")
    page.wait_for_function(
        "(c) => document.querySelector('.ml-footer').innerText.includes(c)", arg=code
    )


def choose(page, select_cls: str, option: str) -> None:
    page.click(f".{select_cls} .v-input__slot")
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def shot(page, tmp_path, name: str) -> Path:
    """Save a screenshot (to docs/img too when MEDLEAD_UPDATE_SCREENSHOTS=1)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("MEDLEAD_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMG / f"{name}.png"))
    return path


def test_page_loads_offline(app_page, blocked):
    page = app_page
    assert week(page) == 0
    assert page.locator("img.ml-hospital-0").count() == 1
    assert page.locator("img.ml-curves").count() == 1
    assert "Persuasion" in page.inner_text(".ml-status")
    assert page.locator(".ml-explain h2").count() >= 1
    assert blocked == [], f"non-local requests attempted: {blocked}"


def test_step_advances_the_week(app_page, blocked):
    page = app_page
    page.click(".ml-step")
    assert wait_week(page, "(w) => w === 1") == 1
    page.click(".ml-step")
    assert wait_week(page, "(w) => w === 2") == 2
    page.wait_for_function(
        "() => document.querySelector('.ml-session-code').innerText === '0p-1-2'"
    )
    assert blocked == []


def test_play_and_pause(app_page, blocked):
    page = app_page
    page.click(".ml-speed button:has-text('fastest')")
    page.click(".ml-play")
    w = wait_week(page, "(w) => w >= 4")
    page.click(".ml-pause")
    page.wait_for_selector(".ml-play")
    stopped = week(page)
    assert stopped >= w
    page.wait_for_timeout(1500)
    assert week(page) == stopped, "the run kept going after Pause"
    assert blocked == []


def test_preset_strategy_and_reset_change_the_model(app_page, blocked):
    page = app_page
    page.click(".ml-step")
    wait_week(page, "(w) => w === 1")
    explain_before = page.inner_text(".ml-explain")
    choose(page, "ml-preset", "Machine bureaucracy")
    page.wait_for_function(
        "() => document.querySelector('.ml-session-code').innerText.startsWith('2')"
    )
    wait_week(page, "(w) => w === 0")
    page.wait_for_function(
        "() => document.querySelector('.ml-explain').innerText.includes('machine bureaucracy')"
    )
    assert page.inner_text(".ml-explain") != explain_before
    page.click(".ml-strategy-mandate")
    page.wait_for_function(
        "() => document.querySelector('.ml-status').innerText.includes('Mandate')"
    )
    wait_code(page, "(c) => c.startsWith('2m-')")
    # A slider change waits for Reset, then applies.
    set_slider(page, "stigma", "Home")
    page.wait_for_selector(".ml-pending")
    assert not wait_code(page, "(c) => true").endswith(":0")
    page.click(".ml-reset")
    wait_code(page, "(c) => c.endsWith(':0')")  # stigma moved to 0
    page.wait_for_selector(".ml-pending", state="detached")
    assert blocked == []


def test_impossible_combination_is_a_message(app_page, blocked):
    page = app_page
    # Leader share 0.01: fewer leaders than the directorates need.
    set_slider(page, "leader_share", "Home", "ArrowRight")
    page.wait_for_selector(".ml-problem")
    text = page.inner_text(".ml-problem")
    assert "clinical directors" in text
    assert "Traceback" not in page.inner_text("body")
    assert blocked == []


def test_withdraw_takes_effect(app_page, blocked):
    page = app_page
    page.click(".ml-strategy-mandate")
    page.wait_for_function(
        "() => document.querySelector('.ml-status').innerText.includes('Mandate')"
    )
    for i in range(3):
        page.click(".ml-step")
        wait_week(page, f"(w) => w === {i + 1}")
    page.wait_for_selector(".ml-withdraw:enabled")
    page.click(".ml-withdraw")
    page.wait_for_function(
        "() => document.querySelector('.ml-status').innerText.includes('withdrawn')"
    )
    assert "withdrawn by hand at week 3" in page.inner_text(".ml-status")
    page.wait_for_selector(".ml-withdraw:disabled")
    wait_code(page, "(c) => c.includes('-w3')")
    assert blocked == []


def test_screenshot_of_the_main_view(app_page, blocked, tmp_path):
    page = app_page
    page.set_viewport_size({"width": 1600, "height": 1250})
    page.click(".ml-speed button:has-text('fastest')")
    page.click(".ml-play")
    wait_week(page, "(w) => w >= 60", timeout=90_000)
    page.click(".ml-pause")
    page.wait_for_selector(".ml-play")
    replay_code(page, "0p-1-60")  # the same week every time, for docs/workshop.md
    wait_week(page, "(w) => w === 60")
    path = shot(page, tmp_path, "workshop-main")
    assert path.stat().st_size > 50_000
    assert blocked == []


def test_compare_mode_shows_two_hospitals_that_diverge(app_page, blocked, tmp_path):
    page = app_page
    choose(page, "ml-compare", "Mandate")
    page.wait_for_selector("img.ml-hospital-1")
    assert page.locator("img.ml-hospital-0").count() == 1
    page.click(".ml-speed button:has-text('fastest')")
    page.click(".ml-play")
    wait_week(page, "(w) => w >= 30", timeout=90_000)
    page.click(".ml-pause")
    page.wait_for_selector(".ml-play")
    text = page.inner_text(".ml-compare-text")
    assert "persuasion" in text and "mandate" in text
    kpis = page.locator(".ml-kpi-compliant .ml-kpi-value").all_inner_texts()
    assert len(kpis) == 2 and kpis[0] != kpis[1], kpis
    # A year after withdrawal, by session code (no need to play 130 weeks).
    replay_code(page, "0pm-1-156")
    page.wait_for_function(
        "() => document.querySelector('.ml-compare-text').innerText.includes('after withdrawal')"
    )
    page.set_viewport_size({"width": 1600, "height": 1250})
    shot(page, tmp_path, "workshop-compare")
    assert blocked == []


def test_tick_box_practice_is_named_under_a_mandate(app_page, blocked):
    page = app_page
    assert page.locator(".ml-kpi-note").count() == 0  # persuasion: all practice faithful
    replay_code(page, "0m-1-60")
    page.wait_for_selector(".ml-kpi-practising .ml-kpi-note")
    note = page.inner_text(".ml-kpi-practising .ml-kpi-note")
    assert note.endswith("faithfully"), note
    assert blocked == []


def test_exports_produce_files(app_page, blocked, tmp_path):
    page = app_page
    page.click(".ml-step")
    wait_week(page, "(w) => w === 1")
    exports = (("ml-export-png", ".png"), ("ml-export-csv", ".csv"), ("ml-export-handout", ".pdf"))
    for cls, suffix in exports:
        with page.expect_download() as info:
            page.click(f".{cls} button")
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.suffix == suffix and path.stat().st_size > 100
        if suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        elif suffix == ".pdf":
            assert path.read_bytes()[:4] == b"%PDF"
        else:
            lines = path.read_text().splitlines()
            assert lines[0].startswith("# medlead workshop run")
            assert lines[1].startswith("strategy,week,")
            assert len(lines) == 2 + 2  # weeks 0 and 1
    assert blocked == []


def test_session_code_reproduces_the_curves(app_page, blocked, chromium, workshop_url):
    page = app_page
    page.click(".ml-strategy-mandate")
    page.wait_for_function(
        "() => document.querySelector('.ml-status').innerText.includes('Mandate')"
    )
    for i in range(4):
        page.click(".ml-step")
        wait_week(page, f"(w) => w === {i + 1}")
    page.click(".ml-withdraw")
    page.wait_for_function(
        "() => document.querySelector('.ml-status').innerText.includes('withdrawn')"
    )
    page.click(".ml-step")
    wait_week(page, "(w) => w === 5")
    code = wait_code(page, "(c) => c === '0m-1-5-w4'")
    footer_has = "(c) => document.querySelector('.ml-footer').innerText.includes(c)"
    page.wait_for_function(footer_has, arg=code)  # the fingerprint sits in the same row
    fingerprint = footer_fingerprint(page)
    other = page.context.new_page()
    other.goto(workshop_url)
    other.wait_for_selector(".ml-week", timeout=60_000)
    assert footer_fingerprint(other) != fingerprint
    other.fill(".ml-code-input input", code)
    other.click(".ml-replay")
    other.wait_for_function(footer_has, arg=code)
    assert wait_week(other, "(w) => w === 5") == 5
    assert footer_fingerprint(other) == fingerprint
    other.close()
    assert blocked == []


def test_seed_is_settable_and_full_screen_hides_the_controls(app_page, blocked):
    page = app_page
    page.fill(".ml-seed input", "7")
    page.press(".ml-seed input", "Enter")
    wait_code(page, "(c) => c === '0p-7-0'")
    page.click(".ml-fullscreen")
    page.wait_for_selector(".ml-preset", state="detached")
    assert page.locator(".ml-explain").count() == 0
    assert page.locator("img.ml-hospital-0").count() == 1
    page.click(".ml-step")
    wait_week(page, "(w) => w === 1")
    page.click(".ml-fullscreen")
    page.wait_for_selector(".ml-preset")
    wait_code(page, "(c) => c === '0p-7-1'")
    assert blocked == []
