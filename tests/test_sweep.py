"""Sweeps end to end: real Dask clusters, kills, resume, identical tables, CLI errors.

The sweeps here are tiny (a ~60-staff Trust, 26 weeks), so most of the time goes into
starting Python processes and Dask workers, not into the model.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from medlead.experiments.cli import app
from medlead.experiments.engine.runner import org_seed, run_one
from medlead.experiments.engine.scenario import load_scenario
from medlead.experiments.engine.store import read_manifest, runs_frame, stored_runs

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"
KILL = DATA / "kill.toml"
BIN = Path(sys.executable).parent


def medlead(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "medlead.experiments.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def spawn_medlead(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "medlead.experiments.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the test can clean it up
    )


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def parts(root: Path) -> int:
    return len(list((root / "runs").glob("*.parquet")))


def wait_for_parts(root: Path, n: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Wait until ``n`` parts are stored, failing if the sweep ends first."""
    end = time.monotonic() + timeout
    while parts(root) < n:
        if proc.poll() is not None:
            raise AssertionError(f"the sweep ended early ({proc.returncode}): {proc.stderr.read()}")
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {n} parts in {root}")
        time.sleep(0.01)


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    """A ``dask scheduler`` and ``dask worker`` processes on loopback."""

    def __init__(self, n_workers: int = 2):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.scheduler = self._spawn(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-dashboard",
            ]
        )
        self.workers = [
            self._spawn(
                [
                    str(BIN / "dask"),
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--name",
                    f"w{i}",
                ]
            )
            for i in range(n_workers)
        ]
        from distributed import Client

        end = time.monotonic() + 120
        while True:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(n_workers, timeout=120)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > end:
                    self.close()
                    raise

    def _spawn(self, cmd: list[str]) -> subprocess.Popen:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory) -> pd.DataFrame:
    """The tiny sweep on a LocalCluster of one worker."""
    root = tmp_path_factory.mktemp("ref") / "tiny"
    ok(medlead("sweep", str(TINY), "--out", str(root), "--workers", "1", "-q"))
    return runs_frame(root)


@pytest.fixture(scope="module")
def kill_reference(tmp_path_factory) -> tuple[Path, str]:
    """The uninterrupted 'kill' sweep (two local workers) and its exported runs.csv."""
    root = tmp_path_factory.mktemp("ref") / "kill"
    ok(medlead("sweep", str(KILL), "--out", str(root), "--workers", "2", "-q"))
    ok(medlead("report", str(root)))
    return root, (root / "runs.csv").read_text()


def test_sweep_matches_direct_runs_and_shares_hospitals(tiny_reference):
    df = tiny_reference
    sc = load_scenario(TINY)
    assert len(df) == sc.n_runs and (df["status"] == "ok").all()
    assert list(zip(df["point"], df["rep"], strict=True)) == [
        (p, r) for p in range(4) for r in range(3)
    ]
    # Replication r of every strategy runs on the same hospital: same org_seed.
    assert df.groupby("rep")["org_seed"].nunique().eq(1).all()
    assert df["org_seed"].nunique() == sc.replications
    # The seed scheme: SeedSequence(seed, spawn_key=(rep,)) passed to HospitalModel.
    for i in (0, 5, 11):
        row = df.iloc[i]
        summary, _, oseed = run_one(sc.points[row["point"]].params, sc.seed, int(row["rep"]))
        assert (
            oseed == row["org_seed"] == org_seed(np.random.SeedSequence(7, spawn_key=(row["rep"],)))
        )
        for key, value in summary.items():
            assert (value is None and pd.isna(row[key])) or value == row[key]


def test_two_workers_and_small_tasks_give_the_same_table(tmp_path, tiny_reference):
    root = tmp_path / "two"
    proc = ok(
        medlead("sweep", str(TINY), "--out", str(root), "--workers", "2", "--runs-per-task", "1")
    )
    assert "12 runs in" in proc.stderr and "LocalCluster on 127.0.0.1 (2 workers)" in proc.stderr
    pd.testing.assert_frame_equal(runs_frame(root), tiny_reference)
    assert parts(root) == 12
    # Rerun: nothing to do, nothing written twice.
    proc = ok(medlead("sweep", str(TINY), "--out", str(root), "--workers", "2"))
    assert "nothing to run; 12 already stored" in proc.stderr
    assert parts(root) == 12
    m = read_manifest(root)
    assert [s["status"] for s in m["sessions"]] == ["complete", "complete"]
    assert m["status"] == "complete" and m["runs"]["ok"] == 12


def test_separate_dask_cluster_gives_the_same_table(tmp_path, tiny_reference):
    cluster = DaskCluster(2)
    try:
        root = tmp_path / "remote"
        proc = ok(medlead("sweep", str(TINY), "--out", str(root), "--scheduler", cluster.address))
        assert f"scheduler {cluster.address} (2 workers)" in proc.stderr
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(runs_frame(root), tiny_reference)


def test_unreachable_scheduler_writes_nothing(tmp_path):
    root = tmp_path / "none"
    proc = medlead(
        "sweep", str(TINY), "--out", str(root), "--scheduler", f"tcp://127.0.0.1:{free_port()}"
    )
    assert proc.returncode == 2 and "cannot reach the Dask scheduler" in proc.stderr
    assert "Traceback" not in proc.stderr and not root.exists()


def test_sweep_killed_with_sigkill_resumes_to_the_same_table(tmp_path, kill_reference):
    ref_root, ref_csv = kill_reference
    root = tmp_path / "killed"
    total = load_scenario(KILL).n_runs
    args = ["--out", str(root), "--workers", "2", "--runs-per-task", "1", "-q"]
    proc = spawn_medlead("sweep", str(KILL), *args)
    try:
        wait_for_parts(root, 10, proc)
        os.kill(proc.pid, signal.SIGKILL)  # the sweep's client process, mid-sweep
    finally:
        kill_group(proc)  # and the local workers it leaves behind
    done = len(stored_runs(root))
    assert 10 <= done < total, f"the kill came too late ({done} of {total} runs stored)"
    assert read_manifest(root)["sessions"][-1]["status"] == "running"
    proc = ok(medlead("sweep", str(KILL), "--out", str(root), "--workers", "2", "-q"))
    assert f"{total - done} runs in" in proc.stderr and f"{done} already stored" in proc.stderr
    ok(medlead("report", str(root)))
    assert (root / "runs.csv").read_text() == ref_csv
    pd.testing.assert_frame_equal(runs_frame(root), runs_frame(ref_root))
    m = read_manifest(root)
    assert [s["status"] for s in m["sessions"]] == ["interrupted", "complete"]
    assert m["runs"] == {"total": total, "ok": total, "failed": 0}


def test_worker_killed_mid_sweep_loses_no_run(tmp_path, kill_reference):
    ref_root, ref_csv = kill_reference
    root = tmp_path / "worker-killed"
    cluster = DaskCluster(2)
    try:
        proc = spawn_medlead(
            "sweep",
            str(KILL),
            "--out",
            str(root),
            "--scheduler",
            cluster.address,
            "--runs-per-task",
            "1",
            "-q",
        )
        try:
            wait_for_parts(root, 10, proc)
            cluster.workers[0].send_signal(signal.SIGKILL)
            at_kill = parts(root)
            assert proc.wait(timeout=300) == 0, proc.stderr.read()
        finally:
            kill_group(proc)
        assert cluster.workers[0].poll() is not None  # it really died mid-sweep
        assert at_kill < load_scenario(KILL).n_runs, "the kill came too late"
    finally:
        cluster.close()
    ok(medlead("report", str(root)))
    assert (root / "runs.csv").read_text() == ref_csv
    pd.testing.assert_frame_equal(runs_frame(root), runs_frame(ref_root))


# ---------------------------------------------------------------------- bad input
BAD = {
    "syntax": ("replications = 3\nseed = = 1\n", "TOML syntax error"),
    "unknown_key": ("replications = 3\nreplicatons = 3\n", "did you mean 'replications'"),
    "out_of_range": (
        "replications = 3\n[params]\nresonance = 1.7\n",
        "resonance=1.7 is outside the allowed range [0, 1]",
    ),
    "empty_factor": ("replications = 3\n[factors]\nstrategy = []\n", "factor 'strategy' is empty"),
    "unknown_name": (
        "replications = 3\n[factors]\nresonanse = [0.2]\n",
        "unknown parameter 'resonanse'; did you mean 'resonance'?",
    ),
}


@pytest.fixture(scope="module")
def existing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("existing") / "tiny"
    ok(medlead("sweep", str(TINY), "--out", str(root), "--workers", "1", "-q"))
    return root


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in files}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_files_exit_2_and_touch_nothing(case, tmp_path, existing):
    text, expected = BAD[case]
    bad = tmp_path / f"bad_{case}.toml"
    bad.write_text(text)
    before = snapshot(existing)
    result = CliRunner().invoke(app, ["sweep", str(bad), "--out", str(existing), "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and all(line.startswith("error: ") for line in lines)
    assert expected in result.stderr
    assert all(len(line) < 200 for line in lines)
    assert "Traceback" not in result.output + result.stderr
    assert snapshot(existing) == before


def test_folder_of_another_scenario_and_unknown_names_exit_2(tmp_path, existing):
    before = snapshot(existing)
    runner = CliRunner()
    for args, expected in (
        (["sweep", "headline", "--out", str(existing)], "holds results of another scenario"),
        (["compare", "headline", "--out", str(existing)], "holds results of another scenario"),
        (["sweep", "headlin", "--out", str(existing)], "did you mean 'headline'"),
        (["sweep", str(tmp_path / "nope.toml"), "--out", str(existing)], "does not exist"),
        (["report", str(tmp_path)], "is not a sweep folder"),
        (["sweep", str(TINY), "--out", str(existing), "--workers", "0"], "at least one worker"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr and result.stderr.startswith("error: ")
        assert "Traceback" not in result.output + result.stderr
    assert snapshot(existing) == before


def test_compare_prints_the_table_and_draws_curves(tmp_path):
    proc = ok(medlead("compare", str(TINY), "--workers", "2", "-q", cwd=tmp_path))
    root = tmp_path / "results" / "tiny"
    out = proc.stdout
    assert out.startswith("tiny: 4 points x 3 replications") and "12 runs ok, 0 failed" in out
    assert "mean [95% CI]" in out and "paired difference from none" in out
    for strategy in ("none", "mandate", "persuasion", "hybrid"):
        assert strategy in out
    assert (root / "curves.png").stat().st_size > 10_000
    assert (root / "table.csv").is_file() and (root / "paired.csv").is_file()
    report = ok(medlead("report", str(root), "--csv", str(tmp_path / "csv")))
    assert report.stdout == out
    runs = pd.read_csv(tmp_path / "csv" / "runs.csv")
    assert len(runs) == 12 and {"org_seed", "rep", "strategy"} <= set(runs.columns)
    table = pd.read_csv(tmp_path / "csv" / "table.csv")
    row = table[(table.strategy == "mandate") & (table.outcome == "peak_compliant_share")].iloc[0]
    x = runs[runs.strategy == "mandate"]["peak_compliant_share"]
    assert row["mean"] == pytest.approx(x.mean())
    # A share: bootstrap percentile interval, inside the values' range (so inside [0, 1]).
    assert row["ci_method"] == "bootstrap"
    assert x.min() <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= x.max()
    gap = table[(table.strategy == "mandate") & (table.outcome == "engagement_gap")]
    if len(gap):  # not a share: Student-t
        g = runs[runs.strategy == "mandate"]["engagement_gap"]
        assert gap.iloc[0]["ci_method"] == "t"
        assert gap.iloc[0]["ci_high"] - g.mean() == pytest.approx(
            4.302652729911275 * g.std() / 3**0.5
        )
    paired = pd.read_csv(tmp_path / "csv" / "paired.csv")
    assert set(paired["baseline"]) == {"none"} and "none" not in set(paired["strategy"])
    assert_share_intervals_inside(out, table, root)
    assert_differences_inside(out, paired, pd.read_csv(tmp_path / "csv" / "programme.csv"), root)


def test_the_headline_table_has_weeks_retention_differences_a_legend_and_n(tmp_path):
    """The programme table: end of programme, sustain week, retention, paired, legend, n."""
    ok(medlead("compare", str(TINY), "--workers", "1", "-q", cwd=tmp_path))
    root = tmp_path / "results" / "tiny"
    out = ok(medlead("report", str(root))).stdout
    prog = pd.read_csv(root / "programme.csv")
    runs = pd.read_csv(root / "runs.csv")
    from medlead.experiments.engine.store import connect

    ts = connect(root).execute("SELECT * FROM timeseries").df()
    mandate = runs.loc[runs.strategy == "mandate", "point"].iloc[0]
    at = {w: ts[(ts.point == mandate) & (ts.week == w)]["practising_share"] for w in (16, 26)}
    rows = prog[(prog.strategy == "mandate") & (prog.series == "practising_share")]
    row = rows.set_index("quantity")
    assert row.loc["end", "mean"] == pytest.approx(at[16].mean())  # tiny: withdrawal at 16
    assert row.loc["sustain", "mean"] == pytest.approx(at[26].mean())  # horizon 26 < 156
    assert row.loc["retention", "mean"] == pytest.approx(at[26].mean() / at[16].mean())
    assert set(row["n"]) == {3} and set(row["baseline"]) == {"none"}
    none = ts[(ts.point == runs.loc[runs.strategy == "none", "point"].iloc[0]) & (ts.week == 16)]
    diff = at[16].to_numpy() - none.sort_values("rep")["practising_share"].to_numpy()
    assert row.loc["end", "diff"] == pytest.approx(diff.mean())
    assert row.loc["end", "diff_method"] == "bootstrap"
    assert row.loc["end", "label"] == "Practising at week 16 (end of programme)"
    assert row.loc["retention", "unit"] == "ratio, week 26 ÷ week 16"
    block = out.split("end of programme (week 16), week 26 and retention")[1]
    for text in (
        "n = 3 replications",
        "Retention = mean at week 26 ÷ mean at week 16",
        "column − none (the baseline)",
        "paired bootstrap percentile (replications resampled)",
        "Practising at week 16 (end of programme) (share of clinical staff)",
        "Retention of practising (ratio, week 26 ÷ week 16)",
        "difference from none [95% CI]",
    ):
        assert text in block, text
    md = (root / "report.md").read_text()
    assert md.index("## End of programme (week 16)") < md.index("## Outcomes")


INTERVAL = re.compile(r"(?<![\d.])([+-]?\d\.\d{3}) \[([+-]?\d\.\d{3}), ([+-]?\d\.\d{3})\]")


def assert_differences_inside(
    printed: str, paired: pd.DataFrame, programme: pd.DataFrame, root
) -> None:
    """Every paired difference of shares printed, written or reported lies in [-1, 1]."""
    from medlead.experiments.analysis.report import write_report
    from medlead.model.labels import display, is_bounded

    bounded = [o for o in paired["outcome"].unique() if is_bounded(o)]
    shares = paired[paired["outcome"].isin(bounded)].dropna(subset=["ci_low"])
    assert len(shares) and set(shares["ci_method"]) == {"bootstrap"}
    assert shares["ci_low"].min() >= -1 and shares["ci_high"].max() <= 1
    assert (shares["ci_low"] <= shares["mean"]).all()
    assert (shares["mean"] <= shares["ci_high"]).all()
    prog = programme[programme["quantity"] != "retention"].dropna(subset=["ci_low"])
    assert prog["ci_low"].min() >= 0 and prog["ci_high"].max() <= 1
    diffs = prog.dropna(subset=["diff_low"])
    assert len(diffs) and diffs["diff_low"].min() >= -1 and diffs["diff_high"].max() <= 1

    def checked(lines: list[str], low: float) -> int:
        n = 0
        for line in lines:
            for mean, lo, hi in INTERVAL.findall(line):
                assert low <= float(lo) <= float(mean) <= float(hi) <= 1, (line, mean, lo, hi)
                n += 1
        return n

    block = printed.split("paired difference from")[1].split("end of programme")[0]
    names = tuple(display(o, 26) for o in bounded)
    assert checked([ln for ln in block.splitlines() if ln.startswith(names)], -1) >= len(shares)
    prog_text = printed.split("end of programme (week")[1]
    share_rows = [ln for ln in prog_text.splitlines() if "(share of" in ln]
    means, diff_rows = prog_text.split("difference from")
    assert checked([ln for ln in means.splitlines() if "(share of" in ln], 0) >= 12
    assert checked([ln for ln in diff_rows.splitlines() if "(share of" in ln], -1) >= 12
    assert len(share_rows) >= 12
    md = write_report(root).read_text()
    effects = md.split("## Paired effects")[1].split("\n## ")[0]
    rows = [r.strip("|").split("|") for r in effects.splitlines() if r.startswith("| ")]
    head = [h.strip() for h in rows[0]]
    j_lo, j_hi = head.index("ci_low"), head.index("ci_high")
    share_rows = [r for r in rows[2:] if r[head.index("outcome")].strip().startswith(names)]
    assert share_rows and all(-1 <= float(r[j_lo]) <= float(r[j_hi]) <= 1 for r in share_rows)
    assert "paired bootstrap percentile" in effects


def assert_share_intervals_inside(printed: str, table: pd.DataFrame, root) -> None:
    """Every share interval printed, in table.csv and in report.md lies within [0, 1]."""
    from medlead.experiments.analysis.report import write_report
    from medlead.model.labels import display, is_bounded  # labels at tiny.toml's 26 weeks

    interval = re.compile(r"(?<![+\-\d.])(\d\.\d{3}) \[(-?\d\.\d{3}), (-?\d\.\d{3})\]")

    def inside(cell: str) -> int:
        found = interval.findall(cell)
        for mean, lo, hi in found:
            assert 0 <= float(lo) <= float(mean) <= float(hi) <= 1, (cell, mean, lo, hi)
        return len(found)

    bounded = [o for o in table["outcome"].unique() if is_bounded(o)]
    shares = table[table["outcome"].isin(bounded)].dropna(subset=["ci_low"])
    assert len(shares) and shares["ci_low"].min() >= 0 and shares["ci_high"].max() <= 1
    means = printed.split("mean [95% CI]")[1].split("paired difference")[0]
    assert "CI: bootstrap percentile" in printed
    checked = sum(
        inside(line)
        for line in means.splitlines()
        if line.startswith(tuple(display(o, 26) for o in bounded))
    )
    md = write_report(root).read_text()
    rows = [
        r.strip("|").split("|")
        for r in md.split("## Outcomes")[1].split("\n## ")[0].splitlines()
        if r.startswith("|")
    ]
    head = [h.strip() for h in rows[0]]
    cols = [j for j, h in enumerate(head) if h in {display(o, 26) for o in bounded}]
    checked += sum(inside(row[j]) for row in rows[2:] for j in cols)
    assert checked >= 2 * len(shares)
    assert "-0.000" not in printed + md


def test_compare_adds_the_strategies_to_a_scenario_without_them(tmp_path):
    text = TINY.read_text().split("[factors]")[0].replace('name = "tiny"', 'name = "fixed"')
    (tmp_path / "fixed.toml").write_text(text + "\n[factors]\nresonance = [0.3]\n")
    proc = ok(
        medlead(
            "compare", "fixed.toml", "--replications", "2", "--workers", "1", "-q", cwd=tmp_path
        )
    )
    assert "4 points x 2 replications" in proc.stdout
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("fixed-")


def test_replace_stale_replaces_another_scenarios_folder_and_resumes_its_own(
    tmp_path, tiny_reference
):
    root = tmp_path / "s"
    other = tmp_path / "other.toml"
    other.write_text(TINY.read_text().replace("replications = 3", "replications = 1"))
    ok(medlead("sweep", str(other), "--out", str(root), "--workers", "1", "-q"))
    args = ["sweep", str(TINY), "--out", str(root), "--workers", "1", "-q"]
    proc = medlead(*args)
    assert proc.returncode == 2 and "--fresh to replace them" in proc.stderr
    ok(medlead(*args, "--replace-stale"))  # the --fresh path: remove, then run
    pd.testing.assert_frame_equal(runs_frame(root), tiny_reference)
    assert len(read_manifest(root)["sessions"]) == 1
    assert "nothing to run; 12 already stored" in ok(medlead(*args, "--replace-stale")).stderr
