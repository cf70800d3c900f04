"""Sensitivity analysis: the code path recovers known indices and maps onto Params."""

import numpy as np
import pytest

from medlead.experiments.analysis import sensitivity as sa
from medlead.experiments.engine import samplers
from medlead.model import Params
from medlead.model.params import STRUCTURES

# Ishigami (a=7, b=0.1) analytic indices (Saltelli et al. 2008 / SALib docs).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_problem() -> samplers.Problem:
    return samplers.Problem(names=("x1", "x2", "x3"), bounds=((-np.pi, np.pi),) * 3)


def test_sobol_recovers_ishigami_indices():
    X, Y, df = sa.run(ishigami_problem(), ishigami, method="sobol", n=2048, seed=1)
    assert X.shape == (2048 * 5, 3)
    np.testing.assert_allclose(df.S1, ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(df.ST, ISHIGAMI_ST, atol=0.05)
    # The analytic value lies inside (or very near) each bootstrap CI.
    assert ((df.ST_lo - 0.03 <= ISHIGAMI_ST) & (np.array(ISHIGAMI_ST) <= df.ST_hi + 0.03)).all()


def test_convergence_shrinks_with_n():
    p = ishigami_problem()
    X = samplers.sample(p, "sobol", 1024, seed=2)
    conv = sa.convergence(p, X, ishigami(X), fractions=(0.25, 0.5, 1.0))
    assert set(conv.n) == {256, 512, 1024}
    assert conv.attrs["max_change"] < 0.1


def test_morris_ranks_ishigami_factors():
    _, _, df = sa.run(ishigami_problem(), ishigami, method="morris", n=200, seed=3)
    mu = dict(zip(df.factor, df.mu_star, strict=True))
    assert mu["x1"] > mu["x3"] and mu["x2"] > mu["x3"]


def test_problem_from_params_uses_plausible_ranges_and_groups():
    p = samplers.Problem.from_params(
        ["conversation_effect", "credibility_mean", "resonance", "internalisation_rate"],
        groups=samplers.DEFAULT_GROUPS,
    )
    spec = Params.specs()["internalisation_rate"]
    assert p.bounds[3] == spec.plausible
    assert p.factors == ["persuasion_strength", "internalisation_rate"]
    X = samplers.sample(p, "sobol", 8, seed=0)
    assert X.shape == (8 * (2 + 2), 4)
    params = p.to_params(X[:3])
    assert all(isinstance(x, Params) for x in params)


def test_integer_parameters_are_rounded():
    p = samplers.Problem.from_params(["engagement_weeks"])
    (pp,) = p.to_params(np.array([[6.6]]))
    assert pp.engagement_weeks == 7


def test_unknown_factor_is_refused():
    with pytest.raises(ValueError, match="no plausible range"):
        samplers.Problem.from_params(["weeks"])


def test_default_problem_covers_every_plausible_field():
    p = samplers.Problem.from_params()
    expected = [n for n, s in Params.specs().items() if s.plausible is not None and not s.choices]
    assert list(p.names) == expected
    lo, hi = np.array(p.bounds).T
    assert (lo < hi).all()


# ------------------------------------------------------------ structural switches
def test_a_switch_is_a_uniform_mapped_to_its_choices():
    p = samplers.Problem.from_params(["persistence_form", "habit_weight"])
    assert p.bounds[0] == (0.0, 1.0)
    assert p.choices == {"persistence_form": ("habit", "support")}
    assert [p.value("persistence_form", u) for u in (0.0, 0.49, 0.5, 0.999, 1.0)] == [
        "habit",
        "habit",
        "support",
        "support",
        "support",
    ]
    X = samplers.sample(p, "sobol", 64, seed=0)
    forms = [p.value("persistence_form", u) for u in X[:, 0]]
    assert 0.4 < forms.count("habit") / len(forms) < 0.6
    params = p.to_params(X[:4])
    assert {x.persistence_form for x in params} <= {"habit", "support"}


def test_sobol_gives_a_switch_its_share_of_the_variance():
    # y = 3 * [form is the second] + x: the switch explains 9/4 / (9/4 + 1/12) ~ 0.96.
    p = samplers.Problem(
        names=("form", "x"),
        bounds=((0.0, 1.0), (0.0, 1.0)),
        choices={"form": ("a", "b")},
    )

    def f(X):
        return np.array([3.0 * (p.value("form", u) == "b") for u in X[:, 0]]) + X[:, 1]

    _, _, df = sa.run(p, f, method="sobol", n=1024, seed=4)
    st = dict(zip(df.factor, df.ST, strict=True))
    assert st["form"] == pytest.approx(2.25 / (2.25 + 1 / 12), abs=0.05)
    assert st["x"] == pytest.approx((1 / 12) / (2.25 + 1 / 12), abs=0.03)


# ------------------------------------------------------------ what is sampled
def test_uncertain_parameters_are_every_uncertainty_lever_and_switch():
    specs = Params.specs()
    names = samplers.uncertain_parameters()
    for n, s in specs.items():
        sampled = n in names
        eligible = s.role in ("uncertainty", "lever", "structure") and (
            s.plausible is not None or s.choices is not None
        )
        assert sampled == (eligible and n not in samplers.EXCLUDED_FROM_SENSITIVITY), n
    assert not any(specs[n].role == "setting" for n in names)
    assert set(STRUCTURES) <= set(names)
    for n in samplers.EXCLUDED_FROM_SENSITIVITY:  # the exclusions name real levers
        assert specs[n].role == "lever", n


def test_groups_name_sampled_parameters():
    specs = Params.specs()
    members = [m for g in samplers.DEFAULT_GROUPS.values() for m in g]
    assert len(members) == len(set(members))  # a parameter is in one group at most
    for m in members:
        assert specs[m].plausible is not None, m
    groups = samplers.DEFAULT_GROUPS
    p = samplers.Problem.from_params(samplers.uncertain_parameters(), groups=groups)
    assert {"persuasion_strength", "stigma_discount"} <= set(p.factors)
    assert len(p.factors) == len(p.names) - sum(len(g) - 1 for g in groups.values())


def test_the_sensitivity_scenario_samples_everything_uncertain_within_budget():
    from medlead.experiments.engine.scenario import load_scenario, sample_problem

    sc = load_scenario("sensitivity")
    spec = sc.spec
    assert spec.sample is not None and spec.sample.method == "sobol"
    assert len(set(spec.sample.parameters)) == len(spec.sample.parameters)
    assert set(spec.sample.parameters) == set(samplers.uncertain_parameters())
    assert {"sustained_practising_share", "sustained_faithful_share"} <= set(spec.outcomes)
    problem = sample_problem(spec)
    n_strategies = len(spec.factors["strategy"])
    expected = spec.sample.n * (len(problem.factors) + 2) * n_strategies * spec.replications
    assert sc.n_runs == expected
    assert 10_000 <= sc.n_runs <= 20_000  # about 15 minutes on 2 workers at 20-25 runs/s
    forms = {p.params.reactance_form for p in sc.points}
    assert forms == set(STRUCTURES["reactance_form"])
