"""Optional numba kernels: the neighbour mean (mechanism 4) and the rest of the week's tail.

The neighbour mean is the one part of the week that works per *edge* rather than per
person (about 23 edges per person), so in numpy it takes eight passes over edge-sized
arrays (two gathers, the bound test, the weights, two sparse products). One compiled
pass over the CSR rows does the same arithmetic in the same order, and is 3-4x faster
(docs/performance.md). ``week_tail`` goes on, person by person, through the peer
update, practice, internalisation and erosion (mechanisms 4-7), which in numpy are
~25 whole-population operations.

It is used only when it pays and is available:

* numba imports (it is optional: without it the numpy path runs, same results);
* the network has at least :data:`MIN_EDGES` ties (importing numba costs ~1 s and a
  first compilation ~1 s, cached on disk afterwards, which a 610-staff Trust would
  never win back);
* ``MEDLEAD_NUMBA`` is not ``0`` (``MEDLEAD_NUMBA=1`` forces it on for any size, which
  the tests use to hold it against the numpy path).

Both paths give the same floats to the last bit: each row's sums run over its edges in
CSR order, the weight of an edge is ``p + l * e`` where it has a leader weight and ``p``
otherwise, edges outside the bound add nothing, and the tail evaluates each equation of
:mod:`medlead.model.mechanisms` with the same operations in the same order
(``tests/test_golden.py`` checks whole runs with the kernels forced on and off, and the
oracle tests pass with ``MEDLEAD_NUMBA=1``). Keep ``week_tail`` in step with the
mechanisms when an equation changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

MIN_EDGES = 100_000

_KERNEL: tuple[Callable, Callable] | None = None
_TRIED = False


def _compile() -> tuple[Callable, Callable] | None:
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=True, nogil=True, inline="always")
    def row_sums(i, indptr, indices, peer, lead, eff, c, bound):  # pragma: no cover
        # Bounded-confidence weighted sums of person i's like-minded neighbours.
        ci = c[i]
        sn = 0.0
        sd = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            cj = c[j]
            if abs(ci - cj) <= bound:
                w = peer[k]
                if lead[k] != 0.0:
                    w = peer[k] + lead[k] * eff[j]
                sn += w * cj
                sd += w
        return sn, sd

    @numba.njit(cache=True, nogil=True)
    def neighbour_sums(indptr, indices, peer, lead, eff, c, bound, num, den):  # pragma: no cover
        for i in range(c.size):
            num[i], den[i] = row_sums(i, indptr, indices, peer, lead, eff, c, bound)

    @numba.njit(cache=True, nogil=True)
    def week_tail(  # pragma: no cover
        indptr,
        indices,
        peer,
        lead,
        eff,
        c,
        bound,
        receptivity,
        compliance,
        share,
        threshold,
        perf,
        mu,
        w_pp,
        rate,
        decay,
        c_out,
        practising_out,
    ):
        # Mechanisms 4-7 for each person, with the operations of dynamics.step's numpy
        # path in the same order: neighbour mean, peer update, practice, internalisation,
        # erosion and the final clips.
        for i in range(c.size):
            ci = c[i]
            sn, sd = row_sums(i, indptr, indices, peer, lead, eff, c, bound)
            m = sn / sd if sd > 0 else ci
            r = receptivity[i]
            c1 = ci + mu * r * (m - ci)
            k_i = compliance[i]
            drive = (1.0 - w_pp) * (c1 if c1 >= k_i else k_i) + w_pp * share[i]
            p = drive >= threshold[i]
            practising_out[i] = p
            gain = rate * (1.0 if p else 0.0) * r * (1.0 + perf[i])
            c2 = (c1 + gain * (1.0 - c1)) * decay
            c_out[i] = min(max(c2, 0.0), 1.0)

    return neighbour_sums, week_tail


def kernel(n_edges: int) -> tuple[Callable, Callable] | None:
    """The compiled kernels (neighbour sums, fused week tail), if they should be used for
    a network of ``n_edges`` ties; ``None`` for the numpy path.
    """
    global _KERNEL, _TRIED
    flag = os.environ.get("MEDLEAD_NUMBA", "")
    if flag == "0" or (flag != "1" and n_edges < MIN_EDGES):
        return None
    if not _TRIED:
        _TRIED = True
        _KERNEL = _compile()
    return _KERNEL


def neighbour_sums(
    fn: Callable,
    indptr: np.ndarray,
    indices: np.ndarray,
    peer: np.ndarray,
    lead: np.ndarray,
    eff: np.ndarray,
    commitment: np.ndarray,
    bound: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of every person's neighbour mean, through ``fn``."""
    n = commitment.size
    num = np.empty(n)
    den = np.empty(n)
    fn(indptr, indices, peer, lead, eff, commitment, float(bound), num, den)
    return num, den
