"""Projector mode without a browser: pictures drawn at their display size with text of
at least 18 px, the plain-language legend and glossary, the status line, the URL switch.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from medlead.model import Params
from medlead.workshop.adapter import Controls
from medlead.workshop.glossary import GLOSSARY
from medlead.workshop.picture import (
    PROJECTOR,
    HospitalPicture,
    SmallCurvesPicture,
    legend_handles,
    min_text_px,
    status_text,
)
from medlead.workshop.run import WorkshopRun, replay

#: The projector's column widths (app.py): picture + gap + side column <= 1280 - padding.
SIDE_PX = 370


def png_size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


@pytest.fixture(scope="module")
def run() -> WorkshopRun:
    r = WorkshopRun(Controls(seed=1))
    r.step(60)
    return r


def test_projector_pictures_fit_a_1280x720_screen_at_their_own_size(run):
    hospital, curves = run.projector_pngs()
    hw, hh = png_size(hospital)
    cw, ch = png_size(curves)
    assert hw == PROJECTOR.width_px and cw == SIDE_PX
    assert hw + 12 + cw <= 1280 - 20  # the page shows them at exactly these widths
    assert hh <= 720 - 70 and ch <= 720 - 70 - 250  # under the bar; beside the numbers


def test_the_smallest_text_in_the_projector_pictures_is_18_px(run):
    run.projector_pngs()
    hospitals, curves = run._projector
    assert min_text_px(hospitals[0].fig) >= 18.0
    assert min_text_px(curves.fig) >= 18.0


@pytest.mark.parametrize("code", ["0pm-1-30", "3p1-1-30"])
def test_compare_mode_in_projector_mode_draws_each_hospital_large(code):
    run = replay(code)
    for lane in (0, 1):
        hospital, curves = run.projector_pngs(lane)
        assert png_size(hospital)[0] == PROJECTOR.width_px  # one at a time, full size
    hospitals, small = run._projector
    assert all(min_text_px(h.fig) >= 18.0 for h in hospitals)
    assert min_text_px(small.fig) >= 18.0
    # Both lanes' practising curves, nothing else (the verdict needs the room).
    assert sorted(small.lines) == [(0, "practising_share"), (1, "practising_share")]
    assert png_size(curves)[1] <= 720 - 70 - 330  # room for the verdict beside it


def test_screen_and_projector_hospitals_show_the_same_state(run):
    screen = run.lanes[0].picture
    projector = HospitalPicture(run.model, look=PROJECTOR)
    screen.update()
    projector.update()
    assert (screen.champ.get_offsets() == projector.champ.get_offsets()).all()
    assert len(projector.dot.get_offsets()) == len(screen.dot.get_offsets()) > 0


def test_small_curves_follow_the_history(run):
    curves = SmallCurvesPicture(run.params.weeks)
    curves.update(run.model.history, run.params.withdrawal_week)
    line = curves.lines[0, "practising_share"]
    assert len(line.get_xdata()) == run.week + 1


def test_legend_says_what_a_mark_a_disc_and_a_frame_are():
    labels = [h.get_label() for h in legend_handles()]
    text = " ".join(labels).lower()
    for words in ("consultant", "nurse", "ward, clinic or team", "directorate", "champion"):
        assert words in text
    champion = next(h for h in legend_handles() if "Champion" in h.get_label())
    assert champion.get_markersize() <= 12  # a small badge, not a spiky star behind


def test_glossary_explains_the_main_screens_jargon():
    for term in ("PA", "Compliance", "Commitment", "Reactance", "Resonance", "Coupling"):
        assert term in GLOSSARY and len(GLOSSARY[term]) > 40


def test_status_after_withdrawal_counts_the_champions():
    r = WorkshopRun(Controls("professional", "mandate", seed=1))
    r.step(3)
    r.withdraw()
    assert r.model.state.champion.sum() == 0
    assert "champions carry on" not in status_text(r.model)
    assert "no champions" in status_text(r.model)
    kp = WorkshopRun(Controls("kp_like", "persuasion", seed=1))
    kp.step(kp.params.withdrawal_week + 1)
    n = int(kp.model.state.champion.sum())
    assert n > 1 and f"{n} champions carry on" in status_text(kp.model)


def test_projector_switch_in_the_address_and_changes_waiting():
    from medlead.workshop.app import changes_waiting, wants_projector

    assert wants_projector("projector=1") and wants_projector("projector")
    assert wants_projector("a=2&projector=true")
    assert not wants_projector(None) and not wants_projector("projector=0")
    base = Controls("professional")
    moved = base.with_slider("stigma", 0.2).with_slider("workload", 0.5)
    assert changes_waiting(moved, base) == 2
    assert changes_waiting(moved.with_slider("stigma", 0.3), moved) == 1
    assert changes_waiting(base, base) == 0
    assert Params.preset("professional").stigma != 0.2


def test_a_session_code_in_the_address_replays_it():
    from medlead.workshop.app import first_run

    run = first_run("projector=1&code=0m-2-12-w10")
    assert (run.session_code(), run.params.strategy, run.week) == ("0m-2-12-w10", "mandate", 12)
    assert first_run("code=nonsense").session_code() == "0p-1-0"
    assert first_run(None).session_code() == "0p-1-0"
