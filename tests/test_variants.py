"""Structural variants and ablations: scenario keys, the variant table, the CLI end to end.

The sweeps here use the tiny Trust of ``tests/data/tiny.toml`` (~60 staff, 26 weeks), so
a whole 16-variant table is a few seconds of model time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from medlead.experiments.analysis.stats import bootstrap_mean_ci
from medlead.experiments.analysis.variants import (
    VARIANT_OUTCOMES,
    format_variant_table,
    has_variants,
    variant_table,
    write_variant_report,
)
from medlead.experiments.cli import app
from medlead.experiments.engine.ablations import ABLATION_NAMES, ABLATIONS, BASELINE_ABLATION
from medlead.experiments.engine.designs import strategy_scenario, variant_scenario
from medlead.experiments.engine.runner import sweep
from medlead.experiments.engine.scenario import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    parse_structures,
)
from medlead.experiments.engine.store import runs_frame
from medlead.model import Params
from medlead.model.params import STRUCTURES

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"
TINY_TEXT = TINY.read_text()


def tiny(extra: str, replications: int = 3) -> str:
    """tiny.toml with top-level ``extra`` keys (before its tables)."""
    text = TINY_TEXT.replace("replications = 3", f"replications = {replications}")
    return text.replace("[params]", extra.strip() + "\n\n[params]", 1)


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.toml")
    return [p.removeprefix("s.toml: ") for p in info.value.problems]


# ------------------------------------------------------------------ structures key
def test_parse_structures_forms():
    every, found = parse_structures("all")
    assert found == [] and every == {n: list(c) for n, c in STRUCTURES.items()}
    some, found = parse_structures(["reactance_form", "internalisation_form=dissonance"])
    assert found == []
    assert some == {
        "internalisation_form": ["dissonance"],
        "reactance_form": ["damping", "boomerang"],
    }
    mixed, _ = parse_structures("all, persistence_form=support")
    assert mixed["persistence_form"] == ["support"] and len(mixed) == len(STRUCTURES)
    both, _ = parse_structures("fidelity_form=binary|graded")
    assert both == {"fidelity_form": ["binary", "graded"]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("reactanse_form", "did you mean 'reactance_form'"),
        ("reactance_form=boom", "each value must be one of damping, boomerang"),
        ("reactance_form=", "each value must be one of"),
        (" , ", "structures is empty"),
    ],
)
def test_parse_structures_problems(value, message):
    _, found = parse_structures(value)
    assert any(message in p for p in found), found


def test_structures_all_crosses_every_switch_with_the_strategies():
    sc = parse_scenario(tiny('structures = "all"'), name="t")
    n_variants = int(np.prod([len(c) for c in STRUCTURES.values()]))
    assert n_variants == 16
    assert len(sc.points) == 16 * 4 and sc.n_runs == 16 * 4 * 3
    assert sc.factor_names == [*STRUCTURES, "strategy"]
    assert has_variants(sc)
    seen = {tuple(getattr(p.params, n) for n in STRUCTURES) for p in sc.points}
    assert len(seen) == 16
    # The strategy varies fastest: each variant's four strategies are adjacent.
    assert [p.params.strategy for p in sc.points[:4]] == ["none", "mandate", "persuasion", "hybrid"]
    # Spelling the same design out as factors gives the same scenario hash and points.
    grid = "\n".join(f"{n} = {list(c)!r}" for n, c in STRUCTURES.items())
    spelled = TINY_TEXT.replace("[factors]\n", "[factors]\n" + grid.replace("'", '"') + "\n")
    other = parse_scenario(spelled, name="t")
    assert other.hash == sc.hash
    assert [p.params for p in other.points] == [p.params for p in sc.points]


def test_a_scenario_without_the_new_keys_keeps_its_hash():
    # Adding `structures` and `ablations` left the hash alone (old sweep folders resume);
    # it changed once on purpose since, when the default outcomes and series gained
    # fidelity-weighted practice (sweeps of mechanisms v1 are stale anyway).
    assert load_scenario(TINY).hash == (
        "c300c21fce8d8c1e7cae701eea94bab750b5f3fe6b39cd6fe12317e7b95e2928"
    )


def test_structures_conflicts_are_reported():
    text = tiny('structures = "all"').replace("[params]", '[params]\nreactance_form = "boomerang"')
    assert any("reactance_form is crossed by structures" in p for p in problems(text))
    text = tiny('structures = "all"\ndesign = "list"')
    assert any("use design = 'grid'" in p for p in problems(text))
    assert any(
        "did you mean 'fidelity_form'" in p for p in problems(tiny('structures = "fidelty_form"'))
    )


def test_the_structures_scenario_is_the_headline_with_every_switch_crossed():
    headline = load_scenario("headline")
    via_cli = strategy_scenario(variant_scenario(headline, structures="all"))
    named = load_scenario("structures")
    assert named.n_runs == 16 * 4 * 30
    assert [p.params for p in via_cli.points] == [p.params for p in named.points]
    assert named.seed == headline.seed and named.replications == headline.replications


# ------------------------------------------------------------------ ablations
def test_ablations_are_defined_once_and_each_removes_something():
    assert ABLATIONS[0].name == BASELINE_ABLATION and ABLATIONS[0].params == {}
    assert len(set(ABLATION_NAMES)) == len(ABLATION_NAMES)
    default = Params.preset("professional")
    for a in ABLATIONS:
        assert a.note and "\n" not in a.note
        changed = default.replace(**a.params)  # every value is valid for Params
        if a.name != BASELINE_ABLATION:
            assert changed != default, f"{a.name} changes nothing at the defaults"
    named = {a.name: a.params for a in ABLATIONS}
    # The brief's list (each mechanism switched off one at a time).
    assert named["no_reactance"] == {"reactance": 0.0}
    assert named["no_top_reinforcement"] == {"top_reinforcement": 0.0}
    assert named["no_habit"] == {"persistence_form": "support"}
    assert named["full_fidelity"] == {"compelled_fidelity": 1.0}
    assert named["no_career_structure"] == {"career_structure": 0.0}
    assert len(ABLATIONS) == 14


def test_ablations_become_a_factor_applied_last():
    text = tiny('ablations = ["baseline", "no_stigma", "no_reactance"]').replace(
        "[params]", "[params]\nstigma = 0.7\nreactance = 0.1"
    )
    sc = parse_scenario(text, name="t")
    assert sc.factor_names == ["ablation", "strategy"] and len(sc.points) == 12
    by = {(p.factors["ablation"], p.params.strategy): p.params for p in sc.points}
    assert by[("baseline", "mandate")].stigma == 0.7
    assert by[("no_stigma", "mandate")].stigma == 0.0  # over [params]
    assert by[("no_stigma", "mandate")].reactance == 0.1
    assert by[("no_reactance", "hybrid")].reactance == 0.0
    every = parse_scenario(tiny('ablations = "all"'), name="t")
    assert [p.factors["ablation"] for p in every.points[::4]] == list(ABLATION_NAMES)


def test_ablation_problems():
    assert any(
        "did you mean 'no_stigma'" in p for p in problems(tiny('ablations = ["no_stigmas"]'))
    )
    clash = tiny('ablations = ["no_reactance"]').replace(
        "[factors]", "[factors]\nreactance = [0.0, 0.1]"
    )
    assert any("sets reactance, which is also a factor" in p for p in problems(clash))
    assert any("'all' or a list" in p for p in problems(tiny('ablations = "some"')))
    assert any("ablations is empty" in p for p in problems(tiny("ablations = []")))


def test_the_ablations_scenario_is_the_headline_with_every_ablation():
    headline = load_scenario("headline")
    via_cli = strategy_scenario(variant_scenario(headline, ablations=True))
    named = load_scenario("ablations")
    assert named.n_runs == len(ABLATIONS) * 4 * 30
    assert [p.params for p in via_cli.points] == [p.params for p in named.points]


# ------------------------------------------------------------------ the table
@pytest.fixture(scope="module")
def structures_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("variants") / "structures"
    text = tiny('structures = ["internalisation_form", "reactance_form"]')
    sc = parse_scenario(text.replace('name = "tiny"', 'name = "tiny_structures"'), name="x")
    sweep(sc, out, workers=2, progress=False)
    return out


def test_variant_table_means_and_paired_differences(structures_folder):
    vt = variant_table(structures_folder)
    assert vt.kind == "structures" and vt.baseline == "none"
    assert vt.labelled == ["internalisation_form", "reactance_form"]
    assert vt.variants == [
        "self_determination / damping",
        "self_determination / boomerang",
        "dissonance / damping",
        "dissonance / boomerang",
    ]
    assert vt.reference == "self_determination / damping"
    assert vt.outcomes == list(VARIANT_OUTCOMES)
    assert len(vt.table) == 4 * 4 * 2
    runs = runs_frame(structures_folder)
    o = "sustained_faithful_share"
    sel = runs[(runs.internalisation_form == "dissonance") & (runs.reactance_form == "boomerang")]
    a = sel[sel.strategy == "persuasion"].set_index("rep")[o]
    b = sel[sel.strategy == "none"].set_index("rep")[o]
    row = vt.table[
        (vt.table.variant == "dissonance / boomerang")
        & (vt.table.strategy == "persuasion")
        & (vt.table.outcome == o)
    ].iloc[0]
    assert row["mean"] == pytest.approx(a.mean())
    assert row["diff"] == pytest.approx((a - b).mean())
    # A share's paired difference: the paired bootstrap (the replications' differences
    # resampled), inside their range and so inside [-1, 1].
    d = (a - b).to_numpy()
    assert row["diff_method"] == "bootstrap"
    assert (row["diff_low"], row["diff_high"]) == (
        pytest.approx(bootstrap_mean_ci(d).low),
        pytest.approx(bootstrap_mean_ci(d).high),
    )
    assert d.min() <= row["diff_low"] <= row["diff"] <= row["diff_high"] <= d.max()


def test_variant_curves_draw_out_the_default_and_the_extremes(structures_folder):
    """16 points of variants: a panel per strategy, every variant grey, three drawn out."""
    from test_figures import _assert_bands_inside, _assert_readable

    from medlead.experiments.analysis.compare import curves_ci_figure
    from medlead.model import labels as L

    fig = curves_ci_figure(structures_folder)
    _assert_readable(fig, {"practising_share": L.unit("practising_share")})
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [
        f"strategy {s}" for s in ("none", "mandate", "persuasion", "hybrid")
    ]
    for ax in panels:
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts[0] == "default: self_determination / damping"
        assert texts[1].startswith("lowest at the horizon: ")
        assert texts[2].startswith("highest at the horizon: ")
        assert "each of the 4 variants" in texts and "withdrawal (week 16)" in texts
        grey = [ln for ln in ax.get_lines() if ln.get_label() == "_variant"]
        assert len(grey) == 4
        assert ax.get_ylabel() == "share of clinical staff" and ax.get_xlabel() == "week"
    caption = fig.get_suptitle()
    assert "4 variants per strategy" in caption and "n = 3 replications" in caption
    assert "95% CI (bootstrap percentile)" in caption
    _assert_bands_inside(fig)


def test_conclusions_count_the_variants(structures_folder):
    vt = variant_table(structures_folder, baseline="mandate")
    c = vt.conclusions
    assert len(c) == 6 * 2  # every pair of 4 strategies, 2 outcomes
    assert c.iloc[0]["against_baseline"]  # pairs with the baseline come first
    for r in c.itertuples():
        t = vt.table[vt.table.outcome == r.outcome]
        if "mandate" not in (r.better, r.worse):
            continue
        other = r.better if r.worse == "mandate" else r.worse
        d = t[t.strategy == other].set_index("variant")
        sign = 1 if r.better == other else -1
        assert r.more == int((sign * d["diff"] > 0).sum())
        lo = d["diff_low"] if sign > 0 else -d["diff_high"]
        assert r.ci_above == int((lo > 0).sum())
        assert r.holds_in_all == (r.more == 4)
        assert f"{r.more}/4 variants" in r.statement or "do not differ" in r.statement
    text = format_variant_table(vt)
    assert "Conclusions that hold in every one of the 4 variants" in text
    assert "persuasion − mandate" in text


def test_variant_report_files(structures_folder, tmp_path):
    vt = variant_table(structures_folder)
    paths = write_variant_report(structures_folder, vt, out=tmp_path)
    assert [p.name for p in paths] == [
        "structures.csv",
        "structures_conclusions.csv",
        "structures.md",
    ]
    table = pd.read_csv(tmp_path / "structures.csv")
    assert {"variant", "strategy", "outcome", "mean", "ci_low", "diff", "diff_low"} <= set(table)
    md = (tmp_path / "structures.md").read_text()
    assert md.startswith("# tiny_structures: the comparison in every variant")
    assert "## Conclusions" in md and "## `sustained_faithful_share`" in md
    assert "| self_determination / damping \\* |" in md


# ------------------------------------------------------------------ CLI end to end
def test_cli_compare_structures_all_end_to_end(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "medlead.experiments.cli",
            "compare",
            str(TINY),
            "--structures",
            "all",
            "--replications",
            "2",
            "--baseline",
            "mandate",
            "--workers",
            "2",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("tiny-structures-")
    out = res.stdout
    assert out.startswith("tiny: 16 variants x 4 strategies x 2 replications")
    assert "128 runs ok, 0 failed" in out
    assert "persuasion − mandate" in out and "of the 16 variants" in out
    assert "/16 variants (paired 95% CI above 0 in " in out
    for name in ("structures.csv", "structures_conclusions.csv", "structures.md", "table.csv"):
        assert (folder / name).is_file(), name
    assert not (folder / "curves.png").exists()
    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == 128 and set(STRUCTURES) <= set(runs.columns)
    # Common random numbers: replication r is the same hospital in every variant.
    assert runs.groupby("rep")["org_seed"].nunique().eq(1).all()


def test_cli_compare_ablations(tmp_path):
    out = tmp_path / "abl"
    res = CliRunner().invoke(
        app,
        ["compare", str(TINY), "--ablations", "--replications", "2", "--out", str(out)]
        + ["--workers", "1", "-q"],
    )
    assert res.exit_code == 0, res.output
    assert f"{len(ABLATIONS)} ablations x 4 strategies x 2 replications" in res.stdout
    assert "Conclusions that depend on the ablation:" in res.stdout
    md = (out / "ablations.md").read_text()
    for a in ABLATIONS:
        assert f"| {a.name} | {a.note} | {a.setting} |" in md
    table = pd.read_csv(out / "ablations.csv")
    assert list(dict.fromkeys(table.ablation)) == list(ABLATION_NAMES)
    # `medlead report` on the folder writes the same table again.
    again = CliRunner().invoke(app, ["report", str(out), "--csv", str(tmp_path / "csv")])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "csv" / "ablations.csv"), table)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--structures", "bogus_form"], "unknown structural switch 'bogus_form'"),
        (["--structures", "reactance_form=boom"], "each value must be one of damping, boomerang"),
    ],
)
def test_cli_structures_errors_exit_2(args, message, tmp_path):
    res = CliRunner().invoke(app, ["compare", str(TINY), *args, "--out", str(tmp_path / "x")])
    assert res.exit_code == 2, res.output
    assert message in res.stderr and res.stderr.startswith("error: ")
    assert not (tmp_path / "x").exists()


def test_cli_baseline_must_be_run_when_variants_are_compared(tmp_path):
    two = tmp_path / "two.toml"
    two.write_text(
        TINY_TEXT.replace('"none", "mandate", "persuasion", "hybrid"', '"mandate", "persuasion"')
    )
    res = CliRunner().invoke(
        app,
        [
            "compare",
            str(two),
            "--structures",
            "all",
            "--baseline",
            "hybrid",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "--baseline 'hybrid' is not among the strategies run (mandate, persuasion)" in res.stderr
    assert not (tmp_path / "x").exists()
