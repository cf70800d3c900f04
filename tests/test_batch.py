"""Batched replications (model/batch.py): every stacked run equals the same run alone.

"Alone" is :class:`HospitalModel` (:func:`medlead.model.batch.run_alone`); "stacked" is
:func:`medlead.model.batch.run_replications`. Equality is to the bit: histories,
snapshots and final states, over random batches of random (small) Trusts.
"""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medlead.model import ParamError, Params
from medlead.model.batch import (
    run_alone,
    run_replications,
    run_stacked,
    split_state,
    stack_organisations,
    stacked_start,
)
from medlead.model.dynamics import initial_practice
from medlead.model.organisation import build_organisation
from medlead.model.state import State, derive_constants, initial_state


def assert_same_run(alone, stacked) -> None:
    assert np.array_equal(alone.history, stacked.history, equal_nan=True)
    for w, snap in alone.snapshots.items():
        assert_same_state(snap, stacked.snapshots[w])
    assert_same_state(alone.state, stacked.state)


def assert_same_state(a: State, b: State) -> None:
    for f in dataclasses.fields(State):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name


def small_trust(strategy, rule, share, ms, cons, nurses, het, weeks, withdraw) -> Params | None:
    """A small Trust, or ``None`` where the combination is impossible (too few leaders)."""
    try:
        return Params(
            strategy=strategy,
            target_rule=rule,
            leader_share=share,
            n_directorates=2,
            microsystems_per_directorate=ms,
            consultants_per_microsystem=cons,
            nurses_per_microsystem=nurses,
            size_heterogeneity=het,
            weeks=weeks,
            withdrawal_week=withdraw,
        )
    except ParamError:
        return None


small_trusts = st.builds(
    small_trust,
    strategy=st.sampled_from(["none", "mandate", "persuasion", "hybrid"]),
    rule=st.sampled_from(["least_committed", "most_influential"]),
    share=st.floats(0.15, 0.6),
    ms=st.integers(2, 4),
    cons=st.integers(2, 4),
    nurses=st.integers(3, 8),
    het=st.floats(0.0, 0.5),
    weeks=st.integers(1, 40),
    withdraw=st.integers(1, 30),
).filter(lambda p: p is not None)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(params=small_trusts, n=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_stacked_runs_equal_the_same_runs_alone(params, n, seed):
    seeds = [np.random.SeedSequence(seed, spawn_key=(r,)) for r in range(n)]
    weeks = sorted({0, params.weeks // 2, params.weeks})
    alone = run_alone(params, seeds, weeks)
    stacked = run_replications(params, seeds, weeks)
    assert len(stacked) == n
    for a, b in zip(alone, stacked, strict=True):
        assert_same_run(a, b)


def test_default_trust_stacked_equals_alone():
    """The default Trust, a programme and its withdrawal, 8 replications."""
    p = Params(weeks=60, withdrawal_week=40)
    seeds = [np.random.SeedSequence(11, spawn_key=(r,)) for r in range(8)]
    for a, b in zip(run_alone(p, seeds, [40]), run_replications(p, seeds, [40]), strict=True):
        assert_same_run(a, b)


def test_large_stack_with_the_compiled_kernel_equals_alone():
    """32 default Trusts stack to ~480,000 ties, above the numba kernel's threshold, while
    each run alone stays on the numpy path: the two paths still agree to the bit."""
    pytest.importorskip("numba")
    p = Params()
    seeds = [np.random.SeedSequence(5, spawn_key=(r,)) for r in range(32)]
    for a, b in zip(run_alone(p, seeds), run_stacked(p, seeds), strict=True):
        assert_same_run(a, b)


def test_stacked_hospitals_keep_their_own_constants_and_state():
    p = Params(n_directorates=2, microsystems_per_directorate=3)
    orgs = [build_organisation(p, np.random.default_rng(s)) for s in (1, 2, 3)]
    org, run_ptr, ms_ptr = stack_organisations(orgs)
    assert org.n == sum(o.n for o in orgs) and run_ptr.tolist()[-1] == org.n
    rows, cols = org.ties["microsystem"].nonzero()
    const, state = stacked_start(p, orgs)
    assert const.n_runs == 3
    assert np.array_equal(const.run_of[rows], const.run_of[cols])  # no tie crosses runs
    lone = [derive_constants(o, p) for o in orgs]
    assert const.ties.nnz == sum(c.ties.nnz for c in lone)
    for r, c in enumerate(lone):
        a, b = run_ptr[r], run_ptr[r + 1]
        for name in ("reach", "threshold", "influence", "duality_factor", "ms_peer_rowsum"):
            assert np.array_equal(getattr(const, name)[a:b], getattr(c, name)), name
        ms = slice(ms_ptr[r], ms_ptr[r + 1])
        assert np.array_equal(const.ms_clinical_size[ms], c.ms_clinical_size)
        alone = initial_practice(initial_state(orgs[r], p), c, p)
        assert_same_state(alone, split_state(state, const, r))


def test_snapshot_weeks_outside_the_run_are_refused():
    with pytest.raises(ValueError, match="outside 0..10"):
        run_replications(Params(weeks=10), [np.random.SeedSequence(0)], [11])


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 700), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_segment_sums_and_quantiles_do_not_depend_on_the_neighbours(sizes, seed):
    """A run's totals and order statistics are the same bits whatever runs sit beside it."""
    from medlead.model.outputs import QUANTILES, run_quantiles
    from medlead.model.state import (
        RunSizes,
        _quantile_layout,
        segment_sums,
        segment_sums_rows,
    )

    rng = np.random.default_rng(seed)
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    x = rng.random(ptr[-1]) * rng.random()
    sums = segment_sums(x, ptr)
    rows = segment_sums_rows(np.stack([x, x * x]), ptr)
    width = np.arange(max(1, max(sizes)))
    valid = width[None, :] < np.array(sizes)[:, None]
    pad = np.where(valid, ptr[:-1, None] + width[None, :], 0)
    nan = np.full(len(sizes), np.nan)
    layout = _quantile_layout(np.array(sizes), width.size)
    sz = RunSizes(ptr, nan, pad, valid, ptr, nan, ptr, nan, nan, nan[:, None], **layout)
    q = run_quantiles(x, sz)
    for r in range(len(sizes)):
        alone = x[ptr[r] : ptr[r + 1]]
        one = np.array([0, alone.size])
        assert sums[r] == segment_sums(alone, one)[0]
        assert rows[1, r] == segment_sums(alone * alone, one)[0]
        if alone.size:
            assert np.array_equal(q[r], np.quantile(alone, QUANTILES))
        else:
            assert np.isnan(q[r]).all() and sums[r] == 0.0


def test_role_groups_are_in_the_reporters_order():
    """weekly_table writes the role shares as one block in REPORTERS' role order."""
    from medlead.model.outputs import ROLES
    from medlead.model.state import ROLE_GROUPS

    assert tuple(ROLE_GROUPS) == ROLES
