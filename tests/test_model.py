"""``HospitalModel``: seeds, sanity checks of issue 3, invariants, withdrawal and summary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medlead.model import REPORTERS, SUMMARY_KEYS, HospitalModel, Params
from medlead.model.dynamics import persuasion_hours, phase
from medlead.model.mechanisms import culture_maturity
from medlead.model.outputs import summarise

SMALL = dict(n_directorates=2, microsystems_per_directorate=3)


def collected(model: HospitalModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


# ---------------------------------------------------------------------------- seeds


def test_same_seed_same_data_different_seed_differs():
    params = Params(weeks=40, strategy="hybrid")
    a, b, c = (HospitalModel(params, rng=seed) for seed in (7, 7, 8))
    for m in (a, b, c):
        m.run()
    pd.testing.assert_frame_equal(collected(a), collected(b))
    assert a.summary() == b.summary()
    assert np.array_equal(a.state.commitment, b.state.commitment)
    assert not collected(a).equals(collected(c))
    assert list(collected(a).columns) == list(REPORTERS)
    assert len(collected(a)) == params.weeks + 1  # week 0 and every week after


def test_seed_sequence_and_common_random_numbers():
    ss = np.random.SeedSequence(12)
    a = HospitalModel(Params(weeks=10), rng=ss)
    b = HospitalModel(Params(weeks=10), rng=np.random.SeedSequence(12))
    a.run()
    b.run()
    pd.testing.assert_frame_equal(collected(a), collected(b))
    # Two strategies on the same seed get the same hospital.
    m = HospitalModel(Params(strategy="mandate"), rng=3)
    p = HospitalModel(Params(strategy="persuasion"), rng=3)
    assert np.array_equal(m.organisation.credibility, p.organisation.credibility)
    assert np.array_equal(m.state.commitment, p.state.commitment)
    with pytest.raises(ValueError, match="non-negative"):
        HospitalModel(Params(), rng=-1)


# ------------------------------------------------------------------ issue 3 sanity


def test_with_no_intervention_nothing_moves_but_erosion():
    params = Params(
        strategy="none", peer_influence=0.0, champion_rate=0.0, internalisation_rate=0.0, weeks=60
    )
    model = HospitalModel(params, rng=5)
    c0 = model.state.commitment.copy()
    h = params.commitment_half_life
    for t in range(1, params.weeks + 1):
        model.step()
        s = model.state
        np.testing.assert_allclose(s.commitment, c0 * 2.0 ** (-t / h), rtol=1e-12, atol=0)
        assert np.all(s.compliance == 0.0)
        assert np.all(s.receptivity == 1.0)
        assert np.all(s.target == -1) and not s.champion.any()
    assert s.leadership_hours == 0.0 and s.pressure_spent == 0.0


def test_with_no_intervention_non_practisers_erode_exactly():
    """With internalisation on, everyone who never practises still only erodes."""
    params = Params(strategy="none", peer_influence=0.0, champion_rate=0.0, weeks=30)
    model = HospitalModel(params, rng=6, record_agents=True)
    c0 = model.state.commitment.copy()
    model.run()
    never = ~model.agent_series("practising").any(axis=0)
    assert never.sum() > model.organisation.n / 2
    expected = c0 * 2.0 ** (-params.weeks / params.commitment_half_life)
    np.testing.assert_allclose(model.state.commitment[never], expected[never], rtol=1e-12)


@pytest.mark.parametrize("autonomy, coupling", [(0.0, 1.0), (0.0, 0.0), (0.9, 1.0)])
def test_no_autonomy_or_full_coupling_make_a_mandate_produce_compliance_everywhere(
    autonomy, coupling
):
    # Pressure reaching i: P * (1 - (1 - kappa) * a_i) * d_i. The organisation adds a little
    # noise (sd 0.05) to autonomy, so "zero autonomy" is tested through the state.
    params = Params(
        strategy="mandate",
        autonomy=autonomy,
        hierarchy_coupling=coupling,
        mandate_pressure=1.0,
        duality_quality_mean=0.5,
        duality_quality_sd=0.0,
        weeks=40,
        **SMALL,
    )
    model = HospitalModel(params, rng=2)
    if autonomy == 0.0:
        model.state.autonomy[:] = 0.0
    model.run()
    # compliance = 1 - (1 - g)^t with g = 0.3: 1 - 0.7^40 > 0.9999
    assert model.state.compliance.min() > 0.9999
    s = model.summary()
    assert s["compliant_share"] == 1.0
    for role in ("consultant", "junior", "nurse", "manager"):
        assert s[f"compliant_share_{role}"] == 1.0


def test_a_professional_bureaucracy_blunts_the_mandate():
    base = Params(strategy="mandate", weeks=30, **SMALL)
    prof = HospitalModel(base, rng=2)
    mach = HospitalModel(base.replace(autonomy=0.0, hierarchy_coupling=1.0), rng=2)
    prof.run()
    mach.run()
    assert prof.summary()["compliant_share_consultant"] < mach.summary()["compliant_share"]


@pytest.mark.parametrize("preset", ["professional", "kp_like"])
def test_without_leadership_time_or_champions_persuasion_does_nothing(preset):
    # The top team's reinforcement of its leaders runs under every active strategy, so it
    # is switched off too: then nothing is left of persuasion.
    base = Params.preset(preset).replace(
        leader_time_pa=0.0, champion_rate=0.0, top_reinforcement=0.0, weeks=60
    )
    pers = HospitalModel(base.replace(strategy="persuasion"), rng=4)
    none = HospitalModel(base.replace(strategy="none"), rng=4)
    for _ in range(base.weeks):
        pers.step()
        none.step()
        assert np.array_equal(pers.state.commitment, none.state.commitment)
    assert pers.state.leadership_hours == 0.0
    assert np.all(pers.state.target == -1)


# --------------------------------------------------------------------- engagements


def check_engagements(model: HospitalModel) -> None:
    s, org, pr = model.state, model.organisation, model.params
    target = s.target
    assert target.dtype.kind == "i" and target.shape == (org.n,)  # one target per person
    engaged = np.flatnonzero(target >= 0)
    assert not np.any(target[engaged] == engaged), "someone engages themself"
    for i in engaged:
        assert target[i] in org.scope_of(i), f"{i} engages {target[i]} outside their scope"
    assert np.all(s.weeks_left[engaged] >= 0)
    assert np.all(s.weeks_left[engaged] < pr.engagement_weeks)
    # Only people with persuasion hours hold engagements.
    # The hours of the week just run: its phase and its career-structure maturity.
    programme = phase(pr, s.week - 1, s.withdrawn)[3]
    maturity = culture_maturity(s.week - 1, pr.culture_change_half_life)
    hours = persuasion_hours(s, pr, programme, maturity)
    assert np.all(hours[engaged] > 0)
    assert model._row["engagements"] == engaged.size


@pytest.mark.parametrize(
    "preset, strategy", [("professional", "persuasion"), ("kp_like", "hybrid")]
)
def test_one_engagement_at_a_time_within_scope(preset, strategy):
    params = Params.preset(preset).replace(strategy=strategy, weeks=60, withdrawal_week=40)
    model = HospitalModel(params, rng=9)
    streak = np.zeros(model.organisation.n, int)
    last = model.state.target.copy()
    seen = 0
    for _ in range(params.weeks):
        model.step()
        check_engagements(model)
        t = model.state.target
        same = (t >= 0) & (t == last)
        streak = np.where(same, streak + 1, np.where(t >= 0, 1, 0))
        # An engagement lasts at most engagement_weeks weeks (it may be renewed with the
        # same colleague after a fresh choice, so this is per uninterrupted choice).
        assert np.all(streak[same] <= 2 * params.engagement_weeks)
        last = t.copy()
        seen += int((t >= 0).sum())
    assert seen > 0


# --------------------------------------------------------------------- invariants


@st.composite
def any_params(draw) -> Params:
    unit = st.floats(0.0, 1.0)
    return Params(
        n_directorates=1,
        microsystems_per_directorate=draw(st.integers(1, 3)),
        strategy=draw(st.sampled_from(["none", "mandate", "persuasion", "hybrid"])),
        target_rule=draw(st.sampled_from(["least_committed", "most_influential"])),
        leader_share=draw(st.sampled_from([0.0, 0.5, 1.0])),
        autonomy=draw(unit),
        hierarchy_coupling=draw(unit),
        mandate_pressure=draw(unit),
        compliance_gain=draw(unit),
        compliance_half_life=draw(st.floats(0.5, 520.0)),
        reactance=draw(unit),
        receptivity_recovery_weeks=draw(st.floats(1.0, 5200.0)),
        resonance=draw(unit),
        goal_resonance_boost=draw(unit),
        goal_pressure=draw(unit),
        initial_commitment=draw(unit),
        leader_time_pa=draw(st.floats(0.0, 10.0)),
        workload=draw(unit),
        hours_per_conversation=draw(st.floats(0.25, 20.0)),
        conversation_effect=draw(unit),
        top_reinforcement=draw(unit),
        champion_rate=draw(unit),
        champion_threshold=draw(unit),
        champion_hours=draw(st.floats(0.0, 20.0)),
        stigma=draw(unit),
        career_structure=draw(unit),
        formal_selection=draw(unit),
        credibility_mean=draw(unit),
        peer_influence=draw(unit),
        confidence_bound=draw(unit),
        peer_practice_weight=draw(unit),
        internalisation_rate=draw(unit),
        commitment_half_life=draw(st.floats(1.0, 5200.0)),
        improvement_lag=draw(st.floats(1.0, 104.0)),
        duality_quality_mean=draw(unit),
        senior_influence=draw(st.floats(0.1, 20.0)),
        withdrawal_week=draw(st.integers(0, 20)),
        weeks=20,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=any_params(), seed=st.integers(0, 2**32 - 1))
def test_states_stay_in_the_unit_interval(params, seed):
    model = HospitalModel(params, rng=seed)
    for _ in range(params.weeks):
        model.step()
        s = model.state
        for name in ("commitment", "compliance", "receptivity", "performance"):
            x = getattr(s, name)
            assert np.all((x >= 0.0) & (x <= 1.0)), name
            assert np.all(np.isfinite(x)), name
        check_engagements(model)
    summary = model.summary()
    for key, value in summary.items():
        if value is not None and key.endswith("share"):
            assert 0.0 <= value <= 1.0, key


# ---------------------------------------------------------------------- withdrawal


def test_withdrawal_stops_pressure_and_paid_time_while_champions_carry_on():
    params = Params(
        strategy="hybrid",
        champion_rate=0.3,
        champion_threshold=0.5,
        initial_commitment=0.3,
        withdrawal_week=30,
        weeks=60,
    )
    model = HospitalModel(params, rng=1)
    model.run(params.withdrawal_week)
    assert model.state.pressure_spent > 0 and model.state.leadership_hours > 0
    spent = model.state.pressure_spent
    champions_seen = 0
    for _ in range(params.weeks - params.withdrawal_week):
        hours_before = model.state.leadership_hours
        model.step()
        s = model.state
        assert s.pressure == 0.0 and s.pressure_spent == spent
        assert model.timeseries()["intervention_active"].iloc[-1] == 0.0
        # Only champions persuade, within their unpaid hours.
        engaged = s.target >= 0
        assert np.all(s.champion[engaged])
        hours = params.champion_hours * s.champion.sum()
        assert s.leadership_hours - hours_before <= hours + 1e-9
        champions_seen += int(s.champion.sum())
    assert champions_seen > 0
    ts = model.timeseries()
    assert (ts["leadership_hours"].diff().iloc[params.withdrawal_week + 1 :] > 0).any()


def test_manual_withdrawal_ends_a_mandate_and_compliance_decays():
    params = Params(strategy="mandate", weeks=40, **SMALL)
    model = HospitalModel(params, rng=3)
    model.run(10)
    assert model.intervention_active
    model.withdraw()
    assert not model.intervention_active
    k = model.state.compliance.copy()
    model.step()
    decay = 2.0 ** (-1.0 / params.compliance_half_life)
    np.testing.assert_allclose(model.state.compliance, k * decay, rtol=1e-12)
    assert model.state.pressure == 0.0


# ------------------------------------------------------------------------- summary


def test_summary_keys_and_types():
    model = HospitalModel(Params(weeks=20, **SMALL), rng=1)
    summary = model.run()
    assert tuple(summary) == SUMMARY_KEYS
    for key, value in summary.items():
        assert value is None or isinstance(value, float), key
    for key in (
        "committed_share",
        "compliant_share",
        "practising_share",
        "microsystems_improved_share",
        "sustained_practising_share",
        "weeks_to_half_practising",
        "engagement_gap",
        "microsystem_variation",
        "leadership_hours",
        "management_pressure_spent",
        "mean_commitment",
    ):
        assert key in SUMMARY_KEYS
    for state in ("committed", "compliant", "practising"):
        for role in ("consultant", "junior", "nurse", "manager"):
            assert f"{state}_share_{role}" in SUMMARY_KEYS


def test_summary_reads_the_timeseries():
    params = Params(strategy="mandate", weeks=170, withdrawal_week=104)
    model = HospitalModel(params, rng=2)
    summary = model.run()
    ts = model.timeseries()
    assert summary["sustained_practising_share"] == ts.loc[156, "practising_share"]
    assert summary["practising_share"] == ts["practising_share"].iloc[-1]
    assert summary["mean_commitment"] == ts["mean_commitment"].iloc[-1]
    half = ts.index[ts["practising_share"] >= 0.5]
    if half.size:
        assert summary["weeks_to_half_practising"] == float(ts.loc[half[0], "week"])
    else:
        assert summary["weeks_to_half_practising"] is None
    assert summary["peak_practising_share"] == ts["practising_share"].max()


def test_summary_semantics_on_a_synthetic_history():
    col = {name: i for i, name in enumerate(REPORTERS)}
    weeks = 200
    history = np.zeros((weeks + 1, len(REPORTERS)))
    history[:, col["week"]] = np.arange(weeks + 1)
    practising = np.linspace(0, 1, weeks + 1)  # crosses 0.5 at week 100
    history[:, col["practising_share"]] = practising
    history[:, col["engagement_gap"]] = np.nan
    s = summarise(history)
    assert s["weeks_to_half_practising"] == 100.0
    assert s["sustained_practising_share"] == practising[156]
    assert s["practising_share"] == 1.0
    assert s["engagement_gap"] is None  # undefined -> None
    # A shorter run reads sustainment at its horizon; never reaching half gives None.
    short = history[:51].copy()
    s = summarise(short)
    assert s["sustained_practising_share"] == practising[50]
    assert s["weeks_to_half_practising"] is None


def test_no_intervention_never_half_practising():
    params = Params(strategy="none", weeks=30, **SMALL)
    summary = HospitalModel(params, rng=1).run()
    assert summary["weeks_to_half_practising"] is None
    assert summary["leadership_hours"] == 0.0
    assert summary["management_pressure_spent"] == 0.0
    assert math.isclose(summary["sustained_practising_share"], summary["practising_share"])


# ---------------------------------------------------------------------- reporters


def test_reporters_match_their_plain_definitions():
    """Each weekly reporter recomputed from its documented definition on a random state."""
    from medlead.model import Leader, Role, World

    model = HospitalModel(Params(weeks=5, **SMALL), rng=4)
    org, s, cut = model.organisation, model.state, model.params.committed_cutoff
    rng = np.random.default_rng(0)
    s.commitment = rng.random(org.n)
    s.compliance = rng.random(org.n)
    s.receptivity = rng.random(org.n)
    s.practising = rng.random(org.n) < 0.5
    s.champion = rng.random(org.n) < 0.1
    s.performance = rng.random(org.n_microsystems)
    s.target[:5] = [1, 2, 3, -1, 0]
    model._collect()
    row = collected(model).iloc[-1]
    clin = org.world != World.MANAGER
    c = s.commitment
    assert row["committed_share"] == pytest.approx(np.mean(c[clin] >= cut))
    assert row["compliant_share"] == pytest.approx(np.mean(s.compliance[clin] >= cut))
    assert row["practising_share"] == pytest.approx(np.mean(s.practising[clin]))
    assert row["mean_commitment"] == pytest.approx(c[clin].mean())
    assert row["commitment_p50"] == pytest.approx(np.median(c[clin]))
    assert row["microsystems_improved_share"] == pytest.approx(np.mean(s.performance >= cut))
    shares = [s.practising[(org.microsystem == m) & clin].mean() for m in range(org.n_microsystems)]
    assert row["microsystem_variation"] == pytest.approx(np.std(shares))
    flipped = np.mean([(x < 0.1) or (x > 0.9) for x in shares])
    assert row["microsystems_flipped_share"] == pytest.approx(flipped)
    leaders = np.flatnonzero(org.leader != Leader.NONE)
    followers = set()
    for i in leaders:
        followers |= set(org.scope_of(i).tolist())
    followers = sorted(f for f in followers if org.leader[f] == Leader.NONE)
    gap = c[leaders].mean() - c[followers].mean()
    assert row["engagement_gap"] == pytest.approx(gap)
    assert row["champions"] == s.champion.sum()
    assert row["engagements"] == (s.target >= 0).sum()
    groups = {
        "consultant": [Role.CONSULTANT, Role.MEDICAL_DIRECTOR],
        "junior": [Role.JUNIOR],
        "nurse": [Role.NURSE, Role.WARD_LEADER, Role.NURSING_DIRECTOR],
        "manager": [Role.MICROSYSTEM_MANAGER, Role.GENERAL_MANAGER, Role.CHIEF_EXECUTIVE],
    }
    for role, members in groups.items():
        mask = np.isin(org.role, members)
        assert row[f"committed_share_{role}"] == pytest.approx(np.mean(c[mask] >= cut))
        assert row[f"practising_share_{role}"] == pytest.approx(np.mean(s.practising[mask]))


def test_unknown_keyword_arguments_are_refused():
    # Mesa's seed= or a parameter name passed directly must not run silently with defaults.
    with pytest.raises(TypeError):
        HospitalModel(Params(weeks=5), seed=7)
    with pytest.raises(TypeError):
        HospitalModel(leader_share=0.6)
