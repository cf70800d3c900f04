"""The explain panel's texts cover every workshop preset and every strategy."""

from __future__ import annotations

import pytest

from medlead.model import STRATEGIES
from medlead.workshop.adapter import WORKSHOP_PRESETS
from medlead.workshop.explain import EXPLAIN_DIR, explain, explain_text


@pytest.mark.parametrize("preset", WORKSHOP_PRESETS)
def test_every_preset_has_notice_try_and_idea(preset):
    assert (EXPLAIN_DIR / f"{preset}.md").is_file()
    text = explain_text(preset)
    for heading in ("### What to notice", "### Try next", "### The idea behind it"):
        assert heading in text, f"{preset}.md lacks {heading!r}"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_has_notice_try_and_idea(strategy):
    assert (EXPLAIN_DIR / f"strategy-{strategy}.md").is_file()
    text = explain_text(f"strategy-{strategy}")
    for part in ("What to notice", "Try next", "The idea"):
        assert part in text


def test_panel_changes_with_preset_and_strategy():
    panels = {explain(p, s) for p in WORKSHOP_PRESETS for s in STRATEGIES}
    assert len(panels) == len(WORKSHOP_PRESETS) * len(STRATEGIES)


def test_no_stray_files():
    names = {p.stem for p in EXPLAIN_DIR.glob("*.md")}
    expected = set(WORKSHOP_PRESETS) | {f"strategy-{s}" for s in STRATEGIES}
    assert names == expected


@pytest.mark.parametrize("preset", WORKSHOP_PRESETS)
def test_every_preset_has_a_one_page_handout(preset):
    from medlead.workshop.handout import handout_pdf

    pdf = handout_pdf(preset, seed=2, week=10)
    assert pdf.startswith(b"%PDF")
    assert b"/Count 1" in pdf  # one page
