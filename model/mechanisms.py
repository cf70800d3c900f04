"""The change mechanisms, one pure function each, over numpy arrays.

Each function returns new arrays and never touches model objects, so it can be tested
with hand-computed values and held against the per-agent oracle in
:mod:`medlead.model.reference`. Numbering follows DESIGN.md's mechanisms; ``docs/odd.md``
(Submodels) gives the same equations with their sources.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from medlead.model import accel


def decay_factor(half_life: float) -> float:
    """Weekly multiplier for a quantity with the given half-life in weeks: ``2**(-1/h)``."""
    return float(2.0 ** (-1.0 / half_life))


def pressure_reaching(
    pressure: float, coupling: np.ndarray, autonomy: np.ndarray, duality_factor: np.ndarray
) -> np.ndarray:
    """Mechanism 1, mandate: management pressure reaching each person.

    ``p_i = min(1, P_t * (1 - (1 - kappa_i) * a_i) * d_i)``: the line loses the share of a
    person's autonomy ``a_i`` that hierarchy coupling ``kappa_i`` does not override
    (``kappa = 1`` for managers, who *are* the line; ``hierarchy_coupling`` for
    clinicians). ``d_i = 0.5 + q_dir`` is the duality factor of the person's directorate
    (a good clinical director-general manager partnership carries the line further).

    Source: Mintzberg 1979 (line authority binds little in a professional bureaucracy);
    Glouberman & Mintzberg 2001 (disconnected hierarchies); seed (dualities).
    """
    return np.minimum(1.0, pressure * (1.0 - (1.0 - coupling) * autonomy) * duality_factor)


def reactance_update(
    receptivity: np.ndarray,
    pressure: float,
    autonomy: np.ndarray,
    resonance: float,
    reactance: float,
    recovery: float,
) -> np.ndarray:
    """Mechanism 2, reactance: pressure persistently lowers receptivity of autonomous staff.

    ``r' = r - rho * P_t * a_i * (1 - s) * r``, then ``r'' = r' + (1 - r') * (1 - 2^(-1/h_r))``
    with ``rho`` the reactance strength, ``s`` the change's (effective) resonance and
    ``h_r`` the recovery half-life (long: resentment is persistent). Receptivity scales
    how much persuasion and peers can move a person.

    Source: Brehm 1966 (psychological reactance); seed ("change cannot be mandated").
    """
    loss = np.clip(reactance * pressure * autonomy * (1.0 - resonance), 0.0, 1.0)
    r = receptivity - loss * receptivity
    return r + (1.0 - r) * recovery


def compliance_update(
    compliance: np.ndarray, pressure: np.ndarray, gain: float, decay: float
) -> np.ndarray:
    """Mechanisms 1 and 7, compliance: it rises toward the pressure felt and decays after.

    ``k' = k + g * (p_i - k)`` where ``k < p_i`` (enforcement pulls compliance up to the
    level of pressure reaching the person); otherwise ``k' = max(p_i, k * 2^(-1/h_k))``
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


def effective_credibility(
    credibility: np.ndarray,
    identification: np.ndarray,
    stigma: float,
    career_structure: float,
    duality_factor: np.ndarray,
    is_director: np.ndarray,
) -> np.ndarray:
    """Credibility discounted by the 'dark side' stigma: the engagement gap.

    ``e_i = min(1, c_i * (1 - sigma * (1 - 0.5 * v) * m_i) * (d_i if clinical director))``
    with ``sigma`` stigma, ``v`` career structure / valued roles (halves stigma at 1) and
    ``m_i`` identification with management.

    Source: seed (Results 2 and 4); Spurgeon, Clark & Ham 2011.
    """
    eff_stigma = stigma * (1.0 - 0.5 * career_structure)
    e = credibility * (1.0 - eff_stigma * identification)
    e = np.where(is_director, e * duality_factor, e)
    return np.clip(e, 0.0, 1.0)


def choose_targets(
    candidates: np.ndarray,
    commitment: np.ndarray,
    converted: np.ndarray,
    influence: np.ndarray,
    cutoff: float,
    rule: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Mechanism 3, target choice from a sample of candidates (one row per persuader).

    Score of candidate ``j``: 0 if already committed (``c_j >= cutoff``), otherwise
    ``1 + [j converted before] + 0.5 * q_j`` with ``q_j = 1 - c_j`` (least committed
    first) or ``q_j = w_j / max w`` (most influential first). Earlier converts whose
    commitment eroded are therefore revisited first. The best-scoring candidate (first on
    ties) is chosen; a row with no uncommitted candidate chooses nobody.

    Returns:
        (chosen, ok): the chosen agent per row and whether anyone was chosen.
    """
    c = commitment[candidates]
    q = 1.0 - c if rule == "least_committed" else influence[candidates] / influence.max()
    score = np.where(c < cutoff, 1.0 + converted[candidates] + 0.5 * q, 0.0)
    best = np.argmax(score, axis=1) if score.size else np.zeros(0, np.int64)
    rows = np.arange(candidates.shape[0])
    return candidates[rows, best], score[rows, best] > 0


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
    resonance, ``depth = min(1, hours / hours_per_conversation)`` and ``r_t``, ``c_t``
    the target's receptivity and commitment. Only the product ``beta * e * s`` is
    identifiable from outputs.

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
    replaces all of that with one pass (same results to the last bit). ``kernel`` is
    then the pair (neighbour sums, fused week tail) of :func:`medlead.model.accel.kernel`.
    """

    def __init__(self, ties: sp.csr_array, rows: np.ndarray, lead_weight: np.ndarray):
        self.rows = rows
        self.lead_edges = np.flatnonzero(lead_weight != 0)
        self.lead_cols = ties.indices[self.lead_edges]
        self.kernel = accel.kernel(ties.nnz)
        self._ties = ties
        # The kernel streams the column indices every week: int32 halves that traffic.
        small = ties.shape[0] < 2**31 - 1
        self.indices = ties.indices.astype(np.int32) if small else ties.indices
        self.matrix: sp.csr_array | None = None

    def __getstate__(self) -> dict:
        # The compiled kernel is a closure (numba is imported lazily): look it up again.
        state = dict(self.__dict__)
        state["kernel"] = None if self.kernel is None else True
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.kernel is not None:
            self.kernel = accel.kernel(self._ties.nnz)

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
            work.kernel[0],
            ties.indptr,
            work.indices,
            peer_weight,
            lead_weight,
            eff_credibility,
            commitment,
            bound,
        )
        has = den > 0
        mean = np.where(has, num / np.where(has, den, 1.0), commitment)
        return mean, has
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
    has = den > 0
    mean = np.where(has, num / np.where(has, den, 1.0), commitment)
    return mean, has


def peer_update(
    commitment: np.ndarray, receptivity: np.ndarray, mean: np.ndarray, rate: float
) -> np.ndarray:
    """Mechanism 4, followership: ``c' = c + mu * r * (m - c)`` (toward like-minded peers)."""
    return commitment + rate * receptivity * (mean - commitment)


def peer_practice_share(
    practising: np.ndarray, microsystem: np.ndarray, clinical: np.ndarray, n_ms: int
) -> np.ndarray:
    """Share of a person's *other* clinical microsystem colleagues practising (0 outside one)."""
    in_ms = (microsystem >= 0) & clinical
    ms = microsystem[in_ms]
    cnt = np.bincount(ms, weights=practising[in_ms].astype(float), minlength=n_ms)
    size = np.bincount(ms, minlength=n_ms).astype(float)
    share = np.zeros(practising.size)
    m = microsystem.clip(0)
    own = np.where(in_ms, practising, False).astype(float)
    others = np.where(in_ms, size[m] - 1.0, 0.0)
    share = np.where(others > 0, (cnt[m] - own) / np.where(others > 0, others, 1.0), 0.0)
    return np.where(microsystem >= 0, share, 0.0)


def practice(
    commitment: np.ndarray,
    compliance: np.ndarray,
    peer_share: np.ndarray,
    threshold: np.ndarray,
    peer_weight: float,
) -> np.ndarray:
    """Mechanism 5, practice as complex contagion: practise iff drive >= own threshold.

    ``drive_i = (1 - w) * max(c_i, k_i) + w * s_i`` with ``s_i`` the share of microsystem
    colleagues practising last week and ``theta_i`` a heterogeneous threshold. Either
    belief or compelled behaviour can carry a person, but peers' practice matters too.

    Source: Granovetter 1978 (thresholds); Centola & Macy 2007 (complex contagion).
    """
    drive = (1.0 - peer_weight) * np.maximum(commitment, compliance) + peer_weight * peer_share
    return drive >= threshold


def internalise(
    commitment: np.ndarray,
    practising: np.ndarray,
    performance: np.ndarray,
    receptivity: np.ndarray,
    rate: float,
) -> np.ndarray:
    """Mechanism 6, internalisation: ``c' = c + lambda * P_i * r_i * (1 + perf_m) * (1 - c)``.

    Practising builds commitment, twice as fast where the microsystem's performance has
    fully improved (results that show), and slower in people whose receptivity pressure
    has worn down (controlled motivation internalises poorly). This is how a mandate
    *can* become lasting change.

    Source: Kelman 1958 (internalisation); Festinger 1957 (dissonance reduction); Deci &
    Ryan 2000 (internalisation is undermined by controlling pressure).
    """
    gain = rate * practising * receptivity * (1.0 + performance)
    return commitment + gain * (1.0 - commitment)


def erode(x: np.ndarray, factor: float) -> np.ndarray:
    """Mechanism 7, erosion of commitment without reinforcement: ``x' = x * 2^(-1/h)``."""
    return x * factor


def performance_update(
    performance: np.ndarray, share_practising: np.ndarray, lag: float
) -> np.ndarray:
    """Mechanism 8, microsystem improvement with a lag: ``perf' = perf + (s_m - perf) / L``.

    Source: Nelson, Batalden et al. 2002 (improvement shows in microsystem results).
    """
    return performance + (share_practising - performance) / lag
