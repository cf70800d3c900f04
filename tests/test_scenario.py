"""Scenario files: structure and values validated, one short line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from medlead.experiments.engine.scenario import (
    ScenarioError,
    load_scenario,
    named_scenarios,
    parse_scenario,
)
from medlead.model import Params

DATA = Path(__file__).parent / "data"


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.toml")
    assert all("\n" not in p and p.startswith("s.toml: ") for p in info.value.problems)
    return [p.removeprefix("s.toml: ") for p in info.value.problems]


def test_headline_is_the_four_strategies_in_the_default_trust():
    sc = load_scenario("headline")
    assert sc.name == "headline"
    assert [p.factors["strategy"] for p in sc.points] == ["none", "mandate", "persuasion", "hybrid"]
    assert sc.replications >= 30
    default = Params()
    for p in sc.points:
        assert p.params.weeks == 156 and p.params.withdrawal_week == 104
        assert p.params.replace(strategy=default.strategy) == default
    assert sc.baseline == "mandate"


def test_every_shipped_scenario_loads():
    assert "headline" in named_scenarios()
    for name in named_scenarios():
        assert load_scenario(name).n_runs > 0


def test_tiny_scenarios_load():
    for path in DATA.glob("*.toml"):
        if not path.stem.startswith("bad_"):
            assert load_scenario(path).n_runs > 0


def test_grid_and_list_designs():
    grid = parse_scenario(
        'replications = 2\n[factors]\nstrategy = ["none", "mandate"]\nresonance = [0.2, 0.8]\n'
    )
    assert [(p.params.strategy, p.params.resonance) for p in grid.points] == [
        ("none", 0.2),
        ("none", 0.8),
        ("mandate", 0.2),
        ("mandate", 0.8),
    ]
    assert grid.n_runs == 8
    rows = parse_scenario(
        'replications = 1\ndesign = "list"\n[factors]\nstrategy = ["none", "mandate"]\n'
        "resonance = [0.2, 0.8]\n"
    )
    assert [(p.params.strategy, p.params.resonance) for p in rows.points] == [
        ("none", 0.2),
        ("mandate", 0.8),
    ]


def test_preset_factor_and_base_params():
    sc = parse_scenario(
        "replications = 1\nweeks = 20\n[params]\nresonance = 0.7\n"
        '[factors]\npreset = ["professional", "machine"]\n'
    )
    prof, mach = (p.params for p in sc.points)
    assert prof.autonomy == Params().autonomy and mach.autonomy == Params.preset("machine").autonomy
    assert prof.resonance == mach.resonance == 0.7 and prof.weeks == 20


def test_hash_ignores_comments_and_description_but_not_content():
    a = parse_scenario('replications = 2\ndescription = "x"\n', name="s")
    b = parse_scenario('# a comment\nreplications = 2   # two\ndescription = "y"\n', name="s")
    c = parse_scenario("replications = 3\n", name="s")
    d = parse_scenario('replications = 2\noutcomes = ["engagement_gap"]\n', name="s")
    e = parse_scenario('replications = 2\ntimeseries = ["practising_share"]\n', name="s")
    assert a.hash == b.hash == d.hash
    assert len({a.hash, c.hash, e.hash}) == 3


def test_toml_syntax_error():
    (msg,) = problems("replications = 3\nseed = = 2\nweeks = 10\n")
    assert msg.startswith("TOML syntax error") and "line" in msg


def test_unknown_key_suggests_the_closest():
    assert problems("replications = 3\nreplicatons = 4\n") == [
        "unknown key 'replicatons'; did you mean 'replications'?"
    ]


def test_unknown_parameter_names_in_params_and_factors():
    out = problems("replications = 1\n[params]\nresonanse = 0.5\n[factors]\nautonomi = [0.1]\n")
    assert out == [
        "[factors] unknown parameter 'autonomi'; did you mean 'autonomy'?",
        "[params] unknown parameter 'resonanse'; did you mean 'resonance'?",
    ]


def test_out_of_range_values_are_checked_by_params():
    out = problems("replications = 1\n[params]\nresonance = 1.5\n[factors]\nautonomy = [0.5, -1]\n")
    assert out == [
        "[params] resonance=1.5 is outside the allowed range [0, 1]",
        "[factors] autonomy=-1 is outside the allowed range [0, 1]",
    ]
    assert problems('replications = 1\n[factors]\nstrategy = ["none", "mandat"]\n') == [
        "[factors] strategy='mandat' is not one of none, mandate, persuasion, hybrid"
    ]


def test_empty_factor():
    assert problems("replications = 1\n[factors]\nstrategy = []\n") == [
        "factor 'strategy' is empty: give at least one value"
    ]


def test_structure_problems_are_all_reported_at_once():
    out = problems('replications = 0\nseed = -1\nweeks = "ten"\nfoo = 1\n')
    assert len(out) == 4
    assert any(m.startswith("replications:") for m in out)
    assert any(m.startswith("seed:") for m in out)
    assert any(m.startswith("weeks:") for m in out)
    assert "unknown key 'foo'" in " ".join(out)


def test_missing_replications_and_wrong_value_type():
    assert problems("")[0].startswith("replications is missing")
    assert problems("replications = 1\n[params]\nresonance = [1, 2]\n") == [
        "params.resonance: must be a number or a string (got [1, 2])"
    ]


def test_unknown_preset_outcome_and_reporter():
    out = problems(
        'replications = 1\npreset = "profesional"\noutcomes = ["sustained"]\n'
        'timeseries = ["practicing_share"]\n'
    )
    assert out[0] == "unknown preset 'profesional'; did you mean 'professional'?"
    assert out[1].startswith("outcomes: unknown outcome 'sustained'")
    assert out[2] == (
        "timeseries: unknown weekly reporter 'practicing_share'; did you mean 'practising_share'?"
    )


def test_conflicts_and_list_lengths():
    assert problems("replications = 1\nweeks = 10\n[params]\nweeks = 12\n") == [
        "weeks is set twice: at the top level and in [params]"
    ]
    assert problems(
        'replications = 1\ndesign = "list"\n[factors]\nresonance = [0.1, 0.2]\nautonomy = [0.3]\n'
    ) == ["design = 'list' needs factors of equal length (got resonance=2, autonomy=1)"]


def test_combination_problems_name_the_point():
    out = problems(
        "replications = 1\n[factors]\nleader_share = [0.25, 0.06]\n"
        "consultants_per_microsystem = [3, 1]\n"
    )
    assert len(out) == 1
    assert out[0].startswith(
        "point 3 (leader_share=0.06, consultants_per_microsystem=1): leader_share=0.06 gives 2"
    )


def test_unknown_scenario_name_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="unknown scenario 'headlin'; did you mean 'headline'"):
        load_scenario("headlin")
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "missing.toml")


def test_the_examples_in_docs_experiments_are_valid():
    import re

    text = (Path(__file__).parent.parent / "docs" / "experiments.md").read_text()
    # Whole scenario files only (fragments such as a lone [sample] table are skipped).
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", text, re.S) if "replications" in b]
    assert len(blocks) >= 2
    for block in blocks:
        assert parse_scenario(block).n_runs > 0
