"""The workshop's adapter: sliders generated from Params' key specs, controls → Params."""

from __future__ import annotations

import pytest

from medlead.model import STRATEGIES, ParamError, Params
from medlead.workshop.adapter import (
    PRESET_LABELS,
    WORKSHOP_PRESETS,
    Controls,
    build_params,
    explain_problem,
    slider_specs,
    slider_values,
    try_params,
)


def test_sliders_are_exactly_the_numeric_key_levers():
    specs = Params.specs()
    expected = [n for n, s in specs.items() if s.key and s.choices is None]
    assert [s.name for s in slider_specs()] == expected
    assert "strategy" not in expected and specs["strategy"].key  # a choice, not a slider


@pytest.mark.parametrize("slider", slider_specs(), ids=lambda s: s.name)
def test_slider_ranges_respect_bounds_and_cover_presets(slider):
    spec = Params.specs()[slider.name]
    lo, hi = spec.bounds
    assert lo <= slider.min < slider.max <= hi
    assert 0 < slider.step <= (slider.max - slider.min) / 10
    if spec.plausible:
        assert slider.min <= spec.plausible[0] and spec.plausible[1] <= slider.max
    for preset in WORKSHOP_PRESETS:
        assert slider.min <= getattr(Params.preset(preset), slider.name) <= slider.max
    assert spec.doc in slider.help and spec.cite in slider.help
    assert slider.label and "_" not in slider.label


def test_wide_bounds_are_narrowed_to_a_usable_range():
    by_name = {s.name: s for s in slider_specs()}
    half_life = by_name["compliance_half_life"]
    assert half_life.max <= 120  # not the allowed 520 weeks
    assert by_name["internalisation_rate"].max < 0.2


@pytest.mark.parametrize("preset", WORKSHOP_PRESETS)
def test_preset_round_trip(preset):
    params = Params.preset(preset)
    assert build_params(preset) == params
    assert build_params(preset, None, slider_values(params)) == params
    assert preset in PRESET_LABELS


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_override(strategy):
    assert build_params("kp_like", strategy).strategy == strategy
    assert build_params("kp_like", strategy).leader_share == Params.preset("kp_like").leader_share


def test_slider_values_applied():
    p = build_params("professional", "mandate", {"stigma": 0.1, "leader_time_pa": 2.0})
    assert (p.stigma, p.leader_time_pa, p.strategy) == (0.1, 2.0, "mandate")


def test_unknown_preset_and_strategy_are_param_errors():
    with pytest.raises(ParamError, match="unknown preset"):
        build_params("large")  # too big to draw: not offered in the room
    with pytest.raises(ParamError, match="unknown strategy"):
        build_params("professional", "bribery")


def test_impossible_combination_comes_back_in_words():
    params, problems = try_params(Controls(sliders=(("leader_share", 0.01),)))
    assert params is None and len(problems) == 1
    assert problems[0].startswith("Leader share")
    assert "clinical directors" in problems[0]
    assert "leader_share=" not in problems[0]


def test_out_of_range_slider_is_a_problem_not_an_exception():
    params, problems = try_params(Controls(sliders=(("stigma", 1.5),)))
    assert params is None and "Stigma" in problems[0]


def test_with_slider_keeps_only_differences_from_the_preset():
    c = Controls("professional").with_slider("stigma", 0.2)
    assert c.sliders == (("stigma", 0.2),)
    back = c.with_slider("stigma", Params.preset("professional").stigma)
    assert back.sliders == ()


def test_explain_problem_is_capitalised():
    assert explain_problem("stigma=2 is outside").startswith("Stigma = 2")
