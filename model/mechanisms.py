"""The change mechanisms, one pure function each, over numpy arrays.

Each function returns new arrays and never touches model objects, so it can be tested
with hand-computed values and held against the per-agent oracle in
:mod:`medlead.model.reference`. Numbering follows the week's order in
:mod:`medlead.model.dynamics`; ``docs/odd.md`` (Submodels) gives the same equations with
their sources. Where the literature allows more than one form of a mechanism, the form
is a ``Params`` switch of role ``structure`` and the function takes it as ``form``.

The functions in :data:`ELEMENTWISE` are written so that they also work on single
floats, using only arithmetic and ``np.where``/``np.maximum``/``np.minimum``/``np.clip``:
the compiled week of :mod:`medlead.model.kernels` calls these very functions person by
person, so the numpy path and the compiled path run one set of equations (same
operations in the same order, hence the same bits).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from medlead.model import accel


def decay_factor(half_life: float) -> float:
    """Weekly multiplier for a quantity with the given half-life in weeks: ``2**(-1/h)``."""
    return float(2.0 ** (-1.0 / half_life))


def line_reach(line: sp.csr_array, top: np.ndarray, transmission: np.ndarray) -> np.ndarray:
    """Mechanism 1, the management line: the share of pressure at the top reaching each person.

    ``reach = t + T @ reach`` iterated to its fixed point over the line's ties, with ``t``
    1 at the top of the line (the chief executive) and ``T_ij = line_ij * tau_ij`` the
    share of superior ``j``'s pressure that the tie to subordinate ``i`` passes on
    (``line_transmission``, times the duality factor ``0.5 + q_dir`` on the general
    manager's ties). The line is a tree (a DAG), so the iteration ends after its depth.
    A person with no tie to the line gets nothing: pressure travels the ties or not at all.

    Source: Mintzberg 1979 (the line of authority); Glouberman & Mintzberg 2001
    (disconnected hierarchies); seed (the dualities).
    """
    weights = sp.csr_array((line.data * transmission, line.indices, line.indptr), line.shape)
    reach = top.astype(float)
    for _ in range(line.shape[0] + 1):
        nxt = top + weights @ reach
        if np.array_equal(nxt, reach):
            return reach
        reach = nxt
    raise ValueError("the management line has a cycle: pressure would never settle")


def pressure_reaching(
    pressure: float, reach: np.ndarray, coupling: np.ndarray, autonomy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mechanism 1, mandate: pressure applied to each person, and the part that binds them.

    ``q_i = min(1, P_t * reach_i)`` is the pressure the line applies to person ``i``;
    ``p_i = q_i * (1 - (1 - kappa_i) * a_i)`` the part that binds: the line loses the share
    of a person's autonomy ``a_i`` that hierarchy coupling ``kappa_i`` does not override
    (``kappa = 1`` for managers, who *are* the line; ``hierarchy_coupling`` for
    clinicians). Compliance follows ``p``; reactance answers ``q``.

    Source: Mintzberg 1979 (line authority binds little in a professional bureaucracy);
    Glouberman & Mintzberg 2001 (disconnected hierarchies).

    Returns:
        (applied q, binding p).
    """
    applied = np.minimum(1.0, pressure * reach)
    return applied, applied * (1.0 - (1.0 - coupling) * autonomy)


def reactance_update(
    receptivity: np.ndarray,
    applied: np.ndarray,
    autonomy: np.ndarray,
    resonance: float,
    reactance: float,
    recovery: float,
) -> np.ndarray:
    """Mechanism 2, reactance: pressure persistently lowers receptivity of autonomous staff.

    ``r' = r - min(1, rho * q_i * a_i * (1 - s)) * r``, then ``r'' = r' + (1 - r') * (1 -
    2^(-1/h_r))`` with ``rho`` the reactance strength, ``q_i`` the pressure applied to the
    person, ``s`` the change's (effective) resonance and ``h_r`` the recovery half-life
    (long: resentment is persistent). Receptivity scales how much persuasion, peers and
    practice can move a person.

    Source: Brehm 1966 (psychological reactance: a threat to freedom, felt more by those
    who value it); seed ("change cannot be mandated").
    """
    loss = np.clip(reactance * applied * autonomy * (1.0 - resonance), 0.0, 1.0)
    r = receptivity - loss * receptivity
    return r + (1.0 - r) * recovery


def resistance_spread(
    receptivity: np.ndarray,
    members: np.ndarray,
    member_ms: np.ndarray,
    ms_size: np.ndarray,
    rate: float,
) -> np.ndarray:
    """Mechanism 2, resistance spreads: ``r_i' = r_i + varsigma * (rbar_m - r_i)``.

    ``rbar_m`` is the mean receptivity of the clinical staff ``members`` of microsystem
    ``m`` (``member_ms``, sizes ``ms_size``) and ``varsigma`` is ``resistance_spread``;
    people outside a microsystem, and managers, keep their own.

    Source: Brehm 1966; DeGroot 1974 (attitudes move toward colleagues').
    """
    if rate == 0.0 or members.size == 0:
        return receptivity
    total = np.bincount(member_ms, weights=receptivity[members], minlength=ms_size.size)
    mean = total / np.maximum(ms_size, 1.0)
    out = receptivity.copy()
    r = receptivity[members]
    out[members] = r + rate * (mean[member_ms] - r)
    return out


def boomerang(
    commitment: np.ndarray, applied: np.ndarray, receptivity: np.ndarray, strength: float
) -> np.ndarray:
    """Mechanism 2 (``reactance_form = boomerang``): ``c' = c - b * q_i * (1 - r_i) * c``.

    Pressure applied to someone who resents it (lost receptivity ``1 - r``) moves them
    away from the change, in proportion to their commitment, with ``b`` = ``boomerang``.

    Source: Brehm 1966 (the boomerang effect of reactance).
    """
    return commitment - strength * applied * (1.0 - receptivity) * commitment


def compliance_update(
    compliance: np.ndarray, pressure: np.ndarray, gain: float, decay: float
) -> np.ndarray:
    """Mechanisms 1 and 7, compliance: it rises toward the pressure felt and decays after.

    ``k' = k + g * (p_i - k)`` where ``k < p_i`` (enforcement pulls compliance up to the
    level of pressure binding the person); otherwise ``k' = max(p_i, k * 2^(-1/h_k))``
    (once enforcement eases, compliance decays with its half-life ``h_k``). Compliance is
    behaviour induced by pressure, not belief.

    Source: Kelman 1958 (compliance vs internalisation); half-life an explicit lever.
    """
    rising = compliance < pressure
    return np.where(
        rising,
        compliance + gain * (pressure - compliance),
        np.maximum(pressure, compliance * decay),
    )


def culture_maturity(week: int, half_life: float) -> float:
    """How far a career structure introduced at week 0 has matured: ``g = 1 - 2^(-t/h)``.

    Source: seed (Results 4: the 'dark side' perception "has been slow to change").
    """
    return float(1.0 - 2.0 ** (-week / half_life))


def stigma_now(stigma: float, career: float, effect: float, maturity: float) -> float:
    """The 'dark side' stigma this week: ``sigma_t = sigma * (1 - e_v * v * g_t)``.

    ``v`` is ``career_structure``, ``e_v`` ``career_stigma_effect``, ``g_t`` the maturity
    from :func:`culture_maturity`.

    Source: seed (Results 4; Implications 2); Spurgeon, Clark & Ham 2011.
    """
    return stigma * (1.0 - effect * career * maturity)


def effective_credibility(
    credibility: np.ndarray,
    identification: np.ndarray,
    stigma: float,
    duality_factor: np.ndarray,
    is_director: np.ndarray,
) -> np.ndarray:
    """Credibility discounted by the 'dark side' stigma: the engagement gap.

    ``e_i = min(1, c_i * (1 - sigma_t * m_i) * (d_i if clinical director))`` with
    ``sigma_t`` this week's stigma (:func:`stigma_now`), ``m_i`` identification with
    management and ``d_i = 0.5 + q_dir`` the duality factor.

    Source: seed (Results 2 and 4); Spurgeon, Clark & Ham 2011.
    """
    e = credibility * (1.0 - stigma * identification)
    e = np.where(is_director, e * duality_factor, e)
    return np.clip(e, 0.0, 1.0)


def choose_targets(
    candidates: np.ndarray,
    commitment: np.ndarray,
    converted: np.ndarray,
    influence: np.ndarray,
    cutoff: float,
    rule: str,
    scale: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mechanism 3, target choice from a sample of candidates (one row per persuader).

    Score of candidate ``j``: 0 if already committed (``c_j >= cutoff``), otherwise
    ``1 + [j converted before] + 0.5 * q_j`` with ``q_j = 1 - c_j`` (least committed
    first) or ``q_j = w_j / max w`` (most influential first). Earlier converts whose
    commitment eroded are therefore engaged first. The best-scoring candidate (first on
    ties) is chosen; a row with no uncommitted candidate chooses nobody.

    ``scale`` gives, per person, the ``max w`` of their own hospital (default: the
    maximum of ``influence``); a batch of stacked hospitals passes each run's own.

    Returns:
        (chosen, ok): the chosen agent per row and whether anyone was chosen.
    """
    c = commitment[candidates]
    if rule == "least_committed":
        q = 1.0 - c
    else:
        q = influence[candidates] / (influence.max() if scale is None else scale[candidates])
    score = np.where(c < cutoff, 1.0 + converted[candidates] + 0.5 * q, 0.0)
    best = np.argmax(score, axis=1) if score.size else np.zeros(0, np.int64)
    rows = np.arange(candidates.shape[0])
    return candidates[rows, best], score[rows, best] > 0


def choose_revisits(
    candidates: np.ndarray,
    commitment: np.ndarray,
    converted: np.ndarray,
    target: np.ndarray,
    cutoff: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Mechanism 3, whom to revisit: the sampled convert whose commitment eroded most.

    Among row ``l``'s candidates, those converted before whose commitment fell below the
    cut-off (``c_j < cutoff``), other than the persuader's current engagement
    ``target_l``; the least committed is chosen (first on ties). A revisit is a check-in,
    not a second engagement: the persuader still holds one engagement at a time.

    Source: seed ("commitment ... constantly need[s] to be checked, reinforced and worked
    upon").

    Returns:
        (chosen, ok) per row, as :func:`choose_targets`.
    """
    c = commitment[candidates]
    eligible = converted[candidates] & (c < cutoff) & (candidates != target[:, None])
    score = np.where(eligible, 2.0 - c, 0.0)
    best = np.argmax(score, axis=1) if score.size else np.zeros(0, np.int64)
    rows = np.arange(candidates.shape[0])
    return candidates[rows, best], score[rows, best] > 0


def split_hours(
    hours: np.ndarray, engaged: np.ndarray, revisiting: np.ndarray, revisit_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mechanism 3, a persuader's week: hours to the engagement and to a revisit.

    With both an engagement and a revisit, ``nu`` (``revisit_share``) of the hours go to
    the revisit; with only one of them, all hours go to it; with neither, none are used.
    Every hour a persuader has is delivered whenever there is someone to talk to.

    Returns:
        (engagement hours, revisit hours).
    """
    both = engaged & revisiting
    h_rev = np.where(both, revisit_share * hours, np.where(revisiting, hours, 0.0))
    h_eng = np.where(engaged, hours - h_rev, 0.0)
    return h_eng, h_rev


def depth(hours: np.ndarray, scale: float) -> np.ndarray:
    """Mechanism 3, how far a week's hours go: ``depth = 1 - exp(-h / h_c)``.

    Diminishing, never zero, returns to time: every extra hour adds something, each less
    than the one before (``h_c`` = ``hours_per_conversation``).

    Source: seed (leaders "commit serious time"); the form is an assumption.
    """
    return -np.expm1(-hours / scale)


def conversation_effect(
    effect: float,
    eff_credibility: np.ndarray,
    resonance: float,
    depth: np.ndarray,
    receptivity: np.ndarray,
    commitment: np.ndarray,
) -> np.ndarray:
    """Mechanism 3, one week's conversation: ``dc = beta * e_l * s * depth * r_t * (1 - c_t)``.

    ``beta`` is the conversation effect, ``e_l`` the leader's effective credibility, ``s``
    resonance, ``depth`` from :func:`depth` and ``r_t``, ``c_t`` the target's receptivity
    and commitment. Only the product ``beta * e * s`` is identifiable from outputs.

    Source: seed (Ham, Kipping & McLeod 2003: "one consultant at a time, and interactive
    over time").
    """
    return effect * eff_credibility * resonance * depth * receptivity * (1.0 - commitment)


class EdgeWork:
    """Per-run scratch for :func:`neighbour_mean`: reusable buffers or a compiled kernel.

    A fresh edge-sized temporary costs a page fault per 4 KiB on first touch; at 10,000
    staff the plain version allocated ~10 of them (1.8 MB each) every week and spent
    more time faulting than computing (docs/performance.md). One ``EdgeWork`` per run
    keeps them, and a CSR matrix with the ties' structure whose data is replaced each
    week. On large networks the optional numba kernel of :mod:`medlead.model.accel`
    replaces all of that with one pass (same results to the last bit); ``kernel`` is
    then :func:`medlead.model.accel.kernel`'s compiled function.
    """

    def __init__(
        self, ties: sp.csr_array, rows: np.ndarray, lead_weight: np.ndarray, weeks: int = 0
    ):
        self.rows = rows
        self.lead_edges = np.flatnonzero(lead_weight != 0)
        self.lead_cols = ties.indices[self.lead_edges]
        self.weeks = weeks
        self.kernel = accel.kernel(ties.nnz, weeks)
        self.tail = accel.tail_kernel(self.kernel)
        self._ties = ties
        # The kernel streams the column indices every week: int32 halves that traffic,
        # and a leadership edge is marked by its column stored as ``~j`` (negative), its
        # weight kept in ``lead_data`` (in edge order), so the kernel reads 12 bytes an
        # edge instead of 20 (no per-edge leader weight).
        small = ties.shape[0] < 2**31 - 1
        self.indices = ties.indices.astype(np.int32) if small else ties.indices.copy()
        self.indices[self.lead_edges] = ~self.indices[self.lead_edges]
        self.lead_data = lead_weight[self.lead_edges]
        self.matrix: sp.csr_array | None = None

    def __getstate__(self) -> dict:
        # The compiled kernel is a closure (numba is imported lazily): look it up again.
        state = dict(self.__dict__)
        state["kernel"] = None if self.kernel is None else True
        state["tail"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.kernel is not None:
            self.kernel = accel.kernel(self._ties.nnz, self.__dict__.get("weeks", 0))
        self.tail = accel.tail_kernel(self.kernel)

    def buffers(self) -> EdgeWork:
        """Allocate the numpy path's buffers (once)."""
        if self.matrix is None:
            ties = self._ties
            m = ties.nnz
            self.matrix = sp.csr_array((np.zeros(m), ties.indices, ties.indptr), shape=ties.shape)
            self.cj = np.empty(m)
            self.diff = np.empty(m)
            self.w = np.empty(m)
            self.near = np.empty(m, bool)
            self.ones = np.ones(ties.shape[0])
        return self


def neighbour_mean(
    ties: sp.csr_array,
    rows: np.ndarray,
    peer_weight: np.ndarray,
    lead_weight: np.ndarray,
    eff_credibility: np.ndarray,
    commitment: np.ndarray,
    bound: float,
    work: EdgeWork | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mechanism 4, the influence-weighted mean commitment of like-minded neighbours.

    ``m_i = sum_j w_ij c_j / sum_j w_ij`` over neighbours with ``|c_i - c_j| <= eps``
    (bounded confidence), where ``w_ij = p_ij + l_ij * e_j``: ``p_ij`` the peer tie
    weight times the neighbour's influence (consultants weigh more: inverted power) and
    ``l_ij`` a follower's tie to their leader times the leader's effective credibility
    ``e_j`` (followership).

    ``work`` (optional) holds reusable buffers for ``ties``; the result is the same to the
    last bit with or without it (only edges with ``l_ij != 0`` get the followership term,
    and the sums over each row run in edge order either way).

    Returns:
        (mean, has): the mean, and whether person ``i`` had any like-minded neighbour.

    Source: DeGroot 1974; Deffuant et al. 2000; Hegselmann & Krause 2002.
    """
    if work is None:
        work = EdgeWork(ties, rows, lead_weight)
    if work.kernel is not None:
        num, den = accel.neighbour_sums(
            work.kernel,
            ties.indptr,
            work.indices,
            peer_weight,
            work.lead_data,
            eff_credibility,
            commitment,
            bound,
        )
        return ratio_or(num, den, commitment), den > 0
    work.buffers()
    # mode="clip" skips numpy's bounds-error path (the indices are valid): 3x faster.
    cj = np.take(commitment, ties.indices, out=work.cj, mode="clip")
    diff = np.take(commitment, rows, out=work.diff, mode="clip")
    np.subtract(diff, cj, out=diff)
    np.abs(diff, out=diff)
    near = np.less_equal(diff, bound, out=work.near)
    w = np.multiply(peer_weight, near, out=work.w)
    le = work.lead_edges
    w[le] = (peer_weight[le] + lead_weight[le] * eff_credibility[work.lead_cols]) * near[le]
    work.matrix.data = w
    num = work.matrix @ commitment
    den = work.matrix @ work.ones
    return ratio_or(num, den, commitment), den > 0


def ratio_or(num: np.ndarray, den: np.ndarray, fallback: np.ndarray | float) -> np.ndarray:
    """``num / den`` where ``den > 0``, else ``fallback``: a weighted mean that falls back
    when there is nothing to average (no like-minded neighbour, no colleague).
    """
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), fallback)


def peer_update(
    commitment: np.ndarray, receptivity: np.ndarray, mean: np.ndarray, rate: float
) -> np.ndarray:
    """Mechanism 4, followership: ``c' = c + mu * r * (m - c)`` (toward like-minded peers)."""
    return commitment + rate * receptivity * (mean - commitment)


def peer_practice_signal(
    ms_peer: sp.csr_array, rowsum: np.ndarray, practising: np.ndarray, fidelity: np.ndarray
) -> np.ndarray:
    """Mechanism 5 (input), the practice a person sees among microsystem colleagues.

    ``s_i = sum_j W_ij P_j f_j / sum_j W_ij`` over person ``i``'s other clinical
    microsystem colleagues, with ``W_ij`` the microsystem tie (1 within a world,
    ``cross_world_weight`` across) times ``j``'s influence (consultants weigh more:
    inverted power reaches practice), ``P_j`` last week's practice and ``f_j`` its
    fidelity (a colleague ticking the box gives less social proof). 0 without colleagues.

    Source: Centola & Macy 2007 (complex contagion); Centola 2018 (credible adopters);
    Mintzberg 1979 (inverted power).
    """
    return ratio_or(ms_peer @ (practising * fidelity), rowsum, 0.0)


def practice(
    commitment: np.ndarray,
    compliance: np.ndarray,
    peer_signal: np.ndarray,
    habit: np.ndarray,
    threshold: np.ndarray,
    peer_weight: float,
    habit_weight: float,
) -> np.ndarray:
    """Mechanism 5, practice as complex contagion: practise iff drive >= own threshold.

    ``drive_i = (1 - w) * max(c_i, k_i) + w * s_i``: the stronger of a person's reasons
    (belief or compelled behaviour) and the practice they see among colleagues
    (:func:`peer_practice_signal`), with ``w`` = ``peer_practice_weight``. The person
    practises while ``drive_i >= theta_i * (1 - w_h * H_i)``: habit ``H_i`` lowers the bar
    for carrying on or restarting, not for a first start (``H = 0`` until someone has
    practised; it fades with its half-life after a lapse), with ``w_h`` =
    ``habit_weight`` under ``persistence_form = habit`` and 0 under ``support``. The drive
    has to clear that bar every week: practice lasts only while something supports it.

    Source: Granovetter 1978 (thresholds); Centola & Macy 2007 (complex contagion); Lally
    et al. 2010 and Wood & Neal 2007, Psychol Rev 114:843 (habits persist with less
    motivation).
    """
    motive = np.maximum(commitment, compliance)
    drive = (1.0 - peer_weight) * motive + peer_weight * peer_signal
    return drive >= threshold * (1.0 - habit_weight * habit)


def belief_share(commitment: np.ndarray, compliance: np.ndarray) -> np.ndarray:
    """Share of a person's motive that is commitment: ``b = c / (c + k)`` (1 if both are 0)."""
    total = commitment + compliance
    return np.where(total > 0, commitment / np.where(total > 0, total, 1.0), 1.0)


def belief_weighted(commitment: np.ndarray, compliance: np.ndarray, compelled: float) -> np.ndarray:
    """``b + phi * (1 - b)`` with ``b`` from :func:`belief_share`: full weight for what is
    done from belief, ``phi`` for what is only compelled (graded fidelity, and the
    self-determination internalisation rate).
    """
    b = belief_share(commitment, compliance)
    return b + compelled * (1.0 - b)


def fidelity_binary(commitment: np.ndarray, compliance: np.ndarray, compelled: float) -> np.ndarray:
    """Binary fidelity: ``f = 1`` if ``c >= k`` (belief is the stronger motive), else ``f_c``."""
    return np.where(commitment >= compliance, 1.0, compelled)


def fidelity(
    commitment: np.ndarray, compliance: np.ndarray, compelled: float, form: str
) -> np.ndarray:
    """Mechanism 5, fidelity of practice: how well the practice is done.

    ``graded``: ``f = b + f_c * (1 - b)`` with ``b`` from :func:`belief_share`
    (:func:`belief_weighted`); ``binary``: ``f = 1`` if ``c >= k`` (belief is the
    stronger motive), else ``f_c`` (:func:`fidelity_binary`). ``f_c`` =
    ``compelled_fidelity``: practice done only because it is required is done partly as
    a tick-box.

    Source: Pickering et al. 2013, BJS 100:1664 (the mandated WHO checklist: audited
    compliance near-universal, time-out attempted in 87%, sign-out in 9%).
    """
    if form == "binary":
        return fidelity_binary(commitment, compliance, compelled)
    return belief_weighted(commitment, compliance, compelled)


def habit_update(
    habit: np.ndarray, practising: np.ndarray, gain: float, decay: float
) -> np.ndarray:
    """Mechanism 5, habit: ``H' = H + g_h * (1 - H)`` while practising, else ``H * 2^(-1/h_H)``.

    Source: Lally et al. 2010, Eur J Soc Psychol 40:998 (automaticity grows asymptotically
    with repetition).
    """
    return np.where(practising, habit + gain * (1.0 - habit), habit * decay)


def internalise(
    commitment: np.ndarray,
    compliance: np.ndarray,
    practising: np.ndarray,
    performance: np.ndarray,
    receptivity: np.ndarray,
    rate: float,
    compelled: float,
    form: str,
) -> np.ndarray:
    """Mechanism 6, internalisation: ``c' = c + lambda * P_i * r_i * (1 + perf_m) * g_i * (1 - c)``.

    Practising builds commitment, ``1 + perf`` times as fast where the microsystem's
    performance shows (twice as fast at full performance: results that show), slower in
    people whose receptivity pressure has worn down, and at a rate ``g_i`` set by *why*
    they practise, with ``phi`` = ``compelled_internalisation`` in [0, 1]:

    * ``self_determination``: ``g = b + phi * (1 - b)``, ``b = c / (c + k)``: compelled
      practice internalises at ``phi`` times the rate of committed practice;
    * ``dissonance``: ``g = 1 - (1 - phi) * k``: the more external justification
      (compliance), the less dissonance to reduce by changing one's mind.

    Either way ``g <= 1``: compelled practice internalises no faster than committed.

    Source: Deci & Ryan 2000 (controlled motivation internalises poorly); Festinger &
    Carlsmith 1959 (insufficient justification); Kelman 1958.
    """
    if form == "dissonance":
        g = dissonance_rate(compliance, compelled)
    else:
        g = belief_weighted(commitment, compliance, compelled)
    return internalised(commitment, practising, performance, receptivity, rate, g)


def dissonance_rate(compliance: np.ndarray, compelled: float) -> np.ndarray:
    """The internalisation rate under ``dissonance``: ``g = 1 - (1 - phi) * k``."""
    return 1.0 - (1.0 - compelled) * compliance


def internalised(
    commitment: np.ndarray,
    practising: np.ndarray,
    performance: np.ndarray,
    receptivity: np.ndarray,
    rate: float,
    g: np.ndarray,
) -> np.ndarray:
    """:func:`internalise` at a given motive rate ``g``:
    ``c + lambda * P * r * (1 + perf) * g * (1 - c)``.
    """
    gain = rate * practising * receptivity * (1.0 + performance) * g
    return commitment + gain * (1.0 - commitment)


def erode(x: np.ndarray, factor: float) -> np.ndarray:
    """Mechanism 7, erosion of commitment without reinforcement: ``x' = x * 2^(-1/h)``."""
    return x * factor


def performance_update(
    performance: np.ndarray, share_practising: np.ndarray, lag: float
) -> np.ndarray:
    """Mechanism 8, microsystem improvement with a lag: ``perf' = perf + (s_m - perf) / L``.

    ``s_m`` is the fidelity-weighted share of the microsystem's clinical staff practising
    (``sum P_i f_i / size``): practice done as a tick-box improves results less.

    Source: Nelson, Batalden et al. 2002 (improvement shows in microsystem results);
    Pickering et al. 2013 (fidelity).
    """
    return performance + (share_practising - performance) / lag


def unit_clip(x: np.ndarray) -> np.ndarray:
    """``x`` kept inside [0, 1] (the state's shares and levels never leave it)."""
    return np.clip(x, 0.0, 1.0)


ELEMENTWISE: tuple[str, ...] = (
    "ratio_or",
    "peer_update",
    "practice",
    "belief_share",
    "belief_weighted",
    "fidelity_binary",
    "habit_update",
    "dissonance_rate",
    "internalised",
    "erode",
    "performance_update",
    "unit_clip",
)
"""The mechanisms the compiled week (:mod:`medlead.model.kernels`) calls person by person:
each works on floats as on arrays, element by element."""
