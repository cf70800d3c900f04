"""One week of the vectorised core: the mechanisms composed in their documented order.

Random draws, in this order each week (the oracle consumes them identically):
1. ``rng.random(n)``: who among the eligible becomes a champion;
2. ``rng.random((m, K))``: candidate samples for the ``m`` persuaders (in ascending
   agent order: everyone with persuasion hours and a scope). Persuaders without an
   engagement choose their next one from their row; every persuader looks in it for an
   eroded convert to revisit.
The second draw's size depends on state through ``m``, and ``m`` differs between
strategies from the first week (leaders persuade only under persuasion and hybrid), so
two strategies run on the same seed share the organisation and week 0's draws but not,
in general, later ones: common random numbers hold for the hospital, not for every
weekly draw. (Fixed-size draws per person, or a separate stream per draw, would keep them
in step.)

A batch of stacked runs (:mod:`medlead.model.batch`) passes one generator per run: each
draw above is then taken run by run, each from the run's own generator with the run's
own sizes, so every run consumes its stream exactly as it would alone. Totals kept per
run (hours, pressure spent) are summed per run with ``bincount``, in index order, the
same order alone or stacked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from medlead.model import mechanisms as mech
from medlead.model.params import Params
from medlead.model.state import Constants, State, group_ptr, segment_sums, with_indices

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


Streams = np.random.Generator | Sequence[np.random.Generator]
"""The dynamics' randomness: one generator, or one per run of a stacked batch."""


def uniform_people(rng: Streams, const: Constants) -> np.ndarray:
    """One uniform draw per person: ``rng.random(n)``, or per run from its own stream."""
    if isinstance(rng, np.random.Generator):
        return rng.random(const.n)
    return np.concatenate([g.random(m) for g, m in zip(rng, np.diff(const.run_ptr), strict=True)])


def uniform_rows(rng: Streams, const: Constants, people: np.ndarray, k: int) -> np.ndarray:
    """A row of ``k`` uniforms per person in ``people`` (ascending): ``rng.random((m, k))``,
    or per run, each run's rows from its own stream.
    """
    if isinstance(rng, np.random.Generator):
        return rng.random((people.size, k))
    counts = np.bincount(const.run_of[people], minlength=len(rng))
    return np.concatenate([g.random((m, k)) for g, m in zip(rng, counts, strict=True)]).reshape(
        people.size, k
    )


def run_sums(
    x: np.ndarray, const: Constants, people: np.ndarray | None = None
) -> float | np.ndarray:
    """Per-run sums of ``x``: one value per person (``people=None``) or per person of
    the ascending index array ``people``.

    A float for a single run (a running total in :class:`State`), else one per run;
    each run's segment is summed the same way alone or stacked
    (:func:`~medlead.model.state.segment_sums`).
    """
    ptr = const.run_ptr if people is None else group_ptr(people, const.run_ptr)
    sums = segment_sums(x, ptr)
    return float(sums[0]) if const.n_runs == 1 else sums


def persuasion_hours(
    state: State, params: Params, programme: bool, maturity: float = 0.0
) -> np.ndarray:
    """Weekly persuasion hours: paid programme time or, for champions, their unpaid hours.

    Paid: ``PAs * 4 * (1 - workload * (1 - t_v * v * g_t)) * (1 - goal_time_cost under a
    hybrid)``, where a maturing career structure (``v``, maturity ``g_t``) protects
    ``t_v`` = ``career_time_protection`` of the time workload would eat. Champions get
    ``champion_hours``; a person gets whichever is more.
    """
    paid = np.zeros(state.commitment.size)
    if programme:
        goal = params.goal_time_cost if params.strategy == "hybrid" else 0.0
        protect = 1.0 - params.career_time_protection * params.career_structure * maturity
        paid = state.leadership_time * 4.0 * (1.0 - state.workload * protect) * (1.0 - goal)
    return np.maximum(paid, params.champion_hours * state.champion)


def faithful_per_microsystem(state: State, const: Constants) -> np.ndarray:
    """Fidelity-weighted share of each microsystem's clinical staff practising."""
    idx = const.in_ms_idx
    w = state.practising[idx] * state.fidelity[idx]
    total = np.bincount(const.in_ms_ms, weights=w, minlength=const.n_ms)
    return total / np.maximum(const.ms_clinical_size, 1.0)


def reporting_context(params: Params, state: State) -> tuple[bool, float]:
    """(intervention active, stigma) of the week just run, as the reporters show them.

    Week 0 (nothing run yet) reports an inactive intervention and week 0's stigma.
    """
    last = max(0, state.week - 1)
    active = phase(params, last, state.withdrawn)[0] if state.week > 0 else False
    return active, stigma_in_week(params, last)


def habit_weight(params: Params) -> float:
    """Weight of habit in the practice drive: ``habit_weight`` under ``habit``, else 0."""
    return params.habit_weight if params.persistence_form == "habit" else 0.0


def stigma_in_week(params: Params, week: int) -> float:
    """The 'dark side' stigma in ``week``: :func:`~medlead.model.mechanisms.stigma_now` at
    the career structure's maturity then (:func:`~medlead.model.mechanisms.culture_maturity`).
    """
    maturity = mech.culture_maturity(week, params.culture_change_half_life)
    return mech.stigma_now(
        params.stigma, params.career_structure, params.career_stigma_effect, maturity
    )


def update_practice(
    state: State, commitment: np.ndarray, signal: np.ndarray, const: Constants, params: Params
) -> None:
    """Mechanism 5 in place: this week's practice and its fidelity, from ``commitment``,
    this week's compliance, the peer ``signal`` and last week's habit.
    """
    state.practising = mech.practice(
        commitment,
        state.compliance,
        signal,
        state.habit,
        const.threshold,
        params.peer_practice_weight,
        habit_weight(params),
    )
    state.fidelity = mech.fidelity(
        commitment, state.compliance, params.compelled_fidelity, params.fidelity_form
    )


def initial_practice(state: State, const: Constants, params: Params) -> State:
    """Week 0's practice and fidelity from the initial state (no peers practising yet)."""
    update_practice(state, state.commitment, np.zeros(const.n), const, params)
    return state


def step(state: State, const: Constants, params: Params, rng: Streams) -> State:
    """Advance ``state`` by one week in place and return it.

    ``rng`` is the run's dynamics generator, or one generator per run when ``state`` and
    ``const`` stack a batch of runs (:mod:`medlead.model.batch`).

    Performance notes (docs/performance.md): masks and index arrays that do not change
    during a run come precomputed in ``const`` (:func:`~medlead.model.state.with_indices`)
    and the neighbour mean reuses its edge buffers (or the optional compiled kernel).
    """
    pr = params
    s = state
    const = with_indices(const)
    cut = pr.committed_cutoff
    active, pressure, resonance, programme = phase(pr, s.week, s.withdrawn)
    maturity = mech.culture_maturity(s.week, pr.culture_change_half_life)
    c = s.commitment

    # 1-2. Mandate down the line, reactance, resistance spreading, compliance
    if pressure == 0.0 and not (s.compliance < 0.0).any():
        # No pressure (no mandate, or withdrawn): the same equations with q = p = 0
        # reduce exactly to recovery of receptivity and decay of compliance.
        s.receptivity = s.receptivity + (1.0 - s.receptivity) * const.recovery
        s.compliance = s.compliance * const.compliance_decay
        applied = None
    else:
        applied, p = mech.pressure_reaching(pressure, const.reach, const.coupling, s.autonomy)
        s.receptivity = mech.reactance_update(
            s.receptivity, applied, s.autonomy, resonance, pr.reactance, const.recovery
        )
        s.compliance = mech.compliance_update(
            s.compliance, p, pr.compliance_gain, const.compliance_decay
        )
        s.pressure_spent += run_sums(p, const)
    s.receptivity = mech.resistance_spread(
        s.receptivity,
        const.in_ms_idx,
        const.in_ms_ms,
        const.ms_clinical_size,
        pr.resistance_spread,
    )
    if applied is not None and pr.reactance_form == "boomerang":
        c = mech.boomerang(c, applied, s.receptivity, pr.boomerang)
    s.pressure = pressure

    # 3. Persuasion: champions, engagements, conversations, revisits
    u = uniform_people(rng, const)
    s.champion = (s.champion & (c >= cut)) | (
        const.clinical & (c >= pr.champion_threshold) & (u < pr.champion_rate)
    )
    hours = persuasion_hours(s, pr, programme, maturity)
    # Bookkeeping on the few engaged people only (indices in ascending order).
    engaged = np.flatnonzero(s.target >= 0)
    was = s.target[engaged]
    done_conv = c[was] >= cut
    s.converted[was[done_conv]] = True
    end = done_conv | (hours[engaged] <= 0) | (s.weeks_left[engaged] <= 0)
    s.target[engaged[end]] = -1
    persuaders = np.flatnonzero((hours > 0) & (const.scope_len > 0))
    draws = uniform_rows(rng, const, persuaders, pr.candidate_sample)
    revisit = np.full(const.n, -1, np.int64)
    if persuaders.size:
        pos = const.scope_ptr[persuaders, None] + (
            draws * const.scope_len[persuaders, None]
        ).astype(np.int64)
        cands = const.scope_idx[pos]
        seek = s.target[persuaders] < 0
        chosen, ok = mech.choose_targets(
            cands[seek],
            c,
            s.converted,
            const.influence,
            cut,
            pr.target_rule,
            const.influence_scale,
        )
        new = persuaders[seek][ok]
        s.target[new] = chosen[ok]
        s.weeks_left[new] = pr.engagement_weeks
        rv, rv_ok = mech.choose_revisits(cands, c, s.converted, s.target[persuaders], cut)
        revisit[persuaders[rv_ok]] = rv[rv_ok]
    sigma = stigma_in_week(pr, s.week)
    eff = mech.effective_credibility(
        s.credibility, s.identification, sigma, const.duality_factor, const.is_director
    )
    h_eng, h_rev = mech.split_hours(hours, s.target >= 0, revisit >= 0, pr.revisit_share)
    act = np.flatnonzero(s.target >= 0)
    tgt = s.target[act]
    d_conv = mech.conversation_effect(
        pr.conversation_effect,
        eff[act],
        resonance,
        mech.depth(h_eng[act], pr.hours_per_conversation),
        s.receptivity[tgt],
        c[tgt],
    )
    rv_by = np.flatnonzero(revisit >= 0)
    rvt = revisit[rv_by]
    d_rev = mech.conversation_effect(
        pr.conversation_effect,
        eff[rv_by],
        resonance,
        mech.depth(h_rev[rv_by], pr.hours_per_conversation),
        s.receptivity[rvt],
        c[rvt],
    )
    dc = np.bincount(tgt, weights=d_conv, minlength=const.n) + np.bincount(
        rvt, weights=d_rev, minlength=const.n
    )
    c = np.minimum(1.0, c + dc)
    s.weeks_left[act] -= 1
    s.leadership_hours += run_sums(h_eng[act], const, act) + run_sums(h_rev[rv_by], const, rv_by)
    if active and pr.top_reinforcement > 0:
        # The top team backs its leaders while any intervention runs (every strategy).
        li = const.leader_idx
        c[li] = c[li] + pr.top_reinforcement * (1.0 - c[li])

    # 4-8. Peers, practice, habit, internalisation, erosion, microsystem improvement
    if const.edge_work.tail is not None:
        week_tail_compiled(s, c, eff, const, pr)
    else:
        week_tail(s, c, eff, const, pr)
    s.week += 1
    return s


def week_tail(s: State, c: np.ndarray, eff: np.ndarray, const: Constants, pr: Params) -> None:
    """Mechanisms 4 to 8 of the week, in place, from this week's commitment ``c`` (after
    persuasion) and effective credibility ``eff``: the numpy path.

    :func:`week_tail_compiled` runs the same equations person by person in one compiled
    pass, to the same bits.
    """
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

    # 5. Practice (complex contagion on last week's faithful practice), fidelity, habit
    signal = mech.peer_practice_signal(
        const.ms_peer, const.ms_peer_rowsum, s.practising, s.fidelity
    )
    update_practice(s, c, signal, const, pr)
    s.habit = mech.habit_update(s.habit, s.practising, pr.habit_gain, const.habit_decay)

    # 6. Internalisation, where results show and by the motive's mix
    perf_i = np.where(const.has_ms, s.performance[const.ms_index], 0.0)
    c = mech.internalise(
        c,
        s.compliance,
        s.practising,
        perf_i,
        s.receptivity,
        pr.internalisation_rate,
        pr.compelled_internalisation,
        pr.internalisation_form,
    )

    # 7. Erosion (compliance erodes in step 1, once pressure eases)
    s.commitment = mech.unit_clip(mech.erode(c, const.commitment_decay))
    s.compliance = mech.unit_clip(s.compliance)
    s.receptivity = mech.unit_clip(s.receptivity)

    # 8. Microsystem improvement follows faithful practice
    s.performance = mech.unit_clip(
        mech.performance_update(
            s.performance, faithful_per_microsystem(s, const), pr.improvement_lag
        )
    )


def week_tail_compiled(
    s: State, c: np.ndarray, eff: np.ndarray, const: Constants, pr: Params
) -> None:
    """:func:`week_tail` through the compiled kernel
    (:func:`medlead.model.kernels.week_tail`): one pass over the people and one over the
    microsystems instead of ~40 whole-array numpy operations, the same bits.
    """
    work = const.edge_work
    n, n_ms = const.n, const.n_ms
    commitment, receptivity, compliance = np.empty(n), np.empty(n), np.empty(n)
    practising, fidelity, habit = np.empty(n, bool), np.empty(n), np.empty(n)
    performance = np.empty(n_ms)
    rates = np.array(
        [
            pr.peer_influence,
            pr.peer_practice_weight,
            habit_weight(pr),
            pr.habit_gain,
            const.habit_decay,
            pr.compelled_fidelity,
            pr.internalisation_rate,
            pr.compelled_internalisation,
            const.commitment_decay,
            pr.improvement_lag,
        ],
        dtype=np.float64,
    )
    flags = np.array(
        [pr.fidelity_form == "binary", pr.internalisation_form == "dissonance"], np.int64
    )
    ms = const.ms_peer
    work.tail(
        const.ties.indptr,
        work.indices,
        const.peer_weight,
        work.lead_data,
        eff,
        float(pr.confidence_bound),
        ms.indptr,
        ms.indices,
        ms.data,
        const.ms_peer_rowsum,
        const.threshold,
        const.has_ms,
        const.ms_index,
        const.in_ms_idx,
        const.in_ms_ms,
        const.ms_clinical_size,
        rates,
        flags,
        c,
        s.receptivity,
        s.compliance,
        s.practising,
        s.fidelity,
        s.habit,
        s.performance,
        commitment,
        receptivity,
        compliance,
        practising,
        fidelity,
        habit,
        performance,
    )
    s.commitment, s.receptivity, s.compliance = commitment, receptivity, compliance
    s.practising, s.fidelity, s.habit, s.performance = practising, fidelity, habit, performance
