"""The vectorised week agrees with the per-agent oracle from many random states.

Single steps only: whole trajectories need not agree, since thresholds amplify rounding.
Each example draws parameters (every dynamic lever and uncertainty, every strategy, both
target rules, every form of each structural switch, intervention on, off or withdrawn),
a small organisation and a random state (commitment, compliance, receptivity,
practising, fidelity, habit, champions, engagements, converts, performance, leader
attributes), then runs both implementations from copies of the state with copies of one
Generator and compares every field to 1e-12, and the Generators' states exactly.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medlead.model import Params, build_organisation
from medlead.model.dynamics import step
from medlead.model.params import STRUCTURES
from medlead.model.reference import prepare, reference_step
from medlead.model.state import State, derive_constants, initial_state

FLOAT_FIELDS = ("commitment", "compliance", "receptivity", "performance", "habit", "fidelity")
EXACT_FIELDS = ("practising", "champion", "converted", "target", "weeks_left")
SCALARS = ("pressure", "leadership_hours", "pressure_spent")

unit = st.floats(0.0, 1.0)


@st.composite
def small_params(draw) -> Params:
    """Parameters of a small Trust with every dynamic lever drawn."""
    n_dir = draw(st.integers(1, 2))
    ms = draw(st.integers(1, 3))
    cons = draw(st.integers(1, 4))
    n_cons = n_dir * ms * cons
    leaders = draw(st.sampled_from(["none", "min", "random", "all"]))
    share = {
        "none": 0.0,
        "min": min(1.0, (n_dir + 0.5) / n_cons),
        "random": draw(st.floats(min(1.0, (n_dir + 0.5) / n_cons), 1.0)),
        "all": 1.0,
    }[leaders]
    start = draw(st.integers(0, 3))
    threshold_mean = draw(st.floats(0.1, 0.9))
    values = dict(
        n_directorates=n_dir,
        microsystems_per_directorate=ms,
        consultants_per_microsystem=cons,
        juniors_per_microsystem=draw(st.integers(0, 3)),
        nurses_per_microsystem=draw(st.integers(1, 5)),
        size_heterogeneity=draw(st.sampled_from([0.0, 0.3])),
        cross_ties_per_clinician=draw(st.sampled_from([0.0, 1.0, 3.0])),
        leader_share=share,
        cross_world_weight=draw(st.sampled_from([0.0, 0.4, 1.0])),
        senior_influence=draw(st.sampled_from([0.5, 1.0, 3.0])),
        credibility_mean=draw(unit),
        credibility_sd=draw(st.floats(0.0, 0.5)),
        duality_quality_mean=draw(unit),
        duality_quality_sd=draw(st.floats(0.0, 0.5)),
        initial_commitment=draw(unit),
        threshold_mean=threshold_mean,
        # sd^2 < mean * (1 - mean) for a Beta; an sd whose square underflows gives NaN
        threshold_sd=draw(st.sampled_from([0.0, 0.12]) | st.floats(1e-3, 0.2)),
        workload=draw(unit),
        junior_autonomy=draw(unit),
        nurse_autonomy=draw(unit),
        line_transmission=draw(unit),
        strategy=draw(st.sampled_from(["none", "mandate", "persuasion", "hybrid"])),
        target_rule=draw(st.sampled_from(["least_committed", "most_influential"])),
        intervention_start=start,
        withdrawal_week=start + draw(st.integers(0, 6)),
        resonance=draw(unit),
        autonomy=draw(unit),
        hierarchy_coupling=draw(unit),
        mandate_pressure=draw(unit),
        compliance_gain=draw(unit),
        compliance_half_life=draw(st.floats(0.5, 100.0)),
        reactance=draw(unit),
        receptivity_recovery_weeks=draw(st.floats(1.0, 500.0)),
        boomerang=draw(unit),
        resistance_spread=draw(unit),
        goal_resonance_boost=draw(unit),
        goal_pressure=draw(unit),
        goal_time_cost=draw(unit),
        leader_time_pa=draw(st.sampled_from([0.0, 0.25, 1.0, 3.0])),
        hours_per_conversation=draw(st.sampled_from([0.25, 2.0, 5.0]) | st.floats(0.25, 20.0)),
        revisit_share=draw(unit),
        director_time_factor=draw(st.floats(1.0, 5.0)),
        conversation_effect=draw(unit),
        engagement_weeks=draw(st.integers(1, 4)),
        candidate_sample=draw(st.integers(1, 6)),
        top_reinforcement=draw(unit),
        champion_rate=draw(unit),
        champion_threshold=draw(unit),
        champion_hours=draw(st.sampled_from([0.0, 1.0, 3.0, 6.0])),
        formal_selection=draw(unit),
        selection_quality=draw(unit),
        leader_identification=draw(st.floats(0.0, 2.0)),
        time_identification=draw(st.floats(0.0, 0.5)),
        stigma=draw(unit),
        career_structure=draw(unit),
        career_stigma_effect=draw(unit),
        career_time_protection=draw(unit),
        culture_change_half_life=draw(st.floats(1.0, 520.0)),
        peer_influence=draw(unit),
        confidence_bound=draw(st.sampled_from([0.2, 0.5]) | unit),  # 0.5: exact ties on the grid
        peer_practice_weight=draw(unit),
        habit_weight=draw(unit),
        habit_gain=draw(unit),
        habit_half_life=draw(st.floats(0.5, 520.0)),
        compelled_fidelity=draw(unit),
        compelled_internalisation=draw(unit),
        internalisation_rate=draw(unit),
        commitment_half_life=draw(st.floats(1.0, 500.0)),
        improvement_lag=draw(st.floats(1.0, 30.0)),
        committed_cutoff=draw(st.floats(0.05, 0.95)),
    )
    # The structural switches: every form of every mechanism.
    values.update({name: draw(st.sampled_from(forms)) for name, forms in STRUCTURES.items()})
    return Params(**values)


def random_state(org, params: Params, rng: np.random.Generator, grid: bool) -> State:
    """A random, internally consistent state (targets inside each persuader's scope)."""
    n = org.n
    s = initial_state(org, params)

    def level(size: int) -> np.ndarray:
        # On the grid, values sit on (and around) the cut-offs and bounds, to hit ties.
        if grid:
            levels = np.array(
                [0.0, params.committed_cutoff, params.champion_threshold, 0.3, 0.5, 1.0]
            )
            return levels[rng.integers(0, levels.size, size)]
        return rng.random(size)

    start, stop = params.intervention_start, params.withdrawal_week
    if stop > start and rng.random() < 0.7:  # mostly while the intervention runs
        s.week = int(rng.integers(start, stop))
    else:
        s.week = int(rng.integers(0, stop + 3))
    s.withdrawn = bool(rng.random() < 0.15)
    s.commitment = level(n)
    s.compliance = level(n)
    s.receptivity = rng.random(n) if rng.random() < 0.7 else np.ones(n)
    s.practising = rng.random(n) < rng.random()
    s.champion = rng.random(n) < rng.random() * 0.5
    s.converted = rng.random(n) < rng.random() * 0.5
    s.performance = rng.random(org.n_microsystems)
    s.habit = rng.random(n) * (rng.random(n) < 0.6) if rng.random() < 0.8 else np.zeros(n)
    s.fidelity = rng.random(n) if rng.random() < 0.8 else np.ones(n)
    s.autonomy = rng.random(n)
    s.credibility = rng.random(n)
    s.identification = rng.random(n)
    s.workload = rng.random(n) if rng.random() < 0.5 else np.full(n, params.workload)
    s.leadership_time = s.leadership_time * rng.random(n) * 2
    scope_len = np.diff(org.scope_ptr)
    for i in range(n):
        if scope_len[i] and rng.random() < 0.6:
            s.target[i] = org.scope_of(i)[rng.integers(scope_len[i])]
            s.weeks_left[i] = rng.integers(0, params.engagement_weeks + 1)
    s.leadership_hours = float(rng.random() * 100)
    s.pressure_spent = float(rng.random() * 100)
    return s


def assert_same(a: State, b: State) -> None:
    for name in FLOAT_FIELDS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-12)
    for name in EXACT_FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in SCALARS:
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-12, abs=1e-12), name
    assert a.week == b.week


def run_both(org, params: Params, state: State, seed: int, world=None) -> tuple[State, State]:
    const = derive_constants(org, params)
    rng_vec = np.random.default_rng(seed)
    rng_ref = copy.deepcopy(rng_vec)
    vec = step(state.copy(), const, params, rng_vec)
    ref = reference_step(state.copy(), world or prepare(org, params), params, rng_ref)
    assert rng_vec.bit_generator.state == rng_ref.bit_generator.state
    return vec, ref


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    params=small_params(),
    org_seed=st.integers(0, 2**32 - 1),
    state_seed=st.integers(0, 2**32 - 1),
    grid=st.booleans(),
)
def test_vectorised_week_matches_oracle(params, org_seed, state_seed, grid):
    org = build_organisation(params, np.random.default_rng(org_seed))
    rng = np.random.default_rng(state_seed)
    state = random_state(org, params, rng, grid)
    vec, ref = run_both(org, params, state, state_seed + 1)
    assert_same(vec, ref)


@pytest.mark.parametrize("strategy", ["none", "mandate", "persuasion", "hybrid"])
@pytest.mark.parametrize("preset", ["professional", "machine", "kp_like", "set_up_to_fail"])
def test_oracle_matches_along_a_run_of_the_default_trust(preset, strategy):
    """From the states a real run visits, one step of each agrees (presets × strategies)."""
    from medlead.model import HospitalModel

    params = Params.preset(preset).replace(strategy=strategy, weeks=28, withdrawal_week=16)
    model = HospitalModel(params, rng=11)
    world = prepare(model.organisation, params)
    for week in range(params.weeks):
        if week % 6 == 1:
            vec, ref = run_both(model.organisation, params, model.state, week, world)
            assert_same(vec, ref)
        model.step()


def test_oracle_accepts_an_organisation_and_leaves_the_inputs_consistent():
    params = Params(n_directorates=1, microsystems_per_directorate=2)
    org = build_organisation(params, np.random.default_rng(0))
    state = initial_state(org, params)
    out = reference_step(state, org, params, np.random.default_rng(1))
    assert out is state  # in place, like the vectorised step
    assert state.week == 1


def test_random_draws_are_consumed_as_documented():
    """``rng.random(n)`` then ``rng.random((m, K))`` for the m persuaders, nothing else.

    Persuaders are everyone with persuasion hours and a scope, engaged or not.
    """
    params = Params(n_directorates=1, microsystems_per_directorate=2, strategy="persuasion")
    org = build_organisation(params, np.random.default_rng(0))
    const = derive_constants(org, params)
    scope = np.diff(org.scope_ptr) > 0
    for engaged in (False, True):
        state = initial_state(org, params)
        if engaged:  # an engagement does not spare a persuader the draws
            for i in np.flatnonzero((state.leadership_time > 0) & scope)[::2]:
                state.target[i] = org.scope_of(i)[0]
                state.weeks_left[i] = params.engagement_weeks
        rng = np.random.default_rng(5)
        out = step(state, const, params, rng)
        hours = (out.leadership_time > 0) | (out.champion & (params.champion_hours > 0))
        m = int((hours & scope).sum())
        assert m > 0
        expected = np.random.default_rng(5)
        expected.random(org.n)
        expected.random((m, params.candidate_sample))
        assert rng.bit_generator.state == expected.bit_generator.state


def test_oracle_is_independent_of_the_vectorised_code():
    """The oracle must not reuse what it checks: no import of mechanisms or dynamics."""
    import ast
    import inspect

    from medlead.model import reference

    tree = ast.parse(inspect.getsource(reference))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not {"medlead.model.mechanisms", "medlead.model.dynamics"} & imported
    assert "derive_constants" not in inspect.getsource(reference)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["mandate", "hybrid"])
def test_oracle_matches_on_a_large_trust(strategy):
    """About 6,000 staff: large enough for the optional compiled neighbour-mean path."""
    from medlead.model import HospitalModel

    params = Params.preset("large").replace(strategy=strategy, weeks=12, withdrawal_week=8)
    model = HospitalModel(params, rng=5)
    world = prepare(model.organisation, params)
    for week in range(params.weeks):
        if week in (1, 9):
            vec, ref = run_both(model.organisation, params, model.state, week, world)
            assert_same(vec, ref)
        model.step()
