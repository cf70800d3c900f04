"""Shared helpers: benchmark organisations, timers, the floor, machine facts."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from medlead.model import Params
from medlead.model.state import Constants

# Staff target -> (n_directorates, microsystems_per_directorate). A microsystem holds
# about 20 staff (3 consultants, 4 juniors, 12 nurses, 1 manager); the default Trust is
# the 'professional' preset itself.
SIZES: dict[int, tuple[int, int]] = {
    610: (5, 6),
    2_000: (10, 10),
    10_000: (20, 25),
    50_000: (50, 50),
}


def size_params(staff: int, weeks: int = 520, **overrides: Any) -> Params:
    """The default Trust (persuasion strategy) scaled to about ``staff`` people."""
    n_dir, per_dir = SIZES[staff]
    return Params().replace(
        n_directorates=n_dir, microsystems_per_directorate=per_dir, weeks=weeks, **overrides
    )


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result) of one call.

    CPU time (``time.process_time``) is reported beside wall time because on a shared
    machine wall time also counts the time other processes held the core.
    """
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def spread(xs: list[float]) -> dict[str, float]:
    """Median, min, max and count of repeated timings."""
    return {
        "median": statistics.median(xs),
        "min": min(xs),
        "max": max(xs),
        "n": len(xs),
    }


def membership_matrix(const: Constants) -> sp.csr_array:
    """(n_microsystems x n) 0/1 matrix of clinical staff per microsystem."""
    in_ms = np.flatnonzero((const.microsystem >= 0) & const.clinical)
    return sp.csr_array(
        (np.ones(in_ms.size), (const.microsystem[in_ms], in_ms)), shape=(const.n_ms, const.n)
    )


def floor_run(const: Constants, weeks: int, commitment: np.ndarray) -> tuple[float, float]:
    """Seconds for the sparse products the model performs each week, over ``weeks`` weeks.

    Each week the model gathers, over the combined influence network, a weighted sum of
    neighbours' commitment and the sum of those weights (the two halves of the
    bounded-confidence mean), and counts practising staff per microsystem. The floor does
    exactly these three sparse matrix-vector products with scipy's CSR kernel and nothing
    else: no masking, no other mechanism, no reporters.
    """
    ties = const.ties
    member = membership_matrix(const)
    c = commitment.copy()
    ones = np.ones(const.n)
    practising = (c > 0.5).astype(float)
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(weeks):
        num = ties @ c
        den = ties @ ones
        member @ practising
        c[0] = num[0] / max(den[0], 1.0)  # a data dependence between weeks
    return time.perf_counter() - t0, time.process_time() - c0


def machine() -> dict[str, Any]:
    """Machine and library facts for the results table."""
    import mesa
    import scipy

    try:
        model_name = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(
                ["lscpu"], capture_output=True, text=True
            ).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, StopIteration):
        model_name = platform.processor()
    return {
        "cpu": model_name,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
        "loadavg_start": os.getloadavg(),
    }
