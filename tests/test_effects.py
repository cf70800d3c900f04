"""Effect sizes against hand-computed values."""

import math

import pytest

from medlead.experiments.analysis.effects import (
    compare_paired,
    hedges_g,
    replications_needed,
    vargha_delaney_a,
)
from medlead.experiments.analysis.stats import mean_ci


def test_vargha_delaney_by_hand():
    # x=[1,2,3], y=[1,2]: x>y for (2,1), (3,1), (3,2); ties (1,1), (2,2) -> (3 + 0.5*2) / 6
    assert vargha_delaney_a([1, 2, 3], [1, 2]) == pytest.approx(4 / 6)
    assert vargha_delaney_a([1, 2, 3], [1, 2, 3]) == pytest.approx(0.5)
    assert vargha_delaney_a([5, 6], [1, 2]) == 1.0
    assert vargha_delaney_a([1, 2], [5, 6]) == 0.0


def test_hedges_g_by_hand():
    # x: mean 2, var 1; y: mean 4, var 1 -> pooled sd 1, d = -2, J = 1 - 3/(4*6-9) = 0.8
    assert hedges_g([1, 2, 3], [3, 4, 5]) == pytest.approx(-2 * 0.8)
    assert math.isnan(hedges_g([1], [2, 3]))


def test_mean_ci_by_hand():
    # mean 2, sd 1, n 3: t(0.975, 2) = 4.302653 -> half-width 4.302653/sqrt(3) = 2.484138
    ci = mean_ci([1, 2, 3])
    assert ci.mean == 2
    assert ci.high - ci.mean == pytest.approx(2.484138, rel=1e-6)


def test_paired_difference_uses_pairs():
    a = [0.5, 0.6, 0.7, 0.8]
    b = [0.4, 0.5, 0.6, 0.7]
    eff = compare_paired(a, b)
    assert eff.difference.mean == pytest.approx(0.1)
    # Identical differences: zero-width interval.
    assert eff.difference.high - eff.difference.low == pytest.approx(0.0, abs=1e-12)
    # a > b in 1 + 2 + 3 + 4 = 10 of 16 pairs, ties in 3 -> (10 + 1.5) / 16
    assert eff.a == pytest.approx(11.5 / 16)
    with pytest.raises(ValueError):
        compare_paired([1, 2], [1])


def test_replications_needed_by_hand():
    # sd 0.1, half-width 0.05: n=18 gives t(0.975,17)=2.1098*0.1/sqrt(18)=0.0497 <= 0.05,
    # n=17 gives 2.1199*0.1/sqrt(17)=0.0514 > 0.05
    assert replications_needed(0.1, 0.05) == 18
    assert replications_needed(0.0, 0.05) == 2


def test_replications_needed_for_a_wide_outcome_does_not_fail():
    # sd 30 weeks with a 0.02 half-width: about (1.96*30/0.02)^2 = 8.6 million, found fast
    n = replications_needed(30.0, 0.02)
    assert 8_600_000 < n < 8_700_000


def test_paired_difference_of_shares_is_a_paired_bootstrap_by_hand():
    """A share's paired difference: percentiles of resampled mean differences, in [-1, 1]."""
    import numpy as np

    from medlead.experiments.analysis.stats import BOOTSTRAP_RESAMPLES

    # Two pairs with differences 1 and 0: a resample of 2 has mean 0 (p 1/4), 0.5 (p 1/2)
    # or 1 (p 1/4), so the 2.5th and 97.5th percentiles of 2,000 resamples are 0 and 1.
    eff = compare_paired([1.0, 1.0], [0.0, 1.0], "practising_share")
    d = eff.difference
    assert (d.mean, d.low, d.high, d.n, d.method) == (0.5, 0.0, 1.0, 2, "bootstrap")
    # Near the bound a Student-t interval leaves [-1, 1]; the paired bootstrap cannot.
    a, b = [1.0, 1.0, 1.0, 0.9], [0.0, 0.0, 0.0, 0.1]
    t = compare_paired(a, b).difference  # no outcome named: Student-t
    assert t.method == "t" and t.high > 1
    boot = compare_paired(a, b, "practising_share").difference
    assert -1 <= boot.low <= boot.mean <= boot.high <= 1
    # The same values as resampling the pairs directly with the fixed generator (seed 0).
    x = np.array([0.31, 0.42, 0.18, 0.55, 0.27, 0.49])
    y = np.array([0.30, 0.20, 0.21, 0.35, 0.10, 0.44])
    idx = np.random.default_rng(0).integers(0, 6, size=(BOOTSTRAP_RESAMPLES, 6))
    means = (x - y)[idx].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    got = compare_paired(x, y, "practising_share").difference
    assert got.mean == pytest.approx(0.10333333333333333)
    assert (got.low, got.high) == (pytest.approx(lo, abs=1e-12), pytest.approx(hi, abs=1e-12))
    # Not a share (engagement gap spans -1..1 but is not a share): Student-t.
    assert compare_paired(x, y, "engagement_gap").difference.method == "t"


def test_retention_is_a_ratio_of_means_resampled_together():
    import numpy as np

    from medlead.experiments.analysis.programme import _ratio_ci, _ratio_diff_ci

    # Half kept in every replication: retention 0.5 exactly, a zero-width interval.
    r = _ratio_ci(np.array([0.2, 0.3]), np.array([0.4, 0.6]))
    assert (r.mean, r.low, r.high) == (pytest.approx(0.5), pytest.approx(0.5), pytest.approx(0.5))
    # Nothing at the end of the programme: no retention to speak of.
    assert math.isnan(_ratio_ci(np.zeros(3), np.zeros(3)).mean)
    # Near nothing (under 1% at the end of the programme): no retention either.
    assert math.isnan(_ratio_ci(np.full(3, 0.004), np.full(3, 0.004)).mean)
    assert math.isnan(
        _ratio_diff_ci(np.full(2, 0.004), np.full(2, 0.004), np.ones(2), np.ones(2)).mean
    )
    # Retention 0.5 against 1.0 on the same replications: a difference of -0.5.
    d = _ratio_diff_ci(np.array([0.2, 0.3]), np.array([0.4, 0.6]), np.ones(2), np.ones(2))
    assert d.mean == pytest.approx(-0.5) and d.low == pytest.approx(-0.5)
