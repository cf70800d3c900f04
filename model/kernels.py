"""The numba kernels behind :mod:`medlead.model.accel` (imported only when numba is).

Two kernels: :func:`neighbour_sums` (mechanism 4's per-edge pass alone) and
:func:`week_tail` (mechanisms 4 to 8 in one pass over the people and one over the
microsystems). The tail does not restate the equations: it calls the functions of
:mod:`medlead.model.mechanisms` listed in ``mechanisms.ELEMENTWISE``, compiled here for
single floats (:func:`_scalar`), so the numpy path and the compiled path run one set of
equations, the same operations in the same order, hence the same bits (no ``fastmath``,
so no reassociation or fused multiply-adds). The sparse sums (neighbours, colleagues'
practice, a microsystem's faithful practice) run over their entries in the order scipy's
CSR product and ``np.bincount`` do, from 0.0.

Compiled code is cached on disk (``cache=True``) under a folder named by the digest of
this file and ``mechanisms.py`` (:func:`medlead.model.accel.cache_dir`): numba checks
only the file that defines a cached function, so without it an edited mechanism would
keep running its old machine code here. The first process after an install or an edit
compiles (a few seconds); every later one loads the machine code.
"""

from __future__ import annotations

import types

import numba
import numpy as np

from medlead.model import mechanisms as mech


@numba.njit(cache=True, nogil=True)
def _where(cond, a, b):  # pragma: no cover - compiled
    """``np.where`` for one element (numba's returns a 0-d array for scalars)."""
    return a if cond else b


@numba.njit(cache=True, nogil=True)
def _clip(x, lo, hi):  # pragma: no cover - compiled
    """``np.clip`` for one element: ``minimum(maximum(x, lo), hi)``, as numpy's."""
    return np.minimum(np.maximum(x, lo), hi)


@numba.njit(cache=True, nogil=True)
def _maximum(a, b):  # pragma: no cover - compiled
    return np.maximum(a, b)


@numba.njit(cache=True, nogil=True)
def _minimum(a, b):  # pragma: no cover - compiled
    return np.minimum(a, b)


_SCALAR_NUMPY = types.ModuleType("medlead_scalar_numpy")
"""What ``np`` means inside the compiled copies of the mechanisms: the four numpy
functions they use, for single elements."""
_SCALAR_NUMPY.where = _where
_SCALAR_NUMPY.clip = _clip
_SCALAR_NUMPY.maximum = _maximum
_SCALAR_NUMPY.minimum = _minimum

_GLOBALS: dict = {"np": _SCALAR_NUMPY, "__name__": __name__}


def _scalar(name: str):
    """``mechanisms.<name>`` compiled for floats: its own code, with ``np`` the scalar
    namespace above and the other mechanisms it calls their compiled copies.
    """
    fn = getattr(mech, name)
    copy = types.FunctionType(fn.__code__, _GLOBALS, fn.__name__, fn.__defaults__)
    _GLOBALS[name] = numba.njit(cache=True, nogil=True)(copy)
    return _GLOBALS[name]


for _name in mech.ELEMENTWISE:
    _scalar(_name)

ratio_or = _GLOBALS["ratio_or"]
peer_update = _GLOBALS["peer_update"]
practice = _GLOBALS["practice"]
belief_weighted = _GLOBALS["belief_weighted"]
fidelity_binary = _GLOBALS["fidelity_binary"]
habit_update = _GLOBALS["habit_update"]
dissonance_rate = _GLOBALS["dissonance_rate"]
internalised = _GLOBALS["internalised"]
erode = _GLOBALS["erode"]
performance_update = _GLOBALS["performance_update"]
unit_clip = _GLOBALS["unit_clip"]


@numba.njit(cache=True, nogil=True)
def neighbour_sums(indptr, indices, peer, lead, eff, c, bound, num, den):  # pragma: no cover
    """Every person's (numerator, denominator) of the neighbour mean, into num and den.

    Row ``i``'s edges in CSR order: column ``j = indices[k]``, or ``~indices[k]`` for a
    leadership edge, whose weight is the next entry of ``lead`` (leadership edges in edge
    order). Edge weight ``peer[k]``, plus ``lead * eff[j]`` on a leadership edge, times
    1.0 for a neighbour within ``bound`` of ``c[i]`` and 0.0 otherwise: exactly what the
    numpy path multiplies and adds (``w * near``, then the CSR products), and without a
    branch the processor would mispredict on every other edge.
    """
    m = 0
    for i in range(c.size):
        ci = c[i]
        sn = 0.0
        sd = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            w = peer[k]
            if j < 0:
                j = ~j
                w = peer[k] + lead[m] * eff[j]
                m += 1
            cj = c[j]
            w = w * (1.0 if abs(ci - cj) <= bound else 0.0)
            sn += w * cj
            sd += w * 1.0
        num[i] = sn
        den[i] = sd


@numba.njit(cache=True, nogil=True)
def week_tail(  # pragma: no cover - compiled
    indptr,
    indices,
    peer,
    lead,
    eff,
    bound,
    ms_indptr,
    ms_indices,
    ms_data,
    ms_rowsum,
    threshold,
    has_ms,
    ms_index,
    in_ms_idx,
    in_ms_ms,
    ms_size,
    rates,
    flags,
    c_in,
    receptivity,
    compliance,
    practising,
    fidelity,
    habit,
    performance,
    out_c,
    out_r,
    out_k,
    out_p,
    out_f,
    out_h,
    out_perf,
):
    """Mechanisms 4 to 8 of one week, as :func:`medlead.model.dynamics.week_tail` runs them.

    Person ``i``, from last week's practice and this week's commitment ``c_in`` (after
    persuasion): the neighbour mean (:func:`neighbour_sums`' arithmetic), followership,
    the practice signal of colleagues (their last week's ``P * f``), practice, fidelity,
    habit, internalisation (at last week's microsystem performance), erosion and the
    clips; then each microsystem's faithful practice and performance. ``rates`` holds
    (peer influence, peer-practice weight, habit weight, habit gain, habit decay,
    compelled fidelity, internalisation rate, compelled internalisation, commitment
    decay, improvement lag); ``flags`` (binary fidelity, dissonance internalisation).
    """
    mu, w_peer, w_habit, h_gain, h_decay, f_c, lam, phi, decay, lag = (
        rates[0],
        rates[1],
        rates[2],
        rates[3],
        rates[4],
        rates[5],
        rates[6],
        rates[7],
        rates[8],
        rates[9],
    )
    binary = flags[0] != 0
    dissonance = flags[1] != 0
    # Colleagues' last week's faithful practice, gathered ~20 times a person below.
    pf = np.empty(c_in.size)
    for i in range(c_in.size):
        pf[i] = (1.0 if practising[i] else 0.0) * fidelity[i]
    m = 0
    for i in range(c_in.size):
        ci = c_in[i]
        sn = 0.0
        sd = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            w = peer[k]
            if j < 0:
                j = ~j
                w = peer[k] + lead[m] * eff[j]
                m += 1
            cj = c_in[j]
            w = w * (1.0 if abs(ci - cj) <= bound else 0.0)
            sn += w * cj
            sd += w * 1.0
        r = receptivity[i]
        k_i = compliance[i]
        c = peer_update(ci, r, ratio_or(sn, sd, ci), mu)
        seen = 0.0
        for e in range(ms_indptr[i], ms_indptr[i + 1]):
            seen += ms_data[e] * pf[ms_indices[e]]
        signal = ratio_or(seen, ms_rowsum[i], 0.0)
        p = practice(c, k_i, signal, habit[i], threshold[i], w_peer, w_habit)
        f = fidelity_binary(c, k_i, f_c) if binary else belief_weighted(c, k_i, f_c)
        out_h[i] = habit_update(habit[i], p, h_gain, h_decay)
        perf = performance[ms_index[i]] if has_ms[i] else 0.0
        g = dissonance_rate(k_i, phi) if dissonance else belief_weighted(c, k_i, phi)
        c = internalised(c, 1.0 if p else 0.0, perf, r, lam, g)
        out_c[i] = unit_clip(erode(c, decay))
        out_k[i] = unit_clip(k_i)
        out_r[i] = unit_clip(r)
        out_p[i] = p
        out_f[i] = f
    faithful = np.zeros(ms_size.size)
    for e in range(in_ms_idx.size):
        j = in_ms_idx[e]
        faithful[in_ms_ms[e]] += (1.0 if out_p[j] else 0.0) * out_f[j]
    for s in range(ms_size.size):
        share = faithful[s] / max(ms_size[s], 1.0)
        out_perf[s] = unit_clip(performance_update(performance[s], share, lag))
