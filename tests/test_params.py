"""``Params``: declaration, presets and validation (one clear message per problem)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medlead.model import PRESET_DESCRIPTIONS, PRESETS, STRATEGIES, ParamError, Params

SPECS = Params.specs()
NUMERIC = [name for name, spec in SPECS.items() if spec.choices is None]
INTEGER = [name for name in NUMERIC if SPECS[name].integer]
CHOICE = [name for name, spec in SPECS.items() if spec.choices is not None]


def problems(**values) -> list[str]:
    with pytest.raises(ParamError) as exc:
        Params(**values)
    return exc.value.problems


# ------------------------------------------------------------------- the declaration


def test_every_field_is_fully_declared():
    for name, spec in SPECS.items():
        assert spec.doc.strip(), name
        assert spec.cite.strip(), name
        assert spec.role in ("lever", "uncertainty", "structure", "setting"), name
        if spec.role == "structure":
            assert spec.choices, name  # a switch between named forms
        assert isinstance(spec.key, bool)
        assert spec.group, name
        if spec.choices is None:
            lo, hi = spec.bounds
            assert lo <= hi, name
            default = Params.defaults()[name]
            assert lo <= default <= hi, name
            if spec.plausible is not None:
                plo, phi = spec.plausible
                assert lo <= plo <= phi <= hi, f"{name}: plausible range outside bounds"
        else:
            assert Params.defaults()[name] in spec.choices


def test_defaults_are_valid_and_frozen():
    p = Params()
    assert p.to_dict() == Params.defaults()
    assert list(p.to_dict()) == Params.names()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.autonomy = 0.1  # type: ignore[misc]


def test_key_sliders_exist_and_are_levers_or_uncertainties():
    keys = [n for n, s in SPECS.items() if s.key]
    assert "strategy" in keys and "autonomy" in keys
    assert all(SPECS[n].role in ("lever", "uncertainty") for n in keys)


# -------------------------------------------------------------------------- presets


@pytest.mark.parametrize("name", PRESETS)
def test_presets_are_valid_and_described(name):
    p = Params.preset(name)
    assert isinstance(p, Params)
    assert PRESET_DESCRIPTIONS[name]
    assert p.strategy in STRATEGIES


def test_preset_sizes_and_configurations():
    assert Params.preset("professional") == Params()
    assert Params().expected_staff == pytest.approx(610, rel=0.05)
    assert Params.preset("large").expected_staff == pytest.approx(6000, rel=0.05)
    prof, mach = Params.preset("professional"), Params.preset("machine")
    # Configuration acts on every channel: autonomy, coupling and inverted power.
    assert mach.autonomy < prof.autonomy
    assert mach.hierarchy_coupling > prof.hierarchy_coupling
    assert mach.senior_influence < prof.senior_influence


def test_unknown_preset_suggests_the_closest():
    with pytest.raises(
        ParamError, match="unknown preset 'profesional'; did you mean 'professional'"
    ):
        Params.preset("profesional")


# ------------------------------------------------------------- one message per kind


@pytest.mark.parametrize("name", NUMERIC)
def test_out_of_range_names_field_value_and_range(name):
    lo, hi = SPECS[name].bounds
    for bad in (lo - 1, hi + 1):
        (msg,) = problems(**{name: bad})
        assert msg == f"{name}={bad:g} is outside the allowed range [{lo:g}, {hi:g}]"


@given(name=st.sampled_from(NUMERIC), data=st.data())
@settings(max_examples=200, deadline=None)
def test_any_value_outside_the_bounds_is_rejected(name, data):
    lo, hi = SPECS[name].bounds
    integer = SPECS[name].integer
    below = st.integers(max_value=int(lo) - 1) if integer else st.floats(max_value=lo)
    above = st.integers(min_value=int(hi) + 1) if integer else st.floats(min_value=hi)
    value = data.draw((below | above).filter(lambda v: not lo <= v <= hi and math.isfinite(v)))
    with pytest.raises(ParamError) as exc:
        Params(**{name: value})
    assert any(m.startswith(f"{name}=") and "allowed range" in m for m in exc.value.problems)


@given(name=st.sampled_from(NUMERIC), data=st.data())
@settings(max_examples=200, deadline=None)
def test_any_value_inside_the_bounds_is_accepted_alone(name, data):
    lo, hi = SPECS[name].bounds
    if SPECS[name].integer:
        value = data.draw(st.integers(int(lo), int(hi)))
    else:
        value = data.draw(st.floats(lo, hi))
    try:
        p = Params(**{name: value})
    except ParamError as exc:
        # Only organisation-level problems may reject an in-range value.
        assert not any("allowed range" in m for m in exc.problems)
    else:
        assert getattr(p, name) == value


@pytest.mark.parametrize("name", NUMERIC)
def test_non_numbers_are_rejected(name):
    assert problems(**{name: "abc"}) == [f"{name}='abc' must be a number"]
    assert problems(**{name: True}) == [f"{name}=True must be a number"]
    assert problems(**{name: None}) == [f"{name}=None must be a number"]


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_rejected(name, bad):
    # Integer fields used to crash in int(nan) / int(inf) before the finiteness check.
    assert problems(**{name: bad}) == [f"{name}={bad!r} must be finite"]


@pytest.mark.parametrize("name", INTEGER)
def test_integer_fields_need_whole_numbers(name):
    lo, _ = SPECS[name].bounds
    assert problems(**{name: lo + 0.5}) == [f"{name}={lo + 0.5!r} must be a whole number"]
    whole = float(Params.defaults()[name])
    p = Params(**{name: whole})  # a whole-number float is stored as an int
    assert isinstance(getattr(p, name), int) and getattr(p, name) == whole


@pytest.mark.parametrize("name", CHOICE)
def test_choices_are_enforced(name):
    (msg,) = problems(**{name: "nonsense"})
    assert msg.startswith(f"{name}='nonsense' is not one of ")
    for choice in SPECS[name].choices:
        assert choice in msg
        assert getattr(Params(**{name: choice}), name) == choice


def test_every_problem_is_reported_at_once():
    found = problems(autonomy=2.0, weeks=0, strategy="x")
    assert len(found) == 3
    assert any(m.startswith("autonomy=") for m in found)
    assert any(m.startswith("weeks=") for m in found)
    assert any(m.startswith("strategy=") for m in found)


# ----------------------------------------------------------------- unknown names


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ParamError) as exc:
        Params.from_mapping({"atonomy": 0.5})
    assert exc.value.problems == ["unknown parameter 'atonomy'; did you mean 'autonomy'?"]
    with pytest.raises(ParamError, match="did you mean 'leader_time_pa'"):
        Params().replace(leader_time=2.0)


def test_unknown_name_without_a_close_match_lists_the_valid_ones():
    with pytest.raises(ParamError) as exc:
        Params.from_mapping({"zzzzzz": 1})
    (msg,) = exc.value.problems
    assert msg.startswith("unknown parameter 'zzzzzz'; valid: ")
    assert "autonomy" in msg


def test_unknown_and_out_of_range_reported_together():
    with pytest.raises(ParamError) as exc:
        Params.from_mapping({"atonomy": 0.5, "stigma": 3})
    assert len(exc.value.problems) == 2


# ------------------------------------------------------------------- from_mapping


def test_from_mapping_coerces_strings():
    p = Params.from_mapping(
        {"autonomy": "0.25", "weeks": "52", "n_directorates": "3.0", "strategy": "mandate"}
    )
    assert p.autonomy == 0.25 and isinstance(p.autonomy, float)
    assert p.weeks == 52 and isinstance(p.weeks, int)
    assert p.n_directorates == 3 and isinstance(p.n_directorates, int)
    assert p.strategy == "mandate"
    assert Params.from_mapping({"weeks": "1e2"}).weeks == 100


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "weeks='abc' must be a number"),
        ("52.5", "weeks=52.5 must be a whole number"),
        ("nan", "weeks=nan must be finite"),
        ("inf", "weeks=inf must be finite"),
        (True, "weeks=True must be a number"),
        ([1], "weeks=[1] must be a number"),
        ("0", "weeks=0 is outside the allowed range [1, 5200]"),
    ],
)
def test_from_mapping_bad_strings(raw, message):
    with pytest.raises(ParamError) as exc:
        Params.from_mapping({"weeks": raw})
    assert exc.value.problems == [message]


def test_from_mapping_base_and_roundtrip():
    base = Params.preset("machine")
    p = Params.from_mapping({"strategy": "mandate"}, base=base)
    assert p.autonomy == base.autonomy and p.strategy == "mandate"
    assert Params.from_mapping(p.to_dict()) == p
    assert base.replace(strategy="mandate") == p


# ---------------------------------------------------------- impossible organisations


def test_too_few_leaders_for_the_clinical_directors():
    # 5 directorates x 6 microsystems x 3 consultants = 90 consultants; 0.03 * 90 = 2.7
    # -> 3 leaders for 5 clinical directors
    (msg,) = problems(leader_share=0.03)
    assert msg.startswith("leader_share=0.03 gives 3 medical leaders for 90 consultants")
    assert "5 clinical directors" in msg and "at least 0.056" in msg
    assert Params(leader_share=0.0).leader_share == 0.0  # no leaders at all is possible
    assert Params(leader_share=5 / 90).leader_share == 5 / 90


def test_withdrawal_before_the_start():
    (msg,) = problems(intervention_start=10, withdrawal_week=5)
    assert msg == "withdrawal_week=5 comes before intervention_start=10"
    assert Params(intervention_start=10, withdrawal_week=10).withdrawal_week == 10


def test_too_many_staff():
    (msg,) = problems(n_directorates=400, microsystems_per_directorate=200)
    assert "the limit is 250,000" in msg and "staff" in msg


def test_threshold_spread_a_beta_cannot_have():
    # sd^2 = 0.16 >= 0.1 * 0.9 = 0.09
    (msg,) = problems(threshold_mean=0.1, threshold_sd=0.4)
    assert msg.startswith("threshold_sd=0.4 is too large for threshold_mean=0.1")
    assert Params(threshold_mean=0.1, threshold_sd=0.0).threshold_sd == 0.0


def test_organisation_problems_are_all_reported():
    found = problems(leader_share=0.03, intervention_start=10, withdrawal_week=5)
    assert len(found) == 2


def test_leader_share_rounding_to_no_leader_means_no_medical_leaders():
    # 90 consultants: 0.001 rounds to 0 leaders, which is the documented "no medical leaders"
    # case (as in tiny Trusts); 0.03 rounds to 3 < 5 directorates and is impossible.
    from medlead.model import Leader, build_organisation

    org = build_organisation(Params(leader_share=0.001), np.random.default_rng(0))
    medical = (Leader.CLINICAL_LEAD, Leader.CLINICAL_DIRECTOR, Leader.MEDICAL_DIRECTOR)
    assert not np.isin(org.leader, medical).any()
    with pytest.raises(ParamError, match="leader_share=0.03 gives 3 medical leaders"):
        Params(leader_share=0.03)
