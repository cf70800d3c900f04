"""One week of the vectorised core: the mechanisms composed in their documented order.

Random draws, in this order each week (the oracle consumes them identically):
1. ``rng.random(n)``: who among the eligible becomes a champion;
2. ``rng.random((m, K))``: candidate samples for the ``m`` persuaders (in ascending
   agent order) who need a new engagement this week.
Because the draws' sizes depend on state only through ``m``, two strategies run on the
same seed share the champion draws and, while their states agree, everything else.
"""

from __future__ import annotations

import numpy as np

from medlead.model import mechanisms as mech
from medlead.model.params import Params
from medlead.model.state import Constants, State, with_indices

PROGRAMME_STRATEGIES = ("persuasion", "hybrid")


def phase(params: Params, week: int, withdrawn: bool = False) -> tuple[bool, float, float, bool]:
    """What the intervention does in ``week``: (active, pressure, resonance, programme).

    Active from ``intervention_start`` until ``withdrawal_week`` (or an earlier manual
    withdrawal). A mandate applies ``mandate_pressure``; a hybrid's stretching goal
    applies ``goal_pressure`` and lifts resonance by ``goal_resonance_boost * (1 - s)``.
    ``programme`` is whether leaders have paid programme time (persuasion, hybrid).
    """
    active = (
        params.strategy != "none"
        and params.intervention_start <= week < params.withdrawal_week
        and not withdrawn
    )
    pressure = 0.0
    resonance = params.resonance
    if active and params.strategy == "mandate":
        pressure = params.mandate_pressure
    elif active and params.strategy == "hybrid":
        pressure = params.goal_pressure
        resonance = params.resonance + params.goal_resonance_boost * (1.0 - params.resonance)
    programme = active and params.strategy in PROGRAMME_STRATEGIES
    return active, pressure, resonance, programme


def persuasion_hours(state: State, params: Params, programme: bool) -> np.ndarray:
    """Weekly persuasion hours: paid programme time (4 h per PA, less workload, less goal
    reporting under a hybrid) or, for champions, their unpaid hours; whichever is more.
    """
    paid = np.zeros(state.commitment.size)
    if programme:
        goal = params.goal_time_cost if params.strategy == "hybrid" else 0.0
        paid = state.leadership_time * 4.0 * (1.0 - state.workload) * (1.0 - goal)
    return np.maximum(paid, params.champion_hours * state.champion)


def practising_per_microsystem(practising: np.ndarray, const: Constants) -> np.ndarray:
    """Number of clinical staff practising in each microsystem (as floats).

    Counted without weights (a weighted bincount first casts the flags to floats, 3x
    slower); the counts are whole numbers, so the floats are the same either way.
    """
    members = const.in_ms_ms[practising[const.in_ms_idx]]
    return np.bincount(members, minlength=const.n_ms).astype(float)


def step(state: State, const: Constants, params: Params, rng: np.random.Generator) -> State:
    """Advance ``state`` by one week in place and return it.

    Performance notes (docs/performance.md): masks and index arrays that do not change
    during a run come precomputed in ``const`` (:func:`~medlead.model.state.with_indices`),
    the neighbour mean reuses its edge buffers, and the peer-practice share is computed
    from one bincount over the microsystems' clinical members. Every value is the same
    to the last bit as the plain composition of the mechanisms (tests/test_golden.py).
    """
    pr = params
    s = state
    const = with_indices(const)
    cut = pr.committed_cutoff
    _, pressure, resonance, programme = phase(pr, s.week, s.withdrawn)

    # 1-2. Mandate and reactance
    if pressure == 0.0 and not (s.compliance < 0.0).any():
        # No pressure (no mandate, or withdrawn): the same equations with p = 0 reduce
        # exactly to recovery of receptivity and decay of compliance (r - 0 * r = r;
        # k' = max(0, k * decay) = k * decay for k >= 0): 12 fewer array operations.
        s.receptivity = s.receptivity + (1.0 - s.receptivity) * const.recovery
        s.compliance = s.compliance * const.compliance_decay
    else:
        p = mech.pressure_reaching(pressure, const.coupling, s.autonomy, const.duality_factor)
        s.receptivity = mech.reactance_update(
            s.receptivity, pressure, s.autonomy, resonance, pr.reactance, const.recovery
        )
        s.compliance = mech.compliance_update(
            s.compliance, p, pr.compliance_gain, const.compliance_decay
        )
        s.pressure_spent += float(p.sum())
    s.pressure = pressure

    # 3. Persuasion: champions, engagements, conversations, revisits
    u = rng.random(const.n)
    c = s.commitment
    s.champion = (s.champion & (c >= cut)) | (
        const.clinical & (c >= pr.champion_threshold) & (u < pr.champion_rate)
    )
    hours = persuasion_hours(s, pr, programme)
    # Bookkeeping on the few engaged and persuading people only (their indices, in
    # ascending order, as the whole-population masks would give them).
    engaged = np.flatnonzero(s.target >= 0)
    was = s.target[engaged]
    done_conv = c[was] >= cut
    s.converted[was[done_conv]] = True
    s.last_convert[engaged[done_conv]] = was[done_conv]
    end = done_conv | (hours[engaged] <= 0) | (s.weeks_left[engaged] <= 0)
    s.target[engaged[end]] = -1
    persuaders = np.flatnonzero(hours > 0)
    seek = persuaders[(s.target[persuaders] < 0) & (const.scope_len[persuaders] > 0)]
    draws = rng.random((seek.size, pr.candidate_sample))
    if seek.size:
        pos = const.scope_ptr[seek, None] + (draws * const.scope_len[seek, None]).astype(np.int64)
        chosen, ok = mech.choose_targets(
            const.scope_idx[pos], c, s.converted, const.influence, cut, pr.target_rule
        )
        s.target[seek[ok]] = chosen[ok]
        s.weeks_left[seek[ok]] = pr.engagement_weeks
    eff = mech.effective_credibility(
        s.credibility,
        s.identification,
        pr.stigma,
        pr.career_structure,
        const.duality_factor,
        const.is_director,
    )
    act = np.flatnonzero(s.target >= 0)
    tgt = s.target[act]
    depth = np.minimum(1.0, hours[act] / pr.hours_per_conversation)
    d_conv = mech.conversation_effect(
        pr.conversation_effect, eff[act], resonance, depth, s.receptivity[tgt], c[tgt]
    )
    # Surplus time (beyond one conversation) revisits the last convert; only persuaders
    # can have any.
    surplus = np.clip(
        (hours[persuaders] - pr.hours_per_conversation) / pr.hours_per_conversation, 0.0, 1.0
    )
    revisit = (s.last_convert[persuaders] >= 0) & (surplus > 0)
    rv = persuaders[revisit]
    surplus_rv = surplus[revisit]
    rvt = s.last_convert[rv]
    d_rev = mech.conversation_effect(
        pr.conversation_effect, eff[rv], resonance, surplus_rv, s.receptivity[rvt], c[rvt]
    )
    dc = np.bincount(tgt, weights=d_conv, minlength=const.n) + np.bincount(
        rvt, weights=d_rev, minlength=const.n
    )
    c = np.minimum(1.0, c + dc)
    s.weeks_left[act] -= 1
    used = (
        np.minimum(hours[act], pr.hours_per_conversation).sum()
        + (surplus_rv * pr.hours_per_conversation).sum()
    )
    s.leadership_hours += float(used)
    if programme and pr.top_reinforcement > 0:
        # Only leaders who hold programme time are in the programme to be reinforced
        # (with leader_time_pa = 0 there is no programme, and nothing to reinforce).
        li = const.leader_idx
        li = li[s.leadership_time[li] > 0]
        c[li] = c[li] + pr.top_reinforcement * (1.0 - c[li])

    # 5 (input). The share of a person's *other* clinical microsystem colleagues
    # practising last week (mech.peer_practice_share), and last week's performance.
    idx = const.in_ms_idx
    count = practising_per_microsystem(s.practising, const)
    share = np.zeros(const.n)
    others = const.ms_others[idx]
    share[idx] = np.where(
        others > 0,
        (count[const.in_ms_ms] - s.practising[idx]) / np.maximum(others, 1.0),
        0.0,
    )
    perf_i = np.where(const.has_ms, s.performance[const.ms_index], 0.0)

    kernels = const.edge_work.kernel
    if kernels is not None:
        # 4-7 in one compiled pass (model/accel.py): the same operations in the same
        # order as the numpy path below, so the same floats (tests/test_golden.py).
        c_out = np.empty(const.n)
        practising = np.empty(const.n, bool)
        kernels[1](
            const.ties.indptr,
            const.edge_work.indices,
            const.peer_weight,
            const.lead_weight,
            eff,
            c,
            float(pr.confidence_bound),
            s.receptivity,
            s.compliance,
            share,
            const.threshold,
            perf_i,
            float(pr.peer_influence),
            float(pr.peer_practice_weight),
            float(pr.internalisation_rate),
            float(const.commitment_decay),
            c_out,
            practising,
        )
        s.practising = practising
        s.commitment = c_out
    else:
        # 4. Peer influence and followership
        mean, _ = mech.neighbour_mean(
            const.ties,
            const.tie_rows,
            const.peer_weight,
            const.lead_weight,
            eff,
            c,
            pr.confidence_bound,
            const.edge_work,
        )
        c = mech.peer_update(c, s.receptivity, mean, pr.peer_influence)

        # 5. Practice (complex contagion on last week's practice)
        s.practising = mech.practice(
            c, s.compliance, share, const.threshold, pr.peer_practice_weight
        )

        # 6. Internalisation, where results show
        c = mech.internalise(c, s.practising, perf_i, s.receptivity, pr.internalisation_rate)

        # 7. Erosion (compliance erodes in step 1, once pressure eases)
        s.commitment = np.clip(mech.erode(c, const.commitment_decay), 0.0, 1.0)
    s.compliance = np.clip(s.compliance, 0.0, 1.0)
    s.receptivity = np.clip(s.receptivity, 0.0, 1.0)

    # 8. Microsystem improvement
    ms_share = practising_per_microsystem(s.practising, const) / np.maximum(
        const.ms_clinical_size, 1.0
    )
    s.performance = np.clip(
        mech.performance_update(s.performance, ms_share, pr.improvement_lag), 0.0, 1.0
    )
    s.week += 1
    return s
