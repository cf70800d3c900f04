"""Statistics over replications: means with 95% confidence intervals.

Replications of a design point are independent draws of the same stochastic model, so a
point's mean outcome gets a Student-t interval (mean ± t(0.975, n-1)·s/√n). Under common
random numbers two strategies share their replications, so their *paired* differences
(one per replication) get the same interval, usually much narrower than the difference
of two independent means.

A mean of a share (or of any quantity bounded in [0, 1]) gets a bootstrap percentile
interval instead (:func:`bootstrap_mean_ci`, :func:`outcome_ci`): the percentiles of
resampled means lie between the smallest and largest value, so the interval stays inside
[0, 1] without clipping, where a Student-t interval of a few replications near 0 or 1
crosses the bound. A paired difference of two shares is bootstrapped the same way, from
the per-replication differences: resampling those resamples whole pairs (both strategies
of a replication together), so the pairing is kept and the interval stays inside
[-1, 1]. Every formatted interval says which method made it (:data:`METHODS`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "METHODS",
    "PAIRED_METHODS",
    "MeanCI",
    "bootstrap_bounds",
    "bootstrap_means",
    "bootstrap_mean_ci",
    "ci_method_note",
    "mean_ci",
    "outcome_ci",
    "paired_method_note",
    "percentile_bounds",
    "t_halfwidth",
]

METHODS: dict[str, str] = {
    "t": "Student-t",
    "bootstrap": "bootstrap percentile",
}
"""How each ``MeanCI.method`` is named in tables and captions."""

PAIRED_METHODS: dict[str, str] = {
    "t": "Student-t",
    "bootstrap": "paired bootstrap percentile (replications resampled)",
}
"""How each method is named for a paired difference (the pairs are what is resampled)."""

BOOTSTRAP_RESAMPLES = 2000
"""Resamples of a bootstrap interval (fixed generator: the same values give the same CI)."""


@dataclass(frozen=True)
class MeanCI:
    """A mean with its confidence interval over ``n`` values (bounds NaN if ``n < 2``)."""

    mean: float
    low: float
    high: float
    n: int
    method: str = "t"
    """``t`` (Student-t) or ``bootstrap`` (percentile bootstrap of the mean)."""

    def format(self, digits: int = 3, signed: bool = False) -> str:
        """``mean [low, high]`` with ``digits`` decimals (``-`` when there is no value)."""
        if self.n == 0 or math.isnan(self.mean):
            return "-"
        spec = f"{{:{'+' if signed else ''}.{digits}f}}"

        def f(x: float) -> str:
            return spec.format(round(x, digits) + 0.0)  # + 0.0 turns -0.0 into 0.0

        if math.isnan(self.low):
            return f(self.mean)
        return f"{f(self.mean)} [{f(self.low)}, {f(self.high)}]"


def t_halfwidth(sd: float, n: int, level: float = 0.95) -> float:
    """Half-width of the Student-t interval of a mean of ``n`` values with sample sd ``sd``."""
    if n < 2 or sd is None or math.isnan(sd):
        return math.nan
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))


def mean_ci(values: Iterable[float | None], level: float = 0.95) -> MeanCI:
    """Mean and ``level`` Student-t interval of ``values`` (``None`` and NaN are dropped)."""
    x = np.array([v for v in values if v is not None], dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    h = t_halfwidth(float(x.std(ddof=1)) if n > 1 else math.nan, n, level)
    return MeanCI(m, m - h, m + h, n)


def bootstrap_mean_ci(
    values: Iterable[float | None],
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> MeanCI:
    """Mean and percentile-bootstrap ``level`` interval of ``values`` (NaN dropped).

    The interval lies within [min, max] of the values, so a share's stays in [0, 1]. The
    generator is fixed (``seed``; not a model stream), so a table is reproducible.
    """
    x = np.array([v for v in values if v is not None], dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0, "bootstrap")
    m = float(x.mean())
    if n < 2:
        return MeanCI(m, math.nan, math.nan, n, "bootstrap")
    lo, hi = bootstrap_bounds(x, level, resamples, seed)
    return MeanCI(m, float(min(lo, m)), float(max(hi, m)), n, "bootstrap")


def bootstrap_means(
    x: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> np.ndarray:
    """Means of ``resamples`` bootstrap resamples along the last axis of ``x`` (all finite).

    The resamples are drawn once from a fixed generator (``seed``), the same for every
    row and for every array of the same length, so two arrays resampled with one seed
    are resampled *together* (replication r of both at once): that is what keeps a ratio
    or a difference of two means paired. The means are counts times values
    (``x @ counts.T / n``), which needs no ``rows × resamples × n`` array for a long
    curve of many replications.

    Returns:
        an array of ``x``'s shape with its last axis replaced by ``resamples``.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    counts = np.zeros((resamples, n))
    np.add.at(counts, (np.arange(resamples)[:, None], idx), 1.0)
    return x @ counts.T / n


def percentile_bounds(means: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The ``level`` percentile interval of resampled statistics (last axis; NaN ignored)."""
    lo, hi = np.nanquantile(means, [0.5 - level / 2, 0.5 + level / 2], axis=-1)
    return lo, hi


def bootstrap_bounds(
    x: np.ndarray,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap bounds of the mean along the last axis of ``x`` (all finite).

    Every row (e.g. every week of a curve) is resampled with the same replications. A
    resampled mean cannot leave [min, max] of its row, so the bounds are clipped there
    against rounding in the last bit: a share's interval is inside [0, 1], a paired
    difference of shares inside [-1, 1].

    Returns:
        ``(low, high)``, each of ``x``'s shape without its last axis.
    """
    x = np.asarray(x, dtype=float)
    lo, hi = percentile_bounds(bootstrap_means(x, resamples, seed), level)
    return np.clip(lo, x.min(axis=-1), x.max(axis=-1)), np.clip(hi, x.min(axis=-1), x.max(axis=-1))


def outcome_ci(name: str, values: Iterable[float | None], level: float = 0.95) -> MeanCI:
    """The interval of the mean of outcome ``name``: bootstrap if bounded in [0, 1], else t."""
    from medlead.model.labels import is_bounded

    if is_bounded(name):
        return bootstrap_mean_ci(values, level)
    return mean_ci(values, level)


def ci_method_note(cis: Iterable[MeanCI]) -> str:
    """Which methods made these intervals, e.g. "bootstrap percentile for shares, ..."."""
    used = {c.method for c in cis if c.n > 1}
    if used == {"bootstrap"}:
        return "95% CI: bootstrap percentile"
    if used == {"t"} or not used:
        return "95% CI: Student-t"
    return "95% CI: bootstrap percentile for shares and 0–1 scores, Student-t otherwise"


def paired_method_note(methods: Iterable[str]) -> str:
    """How paired differences' intervals were made, from their ``method`` values."""
    used = set(methods)
    if used == {"bootstrap"}:
        return PAIRED_METHODS["bootstrap"]
    if used <= {"t"}:
        return PAIRED_METHODS["t"]
    return f"{PAIRED_METHODS['bootstrap']} for shares and 0–1 scores, Student-t otherwise"
