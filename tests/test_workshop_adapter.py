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
    assert explain_problem("stigma=2 is outside").startswith("Stigma (0–1) = 2")


def browser_rounded(value: float, slider) -> float:
    """What the browser's slider (Vuetify 2 ``roundValue``) makes of a value: the nearest
    step from the minimum, printed with the step's decimals.
    """
    decimals = len(repr(slider.step).split(".")[1]) if "." in repr(slider.step) else 0
    k = round((value - slider.min) / slider.step)
    return float(f"{min(slider.min + k * slider.step, slider.max):.{decimals}f}")


@pytest.mark.parametrize("preset", WORKSHOP_PRESETS)
def test_every_preset_value_lies_on_its_sliders_steps(preset):
    params = Params.preset(preset)
    for slider in slider_specs():
        value = float(getattr(params, slider.name))
        assert browser_rounded(value, slider) == pytest.approx(value, abs=1e-12), (
            f"{preset}: {slider.name}={value} is not a position of a slider with step "
            f"{slider.step} from {slider.min}"
        )


@pytest.mark.parametrize("preset", WORKSHOP_PRESETS)
def test_a_fresh_preset_has_no_changes_waiting(preset):
    """The browser reports every slider's (rounded) position; none is a change."""
    controls = Controls(preset)
    params = Params.preset(preset)
    for slider in slider_specs():
        controls = controls.with_slider(
            slider.name, browser_rounded(getattr(params, slider.name), slider)
        )
    assert controls.sliders == ()


def test_impossible_leader_share_names_a_reachable_value_in_good_grammar():
    params, problems = try_params(Controls(sliders=(("leader_share", 0.01),)))
    assert params is None and len(problems) == 1
    assert "gives 1 medical leader for" in problems[0]
    slider = {s.name: s for s in slider_specs()}["leader_share"]
    suggested = float(problems[0].rsplit("at least ", 1)[1].rstrip(")"))
    assert browser_rounded(suggested, slider) == suggested  # the slider can reach it
    assert try_params(Controls(sliders=(("leader_share", suggested),)))[1] == []
    below = round(suggested - slider.step, 6)
    assert try_params(Controls(sliders=(("leader_share", below),)))[1] != []
    _, two = try_params(Controls(sliders=(("leader_share", 0.02),)))
    assert "gives 2 medical leaders for" in two[0]
