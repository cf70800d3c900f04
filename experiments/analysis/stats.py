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
crosses the bound. Every formatted interval says which method made it (:data:`METHODS`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "METHODS",
    "MeanCI",
    "bootstrap_mean_ci",
    "ci_method_note",
    "mean_ci",
    "outcome_ci",
    "t_halfwidth",
]

METHODS: dict[str, str] = {
    "t": "Student-t",
    "bootstrap": "bootstrap percentile",
}
"""How each ``MeanCI.method`` is named in tables and captions."""

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
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return MeanCI(m, float(min(lo, m)), float(max(hi, m)), n, "bootstrap")


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
