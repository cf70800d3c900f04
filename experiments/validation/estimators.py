"""Estimators the level criteria need beyond a mean and its CI.

Critical mass (P4) is judged on the steepness of a fitted Hill curve and Trust variation
(P7) on a percentile range with a bootstrap CI; neither is a paired difference, so they
do not come from :mod:`medlead.experiments.analysis.effects`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def hill(x: np.ndarray, bottom: float, top: float, x0: float, n: float) -> np.ndarray:
    """Hill curve ``bottom + (top − bottom) xⁿ / (xⁿ + x0ⁿ)``: n ≥ 4 reads as a switch."""
    x = np.asarray(x, float)
    return bottom + (top - bottom) / (1.0 + (x0 / np.maximum(x, 1e-12)) ** n)


def hill_fit(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Least-squares Hill fit; NaNs when it does not converge."""
    from scipy.optimize import curve_fit

    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0)
    x, y = x[keep], y[keep]
    nan = {"bottom": math.nan, "top": math.nan, "x0": math.nan, "n": math.nan}
    if x.size < 4 or np.ptp(y) == 0:
        return nan
    lo_x, hi_x = float(x.min()), float(x.max())
    best, best_sse = None, math.inf
    for n0 in (1.0, 3.0, 8.0):
        for x0 in (np.quantile(x, 0.25), np.median(x), np.quantile(x, 0.75)):
            try:
                p, _ = curve_fit(
                    hill,
                    x,
                    y,
                    p0=(float(y.min()), float(y.max()), float(x0), n0),
                    bounds=([0.0, 0.0, lo_x / 10, 0.1], [1.0, 1.0, hi_x * 10, 40.0]),
                    maxfev=5000,
                )
            except (RuntimeError, ValueError):
                continue
            sse = float(((hill(x, *p) - y) ** 2).sum())
            if sse < best_sse:
                best, best_sse = p, sse
    if best is None:
        return nan
    return dict(zip(("bottom", "top", "x0", "n"), map(float, best), strict=True))


def percentile(values: np.ndarray, q: float) -> float:
    """Quantile ``q`` of the finite values (NaN when there are none)."""
    v = values[np.isfinite(values)]
    return float(np.quantile(v, q)) if v.size else math.nan


def p10_p90_range(values: np.ndarray) -> float:
    """90th minus 10th percentile."""
    return percentile(values, 0.9) - percentile(values, 0.1)


def bootstrap_ci(
    values: np.ndarray, stat: Callable[[np.ndarray], float], b: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap 95% CI of ``stat`` over resampled values."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return math.nan, math.nan
    boots = np.array([stat(rng.choice(v, v.size, replace=True)) for _ in range(b)])
    return float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))
