"""Statistics over replications: means with 95% confidence intervals.

Replications of a design point are independent draws of the same stochastic model, so a
point's mean outcome gets a Student-t interval (mean ± t(0.975, n-1)·s/√n). Under common
random numbers two strategies share their replications, so their *paired* differences
(one per replication) get the same interval, usually much narrower than the difference
of two independent means.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["MeanCI", "mean_ci", "t_halfwidth"]


@dataclass(frozen=True)
class MeanCI:
    """A mean with its confidence interval over ``n`` values (bounds NaN if ``n < 2``)."""

    mean: float
    low: float
    high: float
    n: int

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
