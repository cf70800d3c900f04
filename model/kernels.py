"""The numba kernels behind :mod:`medlead.model.accel` (imported only when numba is).

Module-level functions, so that numba's on-disk cache (``cache=True``, in
``model/__pycache__``) finds them again in the next process: the first process after an
install compiles (~1 s), every later one loads the machine code. (Defined inside a
function, as they were, they were closures: numba wrote a new cache entry in every
process and never read one back, so each process compiled again; docs/performance.md.)
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def neighbour_sums(indptr, indices, peer, lead, eff, c, bound, num, den):  # pragma: no cover
    """Every person's (numerator, denominator) of the neighbour mean, into num and den.

    Row ``i``'s edges in CSR order: column ``j = indices[k]``, or ``~indices[k]`` for a
    leadership edge, whose weight is the next entry of ``lead`` (leadership edges in edge
    order). Edge weight ``peer[k]``, plus ``lead * eff[j]`` on a leadership edge; only
    neighbours within ``bound`` of ``c[i]`` count. The same operations in the same order
    as the numpy path of :func:`medlead.model.mechanisms.neighbour_mean`.
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
            if abs(ci - cj) <= bound:
                sn += w * cj
                sd += w
        num[i] = sn
        den[i] = sd
