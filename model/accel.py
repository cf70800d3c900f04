"""Optional numba kernels: the neighbour mean (mechanism 4) and the week's tail (4 to 8).

The neighbour mean is the one part of the week that works per *edge* rather than per
person (about 23 edges per person), so in numpy it takes eight passes over edge-sized
arrays (two gathers, the bound test, the weights, two sparse products). One compiled
pass over the CSR rows does the same arithmetic in the same order, and is 3-4x faster
(docs/performance.md). The week's tail (:func:`medlead.model.kernels.week_tail`) goes
further: the neighbour mean, followership, the colleagues' practice signal, practice,
fidelity, habit, internalisation, erosion and microsystem improvement in one pass over
the people and one over the microsystems, calling the mechanisms' own functions
compiled for single floats (``mechanisms.ELEMENTWISE``), so one set of equations serves
both paths and the oracle.

It is used only when it pays and is available:

* numba imports (it is optional: without it the numpy path runs, same results);
* the network has at least :data:`MIN_EDGES` ties, or the run will visit at least
  :data:`MIN_EDGE_WEEKS` ties in all (a batch of stacked replications,
  :mod:`medlead.model.batch`): importing numba costs ~1 s and a first compilation ~1 s,
  cached on disk afterwards, which one 610-staff Trust would never win back;
* ``MEDLEAD_NUMBA`` is not ``0`` (``MEDLEAD_NUMBA=1`` forces it on for any size, which
  the tests use to hold it against the numpy path).

Both paths give the same floats to the last bit: each row's sums run over its edges in
CSR order, the weight of an edge is ``(p + l * e) * near`` where it has a leader weight
and ``p * near`` otherwise, and the tail evaluates each mechanism's expression as numpy
does, element by element (``tests/test_golden.py`` and ``tests/test_kernels.py`` check
whole runs, every structural form, with the kernels forced on and off; the oracle tests
pass with ``MEDLEAD_NUMBA=1``). The compiled code is cached in :func:`cache_dir`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

MIN_EDGES = 100_000
MIN_EDGE_WEEKS = 5_000_000

_KERNEL: Callable | None = None
_TAIL: Callable | None = None
_TRIED = False


def cache_dir() -> Path:
    """Where numba caches the kernels: a folder named by the digest of ``kernels.py`` and
    ``mechanisms.py`` (the equations the week's tail compiles), so that an edit to either
    compiles afresh instead of loading stale machine code (numba itself checks only the
    file that defines a cached function). Under ``model/__pycache__``, or the system's
    temporary folder if that is not writable.
    """
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("kernels.py", "mechanisms.py"):
        digest.update((here / name).read_bytes())
    folder = here / "__pycache__" / f"numba-{digest.hexdigest()[:12]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"medlead-numba-{digest.hexdigest()[:12]}"
    return folder


def _compile() -> Callable | None:
    try:
        from numba import config
    except ImportError:  # numba is optional
        return None
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    previous = config.CACHE_DIR
    config.CACHE_DIR = str(Path(chosen) / cache_dir().name) if chosen else str(cache_dir())
    try:
        from medlead.model import kernels
    finally:
        config.CACHE_DIR = previous
    global _TAIL
    _TAIL = kernels.week_tail
    return kernels.neighbour_sums


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


def tail_kernel(neighbour_kernel: Callable | None) -> Callable | None:
    """The compiled week tail (:func:`medlead.model.kernels.week_tail`), used wherever
    the neighbour kernel is (``neighbour_kernel`` from :func:`kernel`); else ``None``.
    """
    return None if neighbour_kernel is None else _TAIL
