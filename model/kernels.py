"""The numba kernels behind :mod:`medlead.model.accel` (imported only when numba is).

Module-level functions, so that numba's on-disk cache (``cache=True``, in
``model/__pycache__``) finds them again in the next process: the first process after an
install compiles (~1 s), every later one loads the machine code. (Defined inside a
function, as they were, they were closures: numba wrote a new cache entry in every
process and never read one back, so each process compiled again; docs/performance.md.)
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True, inline="always")
def row_sums(i, indptr, indices, peer, lead, eff, c, bound):  # pragma: no cover
    """Bounded-confidence weighted sums of person ``i``'s like-minded neighbours."""
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
    """Every person's (numerator, denominator) of the neighbour mean, into num and den."""
    for i in range(c.size):
        num[i], den[i] = row_sums(i, indptr, indices, peer, lead, eff, c, bound)
