"""The workshop's run controller and pictures, without a browser."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from medlead.model import REPORTERS
from medlead.workshop.adapter import Controls
from medlead.workshop.run import WorkshopRun, decode_session, replay, same_curves

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def mandate_run():
    run = WorkshopRun(Controls(strategy="mandate", seed=5))
    run.step(12)
    return run


def test_step_advances_and_stops_at_the_horizon():
    run = WorkshopRun(Controls(seed=2).with_slider("stigma", 0.3))
    run.step(3)
    assert run.week == 3 and run.model.history.shape[0] == 4
    run.step(10_000)
    assert run.at_end and run.week == run.params.weeks


def test_withdraw_stops_pressure_next_week(mandate_run):
    run = WorkshopRun(Controls(strategy="mandate", seed=5))
    run.step(5)
    assert run.can_withdraw and run.model.state.pressure > 0
    assert run.withdraw()
    assert run.withdrawn_at == 5 and not run.can_withdraw
    run.step()
    assert run.model.state.pressure == 0
    assert not run.withdraw()  # nothing left to withdraw


def test_reset_with_impossible_controls_keeps_the_run():
    run = WorkshopRun()
    run.step(2)
    problems = run.reset(Controls(sliders=(("leader_share", 0.02),)))
    assert problems and run.week == 2 and run.problems == problems


def test_reset_applies_preset_strategy_and_seed():
    run = WorkshopRun()
    run.step(2)
    assert run.reset(Controls("machine", "mandate", seed=9)) == []
    assert run.week == 0 and run.params.autonomy == 0.3 and run.params.strategy == "mandate"
    assert run.model.seed == 9


def test_compare_mode_same_hospital_two_strategies_diverge():
    run = WorkshopRun(Controls(seed=4), compare="mandate")
    a, b = (ln.model for ln in run.lanes)
    assert [ln.strategy for ln in run.lanes] == ["persuasion", "mandate"]
    assert np.array_equal(a.organisation.role, b.organisation.role)
    assert np.array_equal(a.organisation.commitment0, b.organisation.commitment0)
    run.step(20)
    assert a.week == b.week == 20
    col = REPORTERS.index("compliant_share")
    assert a.history[-1, col] != b.history[-1, col]
    text = run.comparison_text()
    assert "persuasion:" in text and "mandate:" in text and "%" in text


def test_compare_with_the_same_strategy_is_single_mode():
    run = WorkshopRun(Controls(strategy="mandate"), compare="mandate")
    assert len(run.lanes) == 1 and run.compare is None


def test_comparison_text_after_withdrawal():
    run = WorkshopRun(Controls(seed=1).with_slider("compliance_half_life", 8), compare="mandate")
    run.step(30)
    run.withdraw()
    run.step(52)
    assert "52 weeks after withdrawal" in run.comparison_text()


def test_session_code_replays_the_same_curves():
    run = WorkshopRun(Controls("kp_like", "persuasion", seed=7).with_slider("stigma", 0.6), "none")
    run.step(9)
    run.withdraw()
    run.step(4)
    code = run.session_code()
    assert len(code) < 30
    again = replay(code)
    assert again.session_code() == code and same_curves(run, again)
    assert again.fingerprint() == run.fingerprint()
    other = WorkshopRun(Controls("kp_like", "persuasion", seed=8))
    other.step(13)
    assert other.fingerprint() != run.fingerprint()


@pytest.mark.parametrize("bad", ["", "hello", "9p-1-1", "0x-1-1", "0p-a-1", "0p-1-1-99:3"])
def test_bad_session_codes_are_short_messages(bad):
    with pytest.raises(ValueError, match="session code"):
        decode_session(bad)


def test_pictures_and_exports(mandate_run):
    run = mandate_run
    pngs = run.hospital_pngs()
    assert len(pngs) == 1 and pngs[0].startswith(PNG)
    assert run.curves_png().startswith(PNG)
    assert run.lanes[0].picture.export_png().startswith(PNG)
    assert run.curves.export_png().startswith(PNG)
    text = run.csv_bytes().decode()
    assert text.startswith("# medlead workshop run; session code ")
    df = pd.read_csv(io.StringIO(text), comment="#")
    assert list(df["week"]) == list(range(run.week + 1)) and set(df["strategy"]) == {"mandate"}


def test_picture_draws_engagements_and_states():
    run = WorkshopRun(Controls(seed=3))
    run.step(8)
    pic = run.lanes[0].picture
    pic.update()
    s = run.model.state
    assert len(pic.engage.get_segments()) == int((s.target >= 0).sum()) > 0
    shown_practising = len(pic.dot.get_offsets()) + len(pic.tickbox.get_offsets())
    assert shown_practising == int(s.practising.sum())
    cnc = (s.compliance >= 0.5) & (s.commitment < 0.5)
    assert len(pic.ring.get_offsets()) == int(cnc.sum())
    shown = np.concatenate([sc.get_array() for _, sc in pic.people.values()])
    assert shown.size == run.model.organisation.n


def test_tick_box_practice_is_drawn_apart_under_a_mandate(mandate_run):
    pic = mandate_run.lanes[0].picture
    pic.update()
    s = mandate_run.model.state
    practising = s.practising.astype(bool)
    # Fidelity below halfway from compelled_fidelity to 1: compliance was the stronger
    # motive when this week's practice was done.
    tick = practising & (s.fidelity < (1.0 + mandate_run.params.compelled_fidelity) / 2.0)
    assert tick.any(), "a mandate at week 12 should leave some practice compelled"
    assert s.fidelity[tick].max() < s.fidelity[practising & ~tick].min()
    assert len(pic.tickbox.get_offsets()) == int(tick.sum())
    assert len(pic.dot.get_offsets()) == int((practising & ~tick).sum())


def test_management_line_follows_the_pressure_its_ties_pass_on(mandate_run):
    pic = mandate_run.lanes[0].picture
    pic.update()
    widths = np.asarray(pic.line.get_linewidth())
    p = mandate_run.model.state.pressure
    assert p > 0
    assert np.allclose(widths, 1.5 + 8.0 * np.minimum(1.0, p * pic.seg_reach))
    # Directorates' branches differ with the duality of their general manager.
    assert len(set(np.round(widths[1::2], 6))) > 1


def test_comparison_text_names_tick_box_practice():
    run = WorkshopRun(Controls(strategy="persuasion", seed=1), compare="mandate")
    run.step(60)
    text = run.comparison_text()
    assert "mandate:" in text and "faithfully" in text.split("mandate:")[1]
    assert "faithfully" not in text.split("mandate:")[0]


def test_app_module_exposes_page():
    from medlead.workshop import app

    assert callable(app.Page)


def test_compare_verdict_is_one_plain_sentence():
    year = replay("0pm-1-156")
    text = year.verdict()
    assert text.startswith("A year after withdrawal, persuasion leaves ")
    assert "points more clinical staff practising than the mandate" in text
    points = int(text.split(" leaves ")[1].split(" point")[0])
    pcol = REPORTERS.index("practising_share")
    p, m = (ln.model.history[156, pcol] for ln in year.lanes)
    assert points == round(100 * (p - m))
    swapped = replay("0mp-1-156").verdict()
    assert swapped == text  # the sentence names the one ahead, whichever lane it is
    early = replay("0pm-1-20").verdict()
    assert early.startswith("At week 20, ")
    assert replay("0p-1-20").verdict() == ""
