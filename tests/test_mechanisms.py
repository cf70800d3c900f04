"""Hand-computed checks of every mechanism in ``model/mechanisms.py`` (verification).

Each expected number is worked out in the comment beside it from the equation in the
mechanism's docstring, so a change to an equation shows up here as a wrong number.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from medlead.model import Params, build_organisation
from medlead.model import mechanisms as mech
from medlead.model.dynamics import persuasion_hours, phase, step
from medlead.model.organisation import Role, World
from medlead.model.state import derive_constants, initial_state

approx = lambda x: pytest.approx(x, abs=1e-12)  # noqa: E731


def test_decay_factor_halves_over_the_half_life():
    assert mech.decay_factor(1.0) == 0.5  # 2^(-1/1)
    assert mech.decay_factor(2.0) == approx(0.7071067811865476)  # 2^(-1/2) = 1/sqrt(2)
    assert mech.decay_factor(52.0) ** 52 == approx(0.5)


def test_line_reach_follows_the_management_ties():
    # A line 0 (top) -> 1 -> 2 -> 3, and 4 with no tie to the line. Rows are subordinates.
    line = sp.csr_array((np.ones(3), (np.array([1, 2, 3]), np.array([0, 1, 2]))), shape=(5, 5))
    top = np.array([1.0, 0, 0, 0, 0])
    # transmission per tie (in CSR order: rows 1, 2, 3): 0.9, 0.9 * 1.2 (a good duality), 0.9
    reach = mech.line_reach(line, top, np.array([0.9, 1.08, 0.9]))
    # 0: 1;  1: 0.9;  2: 0.9 * 1.08 = 0.972;  3: 0.972 * 0.9 = 0.8748;  4: no tie, 0
    assert reach.tolist() == approx([1.0, 0.9, 0.972, 0.8748, 0.0])
    # A line with a cycle (0 reports to 3) never settles: refused.
    cyclic = sp.csr_array(
        (np.ones(4), (np.array([0, 1, 2, 3]), np.array([3, 0, 1, 2]))), shape=(5, 5)
    )
    with pytest.raises(ValueError, match="cycle"):
        mech.line_reach(cyclic, top, np.full(4, 0.9))


def test_pressure_reaching():
    # q = min(1, P * reach); p = q * (1 - (1 - kappa) * a)
    q, p = mech.pressure_reaching(
        0.8,
        reach=np.array([1.0, 0.5, 1.0, 1.5]),
        coupling=np.array([1.0, 0.3, 0.0, 0.5]),
        autonomy=np.array([0.2, 0.8, 1.0, 0.0]),
    )
    # 0: a manager (kappa=1) at the top feels it all:   q = 0.8, p = 0.8
    # 1: autonomous clinician, half the line's reach:   q = 0.4, p = 0.4 * (1 - 0.56) = 0.176
    # 2: full autonomy, no coupling: nothing binds:     q = 0.8, p = 0
    # 3: reach above 1, capped; no autonomy:            q = min(1, 1.2) = 1, p = 1
    assert q.tolist() == approx([0.8, 0.4, 0.8, 1.0])
    assert p.tolist() == approx([0.8, 0.176, 0.0, 1.0])
    q, p = mech.pressure_reaching(0.0, np.ones(2), np.ones(2), np.zeros(2))
    assert q.tolist() == [0.0, 0.0] and p.tolist() == [0.0, 0.0]


def test_reactance_lowers_receptivity_persistently():
    # loss = min(1, rho * q * a * (1 - s)); r' = r - loss * r; r'' = r' + (1 - r') * recovery
    r = mech.reactance_update(
        np.array([1.0, 0.5]),
        applied=np.array([0.8, 0.8]),
        autonomy=np.array([0.5, 1.0]),
        resonance=0.5,
        reactance=0.2,
        recovery=0.1,
    )
    # 0: loss = 0.2*0.8*0.5*0.5 = 0.04; r' = 0.96; r'' = 0.96 + 0.04*0.1 = 0.964
    # 1: loss = 0.2*0.8*1.0*0.5 = 0.08; r' = 0.5 - 0.04 = 0.46; r'' = 0.46 + 0.054 = 0.514
    assert r.tolist() == approx([0.964, 0.514])
    # A fully resonant change provokes no reactance; receptivity only recovers:
    # r'' = 0.5 + 0.5 * 0.1 = 0.55.
    r = mech.reactance_update(np.array([0.5]), np.ones(1), np.array([1.0]), 1.0, 1.0, 0.1)
    assert r.tolist() == approx([0.55])
    # The loss is capped at everything: r' = 0, r'' = recovery = 0.1.
    r = mech.reactance_update(np.array([0.7]), np.ones(1), np.array([1.0]), 0.0, 1.0, 0.1)
    assert r.tolist() == approx([0.1])


def test_resistance_spreads_within_a_microsystem():
    # r' = r + rate * (mean of the microsystem's clinical members - r)
    receptivity = np.array([1.0, 0.4, 0.7, 0.2, 0.9])
    members = np.array([0, 1, 2, 3])  # person 4 is outside (e.g. a manager): unchanged
    r = mech.resistance_spread(
        receptivity, members, np.array([0, 0, 0, 1]), np.array([3.0, 1.0]), 0.5
    )
    # microsystem 0: mean (1 + 0.4 + 0.7) / 3 = 0.7: 0 -> 0.85, 1 -> 0.55, 2 -> 0.7
    # microsystem 1: alone, mean 0.2: unchanged
    assert r.tolist() == approx([0.85, 0.55, 0.7, 0.2, 0.9])
    assert mech.resistance_spread(receptivity, members, members * 0, np.ones(1), 0.0) is receptivity


def test_boomerang_turns_the_resistant_against_the_change():
    # c' = c - b * q * (1 - r) * c with b = 0.5
    c = mech.boomerang(
        np.array([0.6, 0.6, 0.4]), np.array([1.0, 0.0, 0.5]), np.array([0.5, 0.0, 1.0]), 0.5
    )
    # 0: 0.6 - 0.5 * 1 * 0.5 * 0.6 = 0.45;  1: no pressure: 0.6;  2: fully receptive: 0.4
    assert c.tolist() == approx([0.45, 0.6, 0.4])


def test_compliance_rises_to_pressure_and_decays_after():
    k = mech.compliance_update(
        np.array([0.0, 0.6, 0.8, 0.5]),
        np.array([0.5, 0.5, 0.0, 0.5]),
        gain=0.3,
        decay=0.5,
    )
    # 0: below the pressure: 0 + 0.3 * (0.5 - 0) = 0.15
    # 1: above the pressure: max(0.5, 0.6 * 0.5 = 0.3) = 0.5 (held while pressure lasts)
    # 2: no pressure: max(0, 0.8 * 0.5) = 0.4 (decays with its half-life)
    # 3: at the pressure: max(0.5, 0.25) = 0.5
    assert k.tolist() == approx([0.15, 0.5, 0.4, 0.5])


def test_culture_and_stigma_change_slowly():
    # g = 1 - 2^(-t/h): 0 at week 0, 1/2 after one half-life, 3/4 after two
    assert mech.culture_maturity(0, 104.0) == 0.0
    assert mech.culture_maturity(104, 104.0) == approx(0.5)
    assert mech.culture_maturity(208, 104.0) == approx(0.75)
    # sigma_t = sigma * (1 - e * v * g): 0.5 * (1 - 0.5 * 0.8 * 0.5) = 0.4
    assert mech.stigma_now(0.5, 0.8, 0.5, 0.5) == approx(0.4)
    assert mech.stigma_now(0.5, 0.8, 0.5, 0.0) == approx(0.5)  # nothing at the start


def test_effective_credibility_discounts_leaders_seen_as_management():
    e = mech.effective_credibility(
        np.array([0.8, 0.8, 0.5, 1.0]),
        identification=np.array([0.0, 1.0, 0.5, 0.0]),
        stigma=0.45,
        duality_factor=np.array([1.0, 1.0, 1.5, 1.5]),
        is_director=np.array([False, False, True, True]),
    )
    # 0: no identification: 0.8
    # 1: fully identified: 0.8 * (1 - 0.45) = 0.44
    # 2: clinical director: 0.5 * (1 - 0.45 * 0.5) * 1.5 = 0.5 * 0.775 * 1.5 = 0.58125
    # 3: clinical director with a good duality: 1.0 * 1.5 -> capped at 1
    assert e.tolist() == approx([0.8, 0.44, 0.58125, 1.0])


COMMITMENT = np.array([0.1, 0.6, 0.3, 0.2, 0.45])
CONVERTED = np.array([False, False, False, True, False])
INFLUENCE = np.array([1.0, 3.0, 1.0, 1.0, 6.0])


def test_choose_targets_least_committed():
    # score = 0 if c >= 0.5 else 1 + converted + 0.5 * (1 - c)
    #   person: 0 -> 1.45, 1 -> 0 (committed), 2 -> 1.35, 3 -> 2.4 (eroded convert),
    #           4 -> 1.275
    cands = np.array([[0, 2, 4], [2, 3, 1], [1, 1, 1], [4, 2, 4]])
    chosen, ok = mech.choose_targets(
        cands, COMMITMENT, CONVERTED, INFLUENCE, 0.5, "least_committed"
    )
    # row 0: least committed (0); row 1: the eroded convert is revisited first (3);
    # row 2: everyone sampled is committed, nobody chosen; row 3: 2 (1.35 > 1.275).
    assert ok.tolist() == [True, True, False, True]
    assert chosen[ok].tolist() == [0, 3, 2]


def test_choose_targets_most_influential_and_ties():
    # q = w / max w = w / 6; score = 1 + converted + 0.5 * q
    #   person: 0 -> 1.0833, 1 -> 0 (committed), 2 -> 1.0833, 3 -> 2.0833, 4 -> 1.5
    cands = np.array([[0, 2, 4], [2, 3, 1], [2, 0, 2], [0, 2, 0]])
    chosen, ok = mech.choose_targets(
        cands, COMMITMENT, CONVERTED, INFLUENCE, 0.5, "most_influential"
    )
    # rows 2 and 3 tie between 0 and 2: the first sampled wins.
    assert ok.all()
    assert chosen.tolist() == [4, 3, 2, 0]
    chosen, ok = mech.choose_targets(
        np.zeros((0, 3), np.int64), COMMITMENT, CONVERTED, INFLUENCE, 0.5, "least_committed"
    )
    assert chosen.size == 0 and ok.size == 0


def test_choose_revisits_picks_the_most_eroded_convert_but_not_the_engagement():
    # eligible: converted and c < 0.5 and not the current target; least committed wins
    converted = np.array([True, True, False, True, True])
    commitment = np.array([0.3, 0.1, 0.0, 0.6, 0.1])
    cands = np.array([[0, 1, 2], [1, 0, 4], [3, 2, 2], [4, 1, 0]])
    target = np.array([1, -1, -1, 4])
    chosen, ok = mech.choose_revisits(cands, commitment, converted, target, 0.5)
    # row 0: 1 is the engagement, so 0 (c 0.3); row 1: 1 and 4 tie at 0.1, the first wins
    # row 2: 3 is committed, 2 never converted: nobody; row 3: 4 is the engagement, 1 wins
    assert ok.tolist() == [True, True, False, True]
    assert chosen[ok].tolist() == [0, 1, 1]


def test_split_hours_and_depth():
    hours = np.array([4.0, 4.0, 4.0, 4.0])
    engaged = np.array([True, True, False, False])
    revisiting = np.array([True, False, True, False])
    h_eng, h_rev = mech.split_hours(hours, engaged, revisiting, 0.25)
    # both: 1 h revisit, 3 h engagement; only one: all 4 h to it; neither: nothing
    assert h_eng.tolist() == [3.0, 4.0, 0.0, 0.0]
    assert h_rev.tolist() == [1.0, 0.0, 4.0, 0.0]
    # depth = 1 - exp(-h / 2): 0 h -> 0; 2 h -> 1 - e^-1; 4 h -> 1 - e^-2
    d = mech.depth(np.array([0.0, 2.0, 4.0]), 2.0)
    assert d.tolist() == approx([0.0, 1 - np.exp(-1), 1 - np.exp(-2)])


def test_conversation_effect():
    # dc = beta * e * s * depth * r * (1 - c)
    dc = mech.conversation_effect(
        0.25,
        eff_credibility=np.array([0.8, 0.5]),
        resonance=0.5,
        depth=np.array([1.0, 0.5]),
        receptivity=np.array([1.0, 0.8]),
        commitment=np.array([0.2, 0.0]),
    )
    # 0: 0.25 * 0.8 * 0.5 * 1.0 * 1.0 * 0.8 = 0.08
    # 1: 0.25 * 0.5 * 0.5 * 0.5 * 0.8 * 1.0 = 0.025
    assert dc.tolist() == approx([0.08, 0.025])


def test_neighbour_mean_with_bounded_confidence_and_followership():
    # Edges (influenced i, influencer j, peer weight, leader weight):
    #   (0,1, 1, 0) (0,2, 3, 0) (0,3, 0, 1) (1,0, 1, 1) (2,0, 0.4, 0) (2,1, 1, 0)
    rows = np.array([0, 0, 0, 1, 2, 2])
    cols = np.array([1, 2, 3, 0, 0, 1])
    peer = np.array([1.0, 3.0, 0.0, 1.0, 0.4, 1.0])
    lead = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    ties = sp.csr_array((peer + lead, (rows, cols)), shape=(4, 4))
    c = np.array([0.2, 0.4, 0.9, 0.1])
    eff = np.array([0.5, 1.0, 0.8, 0.5])
    mean, has = mech.neighbour_mean(ties, rows, peer, lead, eff, c, bound=0.3)
    # 0: j=1 (|0.2-0.4| = 0.2, weight 1) and leader j=3 (|0.2-0.1| = 0.1, weight 1 * e_3
    #    = 0.5); j=2 is too far (0.7): mean = (1*0.4 + 0.5*0.1) / 1.5 = 0.3
    # 1: j=0 with weight 1 + 1 * e_0 = 1.5: mean = 0.2
    # 2: both neighbours too far (0.7, 0.5): no like-minded neighbour, mean = own 0.9
    # 3: no neighbours at all: own 0.1
    assert mean.tolist() == approx([0.3, 0.2, 0.9, 0.1])
    assert has.tolist() == [True, True, False, False]


def test_peer_update():
    # c' = c + mu * r * (m - c)
    c = mech.peer_update(np.array([0.2, 0.4]), np.array([1.0, 0.5]), np.array([0.3, 0.2]), 0.1)
    # 0: 0.2 + 0.1 * 1.0 * 0.1 = 0.21;  1: 0.4 + 0.1 * 0.5 * (-0.2) = 0.39
    assert c.tolist() == approx([0.21, 0.39])


def test_peer_practice_signal_weighs_colleagues_by_influence_and_fidelity():
    # W: person 0 sees 1 (weight 3: a consultant) and 2 (weight 1); 1 sees 0; 3 sees nobody
    w = sp.csr_array(
        (np.array([3.0, 1.0, 1.0]), (np.array([0, 0, 1]), np.array([1, 2, 0]))), shape=(4, 4)
    )
    practising = np.array([True, True, True, False])
    fidelity = np.array([1.0, 0.5, 1.0, 1.0])
    s_ = mech.peer_practice_signal(w, w @ np.ones(4), practising, fidelity)
    # 0: (3 * 0.5 + 1 * 1) / 4 = 0.625;  1: 1 * 1 / 1 = 1;  2, 3: no colleagues, 0
    assert s_.tolist() == approx([0.625, 1.0, 0.0, 0.0])


def test_practice_is_a_threshold_on_belief_compulsion_peers_and_habit():
    # drive = (1 - w) * max(c, k) + w * s with w = 0.5; practise iff drive >= theta * (1 -
    # w_h * H), with w_h = 0.5
    prac = mech.practice(
        commitment=np.array([0.5, 0.25, 0.0, 0.5, 0.25, 0.25]),
        compliance=np.array([0.0, 0.75, 0.0, 0.5, 0.75, 0.0]),
        peer_signal=np.array([0.0, 0.0, 1.0, 0.5, 0.0, 0.5]),
        habit=np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0]),
        threshold=np.array([0.25, 0.5, 0.5, 0.625, 0.375, 0.6]),
        peer_weight=0.5,
        habit_weight=0.5,
    )
    # 0: 0.5*0.5 = 0.25 >= 0.25 (at the threshold counts)      -> True
    # 1: 0.5*0.75 = 0.375 < 0.5                                  -> False
    # 2: peers alone: 0.5*1 = 0.5 >= 0.5                         -> True
    # 3: 0.5*0.5 + 0.5*0.5 = 0.5 < 0.625                         -> False
    # 4: compliance carries: 0.5*0.75 = 0.375 >= 0.375           -> True
    # 5: drive 0.125 + 0.25 = 0.375; a full habit halves the bar: 0.3 -> True
    assert prac.tolist() == [True, False, True, False, True, True]


def test_fidelity_and_belief_share():
    c = np.array([0.6, 0.2, 0.0, 0.3])
    k = np.array([0.0, 0.6, 0.0, 0.3])
    # b = c / (c + k): 1, 0.25, 1 (no motive at all), 0.5
    assert mech.belief_share(c, k).tolist() == approx([1.0, 0.25, 1.0, 0.5])
    # graded f = b + 0.2 (1 - b): 1, 0.25 + 0.15 = 0.4, 1, 0.5 + 0.1 = 0.6
    assert mech.fidelity(c, k, 0.2, "graded").tolist() == approx([1.0, 0.4, 1.0, 0.6])
    # binary: 1 where c >= k, else 0.2
    assert mech.fidelity(c, k, 0.2, "binary").tolist() == approx([1.0, 0.2, 1.0, 1.0])


def test_habit_builds_with_practice_and_fades_without():
    # H' = H + 0.2 (1 - H) while practising, else H * 0.5
    h = mech.habit_update(np.array([0.0, 0.5, 0.5]), np.array([True, True, False]), 0.2, 0.5)
    assert h.tolist() == approx([0.2, 0.6, 0.25])


def test_internalisation_where_results_show_and_by_motive():
    # c' = c + lambda * P * r * (1 + perf) * g * (1 - c), lambda = 0.1, phi = 0.5
    args = dict(
        practising=np.array([True, True, False, True, True]),
        performance=np.array([0.0, 1.0, 1.0, 0.5, 0.0]),
        receptivity=np.array([1.0, 1.0, 1.0, 0.5, 1.0]),
        rate=0.1,
        compelled=0.5,
    )
    c0 = np.array([0.5, 0.5, 0.5, 0.0, 0.2])
    k0 = np.array([0.0, 0.0, 0.0, 0.0, 0.6])
    c = mech.internalise(c0, k0, form="self_determination", **args)
    # 0: committed practice, g = 1: 0.5 + 0.1 * 0.5 = 0.55
    # 1: performance doubles the rate: 0.5 + 0.2 * 0.5 = 0.6
    # 2: not practising: unchanged 0.5
    # 3: 0 + 0.1 * 0.5 * 1.5 * 1 * 1 = 0.075 (no motive at all counts as b = 1)
    # 4: b = 0.2 / 0.8 = 0.25, g = 0.25 + 0.5 * 0.75 = 0.625: 0.2 + 0.1*0.625*0.8 = 0.25
    assert c.tolist() == approx([0.55, 0.6, 0.5, 0.075, 0.25])
    c = mech.internalise(c0, k0, form="dissonance", **args)
    # dissonance: g = 1 - (1 - 0.5) * k: rows 0-3 as above (k = 0); 4: g = 0.7:
    # 0.2 + 0.1 * 0.7 * 0.8 = 0.256
    assert c.tolist() == approx([0.55, 0.6, 0.5, 0.075, 0.256])


def test_erosion():
    # x' = x * 2^(-1/h): with h = 1 it halves each week
    assert mech.erode(np.array([0.8, 0.0]), mech.decay_factor(1.0)).tolist() == [0.4, 0.0]


def test_performance_follows_practice_with_a_lag():
    # perf' = perf + (s - perf) / L with L = 4
    perf = mech.performance_update(np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.5, 0.0]), 4.0)
    # 0: 0 + 1/4 = 0.25;  1: unchanged 0.5;  2: 1 - 1/4 = 0.75
    assert perf.tolist() == approx([0.25, 0.5, 0.75])


# ---------------------------------------------------------------- the week's composition


def test_phase_by_strategy_and_week():
    base = Params(resonance=0.5, intervention_start=2, withdrawal_week=5)
    assert phase(base.replace(strategy="none"), 3) == (False, 0.0, 0.5, False)
    mandate = base.replace(strategy="mandate", mandate_pressure=0.8)
    assert phase(mandate, 1) == (False, 0.0, 0.5, False)  # before the start
    assert phase(mandate, 2) == (True, 0.8, 0.5, False)
    assert phase(mandate, 5) == (False, 0.0, 0.5, False)  # withdrawn at week 5
    assert phase(mandate, 3, withdrawn=True) == (False, 0.0, 0.5, False)
    assert phase(base.replace(strategy="persuasion"), 4) == (True, 0.0, 0.5, True)
    # hybrid: goal pressure, resonance 0.5 + 0.4 * (1 - 0.5) = 0.7, programme time
    hybrid = base.replace(strategy="hybrid", goal_pressure=0.15, goal_resonance_boost=0.4)
    active, pressure, resonance, programme = phase(hybrid, 4)
    assert (active, pressure, programme) == (True, 0.15, True)
    assert resonance == approx(0.7)


def test_persuasion_hours():
    params = Params(n_directorates=1, microsystems_per_directorate=1, champion_hours=1.0)
    org = build_organisation(params, np.random.default_rng(0))
    s = initial_state(org, params)
    s.leadership_time = np.zeros(org.n)
    s.leadership_time[:3] = [1.0, 2.0, 0.0]
    s.workload = np.full(org.n, 0.25)
    s.champion = np.zeros(org.n, bool)
    s.champion[2] = True
    # paid = PAs * 4 h * (1 - workload): 1 PA -> 3 h, 2 PAs -> 6 h; the champion gets 1 h
    assert persuasion_hours(s, params, True)[:3].tolist() == approx([3.0, 6.0, 1.0])
    # hybrid: goal reporting takes 20%: 2.4 h and 4.8 h; the champion's hours are unpaid
    hyb = params.replace(strategy="hybrid", goal_time_cost=0.2)
    assert persuasion_hours(s, hyb, True)[:3].tolist() == approx([2.4, 4.8, 1.0])
    # no programme (withdrawn): only champions carry on
    assert persuasion_hours(s, params, False)[:3].tolist() == approx([0.0, 0.0, 1.0])


def test_mandate_week_on_a_tiny_trust():
    """One consultant, one (ward leader) nurse, a manager, a GM and the executive team."""
    params = Params(
        n_directorates=1,
        microsystems_per_directorate=1,
        consultants_per_microsystem=1,
        juniors_per_microsystem=0,
        nurses_per_microsystem=1,
        size_heterogeneity=0.0,
        duality_quality_mean=0.5,
        duality_quality_sd=0.0,
        strategy="mandate",
        mandate_pressure=0.5,
        hierarchy_coupling=0.5,
        compliance_gain=0.5,
        reactance=0.0,
        peer_influence=0.0,
        internalisation_rate=0.0,
        line_transmission=1.0,
    )
    org = build_organisation(params, np.random.default_rng(1))
    assert org.n == 7  # consultant, ward leader, manager, GM, CEO, MD, ND
    # The line: CEO -> GM, MD, ND; GM -> microsystem manager (x duality factor 0.5 + 0.5);
    # manager -> consultant and ward leader. With line_transmission 0.9 the reach is
    # 0.9 per tie: GM, MD, ND 0.9; manager 0.81; consultant and ward leader 0.729.
    lossy = derive_constants(org, params.replace(line_transmission=0.9))
    assert lossy.reach.tolist() == approx([0.729, 0.729, 0.81, 0.9, 1.0, 0.9, 0.9])
    const = derive_constants(org, params)
    assert const.reach.tolist() == approx([1.0] * 7)
    s = initial_state(org, params)
    s.autonomy = np.full(org.n, 0.5)
    step(s, const, params, np.random.default_rng(2))
    # duality factor 0.5 + 0.5 = 1 in the directorate (and 1 for the executive team)
    # clinicians: p = 0.5 * (1 - (1 - 0.5) * 0.5) = 0.375, compliance 0.5 * 0.375 = 0.1875
    # managers (coupling 1): p = 0.5, compliance 0.5 * 0.5 = 0.25
    expected = np.where(org.world == World.MANAGER, 0.25, 0.1875)
    assert s.compliance.tolist() == approx(expected.tolist())
    # four clinicians (consultant, ward leader, medical and nursing directors) and three
    # managers (microsystem manager, general manager, chief executive): 4*0.375 + 3*0.5
    assert s.pressure_spent == approx(4 * 0.375 + 3 * 0.5)


def test_persuasion_week_on_a_tiny_trust():
    """One consultant (the clinical director), a ward leader and a nurse, plus managers and
    the executive team; every number below is worked out by hand."""
    params = Params(
        n_directorates=1,
        microsystems_per_directorate=1,
        consultants_per_microsystem=1,
        juniors_per_microsystem=0,
        nurses_per_microsystem=2,
        size_heterogeneity=0.0,
        leader_share=1.0,
        strategy="persuasion",
        leader_time_pa=1.0,
        workload=0.5,
        hours_per_conversation=2.0,
        conversation_effect=0.25,
        resonance=0.5,
        candidate_sample=50,
        champion_rate=0.0,
        top_reinforcement=0.0,
        peer_influence=0.0,
        internalisation_rate=0.0,
    )
    org = build_organisation(params, np.random.default_rng(0))
    # 0 consultant (clinical director), 1 ward leader, 2 nurse, 3 microsystem manager,
    # 4 general manager, 5 chief executive, 6 medical director, 7 nursing director
    assert [Role(r).name for r in org.role] == [
        "CONSULTANT",
        "WARD_LEADER",
        "NURSE",
        "MICROSYSTEM_MANAGER",
        "GENERAL_MANAGER",
        "CHIEF_EXECUTIVE",
        "MEDICAL_DIRECTOR",
        "NURSING_DIRECTOR",
    ]
    # Scopes: the CD has no other consultant; MD -> {0}; ward leader -> {2};
    # ND -> {1, 2}; the nurse's peers -> {1}.
    assert org.scope_of(0).size == 0
    assert org.scope_of(6).tolist() == [0]
    assert org.scope_of(1).tolist() == [2]
    assert org.scope_of(7).tolist() == [1, 2]
    const = derive_constants(org, params)
    s = initial_state(org, params)
    s.commitment = np.full(org.n, 0.2)
    s.commitment[1] = 0.6  # the ward leader is already committed: nobody picks them
    s.credibility = np.full(org.n, 0.8)
    s.identification = np.zeros(org.n)  # no stigma discount
    step(s, const, params, np.random.default_rng(3))
    # Hours: PAs x 4 h x (1 - 0.5): ward leader 1 PA -> 2 h; MD, ND and CD 2 PAs -> 4 h
    # (director_time_factor 2). Targets: MD -> 0, ward leader -> 2, ND -> 2 (1 is
    # committed); the CD has nobody in scope.
    assert s.target.tolist() == [-1, 2, -1, -1, -1, -1, 0, 2]
    assert s.weeks_left[[1, 6, 7]].tolist() == [params.engagement_weeks - 1] * 3
    # Each conversation: 0.25 * 0.8 * 0.5 * depth * receptivity 1 * (1 - 0.2) = 0.08 depth,
    # depth = 1 - exp(-h / 2): 2 h -> 1 - e^-1, 4 h -> 1 - e^-2. Consultant 0 (the MD's
    # 4 h): 0.2 + 0.08 (1 - e^-2); nurse 2 (ward leader 2 h and ND 4 h): 0.2 + 0.08 (2 -
    # e^-1 - e^-2). Then a week's erosion with the 52-week half-life.
    f = 2.0 ** (-1.0 / params.commitment_half_life)
    c0 = 0.2 + 0.08 * (1 - np.exp(-2))
    c2 = 0.2 + 0.08 * (2 - np.exp(-1) - np.exp(-2))
    expected = np.array([c0, 0.6, c2, 0.2, 0.2, 0.2, 0.2, 0.2]) * f
    assert s.commitment.tolist() == approx(expected.tolist())
    # Every hour is delivered when there is someone to talk to: 2 + 4 + 4 (no convert to
    # revisit yet, so it all goes to the engagements).
    assert s.leadership_hours == approx(10.0)
