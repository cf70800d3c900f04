"""Sampled designs in scenario files, sensitivity from a sweep folder, the Markdown report."""

from pathlib import Path

import numpy as np
import pytest

from medlead.experiments.analysis.report import effect_table, sensitivity_tables, write_report
from medlead.experiments.engine.runner import sweep
from medlead.experiments.engine.scenario import ScenarioError, load_scenario, parse_scenario
from medlead.experiments.engine.store import runs_frame

DATA = Path(__file__).parent / "data"


def test_sampled_design_crosses_grid_with_sample_rows():
    sc = load_scenario(DATA / "sampled.toml")
    # Sobol, 2 parameters: n·(D+2) = 2·4 = 8 rows per strategy.
    assert sc.sample_size == 8
    assert len(sc.points) == 16
    assert sc.factor_names == ["strategy", "internalisation_rate", "compliance_half_life"]
    first = [p.params.internalisation_rate for p in sc.points[:8]]
    second = [p.params.internalisation_rate for p in sc.points[8:]]
    assert first == second  # the same rows under each strategy
    assert {p.params.strategy for p in sc.points[:8]} == {"mandate"}
    again = load_scenario(DATA / "sampled.toml")
    assert [p.params for p in again.points] == [p.params for p in sc.points]


def test_sampled_values_stay_in_plausible_ranges():
    sc = load_scenario(DATA / "sampled.toml")
    lo, hi = 0.005, 0.06
    assert all(lo <= p.params.internalisation_rate <= hi for p in sc.points)


@pytest.mark.parametrize(
    "extra, message",
    [
        ('[sample]\nmethod = "sobol"\nn = 4\nparameters = ["weeks"]', "no plausible range"),
        ('[sample]\nmethod = "sobol"\nn = 4\nparameters = ["autonomi"]', "did you mean 'autonomy'"),
        ('[sample]\nmethod = "grid"\nn = 4', "sample.method"),
        ('[sample]\nmethod = "lhs"\nn = 4\nsize = 3', "sample.size"),
    ],
)
def test_bad_sample_sections_are_named(extra, message):
    text = "replications = 1\n" + extra
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    assert any(message in p for p in err.value.problems), err.value.problems


@pytest.fixture(scope="module")
def sampled_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "sampled"
    sweep(DATA / "sampled.toml", out, workers=1, progress=False)
    return out


def test_sensitivity_tables_from_a_sweep(sampled_folder):
    tables = sensitivity_tables(sampled_folder)
    assert set(tables) == {"strategy=mandate", "strategy=persuasion"}
    for df in tables.values():
        assert list(df.factor) == ["internalisation_rate", "compliance_half_life"]
        assert {"S1", "ST", "ST_lo", "ST_hi"} <= set(df.columns)
        assert "convergence" in df.attrs


def test_report_is_written_with_its_sections(sampled_folder):
    path = write_report(sampled_folder)
    text = path.read_text()
    assert text.startswith("# sampled")
    for section in ("## Curves", "## Sensitivity", "### strategy=mandate"):
        assert section in text
    for img in (sampled_folder / "figures").glob("*.png"):
        assert img.stat().st_size > 2000


def test_effect_table_pairs_replications(sampled_folder):
    sc = load_scenario(DATA / "sampled.toml")
    runs = runs_frame(sampled_folder)
    ok = runs[runs.status == "ok"]
    eff = effect_table(ok[ok.point.isin([0, 8])], sc, ["sustained_practising_share"], "mandate")
    # Points 0 and 8 share sample row 0, so one persuasion-vs-mandate row per grid group.
    assert len(eff) == 1
    a = ok[ok.point == 8].sort_values("rep").sustained_practising_share.to_numpy()
    b = ok[ok.point == 0].sort_values("rep").sustained_practising_share.to_numpy()
    assert eff.difference.iloc[0] == pytest.approx(np.mean(a - b))


def _medlead(*args):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "medlead.experiments.cli", *map(str, args)],
        capture_output=True,
        text=True,
    )


def test_cli_report_writes_markdown(sampled_folder, tmp_path):
    res = _medlead("report", sampled_folder, "--markdown", tmp_path / "r.md")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r.md").read_text().startswith("# sampled")


def test_cli_sensitivity_on_a_finished_folder(sampled_folder):
    res = _medlead("sensitivity", DATA / "sampled.toml", "--out", sampled_folder, "-q")
    assert res.returncode == 0, res.stderr
    assert "strategy=persuasion" in res.stdout
    assert (sampled_folder / "sensitivity_strategy_persuasion.csv").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--outcome", "practising"], "unknown outcome"),
        (["--out", "x"], "no sample section"),
    ],
)
def test_cli_sensitivity_errors(args, message, tmp_path):
    scenario = DATA / ("sampled.toml" if "--outcome" in args else "tiny.toml")
    res = _medlead("sensitivity", scenario, *args)
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_a_sampled_structural_switch_runs_and_gets_indices(tmp_path):
    text = (
        (DATA / "sampled.toml")
        .read_text()
        .replace(
            'parameters = ["internalisation_rate", "compliance_half_life"]',
            'parameters = ["internalisation_rate", "persistence_form"]',
        )
    )
    sc = parse_scenario(text, name="switch")
    assert {p.params.persistence_form for p in sc.points} == {"habit", "support"}
    out = tmp_path / "switch"
    sweep(sc, out, workers=1, progress=False)
    runs = runs_frame(out)
    assert set(runs["persistence_form"]) == {"habit", "support"}  # stored as the choice
    tables = sensitivity_tables(out)
    for df in tables.values():
        assert list(df.factor) == ["internalisation_rate", "persistence_form"]


def test_an_impossible_sample_row_is_named_by_its_row_not_its_values():
    text = (DATA / "tiny.toml").read_text() + (
        '\n[sample]\nmethod = "lhs"\nn = 20\nparameters = ["leader_share", "resonance"]\n'
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, name="t")
    bad = [p for p in err.value.problems if "medical leaders" in p]
    assert bad, err.value.problems
    assert all("sample row " in p and "resonance=" not in p for p in bad)
    assert all("strategy=" in p for p in bad)
