"""Sensitivity analysis: the code path recovers known indices and maps onto Params."""

import numpy as np
import pytest

from medlead.experiments import sensitivity as sa
from medlead.model import Params

# Ishigami (a=7, b=0.1) analytic indices (Saltelli et al. 2008 / SALib docs).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_problem() -> sa.Problem:
    return sa.Problem(names=("x1", "x2", "x3"), bounds=((-np.pi, np.pi),) * 3)


def test_sobol_recovers_ishigami_indices():
    X, Y, df = sa.run(ishigami_problem(), ishigami, method="sobol", n=2048, seed=1)
    assert X.shape == (2048 * 5, 3)
    np.testing.assert_allclose(df.S1, ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(df.ST, ISHIGAMI_ST, atol=0.05)
    # The analytic value lies inside (or very near) each bootstrap CI.
    assert ((df.ST_lo - 0.03 <= ISHIGAMI_ST) & (np.array(ISHIGAMI_ST) <= df.ST_hi + 0.03)).all()


def test_convergence_shrinks_with_n():
    p = ishigami_problem()
    X = sa.sample(p, "sobol", 1024, seed=2)
    conv = sa.convergence(p, X, ishigami(X), fractions=(0.25, 0.5, 1.0))
    assert set(conv.n) == {256, 512, 1024}
    assert conv.attrs["max_change"] < 0.1


def test_morris_ranks_ishigami_factors():
    _, _, df = sa.run(ishigami_problem(), ishigami, method="morris", n=200, seed=3)
    mu = dict(zip(df.factor, df.mu_star, strict=True))
    assert mu["x1"] > mu["x3"] and mu["x2"] > mu["x3"]


def test_problem_from_params_uses_plausible_ranges_and_groups():
    p = sa.Problem.from_params(
        ["conversation_effect", "credibility_mean", "resonance", "internalisation_rate"],
        groups=sa.DEFAULT_GROUPS,
    )
    spec = Params.specs()["internalisation_rate"]
    assert p.bounds[3] == spec.plausible
    assert p.factors == ["persuasion_strength", "internalisation_rate"]
    X = sa.sample(p, "sobol", 8, seed=0)
    assert X.shape == (8 * (2 + 2), 4)
    params = p.to_params(X[:3])
    assert all(isinstance(x, Params) for x in params)


def test_integer_parameters_are_rounded():
    p = sa.Problem.from_params(["engagement_weeks"])
    (pp,) = p.to_params(np.array([[6.6]]))
    assert pp.engagement_weeks == 7


def test_unknown_factor_is_refused():
    with pytest.raises(ValueError, match="no plausible range"):
        sa.Problem.from_params(["weeks"])


def test_default_problem_covers_every_plausible_field():
    p = sa.Problem.from_params()
    expected = [n for n, s in Params.specs().items() if s.plausible is not None and not s.choices]
    assert list(p.names) == expected
    lo, hi = np.array(p.bounds).T
    assert (lo < hi).all()
