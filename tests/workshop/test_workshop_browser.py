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


#: The other seeds' answer has arrived ("... ahead in 10 of 10 hospitals ...").
SEEDS_ANSWERED = (
    "() => { const e = document.querySelector('.ml-seeds');"
    " return e && /ahead in \\d+ of 10 hospitals/.test(e.innerText); }"
)


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
    assert "gives 1 medical leader for" in text
    assert "at least 0.06)" in text  # a value the slider (steps of 0.01) can reach
    page.click(".ml-reset")  # refused: the message stays, once
    page.wait_for_timeout(800)
    assert page.locator(".ml-problem").count() == 1
    assert "Traceback" not in page.inner_text("body")
    assert blocked == []


def test_reset_on_a_fresh_preset_keeps_the_session_code(app_page, blocked):
    page = app_page
    for label, code in (("Leaders set up to fail", "3p-1-0"), ("Kaiser Permanente-like", "1h-1-0")):
        choose(page, "ml-preset", label)
        wait_code(page, f"(c) => c === '{code}'")
        page.wait_for_timeout(500)
        assert page.locator(".ml-pending").count() == 0, f"{label}: a change nobody made"
        page.click(".ml-reset")
        page.wait_for_timeout(800)
        assert wait_code(page, "(c) => true") == code
    assert blocked == []


def test_clicking_the_chosen_strategy_restarts(app_page, blocked):
    page = app_page
    for i in range(2):
        page.click(".ml-step")
        wait_week(page, f"(w) => w === {i + 1}")
    assert "ml-strategy-active" in page.get_attribute(".ml-strategy-persuasion", "class")
    page.click(".ml-strategy-persuasion")
    assert wait_week(page, "(w) => w === 0") == 0
    wait_code(page, "(c) => c === '0p-1-0'")
    assert blocked == []


def test_no_solara_badge(app_page, blocked):
    page = app_page
    badge = page.get_by_text("runs on Solara")
    assert badge.count() == 0 or not badge.first.is_visible()
    page.goto(page.url.split("?")[0] + "?projector=1")
    page.wait_for_selector("img.ml-proj-hospital", timeout=60_000)
    badge = page.get_by_text("runs on Solara")
    assert badge.count() == 0 or not badge.first.is_visible()
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
    # The other seeds' answer comes from a background thread; let it land before Play, so
    # that no click falls on a button being redrawn.
    page.wait_for_function(SEEDS_ANSWERED, timeout=60_000)
    page.click(".ml-speed button:has-text('fastest')")
    page.click(".ml-play")
    page.wait_for_selector(".ml-pause")  # playing
    wait_week(page, "(w) => w >= 12", timeout=90_000)  # the mandate is compliant by then
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
    verdict = page.inner_text(".ml-verdict")
    assert verdict.startswith("A year after withdrawal, persuasion leaves "), verdict
    assert "more clinical staff practising than the mandate" in verdict
    # Stacked, each as wide as the column (not two small pictures side by side).
    a = page.locator("img.ml-hospital-0").bounding_box()
    b = page.locator("img.ml-hospital-1").bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1 and abs(a["width"] - b["width"]) < 1
    page.wait_for_function(SEEDS_ANSWERED, timeout=60_000)
    assert blocked == []


def test_compare_in_projector_mode_fits_1280x720(projector_page, blocked, tmp_path, workshop_url):
    page = projector_page
    page.goto(workshop_url + "?projector=1&code=0pm-1-156")
    page.wait_for_selector("img.ml-proj-lane-0", timeout=60_000)
    page.wait_for_function(SEEDS_ANSWERED, timeout=60_000)
    verdict = page.inner_text(".ml-verdict")
    assert verdict.startswith("A year after withdrawal, persuasion leaves "), verdict
    for sel in (".ml-verdict", ".ml-seeds", "img.ml-proj-hospital", "img.ml-proj-curves"):
        assert inside(page.locator(sel).bounding_box()), sel
    natural, shown = page.evaluate(
        "() => { const i = document.querySelector('img.ml-proj-hospital');"
        " return [i.naturalWidth, i.getBoundingClientRect().width]; }"
    )
    assert abs(natural - shown) < 1  # drawn at the size shown: its text is >= 18 px
    assert "finished at week 156" in page.inner_text(".ml-proj-status")
    assert "end of the run" not in page.inner_text("body")
    shot(page, tmp_path, "workshop-compare")
    page.click(".ml-lane-1")  # the other hospital, just as large
    page.wait_for_selector("img.ml-proj-lane-1")
    assert inside(page.locator("img.ml-proj-lane-1").bounding_box())
    assert blocked == []


def test_compare_hospitals_side_by_side(app_page, blocked):
    page = app_page
    choose(page, "ml-preset", "Leaders set up to fail")
    wait_code(page, "(c) => c === '3p-1-0'")
    choose(page, "ml-compare", "Hospital: Kaiser Permanente-like")
    wait_code(page, "(c) => c === '3p1-1-0'")
    page.wait_for_selector("img.ml-hospital-1")
    assert page.inner_text(".ml-lane-title-1") == "Kaiser Permanente-like"
    replay_code(page, "3p1-1-156")
    page.wait_for_function(
        "() => document.querySelector('.ml-verdict').innerText.includes('Kaiser Permanente-like')"
    )
    assert "than Leaders set up to fail" in page.inner_text(".ml-verdict")
    assert blocked == []


def test_story_mode_walks_to_the_end(app_page, blocked, workshop_url, tmp_path):
    page = app_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(workshop_url + "?story=1")
    page.wait_for_selector(".ml-story-caption", timeout=60_000)
    assert "predicts" in page.inner_text(".ml-story-caption")
    assert page.locator(".ml-next:disabled").count() == 1  # the prediction comes first
    page.click(".ml-predict-high")
    page.wait_for_selector(".ml-next:enabled")
    captions = []
    for expect in ("the first ward, clinic or team has improved", "is withdrawn", "predicted"):
        page.keyboard.press("ArrowRight")  # a clicker's button is Next in story mode
        page.wait_for_function(
            "(t) => document.querySelector('.ml-story-caption').innerText.includes(t)",
            arg=expect,
            timeout=90_000,
        )
        captions.append(page.inner_text(".ml-story-caption"))
        if expect == "is withdrawn":
            shot(page, tmp_path, "workshop-story")
        for sel in (".ml-story-caption", "img.ml-proj-hospital", "img.ml-proj-curves", ".ml-next"):
            assert inside(page.locator(sel).bounding_box()), (expect, sel)
    assert week(page) == 156
    assert captions[1].startswith("Week 104: the programme is withdrawn")
    assert "The room predicted: more than half." in captions[2]
    page.wait_for_selector(".ml-next:has-text('Start again')")
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
    exports = (
        ("ml-export-png", ".png"),
        ("ml-export-csv", ".csv"),
        ("ml-export-handout", ".pdf"),
        ("ml-export-slide", ".png"),
        ("ml-export-run-handout", ".pdf"),
    )
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


def test_seed_is_settable_and_projector_mode_hides_the_controls(app_page, blocked):
    page = app_page
    page.fill(".ml-seed input", "7")
    page.press(".ml-seed input", "Enter")
    wait_code(page, "(c) => c === '0p-7-0'")
    page.click(".ml-projector")
    page.wait_for_selector(".ml-preset", state="detached")
    assert page.locator(".ml-explain").count() == 0
    page.wait_for_selector("img.ml-proj-hospital")
    page.click(".ml-step")
    wait_week(page, "(w) => w === 1")
    page.click(".ml-projector-exit")
    page.wait_for_selector(".ml-preset")
    wait_code(page, "(c) => c === '0p-7-1'")
    assert blocked == []


def inside(box, width=1280, height=720) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width + 0.5
        and box["y"] + box["height"] <= height + 0.5
    )


@pytest.fixture
def projector_page(app_page, workshop_url):
    page = app_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(workshop_url + "?projector=1")
    page.wait_for_selector("img.ml-proj-hospital", timeout=60_000)
    page.wait_for_selector("img.ml-proj-curves")
    return page


def test_projector_mode_fits_1280x720(projector_page, blocked, tmp_path, workshop_url):
    page = projector_page
    page.goto(workshop_url + "?projector=1&code=0p-1-60")  # the guide's screenshot
    wait_week(page, "(w) => w === 60", timeout=60_000)
    page.wait_for_selector("img.ml-proj-hospital")
    assert page.locator(".ml-preset").count() == 0  # no sidebar
    boxes = {
        "hospital": page.locator("img.ml-proj-hospital").bounding_box(),
        "curves": page.locator("img.ml-proj-curves").bounding_box(),
        **{
            cls: page.locator(f".ml-proj-kpis .{cls}").bounding_box()
            for cls in ("ml-kpi-committed", "ml-kpi-compliant", "ml-kpi-practising", "ml-kpi-ms")
        },
        **{b: page.locator(f".ml-{b}").bounding_box() for b in ("step", "play", "withdraw")},
    }
    for name, box in boxes.items():
        assert inside(box), f"{name} is not inside the 1280x720 screen: {box}"
    # Pictures are shown at the size they are drawn (one PNG pixel per screen pixel), so
    # the picture's text sizes (>= 18 px, tests/test_workshop_projector.py) are on screen.
    for cls in ("ml-proj-hospital", "ml-proj-curves"):
        natural, shown = page.evaluate(
            "(c) => { const i = document.querySelector('img.' + c);"
            " return [i.naturalWidth, i.getBoundingClientRect().width]; }",
            cls,
        )
        assert abs(natural - shown) < 1, (cls, natural, shown)
    # The page's own text in projector mode is at least 18 px.
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('.ml-proj *')]"
        ".filter(e => e.offsetParent && [...e.childNodes].some("
        "n => n.nodeType === 3 && n.textContent.trim()))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 18, smallest
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    shot(page, tmp_path, "workshop-projector")
    assert blocked == []


def test_projector_keys(projector_page, blocked):
    page = projector_page
    page.keyboard.press("ArrowRight")
    assert wait_week(page, "(w) => w === 1") == 1
    page.keyboard.press("PageDown")  # what a presentation clicker sends
    assert wait_week(page, "(w) => w === 2") == 2
    page.keyboard.press("Space")
    page.wait_for_selector(".ml-pause")
    wait_week(page, "(w) => w >= 4")
    page.keyboard.press("Space")
    page.wait_for_selector(".ml-play")
    stopped = week(page)
    page.wait_for_timeout(1200)
    assert week(page) == stopped, "Space did not pause"
    page.keyboard.press("w")
    page.wait_for_function(
        "() => document.querySelector('.ml-proj-status').innerText.includes('withdrawn')"
    )
    page.keyboard.press("r")
    assert wait_week(page, "(w) => w === 0") == 0
    page.click(".ml-words")  # the glossary instead of the picture, and back
    page.wait_for_selector(".ml-proj-glossary")
    assert "Reactance" in page.inner_text(".ml-proj-glossary")
    assert inside(page.locator(".ml-proj-glossary").bounding_box())  # all of it on screen
    page.click(".ml-words")
    page.wait_for_selector("img.ml-proj-hospital")
    assert blocked == []
