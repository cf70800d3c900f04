"""Effect sizes and replication counts for comparing strategies.

Means and their intervals live in :mod:`medlead.experiments.analysis.stats`; this module adds
what a comparison needs beyond them: paired differences under common random numbers
(a paired bootstrap for a share's, which keeps the interval inside [-1, 1]),
the Vargha–Delaney A measure of stochastic superiority, Hedges' g, and how many
replications give a confidence interval of a wanted width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

from medlead.experiments.analysis.stats import MeanCI, mean_ci, outcome_ci

__all__ = [
    "Effect",
    "compare_paired",
    "hedges_g",
    "replications_needed",
    "vargha_delaney_a",
]


def _clean(x: Sequence[float | None]) -> np.ndarray:
    a = np.array([v for v in x if v is not None], dtype=float)
    return a[np.isfinite(a)]


def vargha_delaney_a(x: Sequence[float], y: Sequence[float]) -> float:
    """Vargha & Delaney's (2000) A: P(X > Y) + 0.5 P(X = Y) over all pairs.

    0.5 means no difference; 0.56, 0.64 and 0.71 are the conventional small, medium and
    large thresholds. It needs no distributional assumption, which suits outcomes that
    pile up at 0 or 1 (microsystems flip all or nothing).
    """
    a, b = _clean(x), _clean(y)
    if a.size == 0 or b.size == 0:
        return math.nan
    greater = (a[:, None] > b[None, :]).sum()
    ties = (a[:, None] == b[None, :]).sum()
    return float((greater + 0.5 * ties) / (a.size * b.size))


def hedges_g(x: Sequence[float], y: Sequence[float]) -> float:
    """Hedges' g: (mean x − mean y) / pooled sd, times the small-sample correction J.

    ``J = 1 − 3 / (4 (n_x + n_y) − 9)`` (Hedges 1981). NaN when the pooled sd is 0 or a
    group has fewer than two values.
    """
    a, b = _clean(x), _clean(y)
    na, nb = a.size, b.size
    if na < 2 or nb < 2:
        return math.nan
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return math.nan
    j = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0)
    return float((a.mean() - b.mean()) / pooled * j)


def replications_needed(sd: float, half_width: float, level: float = 0.95) -> int:
    """Smallest n whose Student-t interval of a mean has at most ``half_width``.

    Solves ``t(level, n − 1) · sd / √n ≤ half_width``, searching upward from the normal
    approximation ``(z · sd / half_width)²`` (which never overshoots, since t > z).
    """
    if sd <= 0:
        return 2
    z = float(norm.ppf(0.5 + level / 2))
    n = max(2, math.floor((z * sd / half_width) ** 2))
    while student_t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n) > half_width:
        n += 1
    return n


@dataclass(frozen=True)
class Effect:
    """How ``a`` differs from ``b`` on the same replications."""

    difference: MeanCI
    """Mean paired difference a − b with its 95% CI (``method`` says which)."""
    a: float
    """Vargha–Delaney A of a over b (unpaired)."""
    g: float
    """Hedges' g of a against b (unpaired)."""
    dz: float
    """Standardised paired difference: mean difference / sd of differences."""


def compare_paired(a: Sequence[float], b: Sequence[float], outcome: str | None = None) -> Effect:
    """Effect of ``a`` over ``b`` where entry i of each comes from replication i.

    Under common random numbers replication i of two strategies runs on the same
    hospital with the same draws, so the paired differences carry less noise.

    Args:
        a: one value per replication.
        b: the same replications under the other strategy.
        outcome: the quantity compared. A share or 0-1 score
            (:func:`~medlead.model.labels.is_bounded`) gets a paired bootstrap percentile
            interval, resampling replications (pairs), so it stays inside [-1, 1];
            anything else (and ``None``) the Student-t interval of the differences.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError("paired samples need the same number of replications")
    keep = np.isfinite(x) & np.isfinite(y)
    d = x[keep] - y[keep]
    sd = d.std(ddof=1) if d.size > 1 else math.nan
    dz = float(d.mean() / sd) if d.size > 1 and sd > 0 else math.nan
    diff = outcome_ci(outcome, d) if outcome is not None else mean_ci(d)
    return Effect(difference=diff, a=vargha_delaney_a(x, y), g=hedges_g(x, y), dz=dz)
