"""Parameters drawn from a posterior: `medlead run|compare|sweep --posterior FILE`.

A tiny posterior (three particles over internalisation_rate, compliance_half_life and
reactance_form) and a tiny Trust (2 directorates of 3 microsystems, 20 weeks), so the
sweeps here cost little more than starting Dask.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from medlead.experiments.calibration.apply import (
    POSTERIOR_SPAWN_KEY,
    draw_particles,
    particle_params,
    posterior_design,
    posterior_rng,
    posterior_scenario,
    read_posterior,
    scenario_keep,
)
from medlead.experiments.calibration.posterior import (
    PosteriorError,
    load_posterior,
    sample_params,
    write_posterior,
)
from medlead.experiments.cli import app
from medlead.experiments.engine.design import DesignError, run_seed
from medlead.experiments.engine.runner import org_seed, run_one
from medlead.experiments.engine.scenario import parse_scenario
from medlead.experiments.engine.store import read_manifest, runs_frame
from medlead.model import Params

SCENARIO = """\
name = "posterior_tiny"
seed = 11
replications = 4
weeks = 20
withdrawal_week = 12

[params]
n_directorates = 2
microsystems_per_directorate = 3
nurses_per_microsystem = 4

[factors]
strategy = ["mandate", "persuasion"]
compliance_half_life = [8.0, 30.0]
"""
SMALL = ["--set", "n_directorates=2", "--set", "microsystems_per_directorate=3"]
DRAWN = ("internalisation_rate", "compliance_half_life", "reactance_form")


def particles(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    weight = columns.pop("weight", [1.0 / n] * n)
    return pd.DataFrame(
        {
            **columns,
            "weight": weight,
            "distance": np.linspace(0.1, 0.3, n),
            "born": [3] * n,
            "particle": list(range(10, 10 + n)),
        }
    )


def write(path: Path, frame: pd.DataFrame) -> Path:
    return write_posterior(path, frame, {"cases": ["synthetic"], "seed": 1})


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("posterior")
    (root / "scenario.toml").write_text(SCENARIO)
    good = particles(
        internalisation_rate=[0.01, 0.03, 0.05],
        compliance_half_life=[6.0, 20.0, 40.0],
        reactance_form=["damping", "boomerang", "damping"],
        weight=[0.3, 0.3, 0.4],
    )
    other = good.assign(weight=[0.6, 0.3, 0.1])
    return {
        "root": root,
        "scenario": root / "scenario.toml",
        "posterior": write(root / "posterior.parquet", good),
        "other": write(root / "other.parquet", other),
    }


def medlead(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "medlead.experiments.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def one_error_line(res, *fragments: str) -> str:
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in res.output
    return lines[0]


def expected_params(point_factors: dict, row: pd.Series) -> Params:
    """A point's parameters under a particle, built here from the rule itself."""
    spec = tomllib.loads(SCENARIO)
    drawn = {k: row[k] for k in DRAWN if k not in point_factors}
    fixed = {**spec["params"], "weeks": spec["weeks"], "withdrawal_week": spec["withdrawal_week"]}
    return Params.preset("professional").replace(**drawn, **fixed, **point_factors)


# ------------------------------------------------------------------ the draws
def test_draws_are_those_of_sample_params(files):
    table = load_posterior(files["posterior"])
    base = Params(weeks=30, withdrawal_week=20)
    rows = draw_particles(table, 50, posterior_rng(3))
    mine = [particle_params(table, int(i), base, ["compliance_half_life"]) for i in rows]
    theirs = sample_params(table, 50, posterior_rng(3), base=base, keep=["compliance_half_life"])
    assert mine == theirs
    assert len(set(rows.tolist())) == 3  # every particle is drawn in 50


def test_the_posterior_key_is_no_run_seed():
    # The draws' stream is a child of the root on a key no replication reaches.
    assert POSTERIOR_SPAWN_KEY > 100_000
    a = posterior_rng(11).random(3)
    b = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(POSTERIOR_SPAWN_KEY,)))
    assert np.array_equal(a, b.random(3))
    assert not np.array_equal(a, np.random.default_rng(run_seed(11, 0)).random(3))


def test_rep_r_of_every_point_gets_draw_r_and_explicit_values_win(files):
    sc = parse_scenario(SCENARIO)
    design = posterior_scenario(sc, files["posterior"])
    table = load_posterior(files["posterior"])
    record = design.inputs["posterior"]
    rows = record["rows"]
    assert rows == draw_particles(table, 4, posterior_rng(sc.seed)).tolist()
    assert len(set(rows)) >= 2  # the draws differ between replications
    assert record["kept"] == ["compliance_half_life"]  # a factor: wins over the posterior
    assert record["sha256"] == read_posterior(files["posterior"]).sha256
    assert set(scenario_keep(sc)) == {
        "n_directorates",
        "microsystems_per_directorate",
        "nurses_per_microsystem",
        "weeks",
        "withdrawal_week",
    }
    for point in design.points:
        assert len(point.rep_params) == 4
        for r, params in enumerate(point.rep_params):
            assert params == expected_params(point.factors, table.iloc[rows[r]])
    # the same draw at every point: the drawn values agree across points, rep by rep
    for r in range(4):
        drawn = {
            (p.rep_params[r].internalisation_rate, p.rep_params[r].reactance_form)
            for p in design.points
        }
        assert len(drawn) == 1
    # seeds and rows are the scenario's: only the parameters change
    assert design.rows == sc.design.rows and design.seed == sc.seed
    assert design.hash != sc.design.hash
    # the same seed and posterior give the same design; another posterior another hash
    assert posterior_scenario(sc, files["posterior"]).hash == design.hash
    assert posterior_scenario(sc, files["other"]).hash != design.hash


def test_an_ablation_keeps_what_it_sets(files):
    text = SCENARIO.replace(
        "compliance_half_life = [8.0, 30.0]", 'ablation = ["baseline", "no_internalisation"]'
    )
    sc = parse_scenario(text)
    design = posterior_scenario(sc, files["posterior"])
    table = load_posterior(files["posterior"])
    for point in design.points:
        ablated = point.factors["ablation"] != "baseline"
        for r, params in enumerate(point.rep_params):
            row = table.iloc[design.inputs["posterior"]["rows"][r]]
            assert params.compliance_half_life == row["compliance_half_life"]
            assert params.internalisation_rate == (0.0 if ablated else row["internalisation_rate"])


def test_rep_params_must_fit_the_design(files):
    design = parse_scenario(SCENARIO).design
    with pytest.raises(DesignError, match="2 parameter sets for 4 replications"):
        design.with_rep_params([[p.params] * 2 for p in design.points])
    with pytest.raises(DesignError, match="disagree with the point's factors"):
        design.with_rep_params(
            [[p.params.replace(compliance_half_life=99.0)] * 4 for p in design.points]
        )
    drawn = posterior_design(design, files["posterior"])
    with pytest.raises(PosteriorError, match="already gives each replication"):
        posterior_design(drawn, files["posterior"])


# ------------------------------------------------------------------ sweeps
@pytest.fixture(scope="module")
def swept(files) -> Path:
    """The scenario under the posterior on one local worker."""
    out = files["root"] / "one"
    proc = ok(
        medlead(
            "sweep",
            str(files["scenario"]),
            "--out",
            str(out),
            "--workers",
            "1",
            "-q",
            "--posterior",
            str(files["posterior"]),
            cwd=files["root"],
        )
    )
    assert "parameters drawn from posterior" in proc.stderr
    return out


def test_sweep_runs_each_replication_with_its_draw(files, swept):
    df = runs_frame(swept)
    sc = parse_scenario(SCENARIO)
    table = load_posterior(files["posterior"])
    manifest = read_manifest(swept)
    record = manifest["inputs"]["posterior"]
    assert record["path"] == str(files["posterior"].absolute())
    assert record["sha256"] == read_posterior(files["posterior"]).sha256
    assert len(df) == 16 and (df["status"] == "ok").all()
    # the run seeds are those without a posterior: replication r meets one hospital
    assert df.groupby("rep")["org_seed"].nunique().eq(1).all()
    for _, row in df.iterrows():
        rep = int(row["rep"])
        assert row["org_seed"] == org_seed(run_seed(sc.seed, rep))
        factors = sc.points[int(row["point"])].factors
        params = expected_params(factors, table.iloc[record["rows"][rep]])
        summary, _, _ = run_one(params, sc.seed, rep)
        for key, value in summary.items():
            assert (value is None and pd.isna(row[key])) or value == row[key], key


def test_two_workers_and_one_run_per_task_give_the_same_table(files, swept):
    out = files["root"] / "two"
    ok(
        medlead(
            "sweep",
            str(files["scenario"]),
            "--out",
            str(out),
            "--workers",
            "2",
            "--runs-per-task",
            "1",
            "-q",
            "--posterior",
            str(files["posterior"]),
            cwd=files["root"],
        )
    )
    pd.testing.assert_frame_equal(runs_frame(out), runs_frame(swept))


def test_resume_needs_the_same_posterior(files, swept, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(swept, folder)
    base = ["sweep", str(files["scenario"]), "--out", str(folder), "-q"]
    line = one_error_line(
        invoke(*base, "--posterior", str(files["other"])), "made with posterior", "other.parquet"
    )
    assert "--fresh" in line
    one_error_line(invoke(*base), "this one with no posterior")
    res = invoke(*base, "--posterior", str(files["posterior"]))
    assert res.exit_code == 0, res.output
    assert "nothing to run; 16 already stored" in res.stderr


def test_compare_under_the_posterior_uses_the_same_design(files, swept, tmp_path):
    folder = tmp_path / "compare"
    shutil.copytree(swept, folder)
    res = invoke(
        "compare", str(files["scenario"]), "--out", str(folder), "-q",
        "--posterior", str(files["posterior"]),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "nothing to run; 16 already stored" in res.stderr  # strategies already factors
    assert "mandate" in res.stdout and "persuasion" in res.stdout
    res = invoke("report", str(folder))
    assert res.exit_code == 0, res.output
    report = (folder / "report.md").read_text()
    assert "parameters drawn from the posterior" in report and "posterior.parquet" in report


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_bad_posteriors_exit_2_with_one_line(files, tmp_path, command):
    args = [command, str(files["scenario"]), "--out", str(tmp_path / "out"), "-q"]
    one_error_line(invoke(*args, "--posterior", "nowhere.parquet"), "nowhere.parquet not found")
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_text("hello")
    one_error_line(invoke(*args, "--posterior", str(not_parquet)), "not a Parquet file")
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1.0]}).to_parquet(plain)
    one_error_line(invoke(*args, "--posterior", str(plain)), "not a medlead posterior")
    bad = write(tmp_path / "bad.parquet", particles(internalisation_rate=[2.0], reactance=[-1.0]))
    one_error_line(
        invoke(*args, "--posterior", str(bad)),
        "posterior particle 0 at point 0",
        "internalisation_rate=2 is outside",
        "reactance=-1 is outside",
    )
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ medlead run
def test_run_draws_one_particle_and_records_it(files, tmp_path):
    out = tmp_path / "run"
    args = ["run", *SMALL, "--weeks", "20", "--seed", "5", "-q"]
    res = invoke(
        *args, "--set", "compliance_half_life=9", "--posterior", str(files["posterior"]),
        "--out", str(out),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    record = manifest["posterior"]
    table = load_posterior(files["posterior"])
    (row,) = draw_particles(table, 1, posterior_rng(5))
    assert record["row"] == int(row) and record["particle"] == 10 + int(row)
    assert record["sha256"] == read_posterior(files["posterior"]).sha256
    assert record["path"] == str(files["posterior"].absolute())
    assert record["kept"] == ["compliance_half_life"]
    resolved = tomllib.loads((out / "params.toml").read_text())
    assert resolved["compliance_half_life"] == 9.0  # --set wins
    assert resolved["n_directorates"] == 2 and resolved["weeks"] == 20
    assert resolved["internalisation_rate"] == table["internalisation_rate"].iat[int(row)]
    assert resolved["reactance_form"] == table["reactance_form"].iat[int(row)]
    # the same seed draws the same particle and gives the same run
    again = tmp_path / "again"
    res = invoke(
        *args, "--set", "compliance_half_life=9", "--posterior", str(files["posterior"]),
        "--out", str(again),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    for name in ("timeseries.csv", "summary.json", "params.toml"):
        assert (again / name).read_text() == (out / name).read_text()
    # params.toml is fully resolved: it reproduces the run without the posterior
    plain = tmp_path / "plain"
    res = invoke("run", "--config", str(out / "params.toml"), "-q", "--out", str(plain))
    assert res.exit_code == 0, res.output
    assert (plain / "timeseries.csv").read_text() == (out / "timeseries.csv").read_text()


def test_run_without_a_seed_draws_with_the_recorded_one(files, tmp_path):
    out = tmp_path / "run"
    res = invoke(
        "run", *SMALL, "--weeks", "5", "-q", "--posterior", str(files["posterior"]),
        "--out", str(out),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    table = load_posterior(files["posterior"])
    (row,) = draw_particles(table, 1, posterior_rng(manifest["seed"]))
    assert manifest["posterior"]["row"] == int(row)


def test_run_with_a_config_file_keeps_its_values(files, tmp_path):
    config = tmp_path / "my.toml"
    config.write_text("internalisation_rate = 0.042\nreactance_form = 'boomerang'\n")
    out = tmp_path / "run"
    res = invoke(
        "run", *SMALL, "--config", str(config), "--weeks", "5", "--seed", "3", "-q",
        "--posterior", str(files["posterior"]), "--out", str(out),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    resolved = tomllib.loads((out / "params.toml").read_text())
    record = json.loads((out / "manifest.json").read_text())["posterior"]
    assert resolved["internalisation_rate"] == 0.042 and resolved["reactance_form"] == "boomerang"
    assert record["kept"] == ["reactance_form", "internalisation_rate"]
    table = load_posterior(files["posterior"])
    assert resolved["compliance_half_life"] == table["compliance_half_life"].iat[record["row"]]


def test_run_with_bad_posteriors_exits_2_with_one_line_and_no_folder(files, tmp_path):
    out = tmp_path / "run"
    args = ["run", *SMALL, "--weeks", "5", "--out", str(out)]
    one_error_line(invoke(*args, "--posterior", "nowhere.parquet"), "not found")
    one_error_line(invoke(*args, "--posterior", str(tmp_path)), "is a folder")
    bad = write(
        tmp_path / "bad.parquet", particles(compliance_half_life=[0.1], internalisation_rate=[-2.0])
    )
    one_error_line(
        invoke(*args, "--posterior", str(bad)),
        "posterior particle 0 cannot be used",
        "compliance_half_life=0.1",
        "internalisation_rate=-2 is outside",
    )
    assert not out.exists()
    assert not list(tmp_path.glob(".run.*"))  # no staging folder left behind
