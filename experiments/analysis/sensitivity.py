"""Global sensitivity indices of a sampled design's outcomes, with their convergence.

Estimators come from SALib; this module attaches bootstrap confidence intervals and
checks convergence (indices stable as N grows). The factors and the samplers that draw
the design live in :mod:`medlead.experiments.engine.samplers`.

The same code path serves any model ``evaluate(X) -> Y``, which is how the Ishigami test
function checks it against known analytic indices.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from medlead.experiments.engine.samplers import Problem, sample

__all__ = ["analyse", "convergence", "run"]


def analyse(
    problem: Problem,
    method: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    seed: int = 0,
    resamples: int = 200,
) -> pd.DataFrame:
    """Sensitivity indices with 95% bootstrap confidence intervals, one row per factor.

    Sobol: first-order ``S1`` and total ``ST`` with ``*_lo``/``*_hi`` bounds (SALib's
    bootstrap half-widths around the estimate). Morris: ``mu_star`` (with CI),
    ``sigma``. LHS: standardised rank regression coefficients are not computed here;
    use Sobol or Morris for indices.
    """
    Y = np.asarray(Y, dtype=float)
    if method == "sobol":
        with warnings.catch_warnings():  # a constant outcome has no variance to apportion
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol_analyze.analyze(
                problem.salib(),
                Y,
                calc_second_order=False,
                num_resamples=resamples,
                conf_level=0.95,
                seed=seed,
            )
        df = pd.DataFrame(
            {
                "factor": problem.factors,
                "S1": si["S1"],
                "S1_lo": si["S1"] - si["S1_conf"],
                "S1_hi": si["S1"] + si["S1_conf"],
                "ST": si["ST"],
                "ST_lo": si["ST"] - si["ST_conf"],
                "ST_hi": si["ST"] + si["ST_conf"],
            }
        )
        return df
    if method == "morris":
        si = morris_analyze.analyze(
            problem.salib(),
            X,
            Y,
            num_resamples=resamples,
            conf_level=0.95,
            num_levels=4,
            seed=seed,
        )
        mu = np.asarray(si["mu_star"], float)
        conf = np.asarray(si["mu_star_conf"], float)
        return pd.DataFrame(
            {
                "factor": list(si["names"]),
                "mu_star": mu,
                "mu_star_lo": mu - conf,
                "mu_star_hi": mu + conf,
                "sigma": np.asarray(si["sigma"], float),
            }
        )
    raise ValueError(f"indices need method 'sobol' or 'morris', not {method!r}")


def convergence(
    problem: Problem, X: np.ndarray, Y: np.ndarray, *, fractions=(0.25, 0.5, 1.0), seed: int = 0
) -> pd.DataFrame:
    """Sobol total indices re-estimated on growing prefixes of the design.

    Saltelli's design stores each base sample's D+2 rows together, so the first ``m``
    blocks are a valid design of size ``m``. Returns one row per (fraction, factor) with
    ``ST`` and ``S1``; ``max_change`` (the largest |ΔST| between the last two sizes)
    is in ``df.attrs``.
    """
    k = len(problem.factors) + 2
    n = X.shape[0] // k
    rows = []
    for f in fractions:
        m = max(2, int(round(n * f)))
        df = analyse(problem, "sobol", X[: m * k], Y[: m * k], seed=seed, resamples=50)
        df.insert(0, "n", m)
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    last = out[out.n == out.n.max()].set_index("factor").ST
    prev_n = sorted(out.n.unique())[-2] if out.n.nunique() > 1 else out.n.max()
    prev = out[out.n == prev_n].set_index("factor").ST
    out.attrs["max_change"] = float((last - prev).abs().max())
    return out


def run(
    problem: Problem,
    evaluate: Callable[[np.ndarray], np.ndarray],
    *,
    method: str = "sobol",
    n: int = 64,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Sample, evaluate and analyse: the one code path for the model and for test functions.

    Args:
        problem: the factors.
        evaluate: maps the (rows, D) design to one outcome per row (for medlead, the mean
            over replications of an outcome of the run with those parameters).
        method: ``sobol`` or ``morris``.
        n: base sample size (Sobol) or number of trajectories (Morris).
        seed: sampler and bootstrap seed.

    Returns:
        (X, Y, indices)
    """
    X = sample(problem, method, n, seed)
    Y = np.asarray(evaluate(X), dtype=float)
    return X, Y, analyse(problem, method, X, Y, seed=seed)
