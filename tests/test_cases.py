"""The case library: the shipped case files, their checks, their statistics, their page.

Every shipped case must load and build its runs; ``docs/cases.md`` must be the page the
files generate; a bad file must fail with one specific line naming the file and the
problem; each statistic is checked against values computed by hand on small arrays.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w

from medlead.experiments.calibration.casedoc import (
    DOC_PATH,
    REGENERATE,
    render_cases_doc,
    use_judgement,
    write_cases_doc,
)
from medlead.experiments.calibration.cases import (
    CASE_DIR,
    DERIVED_STATISTICS,
    CaseError,
    Observation,
    case_params,
    load_case,
    load_cases,
    observation_value,
    reporters_needed,
)
from medlead.model import REPORTERS, Params

SHIPPED = sorted(p.stem for p in CASE_DIR.glob("*.toml"))


# ------------------------------------------------------------------ shipped cases


def test_the_library_ships_the_cases_of_the_issue():
    assert {"who_checklist_nhs", "keystone_icu", "matching_michigan", "trust_variation"} <= set(
        SHIPPED
    )


def test_every_shipped_case_loads_and_its_id_is_its_file_name():
    cases = load_cases()
    assert [c.id for c in cases] == SHIPPED


def test_at_least_two_cases_are_held_out_and_one_calibrates():
    uses = [c.use for c in load_cases()]
    assert uses.count("holdout") >= 2
    assert uses.count("calibrate") >= 1


@pytest.mark.parametrize("name", SHIPPED)
def test_every_run_of_a_case_builds(name):
    case = load_cases([name])[0]
    for strategy in case.strategies:
        params = case_params(case, strategy)
        assert isinstance(params, Params)
        assert params.strategy == strategy
        assert params.weeks == case.setting.weeks
        assert params.withdrawal_week == case.setting.withdrawal_week
        for key, value in case.setting.set.items():
            assert getattr(params, key) == value


@pytest.mark.parametrize("name", SHIPPED)
def test_every_case_records_why_it_calibrates_or_is_held_out(name):
    case = load_cases([name])[0]
    judgement = use_judgement(case)
    assert judgement is not None, f"{name}: no judgement whose `what` starts with 'use'"
    assert case.use in judgement.what


@pytest.mark.parametrize("name", SHIPPED)
def test_every_figure_states_its_uncertainty_and_every_source_is_a_citation(name):
    case = load_cases([name])[0]
    for obs in case.observations:
        assert obs.scale > 0
        assert obs.week <= case.setting.weeks
        assert len(obs.sd_basis) > 20 and len(obs.tolerance_basis) > 20
    for src in case.sources:
        assert any(ch.isdigit() for ch in src.cite), f"{name}: a citation without a year"


def test_calibrating_cases_are_cheap():
    """Calibrating cases run once per particle: default Trust, <= 156 weeks, one Trust."""
    for case in load_cases():
        if case.use != "calibrate":
            continue
        assert case.setting.preset == "professional"
        assert case.setting.weeks <= 156
        assert case.setting.replications == 1
        assert len(case.strategies) == 1


def test_a_case_setting_overrides_calibrated_values():
    case = load_cases(["keystone_icu"])[0]
    params = case_params(case, values={"resonance": 0.2, "stigma": 0.7})
    assert params.resonance == case.setting.set["resonance"]
    assert params.stigma == 0.7


def test_reporters_needed_are_weekly_reporters():
    needed = reporters_needed(load_cases())
    assert needed and set(needed) <= set(REPORTERS)


# ------------------------------------------------------------------------- the page


def test_docs_cases_md_is_up_to_date():
    current = DOC_PATH.read_text(encoding="utf-8")
    assert current == render_cases_doc(load_cases()), (
        f"docs/cases.md is out of date; regenerate it with `{REGENERATE}`"
    )


def test_the_page_shows_every_case_figure_and_judgement():
    cases = load_cases()
    page = render_cases_doc(cases)
    assert "## The decision, made before fitting" in page
    assert "validation.md" in page and "calibration.md" in page
    for case in cases:
        assert f"`{case.id}`" in page
        for obs in case.observations:
            assert f"`{obs.name}`" in page
        for judgement in case.judgements:
            assert " ".join(judgement.what.split()) in page


def test_write_cases_doc_writes_the_page(tmp_path):
    target = write_cases_doc(tmp_path / "cases.md")
    assert target.read_text(encoding="utf-8") == render_cases_doc(load_cases())


# --------------------------------------------------------------------- bad files


def valid_case() -> dict[str, Any]:
    return {
        "id": "tiny",
        "title": "A tiny case",
        "use": "holdout",
        "summary": "A case small enough to be broken one field at a time.",
        "sources": [{"cite": "Somebody A. A study. Journal 2020; 1: 1-2"}],
        "setting": {"strategy": "mandate", "weeks": 10, "withdrawal_week": 10},
        "judgements": [{"what": "use = holdout", "why": "only a test"}],
        "observations": [
            {
                "name": "share",
                "reported": "half of them did it",
                "value": 0.5,
                "sd": 0.05,
                "sd_basis": "binomial",
                "statistic": "practising_share",
                "week": 10,
                "tolerance": 0.1,
                "tolerance_basis": "judgement",
            }
        ],
    }


def write(tmp_path: Path, data: dict[str, Any] | str, name: str = "tiny") -> Path:
    path = tmp_path / f"{name}.toml"
    text = data if isinstance(data, str) else tomli_w.dumps(data)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(path)
    return info.value.problems


def test_the_valid_case_loads(tmp_path):
    case = load_case(write(tmp_path, valid_case()))
    assert case.id == "tiny"
    assert load_cases([str(write(tmp_path, valid_case()))])[0].id == "tiny"


def test_an_unknown_key_is_named(tmp_path):
    data = valid_case()
    data["setting"]["withdrawl_week"] = 5
    assert problems_of(write(tmp_path, data)) == ["tiny.toml: setting.withdrawl_week: unknown key"]


def test_an_unknown_statistic_gets_a_suggestion(tmp_path):
    data = valid_case()
    data["observations"][0]["statistic"] = "practicing_share"
    (line,) = problems_of(write(tmp_path, data))
    assert line.startswith("tiny.toml: observations.0: unknown statistic 'practicing_share'")
    assert "did you mean 'practising_share'?" in line


def test_an_observation_after_the_horizon_is_refused(tmp_path):
    data = valid_case()
    data["observations"][0]["week"] = 11
    assert problems_of(write(tmp_path, data)) == [
        "tiny.toml: observation share: week 11 is after the horizon setting.weeks = 10"
    ]


def test_between_trust_sd_needs_replications(tmp_path):
    data = valid_case()
    data["observations"][0].update(statistic="between_trust_sd", reporter="committed_share")
    assert problems_of(write(tmp_path, data)) == [
        "tiny.toml: observation share: between_trust_sd needs setting.replications >= 2"
    ]
    data["setting"]["replications"] = 2
    assert load_case(write(tmp_path, data)).setting.replications == 2


def test_between_trust_sd_needs_a_weekly_reporter(tmp_path):
    data = valid_case()
    data["setting"]["replications"] = 3
    data["observations"][0].update(statistic="between_trust_sd", reporter="rate_ratio")
    (line,) = problems_of(write(tmp_path, data))
    assert "between_trust_sd needs `reporter`, a weekly reporter" in line


def test_rate_ratio_needs_an_efficacy(tmp_path):
    data = valid_case()
    data["observations"][0]["statistic"] = "rate_ratio"
    (line,) = problems_of(write(tmp_path, data))
    assert line == "tiny.toml: observations.0: statistic rate_ratio needs `efficacy`"


def test_the_id_must_match_the_file_name(tmp_path):
    assert problems_of(write(tmp_path, valid_case(), name="other")) == [
        "other.toml: id 'tiny' must match the file name 'other'"
    ]


def test_malformed_toml_is_one_line(tmp_path):
    (line,) = problems_of(write(tmp_path, 'id = "tiny"\ntitle = \n'))
    assert line.startswith("tiny.toml: not valid TOML: ")


def test_a_setting_the_parameters_refuse_is_reported(tmp_path):
    data = valid_case()
    data["setting"]["set"] = {"resonance": 1.5}
    (line,) = problems_of(write(tmp_path, data))
    assert line.startswith("tiny.toml: setting: resonance=1.5 is outside the allowed range")


def test_a_boolean_setting_is_refused_not_read_as_one(tmp_path):
    data = valid_case()
    data["setting"]["set"] = {"resonance": True}
    assert problems_of(write(tmp_path, data)) == [
        "tiny.toml: setting.set: resonance=true: a parameter value is a number or a name"
    ]


def test_the_week_counter_is_not_a_statistic(tmp_path):
    data = valid_case()
    data["observations"][0]["statistic"] = "week"
    (line,) = problems_of(write(tmp_path, data))
    assert line.startswith("tiny.toml: observations.0: unknown statistic 'week'")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    data = valid_case()
    data["colour"] = "blue"
    data["observations"][0]["sd"] = -1
    lines = problems_of(write(tmp_path, data))
    assert "tiny.toml: colour: unknown key" in lines
    assert any(x.startswith("tiny.toml: observations.0.sd: ") for x in lines)


def test_an_unknown_shipped_case_gets_a_suggestion():
    with pytest.raises(CaseError) as info:
        load_cases(["keystone_icus"])
    assert info.value.problems == ["unknown case 'keystone_icus'; did you mean 'keystone_icu'?"]


# -------------------------------------------------------------- the statistics


def obs(statistic: str, week: int, **extra: Any) -> Observation:
    return Observation(
        name="x",
        reported="a figure",
        value=0.5,
        sd=0.1,
        sd_basis="test",
        statistic=statistic,
        week=week,
        tolerance=0.1,
        tolerance_basis="test",
        **extra,
    )


def test_the_derived_statistics_are_the_ones_tested_here():
    assert set(DERIVED_STATISTICS) == {"rate_ratio", "fidelity_of_practice", "between_trust_sd"}


def test_rate_ratio_by_hand():
    f = np.array([[0.1, 0.5, 0.8], [0.0, 0.2, 0.4]])
    o = obs("rate_ratio", 2, efficacy=0.5)
    assert o.series == ("faithful_practising_share",)
    # run 0: (1 - 0.5 * 0.8) / (1 - 0.5 * 0.1) = 0.6 / 0.95; run 1: (1 - 0.2) / 1 = 0.8
    expected = (0.6 / 0.95 + 0.8) / 2
    assert observation_value(o, {"faithful_practising_share": f}) == pytest.approx(expected)


def test_rate_ratio_is_one_at_week_zero_and_with_no_efficacy():
    series = {"faithful_practising_share": np.array([[0.3, 0.9]])}
    assert observation_value(obs("rate_ratio", 0, efficacy=0.9), series) == 1
    assert observation_value(obs("rate_ratio", 1, efficacy=0.0), series) == 1


def test_fidelity_of_practice_by_hand():
    series = {
        "faithful_practising_share": np.array([[0.0, 0.2], [0.0, 0.45]]),
        "practising_share": np.array([[0.0, 0.4], [0.0, 0.5]]),
    }
    o = obs("fidelity_of_practice", 1)
    assert set(o.series) == set(series)
    # run 0: 0.2 / 0.4 = 0.5; run 1: 0.45 / 0.5 = 0.9
    assert observation_value(o, series) == pytest.approx(0.7)


def test_fidelity_of_practice_is_nan_when_nobody_practises():
    series = {
        "faithful_practising_share": np.array([[0.0, 0.0]]),
        "practising_share": np.array([[0.0, 0.0]]),
    }
    assert math.isnan(observation_value(obs("fidelity_of_practice", 1), series))


def test_between_trust_sd_by_hand():
    values = np.array([[0.0, 0.1], [0.0, 0.3], [0.0, 0.5]])
    o = obs("between_trust_sd", 1, reporter="committed_share")
    assert o.series == ("committed_share",)
    # mean 0.3; squared deviations 0.04 + 0 + 0.04 over n - 1 = 2: sd 0.2
    assert observation_value(o, {"committed_share": values}) == pytest.approx(0.2)


def test_a_plain_reporter_is_its_mean_over_runs_at_the_week():
    series = {"practising_share": np.array([[0.0, 0.25, 0.9], [0.0, 0.75, 0.1]])}
    o = obs("practising_share", 1)
    assert o.series == ("practising_share",)
    assert observation_value(o, series) == pytest.approx(0.5)


def test_the_distance_scale_combines_sd_and_tolerance():
    o = obs("practising_share", 1).model_copy(update={"sd": 0.3, "tolerance": 0.4})
    assert o.scale == pytest.approx(0.5)
