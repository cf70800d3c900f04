"""The ``medlead`` command line end to end: run folders, round trips, errors, docs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from medlead.experiments import cli
from medlead.experiments.analysis import figures
from medlead.experiments.analysis.paramdoc import params_document, params_markdown
from medlead.experiments.cli import COMMANDS, app
from medlead.experiments.engine import config, runfolder
from medlead.model import PRESETS, REPORTERS, SUMMARY_KEYS, Params

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MEDLEAD = Path(sys.executable).with_name("medlead")


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def medlead(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed console script in a fresh process."""
    exe = [str(MEDLEAD)] if MEDLEAD.exists() else [sys.executable, "-m", "medlead.experiments.cli"]
    return subprocess.run([*exe, *args], cwd=cwd, capture_output=True, text=True, timeout=180)


# ------------------------------------------------------------------------ run folder
def test_run_writes_every_file_and_they_read_back(tmp_path):
    res = medlead("run", "--weeks", "10", "--seed", "5", "--out", "run", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "Committed" in res.stdout and "share of clinical staff" in res.stdout  # the table
    out = tmp_path / "run"
    assert sorted(p.name for p in out.iterdir()) == sorted(runfolder.RUN_FILES)

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 10 + 1
    assert list(ts.columns) == list(REPORTERS)
    assert ts["week"].tolist() == list(range(11))
    csv = pd.read_csv(out / "timeseries.csv")
    pd.testing.assert_frame_equal(csv, ts, check_dtype=False)

    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == list(SUMMARY_KEYS)
    assert all(v is None or isinstance(v, float | int) for v in summary.values())

    resolved = tomllib.loads((out / "params.toml").read_text())
    assert resolved["seed"] == 5
    assert set(resolved) - {"seed", "preset"} == set(Params.names())
    assert resolved["preset"] == "professional"
    assert resolved["weeks"] == 10

    manifest = json.loads((out / "manifest.json").read_text())
    for key in (
        "seed",
        "medlead_version",
        "git_commit",
        "command",
        "started_utc",
        "finished_utc",
        "python",
        "numpy",
        "mesa",
        "files",
    ):
        assert key in manifest, key
    assert manifest["seed"] == 5
    assert manifest["command"][:2] == ["medlead", "run"]
    assert set(manifest["files"]) == set(runfolder.RUN_FILES) - {"manifest.json"}
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*partial"))  # the staging folder is gone


def test_params_toml_reproduces_the_run_exactly(tmp_path):
    first = tmp_path / "first"
    res = invoke(
        "run",
        "--preset",
        "machine",
        "--strategy",
        "mandate",
        "--set",
        "compliance_half_life=26.5",
        "--set",
        "resonance=0.123456789",
        "--weeks",
        "12",
        "--seed",
        "11",
        "--out",
        str(first),
        "-q",
    )
    assert res.exit_code == 0, res.output
    second = tmp_path / "second"
    res = invoke("run", "--config", str(first / "params.toml"), "--out", str(second), "-q")
    assert res.exit_code == 0, res.output
    assert (first / "summary.json").read_text() == (second / "summary.json").read_text()
    assert (first / "timeseries.csv").read_text() == (second / "timeseries.csv").read_text()
    assert (first / "params.toml").read_text() == (second / "params.toml").read_text()


def test_run_without_a_seed_records_the_drawn_one(tmp_path):
    res = invoke("run", "--weeks", "3", "--out", str(tmp_path / "a"), "-q")
    assert res.exit_code == 0, res.output
    seed = json.loads((tmp_path / "a" / "manifest.json").read_text())["seed"]
    assert isinstance(seed, int)
    res = invoke(
        "run", "--config", str(tmp_path / "a" / "params.toml"), "--out", str(tmp_path / "b")
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / "summary.json").read_text() == (
        tmp_path / "b" / "summary.json"
    ).read_text()


def test_refuses_a_non_empty_folder_unless_forced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    res = invoke("run", "--weeks", "2", "--out", str(out), "-q")
    assert res.exit_code == 2
    assert "not empty" in res.stderr and "--force" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    res = invoke("run", "--weeks", "2", "--out", str(out), "--force", "-q")
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} == {"notes.txt", *runfolder.RUN_FILES}


def test_an_existing_empty_folder_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert invoke("run", "--weeks", "2", "--out", str(out), "-q").exit_code == 0
    assert {p.name for p in out.iterdir()} == set(runfolder.RUN_FILES)


def test_a_failure_while_writing_leaves_no_files(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(figures, "plot_curves", broken)
    out = tmp_path / "out"
    res = invoke("run", "--weeks", "2", "--out", str(out), "-q")
    assert res.exit_code != 0
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind


def test_quiet_prints_nothing_and_default_prints_the_table(tmp_path):
    res = invoke("run", "--weeks", "2", "-q")
    assert res.exit_code == 0 and res.stdout == ""
    # A real process: the console's width comes from COLUMNS when it starts.
    env = {**os.environ, "COLUMNS": "120"}
    exe = [str(MEDLEAD)] if MEDLEAD.exists() else [sys.executable, "-m", "medlead.experiments.cli"]
    args = [*exe, "run", "--weeks", "2", "--seed", "1"]
    res = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    for key in SUMMARY_KEYS:  # wide enough for the summary.json keys too
        assert key in res.stdout


def test_run_says_its_seed_and_strategy_and_every_value_has_a_unit():
    from medlead.model.labels import label

    env = {**os.environ, "COLUMNS": "80"}
    exe = [str(MEDLEAD)] if MEDLEAD.exists() else [sys.executable, "-m", "medlead.experiments.cli"]
    args = [*exe, "run", "--weeks", "3", "--seed", "7"]
    res = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "strategy persuasion" in res.stdout and "seed 7" in res.stdout
    assert "(the preset default)" in res.stderr and "seed 7 (given)" in res.stderr
    drawn = invoke("run", "--weeks", "2", "--strategy", "mandate", env={"COLUMNS": "80"})
    assert "strategy mandate" in drawn.stdout and "(the preset default)" not in drawn.stderr
    assert "drawn: rerun with --seed" in drawn.stderr
    rows = [line for line in res.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == len(SUMMARY_KEYS)  # one line each: nothing wraps at 80 columns
    for key, line in zip(SUMMARY_KEYS, rows, strict=True):
        cells = [c.strip() for c in line.strip("│").split("│")]
        lab = label(key, 3)
        assert cells[0] == lab.title and lab.unit
        assert cells[2] == lab.unit, (key, cells)
        assert len(line) <= 80


# ------------------------------------------------------------------------ errors
ERROR_CASES = {
    "unknown preset": (["--preset", "profesional"], "unknown preset 'profesional'"),
    "unknown --set name": (["--set", "autonomi=0.5"], "did you mean 'autonomy'"),
    "out of range": (["--set", "leader_share=2"], "leader_share=2 is outside the allowed range"),
    "not a number": (["--set", "weeks=abc"], "weeks='abc' must be a number"),
    "bad --set syntax": (["--set", "autonomy"], "expected name=value"),
    "empty --set value": (["--set", "autonomy="], "no value"),
    "bad strategy": (["--strategy", "bribery"], "strategy='bribery' is not one of"),
    "zero weeks": (["--weeks", "0"], "weeks=0 is outside the allowed range"),
    "negative seed": (["--seed", "-3"], "seed=-3 must be >= 0"),
    "huge seed": (["--seed", str(2**64)], "must be below 2**63"),
    "missing config": (["--config", "nowhere.toml"], "nowhere.toml: no such file"),
    "cross-field": (
        ["--set", "intervention_start=50", "--set", "withdrawal_week=10"],
        "comes before intervention_start",
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_exit_2_with_a_short_message(case, tmp_path):
    args, message = ERROR_CASES[case]
    extra = [] if "--weeks" in args else ["--weeks", "2"]
    res = invoke("run", *args, *extra)
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert "Traceback" not in res.output
    assert res.stderr.startswith("error: ")


def test_every_problem_is_reported_one_line_each(tmp_path):
    res = invoke(
        "run",
        "--set",
        "autonomi=0.5",
        "--set",
        "leader_share=2",
        "--set",
        "oops",
        "--strategy",
        "bribery",
    )
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith("error: ") for line in lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("autonomy = [1\n", "malformed TOML"),
        ("autonomy = 'high'\n", "autonomy='high' must be a number"),
        ("autonomy = 3\n", "autonomy=3 is outside the allowed range"),
        ("autonomi = 0.3\n", "unknown parameter 'autonomi'; did you mean 'autonomy'?"),
        ("seed = -1\n", "seed=-1 must be >= 0"),
        ("seed = 1.5\n", "seed=1.5 must be a whole number"),
        ("[params]\nautonomy = 0.3\n", "[params] tables are not allowed"),
        ("preset = 'machin'\n", "unknown preset 'machin'; did you mean 'machine'?"),
        ("n_directorates = 2.5\n", "n_directorates=2.5 must be a whole number"),
    ],
)
def test_config_file_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    res = invoke("run", "--config", str(path), "--weeks", "2")
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert str(path) in res.stderr  # the message names the file
    assert "Traceback" not in res.output


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    res = invoke("run", "--weeks", "2", "--out", str(blocker))
    assert res.exit_code == 2 and "exists and is not a folder" in res.stderr
    res = invoke("run", "--weeks", "2", "--out", str(blocker / "sub"))
    assert res.exit_code == 2 and "cannot write there" in res.stderr
    assert "Traceback" not in res.output


def test_errors_in_a_real_process_have_no_traceback(tmp_path):
    (tmp_path / "bad.toml").write_text("autonomy = = 1\n")
    res = medlead("run", "--config", "bad.toml", cwd=tmp_path)
    assert res.returncode == 2
    assert "bad.toml: malformed TOML" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


# ------------------------------------------------------------------------ config
def test_precedence_preset_then_file_then_set_then_options(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("preset = 'machine'\nseed = 4\nautonomy = 0.6\nresonance = 0.7\nweeks = 20\n")
    cfg = config.resolve_run_config(
        config=path, set_items=["autonomy=0.65", "weeks=30"], options={"weeks": 40}
    )
    machine = Params.preset("machine")
    assert cfg.params.hierarchy_coupling == machine.hierarchy_coupling  # from the preset
    assert cfg.params.resonance == 0.7  # from the file
    assert cfg.params.autonomy == 0.65  # --set beats the file
    assert cfg.params.weeks == 40  # the explicit option beats --set
    assert cfg.seed == 4 and cfg.preset == "machine"
    cfg = config.resolve_run_config(preset="professional", config=path, seed=9)
    assert cfg.preset == "professional" and cfg.seed == 9  # the command line wins


@pytest.mark.parametrize("preset", PRESETS)
def test_params_toml_round_trips_every_preset(tmp_path, preset):
    params = Params.preset(preset).replace(resonance=0.1 + 0.2)  # a float with a long repr
    path = tmp_path / "p.toml"
    path.write_text(config.params_toml(params, 123, header=["test"]))
    cfg = config.resolve_run_config(config=path)
    assert cfg.params == params
    assert cfg.seed == 123


def test_set_values_may_be_quoted():
    values, problems = config.parse_set_items(
        ['strategy="mandate"', "target_rule='most_influential'"]
    )
    assert problems == []
    assert Params.from_mapping(values).strategy == "mandate"


# ------------------------------------------------------------------------ params
def test_params_lists_every_field():
    res = invoke("params", env={"COLUMNS": "220"})
    assert res.exit_code == 0
    for name in Params.names():
        assert name in res.stdout, name
    narrow = invoke("params", env={"COLUMNS": "80"})
    assert narrow.exit_code == 0
    for name in Params.names():
        assert name in narrow.stdout, name


def test_params_markdown_is_the_generated_table():
    res = invoke("params", "--markdown")
    assert res.exit_code == 0
    assert res.stdout == params_markdown()
    for name in Params.names():
        assert f"| `{name}` |" in res.stdout


def test_docs_params_md_is_up_to_date():
    current = (DOCS / "params.md").read_text(encoding="utf-8")
    assert current == params_document(), (
        "docs/params.md is out of date; regenerate it with "
        "`python -m medlead.experiments.analysis.paramdoc > docs/params.md`"
    )


def test_docs_params_md_has_every_preset():
    doc = params_document()
    for preset in PRESETS:
        assert f"`{preset}`" in doc


# ------------------------------------------------------------------------ data dictionary
def test_docs_data_md_defines_every_column_and_summary_key():
    doc = (DOCS / "data.md").read_text(encoding="utf-8")
    missing = [name for name in (*REPORTERS, *SUMMARY_KEYS) if f"`{name}`" not in doc]
    assert not missing, f"docs/data.md does not define: {missing}"
    for name in runfolder.RUN_FILES:
        assert f"`{name}`" in doc, name


# ------------------------------------------------------------------------ scenarios
def test_scenarios_lists_every_scenario_file():
    res = invoke("scenarios")
    assert res.exit_code == 0
    for path in sorted(cli.scenarios.scenarios_dir().glob("*.toml")):
        assert path.stem in res.stdout


def test_scenarios_reads_descriptions_and_survives_bad_files(tmp_path, monkeypatch):
    (tmp_path / "alpha.toml").write_text('description = "the first one"\n')
    (tmp_path / "beta.toml").write_text("[[arms]]\nstrategy = 'none'\n")
    (tmp_path / "gamma.toml").write_text("description = \n")
    monkeypatch.setattr(cli.scenarios, "scenarios_dir", lambda: tmp_path)
    res = invoke("scenarios")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert lines[0].split() == ["alpha", "the", "first", "one"]
    assert lines[1].strip() == "beta"
    assert lines[2].startswith("gamma") and "unreadable" in lines[2]


def test_scenarios_with_no_files(tmp_path, monkeypatch):
    monkeypatch.setattr(cli.scenarios, "scenarios_dir", lambda: tmp_path / "none")
    res = invoke("scenarios")
    assert res.exit_code == 0 and "no scenario files" in res.stdout


# ------------------------------------------------------------------------ workshop
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_workshop_without_the_app_exits_2(monkeypatch):
    monkeypatch.setattr(cli.workshop, "_workshop_available", lambda: False)
    res = invoke("workshop", "--port", str(_free_port()))
    assert res.exit_code == 2
    assert "medlead.workshop.app" in res.stderr
    assert "Traceback" not in res.output


def test_workshop_bad_port_exits_2():
    res = invoke("workshop", "--port", "70000")
    assert res.exit_code == 2 and "--port 70000" in res.stderr


def test_workshop_starts_solara_as_a_subprocess(monkeypatch):
    started = {}

    class FakeProcess:
        def __init__(self, cmd, env):
            started["cmd"], started["env"] = cmd, env

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(cli.workshop, "_workshop_available", lambda: True)
    monkeypatch.setattr(cli.workshop.subprocess, "Popen", FakeProcess)
    port = _free_port()
    res = invoke("workshop", "--port", str(port))
    assert res.exit_code == 0, res.output
    assert started["cmd"][1:] == [
        "-m",
        "solara",
        "run",
        "medlead.workshop.app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--production",
    ]
    assert started["env"]["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert f"http://127.0.0.1:{port}" in res.stdout


def test_help_lists_the_commands():
    res = invoke("--help", env={"COLUMNS": "120"})
    assert res.exit_code == 0
    for name in ("run", "params", "scenarios", "workshop"):
        assert name in res.stdout


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_fits_the_terminal_and_shows_flags_and_defaults(command, columns):
    # A real process: CliRunner forces Click's help width to 80 columns.
    exe = [str(MEDLEAD)] if MEDLEAD.exists() else [sys.executable, "-m", "medlead.experiments.cli"]
    env = {**os.environ, "COLUMNS": str(columns)}
    args = [*exe, *([command] if command else []), "--help"]
    res = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    too_long = [line for line in lines if len(line) > columns]
    assert too_long == [], too_long
    assert "<bool>" not in res.stdout
    text = " ".join(res.stdout.split())
    for flag in ("quiet", "quick", "force", "fresh", "markdown", "replace-stale"):
        if f"--{flag}" in text and f"--{flag} <" not in text and command != "workshop":
            assert f"--{flag} / --no-{flag}" in text and f"[default: no-{flag}]" in text.replace(
                "no- ", "no-"
            ), flag
    # The description is rewrapped to the width: a line ends early only if the next word
    # would not have fitted (the docstrings' own line breaks are gone).
    start = lines.index("") + 1
    body = lines[start : next(i for i in range(start, len(lines)) if lines[i].endswith(":"))]
    for line, nxt in zip(body, body[1:], strict=False):
        if line.strip() and nxt.strip():
            assert len(line) + 1 + len(nxt.split()[0]) > columns - 2, (line, nxt)


def test_run_help_states_the_defaults_it_falls_back_to():
    res = invoke("run", "--help", env={"COLUMNS": "120"})
    text = " ".join(res.stdout.split())
    assert "persuasion in professional" in text and Params().strategy == "persuasion"
    assert f"the preset's, {Params().weeks}" in text and "(default: professional)" in text
