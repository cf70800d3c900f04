"""Property tests of the organisation builder: head counts, roles, ties, scopes, seeds."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medlead.model import TIE_KINDS, Leader, Params, Role, World, build_organisation
from medlead.model.organisation import WORLD_OF_ROLE

MS_ROLES = (Role.CONSULTANT, Role.JUNIOR, Role.NURSE, Role.WARD_LEADER, Role.MICROSYSTEM_MANAGER)


@st.composite
def org_params(draw, heterogeneity: bool = True) -> Params:
    n_dir = draw(st.integers(1, 4))
    ms = draw(st.integers(1, 4))
    cons = draw(st.integers(1, 5))
    n_cons = n_dir * ms * cons
    lo = min(1.0, (n_dir + 0.5) / n_cons)
    share = draw(st.one_of(st.just(0.0), st.just(1.0), st.floats(lo, 1.0)))
    return Params(
        n_directorates=n_dir,
        microsystems_per_directorate=ms,
        consultants_per_microsystem=cons,
        juniors_per_microsystem=draw(st.integers(0, 5)),
        nurses_per_microsystem=draw(st.integers(1, 8)),
        size_heterogeneity=draw(st.floats(0.0, 0.8)) if heterogeneity else 0.0,
        cross_ties_per_clinician=draw(st.sampled_from([0.0, 0.5, 2.0, 6.0])),
        cross_world_weight=draw(st.sampled_from([0.0, 0.4, 1.0])),
        leader_share=share,
        duality_quality_mean=draw(st.floats(0.0, 1.0)),
        formal_selection=draw(st.floats(0.0, 1.0)),
    )


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(params: Params, seed: int = 0):
    return build_organisation(params, np.random.default_rng(seed))


@SETTINGS
@given(params=org_params(heterogeneity=False), seed=st.integers(0, 2**32 - 1))
def test_head_counts_match_the_parameters_exactly_without_heterogeneity(params, seed):
    org = build(params, seed)
    pr = params
    n_ms = pr.n_directorates * pr.microsystems_per_directorate
    assert org.n == pr.expected_staff
    assert org.n_microsystems == n_ms
    counts = np.bincount(org.role, minlength=len(Role))
    assert counts[Role.CONSULTANT] == n_ms * pr.consultants_per_microsystem
    assert counts[Role.JUNIOR] == n_ms * pr.juniors_per_microsystem
    assert counts[Role.NURSE] + counts[Role.WARD_LEADER] == n_ms * pr.nurses_per_microsystem
    assert counts[Role.WARD_LEADER] == n_ms
    assert counts[Role.MICROSYSTEM_MANAGER] == n_ms
    assert counts[Role.GENERAL_MANAGER] == pr.n_directorates
    for r in (Role.CHIEF_EXECUTIVE, Role.MEDICAL_DIRECTOR, Role.NURSING_DIRECTOR):
        assert counts[r] == 1
    for m in range(n_ms):
        members = org.role[org.ms_ptr[m] : org.ms_ptr[m + 1]]
        assert (members == Role.CONSULTANT).sum() == pr.consultants_per_microsystem
        assert (members == Role.JUNIOR).sum() == pr.juniors_per_microsystem
    # Medical leaders (clinical directors + leads) = round(share * consultants).
    n_leaders = round(pr.leader_share * counts[Role.CONSULTANT])
    lead = np.bincount(org.leader, minlength=len(Leader))
    assert lead[Leader.CLINICAL_DIRECTOR] + lead[Leader.CLINICAL_LEAD] == n_leaders
    assert lead[Leader.CLINICAL_DIRECTOR] == (pr.n_directorates if n_leaders else 0)
    assert lead[Leader.MEDICAL_DIRECTOR] == (1 if n_leaders else 0)


@SETTINGS
@given(params=org_params(), seed=st.integers(0, 2**32 - 1))
def test_structure(params, seed):
    org = build(params, seed)
    n_ms = org.n_microsystems
    assert org.ms_ptr[0] == 0 and np.all(np.diff(org.ms_ptr) > 0)
    # Every microsystem has a consultant, a nurse who leads the ward, and one manager.
    for m in range(n_ms):
        members = org.role[org.ms_ptr[m] : org.ms_ptr[m + 1]]
        assert (members == Role.CONSULTANT).sum() >= 1
        assert (members == Role.WARD_LEADER).sum() == 1
        assert (members == Role.MICROSYSTEM_MANAGER).sum() == 1
        assert np.all(org.microsystem[org.ms_ptr[m] : org.ms_ptr[m + 1]] == m)
    in_ms = org.microsystem >= 0
    assert np.isin(org.role[in_ms], MS_ROLES).all()
    assert not np.isin(org.role[~in_ms], MS_ROLES).any()
    assert np.array_equal(org.world, WORLD_OF_ROLE[org.role])
    assert np.array_equal(org.directorate[in_ms], org.ms_directorate[org.microsystem[in_ms]])
    # Each directorate: one general manager; if there are medical leaders, exactly one
    # clinical director (a consultant of that directorate).
    gm = np.flatnonzero(org.role == Role.GENERAL_MANAGER)
    assert sorted(org.directorate[gm]) == list(range(params.n_directorates))
    cds = np.flatnonzero(org.leader == Leader.CLINICAL_DIRECTOR)
    if cds.size:
        assert sorted(org.directorate[cds]) == list(range(params.n_directorates))
    medical = np.isin(org.leader, [Leader.CLINICAL_LEAD, Leader.CLINICAL_DIRECTOR])
    assert (org.role[medical] == Role.CONSULTANT).all()
    assert np.array_equal(org.leader == Leader.WARD_LEADER, org.role == Role.WARD_LEADER)
    # Medical leaders are spread round-robin over microsystems (a clinical director
    # counts as their microsystem's first): no microsystem has two more than another
    # unless it has run out of consultants.
    leaders_per_ms = np.bincount(org.microsystem[medical], minlength=n_ms)
    cons_per_ms = np.bincount(org.microsystem[org.role == Role.CONSULTANT], minlength=n_ms)
    if leaders_per_ms.size:
        top = leaders_per_ms.max()
        assert np.all((leaders_per_ms >= top - 1) | (leaders_per_ms == cons_per_ms))
    # Attributes in range.
    for name in ("autonomy", "credibility", "identification", "threshold", "commitment0"):
        x = getattr(org, name)
        assert x.shape == (org.n,) and np.all((x >= 0) & (x <= 1)), name
    assert np.all((org.duality_quality >= 0) & (org.duality_quality <= 1))
    assert np.all(org.identification[org.world == World.MANAGER] == 1.0)
    assert np.all(org.identification[(org.leader == Leader.NONE) & org.clinical] == 0.0)
    assert np.all(org.influence > 0)


@SETTINGS
@given(params=org_params(), seed=st.integers(0, 2**32 - 1))
def test_ties(params, seed):
    org = build(params, seed)
    assert tuple(org.ties) == TIE_KINDS
    for kind in TIE_KINDS:
        m = org.ties[kind]
        assert m.shape == (org.n, org.n)
        rows, cols, w = org.edges(kind)
        assert np.all(w > 0), kind
        assert np.all(np.isfinite(w)), kind
        assert not np.any(rows == cols), f"self-tie in {kind}"
    # Microsystem ties: complete within each microsystem, weighted by world.
    rows, cols, w = org.edges("microsystem")
    assert np.all(org.microsystem[rows] == org.microsystem[cols])
    assert np.all(org.microsystem[rows] >= 0)
    same = org.world[rows] == org.world[cols]
    assert np.all(w[same] == 1.0)
    assert np.allclose(w[~same], params.cross_world_weight)
    sizes = np.diff(org.ms_ptr)
    n_worlds = [
        np.bincount(org.world[a:b], minlength=3)
        for a, b in zip(org.ms_ptr[:-1], org.ms_ptr[1:], strict=True)
    ]
    within = sum(int((c * (c - 1)).sum()) for c in n_worlds)
    expected = within if params.cross_world_weight == 0 else int((sizes * (sizes - 1)).sum())
    assert rows.size == expected
    # Professional ties: symmetric, same role group, across microsystems.
    rows, cols, w = org.edges("professional")
    group = np.where(org.role == Role.CONSULTANT, 0, -1)
    group[np.isin(org.role, [Role.NURSE, Role.WARD_LEADER])] = 1
    assert np.all(group[rows] == group[cols]) and np.all(group[rows] >= 0)
    assert np.all(org.microsystem[rows] != org.microsystem[cols])
    assert np.all(w == 1.0)
    prof = org.ties["professional"]
    assert (prof != prof.T).nnz == 0
    # Management line: everyone but the chief executive has exactly one superior.
    mgmt = org.ties["management"]
    superiors = np.diff(mgmt.indptr)
    ceo = np.flatnonzero(org.role == Role.CHIEF_EXECUTIVE)
    assert superiors[ceo] == 0
    assert np.all(np.delete(superiors, ceo) == 1)
    rows, cols, _ = org.edges("management")
    in_ms = org.microsystem[rows] >= 0
    is_mgr = org.role[rows] == Role.MICROSYSTEM_MANAGER
    staff = in_ms & ~is_mgr
    assert np.all(org.role[cols[staff]] == Role.MICROSYSTEM_MANAGER)
    assert np.all(org.microsystem[cols[staff]] == org.microsystem[rows[staff]])
    assert np.all(org.role[cols[is_mgr]] == Role.GENERAL_MANAGER)
    assert np.all(org.directorate[cols[is_mgr]] == org.directorate[rows[is_mgr]])


def expected_scope(org, i: int) -> set[int]:
    """Whom person ``i`` may persuade, from the rules in ``_leadership_scopes``."""
    everyone = np.arange(org.n)
    role, ms, d = org.role, org.microsystem, org.directorate
    doctors = np.isin(role, [Role.CONSULTANT, Role.JUNIOR])
    consultants = role == Role.CONSULTANT
    nurses = np.isin(role, [Role.NURSE, Role.WARD_LEADER])
    lead = org.leader[i]
    if lead == Leader.CLINICAL_LEAD:
        mask = doctors & (ms == ms[i])
    elif lead == Leader.CLINICAL_DIRECTOR:
        mask = consultants & (d == d[i])
    elif lead == Leader.MEDICAL_DIRECTOR:
        mask = consultants
    elif lead == Leader.WARD_LEADER:
        mask = nurses & (ms == ms[i])
    elif lead == Leader.NURSING_DIRECTOR:
        mask = nurses
    elif ms[i] >= 0:  # peers: same-world colleagues of the microsystem
        mask = (ms == ms[i]) & (org.world == org.world[i])
    else:
        mask = np.zeros(org.n, bool)
    return set(everyone[mask].tolist()) - {i}


@SETTINGS
@given(params=org_params(), seed=st.integers(0, 2**32 - 1))
def test_leadership_scopes(params, seed):
    org = build(params, seed)
    assert org.scope_ptr.size == org.n + 1 and org.scope_ptr[-1] == org.scope_idx.size
    for i in range(org.n):
        scope = org.scope_of(i)
        assert i not in scope
        assert np.all(np.diff(scope) > 0)  # sorted, no duplicates
        assert set(scope.tolist()) == expected_scope(org, i), (i, Role(org.role[i]))
    # Leadership ties: each leader → follower in scope (row = follower) plus the duality.
    rows, cols, w = org.edges("leadership")
    cd = org.leader[cols] == Leader.CLINICAL_DIRECTOR
    duality = cd & (org.role[rows] == Role.GENERAL_MANAGER)
    duality |= (org.role[cols] == Role.GENERAL_MANAGER) & (
        org.leader[rows] == Leader.CLINICAL_DIRECTOR
    )
    assert np.all(org.leader[cols[~duality]] != Leader.NONE)
    for r, c in zip(rows[~duality], cols[~duality], strict=True):
        assert r in set(org.scope_of(c).tolist())
    assert np.allclose(w[~duality], 1.0)
    assert np.all(org.directorate[rows[duality]] == org.directorate[cols[duality]])


@settings(max_examples=20, deadline=None)
@given(params=org_params(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_organisation_different_seed_differs(params, seed):
    a, b, c = build(params, seed), build(params, seed), build(params, seed + 1)
    assert_same_org(a, b)
    assert not same_org(a, c) or a.n <= 8  # tiny Trusts may coincide by chance


ARRAYS = [
    "role",
    "world",
    "leader",
    "microsystem",
    "directorate",
    "autonomy",
    "credibility",
    "identification",
    "threshold",
    "influence",
    "commitment0",
    "duality_quality",
    "ms_ptr",
    "ms_directorate",
    "scope_ptr",
    "scope_idx",
]


def same_org(a, b) -> bool:
    if a.n != b.n:
        return False
    for name in ARRAYS:
        if not np.array_equal(getattr(a, name), getattr(b, name)):
            return False
    for kind in TIE_KINDS:
        ra, ca, wa = a.edges(kind)
        rb, cb, wb = b.edges(kind)
        if not (np.array_equal(ra, rb) and np.array_equal(ca, cb) and np.array_equal(wa, wb)):
            return False
    return True


def assert_same_org(a, b) -> None:
    assert a.n == b.n
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for kind in TIE_KINDS:
        for x, y in zip(a.edges(kind), b.edges(kind), strict=True):
            np.testing.assert_array_equal(x, y, err_msg=kind)


def test_default_trust_size_and_seed_effects():
    a, b = build(Params(), 1), build(Params(), 2)
    assert 500 < a.n < 750
    assert not same_org(a, b)
    # The default Trust differs in its random attributes, not only in size.
    assert not np.array_equal(a.credibility[:50], b.credibility[:50])


def test_networkx_view_matches_the_sparse_ties():
    org = build(Params(n_directorates=2, microsystems_per_directorate=2), 3)
    g = org.to_networkx()
    assert g.number_of_nodes() == org.n
    total = sum(org.ties[k].nnz for k in TIE_KINDS)
    # A DiGraph keeps one edge per (u, v); kinds share pairs only rarely.
    assert g.number_of_edges() <= total
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert kinds <= set(TIE_KINDS)
    rows, cols, _ = org.edges("management")
    for r, c in zip(rows[:20], cols[:20], strict=True):
        assert g.has_edge(int(c), int(r))  # influencer -> influenced


@pytest.mark.parametrize("size", [10_000])
def test_ten_thousand_staff_build_in_seconds(size):
    params = Params(n_directorates=20, microsystems_per_directorate=25)
    t0 = time.perf_counter()
    org = build(params)
    elapsed = time.perf_counter() - t0
    assert org.n == pytest.approx(size, rel=0.1)
    assert elapsed < 10


def test_fifty_thousand_staff_build():
    params = Params(n_directorates=50, microsystems_per_directorate=50)
    t0 = time.perf_counter()
    org = build(params)
    elapsed = time.perf_counter() - t0
    assert org.n == pytest.approx(50_000, rel=0.05)
    assert elapsed < 30
    assert org.n_microsystems == 2500
    for kind in TIE_KINDS:
        assert org.ties[kind].data.min() > 0
