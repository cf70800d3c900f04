"""Optional numba kernel: the neighbour mean (mechanism 4).

The neighbour mean is the one part of the week that works per *edge* rather than per
person (about 23 edges per person), so in numpy it takes eight passes over edge-sized
arrays (two gathers, the bound test, the weights, two sparse products). One compiled
pass over the CSR rows does the same arithmetic in the same order, and is 3-4x faster
(docs/performance.md). (Version 1 also fused the rest of the week's tail into a second
kernel; the reworked mechanisms of version 2 run in numpy only, so that one set of
equations is kept in step with the oracle.)

It is used only when it pays and is available:

* numba imports (it is optional: without it the numpy path runs, same results);
* the network has at least :data:`MIN_EDGES` ties, or the run will visit at least
  :data:`MIN_EDGE_WEEKS` ties in all (a batch of stacked replications,
  :mod:`medlead.model.batch`): importing numba costs ~1 s and a first compilation ~1 s,
  cached on disk afterwards, which one 610-staff Trust would never win back;
* ``MEDLEAD_NUMBA`` is not ``0`` (``MEDLEAD_NUMBA=1`` forces it on for any size, which
  the tests use to hold it against the numpy path).

Both paths give the same floats to the last bit: each row's sums run over its edges in
CSR order, the weight of an edge is ``p + l * e`` where it has a leader weight and ``p``
otherwise, and edges outside the bound add nothing (``tests/test_golden.py`` checks
whole runs with the kernel forced on and off, and the oracle tests pass with
``MEDLEAD_NUMBA=1``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

MIN_EDGES = 100_000
MIN_EDGE_WEEKS = 5_000_000

_KERNEL: Callable | None = None
_TRIED = False


def _compile() -> Callable | None:
    try:
        from medlead.model.kernels import neighbour_sums
    except ImportError:  # numba is optional
        return None
    return neighbour_sums


def kernel(n_edges: int, weeks: int = 0) -> Callable | None:
    """The compiled neighbour-sums kernel, if it should be used for a network of
    ``n_edges`` ties run for ``weeks`` weeks (0: unknown); ``None`` for the numpy path.
    """
    global _KERNEL, _TRIED
    flag = os.environ.get("MEDLEAD_NUMBA", "")
    pays = n_edges >= MIN_EDGES or n_edges * weeks >= MIN_EDGE_WEEKS
    if flag == "0" or (flag != "1" and not pays):
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
