"""Story mode and compare mode for the room, without a browser: the stops of the guide's
plan, the prediction revealed, hospitals compared, the other seeds' answer, and the
slide and handout exports of the room's run.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from medlead.model import HospitalModel, Params
from medlead.model.outputs import REPORTERS
from medlead.workshop.handout import run_handout_pdf
from medlead.workshop.run import WorkshopRun, decode_session, hold_on_seeds, replay
from medlead.workshop.story import Story, caption, outcome, prediction_choices, reveal


def walk(run: WorkshopRun) -> list[tuple[str, int]]:
    """Next, Next, ... to the end: (stop, week) at each pause."""
    story = Story()
    stops = []
    while not story.finished:
        stops.append((story.advance(run), run.week))
    return stops


def test_story_pauses_at_first_improvement_withdrawal_and_a_year_after():
    run = replay("0p-1-0")
    stops = walk(run)
    assert [s for s, _ in stops] == ["improved", "withdrawal", "after"]
    improved_week = stops[0][1]
    col = REPORTERS.index("microsystems_improved_share")
    history = run.model.history
    assert history[improved_week, col] > 0 and history[improved_week - 1, col] == 0
    assert stops[1][1] == run.params.withdrawal_week
    assert stops[2][1] == run.params.withdrawal_week + 52 == run.week


def test_a_manual_withdrawal_moves_the_last_stop():
    run = replay("0m-1-30")
    run.withdraw()
    stops = walk(run)
    assert stops[-1] == ("after", 30 + 52)
    assert "withdrawal" not in [s for s, _ in stops[:-1]] or stops[0][1] >= 30


def test_without_an_intervention_the_story_goes_to_the_horizon():
    run = replay("0n-1-0")
    assert walk(run)[-1] == ("end", run.params.weeks)


def test_the_prediction_is_asked_first_and_revealed_last():
    run = replay("0pm-1-0")
    story = Story()
    assert "predicts" in caption(run, story)
    assert set(prediction_choices(run)) == {"0", "1", "even"}
    run.prediction = "1"  # the room bets on the mandate
    walk(run)
    story = Story(stop="after")
    text = caption(run, story)
    assert outcome(run) == "0"  # persuasion ahead on seed 1 (docs/workshop.md)
    assert "The room predicted: mandate. The model says: persuasion." in text
    assert text.startswith("Week 156: A year after withdrawal, persuasion leaves")
    run.prediction = None
    assert reveal(run) == "(The room recorded no prediction.)"


def test_hospitals_can_be_compared_and_replayed():
    run = replay("3p1-1-60")
    assert run.by_hospital and [ln.preset for ln in run.lanes] == ["set_up_to_fail", "kp_like"]
    assert [ln.strategy for ln in run.lanes] == ["persuasion", "persuasion"]
    assert run.session_code() == "3p1-1-60"
    controls, compare, week, _ = decode_session("3p1-1-60")
    assert compare == "kp_like" and controls.preset == "set_up_to_fail" and week == 60
    # The second hospital is its preset, under the first lane's strategy and seed.
    alone = HospitalModel(Params.preset("kp_like").replace(strategy="persuasion"), rng=1)
    alone.run(60)
    assert (alone.history[:61] == run.lanes[1].model.history).all()
    assert "Kaiser Permanente-like" in run.verdict()
    with pytest.raises(ValueError):
        decode_session("31-1-0")  # a hospital where the strategy belongs


def test_the_other_seeds_answer_agrees_with_single_runs():
    a = Params.preset("professional")
    b = a.replace(strategy="mandate")
    ahead, behind = hold_on_seeds(a, b, 3)
    col = REPORTERS.index("practising_share")
    diffs = []
    for seed in (1, 2, 3):
        shares = []
        for p in (a, b):
            m = HospitalModel(p, rng=seed)
            m.run(p.withdrawal_week + 52)
            shares.append(m.history[-1, col])
        diffs.append(shares[0] - shares[1])
    assert ahead == sum(d >= 0.005 for d in diffs)
    assert behind == sum(d <= -0.005 for d in diffs)
    seeds = replay("0pm-1-0").seeds_question(3)
    assert seeds is not None and seeds.sentence().startswith("Does it hold on other seeds?")
    assert "of 3 hospitals" in seeds.sentence()


def test_compare_curves_show_only_practising_unless_asked():
    run = replay("0pm-1-20")
    run.curves_png()
    assert [set(d) for d in run.curves.lines] == [{"practising_share", "engagement_gap"}] * 2
    run.show_all_measures(True)
    run.curves_png()
    assert "committed_share" in run.curves.lines[0]


def test_slide_export_is_both_hospitals_with_legend_at_high_resolution():
    run = replay("0pm-1-156")
    slide = Image.open(io.BytesIO(run.compare_png()))
    one = Image.open(io.BytesIO(run.lanes[0].picture.export_png()))
    assert slide.width >= 2 * 2 * one.width  # two hospitals, twice the screen's pixels
    assert slide.height > 2 * one.height  # plus the verdict and the legend


def test_handout_of_the_room_run_renders():
    run = replay("0pm-1-156-10:0.3")
    run.prediction = "0"
    pdf = run_handout_pdf(run)
    assert pdf[:4] == b"%PDF"
    png = run_handout_pdf(run, fmt="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
