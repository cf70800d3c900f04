"""Validation through the sweep engine: designs, seeds, outcomes, batching, resume.

The validation's runs are one :class:`~medlead.experiments.engine.design.Design` that the
sweep runner executes into a store. These tests hold the engine to what the validation
needs: its seeds (spawn-key prefixes), its outcomes (the state at the withdrawal week),
tables that do not depend on workers or batching, and a ``medlead validate`` that
resumes after ``kill -9`` to the same report.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medlead.experiments import validation as v
from medlead.experiments.engine.design import (
    PREFIXED_SEED_SCHEME,
    Design,
    DesignError,
    DesignPoint,
    run_seed,
)
from medlead.experiments.engine.runner import Run, batches, plan, run_batch, sweep
from medlead.experiments.engine.scenario import load_scenario
from medlead.experiments.engine.store import (
    StoreError,
    SweepStore,
    connect,
    read_manifest,
    runs_frame,
    timeseries_frame,
)
from medlead.experiments.validation.outcomes import OUTCOMES_REF
from medlead.model import HospitalModel, Params, World

DATA = Path(__file__).parent / "data"
TINY_TRUST = {"n_directorates": 2, "microsystems_per_directorate": 2, "nurses_per_microsystem": 4}


def tiny_params(**values) -> Params:
    return Params.from_mapping(
        {**TINY_TRUST, "weeks": 30, "withdrawal_week": 20, **values},
        base=Params.preset("professional"),
    )


def small_design(outcome: str | None = OUTCOMES_REF) -> Design:
    """Four points with their own replications, two of them with spawn-key prefixes."""
    spec = [
        ({"strategy": "none", "label": "a"}, tiny_params(strategy="none"), 3, ()),
        ({"strategy": "persuasion", "label": "b", "cell": 4}, tiny_params(), 5, ()),
        ({"strategy": "mandate", "cell": 0}, tiny_params(strategy="mandate"), 2, (7919, 0)),
        ({"strategy": "hybrid"}, tiny_params(strategy="hybrid"), 1, (7919, 1)),
    ]
    points = [
        DesignPoint(index=i, factors=f, params=p, replications=r, spawn_prefix=k)
        for i, (f, p, r, k) in enumerate(spec)
    ]
    return Design.build(
        name="small",
        kind="validation",
        seed=3,
        points=points,
        columns={"strategy": "string", "label": "string", "cell": "int64"},
        timeseries=("practising_share", "committed_share"),
        outcome=outcome,
        text="small = true\n",
    )


# ------------------------------------------------------------------ design and seeds
def test_quick_design_keeps_the_validation_seeds_and_blocks():
    design, lhs = v.validation_design(v.QUICK)
    assert design.n_runs == v.QUICK.n_runs and len(lhs) == v.QUICK.samples
    assert design.kind == "validation" and design.outcome == OUTCOMES_REF
    blocks = {}
    for p in design.points:
        blocks.setdefault(p.factors["block"], []).append(p)
    assert set(blocks) == {"defaults", "critical_mass", "phase", "lhs"}
    assert len(blocks["defaults"]) == len(v.CONDITIONS)
    for p in design.points:
        key = design.seed_of(p.index, 1).spawn_key
        if p.factors["block"] == "lhs":  # (LHS_KEY, j, r), independent of the other blocks
            assert key == (v.LHS_KEY, p.factors["lhs_point"], 1)
        else:  # (r,): common random numbers with every other condition
            assert key == (1,)
    assert design.seed_scheme == PREFIXED_SEED_SCHEME
    assert run_seed(5, 2, (7, 1)).spawn_key == (7, 1, 2)
    again, _ = v.validation_design(v.QUICK)
    assert again.hash == design.hash
    other, _ = v.validation_design(v.config_for(True, replications=5))
    assert other.hash != design.hash


def test_design_build_reports_every_problem():
    p = tiny_params()
    points = [DesignPoint(0, {"seconds": 1.0, "x": 1}, p), DesignPoint(2, {}, p)]
    with pytest.raises(DesignError) as err:
        Design.build(
            name="bad",
            kind="validation",
            seed=1,
            points=points,
            columns={"seconds": "double", "y": "decimal"},
            timeseries=("nope",),
            outcome="medlead.experiments.validation.outcomes:nothing",
        )
    text = "\n".join(err.value.problems)
    for expected in (
        "numbered 0, 1",
        "'seconds' is a name the runner writes",
        "type 'decimal'",
        "undeclared columns ['x']",
        "'nope' is not a weekly reporter",
        "cannot be imported",
    ):
        assert expected in text


def test_the_hash_covers_parameters_prefixes_and_replications():
    base = small_design()
    assert small_design().hash == base.hash
    pts = list(base.points)
    for change in (
        {"spawn_prefix": (7919, 9)},
        {"replications": 4},
        {"params": pts[2].params.replace(resonance=0.31)},
    ):
        changed = [*pts[:2], DesignPoint(**{**pts[2].__dict__, **change}), pts[3]]
        d = Design.build(
            name="small",
            kind="validation",
            seed=3,
            points=changed,
            columns=base.columns,
            timeseries=base.timeseries,
            outcome=OUTCOMES_REF,
        )
        assert d.hash != base.hash, change


# ------------------------------------------------------------------ planning
@settings(deadline=None, max_examples=60)
@given(
    reps=st.lists(st.integers(1, 9), min_size=1, max_size=6),
    block=st.integers(1, 7),
    size=st.integers(1, 9),
    skip_seed=st.integers(0, 2**16),
)
def test_plan_and_batches_cover_every_run_once_in_blocks(reps, block, size, skip_seed):
    p = tiny_params()
    design = Design.build(
        name="h",
        kind="test",
        seed=1,
        points=[DesignPoint(i, {}, p, replications=r) for i, r in enumerate(reps)],
        columns={},
    )
    every = {(i, r) for i, n in enumerate(reps) for r in range(n)}
    rng = np.random.default_rng(skip_seed)
    skip = {run for run in sorted(every) if rng.random() < 0.3}
    todo = plan(design, skip, block=block)
    assert len(todo) == len(set(todo)) and set(todo) == every - skip
    # Blocks: every run of an earlier block of replications comes first (early parts span
    # all points); within a block, each point's replications are consecutive.
    assert [r // block for _, r in todo] == sorted(r // block for _, r in todo)
    keys = [(r // block, point) for point, r in todo]
    assert keys == sorted(keys)
    tasks = list(batches(todo, size))
    assert [run for t in tasks for run in t] == todo
    assert all(1 <= len(t) <= size for t in tasks)
    if block == size:  # as the runner plans: a point's runs in a block are one task
        for t in tasks:
            points = [pt for pt, _ in t]
            assert len(set(points)) == len(
                [k for i, k in enumerate(points) if i == 0 or points[i - 1] != k]
            )
    assert plan(design, skip) == [
        (i, r) for r in range(max(reps)) for i, n in enumerate(reps) if r < n and (i, r) not in skip
    ]  # block 1: replication-major, as before


def _without_timing(rows):
    return [
        {k: x for k, x in r.items() if k not in ("seconds", "cpu_seconds", "finished")}
        for r in rows
    ]


@settings(deadline=None, max_examples=8)
@given(cuts=st.lists(st.integers(1, 10), max_size=4), shuffle=st.integers(0, 2**16))
def test_run_batch_rows_do_not_depend_on_the_batching(cuts, shuffle):
    design = small_design()
    runs = [
        Run(p.index, r, p.params, design.rows[p.index], p.spawn_prefix)
        for p in design.points
        for r in range(design.reps(p))
    ]
    whole = run_batch(runs, design.seed, design.timeseries, design.outcome)
    order = np.random.default_rng(shuffle).permutation(len(runs))
    shuffled = [runs[i] for i in order]
    bounds = sorted({0, len(runs), *(c for c in cuts if c < len(runs))})
    rows = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        rows += run_batch(shuffled[a:b], design.seed, design.timeseries, design.outcome)["rows"]
    key = {(r["point"], r["rep"]): r for r in _without_timing(rows)}
    for row in _without_timing(whole["rows"]):
        other = key[(row["point"], row["rep"])]
        assert other.keys() == row.keys()
        for k, x in row.items():
            assert x == other[k] or (
                isinstance(x, float) and math.isnan(x) and math.isnan(other[k])
            )


def test_run_batch_stacks_each_points_runs_in_one_call(monkeypatch):
    import medlead.experiments.engine.runner as runner

    real, calls = runner.run_replications, []

    def counting(params, seeds, snapshot_weeks=()):
        calls.append(([ss.spawn_key for ss in seeds], tuple(snapshot_weeks)))
        return real(params, seeds, snapshot_weeks)

    monkeypatch.setattr(runner, "run_replications", counting)
    design = small_design()
    runs = [
        Run(p, r, design.points[p].params, {}, design.points[p].spawn_prefix)
        for p, r in [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]
    ]
    out = run_batch(runs, design.seed, (), design.outcome)
    assert calls == [([(0,), (1,), (2,)], (20,)), ([(7919, 0, 0), (7919, 0, 1)], (20,))]
    assert [r["status"] for r in out["rows"]] == ["ok"] * 5
    assert all(math.isfinite(r["mean_c_w"]) for r in out["rows"])


# ------------------------------------------------------------------ outcomes
def simulate_alone(params: Params, spawn_key: tuple[int, ...], seed: int) -> dict[str, float]:
    """The validation's old per-run path (HospitalModel, before the move to the engine)."""
    model = HospitalModel(params, rng=np.random.SeedSequence(seed, spawn_key=spawn_key))
    w = min(params.withdrawal_week, params.weeks)
    model.run(w)
    clinical = model.organisation.world != int(World.MANAGER)
    champ_w = model.state.champion.copy()
    c_w = model.state.commitment.copy()
    summary = model.run()
    non_champ = clinical & ~champ_w & ~model.state.champion
    hist = model.timeseries().set_index("week")

    def at(col: str, week: int) -> float:
        return float(hist[col].iloc[min(week, len(hist) - 1)])

    gap = hist["engagement_gap"].iloc[1 : w + 1]
    return {
        "sustained": float(summary["sustained_practising_share"]),
        "practising_26": at("practising_share", 26),
        "compliant_26": at("compliant_share", 26),
        "practising_w": at("practising_share", w),
        "peak_compliant": float(summary["peak_compliant_share"]),
        "peak_practising": float(summary["peak_practising_share"]),
        "gap_programme": float(gap.mean()) if gap.notna().any() else math.nan,
        "weeks_to_half": (
            math.nan
            if summary["weeks_to_half_practising"] is None
            else float(summary["weeks_to_half_practising"])
        ),
        "noncham_c_w": float(c_w[non_champ].mean()) if non_champ.any() else math.nan,
        "noncham_c_end": (
            float(model.state.commitment[non_champ].mean()) if non_champ.any() else math.nan
        ),
        "noncham_share": float(non_champ.sum() / max(1, clinical.sum())),
        "mean_c_w": float(c_w[clinical].mean()),
        "mean_c_end": float(model.state.commitment[clinical].mean()),
        "champions_w": float(champ_w.sum()),
        "champions_end": float(model.state.champion.sum()),
        "flipped_end": float(hist["microsystems_flipped_share"].iloc[-1]),
        "committed_end": float(summary["committed_share"]),
    }


def test_engine_outcomes_equal_the_old_per_run_path():
    """One point of each block of the quick validation, stacked on the engine's path,
    against each run alone on the old path: the same numbers (to 1e-12)."""
    design, _ = v.validation_design(v.QUICK)
    chosen, seen = [], set()
    for p in design.points:
        if p.factors["block"] not in seen:
            seen.add(p.factors["block"])
            chosen.append(p)
    runs = [
        Run(p.index, r, p.params, design.rows[p.index], p.spawn_prefix)
        for p in chosen
        for r in range(min(2, design.reps(p)))
    ]
    out = run_batch(runs, design.seed, (), design.outcome)
    for run, row in zip(runs, out["rows"], strict=True):
        old = simulate_alone(run.params, (*run.prefix, run.rep), design.seed)
        for k, x in old.items():
            assert row[k] == pytest.approx(x, abs=1e-12, nan_ok=True), (run.point, run.rep, k)


# ------------------------------------------------------------------ through the store
def _tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return runs_frame(root), timeseries_frame(root)


@pytest.fixture(scope="module")
def small_reference(tmp_path_factory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    root = tmp_path_factory.mktemp("small") / "one-run-per-task"
    res = sweep(small_design(), root, workers=1, runs_per_task_=1, progress=False)
    assert res.ran == 11 and res.failed == 0
    return (root, *_tables(root))


def test_one_design_gives_the_same_tables_whatever_the_tasks_and_workers(tmp_path, small_reference):
    root1, runs1, ts1 = small_reference
    design = small_design()
    assert len(list((root1 / "runs").glob("*.parquet"))) == design.n_runs  # one run a task
    assert len(runs1) == design.n_runs and (runs1["status"] == "ok").all()
    assert len(ts1) == design.n_runs * 31
    for name, options in (
        ("batched", {"workers": 1}),
        ("two-workers", {"workers": 2, "runs_per_task_": 3}),
        ("two-workers-one-task-each", {"workers": 2, "runs_per_task_": 1}),
    ):
        root = tmp_path / name
        sweep(design, root, progress=False, **options)
        runs, ts = _tables(root)
        pd.testing.assert_frame_equal(runs, runs1, obj=name)
        pd.testing.assert_frame_equal(ts, ts1, obj=name)
    assert len(list((tmp_path / "batched" / "runs").glob("*.parquet"))) < design.n_runs
    # Replications of the points without a prefix share their hospitals.
    plain = runs1[runs1["point"] < 2]
    assert plain.groupby("rep")["org_seed"].nunique().eq(1).all()
    assert not set(runs1[runs1["point"] == 2]["org_seed"]) & set(plain["org_seed"])


def test_the_store_records_the_design_and_reads_without_parts(tmp_path, small_reference):
    root1, runs1, _ = small_reference
    m = read_manifest(root1)
    assert m["design"]["kind"] == "validation" and m["design"]["outcome"] == OUTCOMES_REF
    assert m["design"]["runs"] == 11 and m["seed"]["scheme"] == PREFIXED_SEED_SCHEME
    assert m["design"]["columns"]["runs"]["mean_c_w"] == "double"
    assert (root1 / "validation.toml").read_text() == "small = true\n"
    assert {"strategy", "label", "cell", "mean_c_w", "sustained"} <= set(runs1.columns)
    assert runs1.loc[runs1.point == 3, "cell"].isna().all()
    empty = tmp_path / "empty"
    SweepStore.open(empty, small_design(), command=[]).close()
    con = connect(empty)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    assert "mean_c_w" in con.execute("SELECT * FROM runs").df().columns
    with pytest.raises(StoreError, match="holds results of another validation design"):
        SweepStore.check(root1, small_design(outcome=None))
    with pytest.raises(StoreError, match="holds results of another scenario"):
        SweepStore.check(root1, load_scenario(DATA / "tiny.toml"))
    from medlead.experiments.analysis.compare import comparison

    with pytest.raises(StoreError, match="runs of a validation design, not of a scenario"):
        comparison(root1)  # medlead report / compare on a validation store: one line


def test_validation_runs_refuse_a_store_with_missing_or_failed_runs(tmp_path):
    cfg = v.config_for(True, replications=2, samples=0)
    design, _ = v.validation_design(cfg)
    root = tmp_path / "s"
    store = SweepStore.open(root, design, command=[])
    p = design.points[0]
    out = run_batch([Run(0, 0, p.params, design.rows[0])], design.seed, (), design.outcome)
    store.write_part(out["rows"], out["timeseries"])
    row = {**out["rows"][0], "rep": 1, "run_id": "p0000-r0001", "status": "failed"}
    store.write_part([{**row, "error": "ValueError: boom"}], {})
    store.close("interrupted")
    with pytest.raises(v.ValidationRunsError) as err:
        v.validation_runs(root, design)
    assert f"{design.n_runs - 1:,} of {design.n_runs:,} validation runs" in err.value.problems[0]
    assert "p0000-r0001: ValueError: boom" in err.value.problems[1]


# ------------------------------------------------------------------ resume
SMALL_VALIDATE = ["--quick", "--replications", "2", "--samples", "2"]


def report_body(path: Path) -> list[str]:
    """The report without what differs between sessions (command, date, timing)."""
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("- Command:", "- Root seed:"))
        and "made by the sweep engine" not in line
    ]


def test_validation_resumes_a_partly_stored_run_to_the_same_report(tmp_path):
    cfg = v.config_for(True, replications=2, samples=1)
    full = v.run_validation(cfg, tmp_path / "a" / "v.md", store=tmp_path / "sa", workers=1)
    assert full.sweep.ran == cfg.n_runs and full.sweep.skipped == 0
    # A session that stored a few parts and died (its lock released, status running).
    design, _ = v.validation_design(cfg)
    store = SweepStore.open(tmp_path / "sb", design, command=["killed"])
    first = plan(design, set(), block=2)[:7]
    for chunk in batches(first, 3):
        runs = [
            Run(p, r, design.points[p].params, design.rows[p], design.points[p].spawn_prefix)
            for p, r in chunk
        ]
        out = run_batch(runs, design.seed, (), design.outcome)
        store.write_part(out["rows"], out["timeseries"])
    store._lock.close()
    resumed = v.run_validation(cfg, tmp_path / "b" / "v.md", store=tmp_path / "sb", workers=1)
    assert (resumed.sweep.skipped, resumed.sweep.ran) == (7, cfg.n_runs - 7)
    pd.testing.assert_frame_equal(resumed.runs, full.runs)
    assert report_body(resumed.report) == report_body(full.report)
    assert "(7 were already stored)" in resumed.report.read_text()
    sessions = read_manifest(tmp_path / "sb")["sessions"]
    assert [s["status"] for s in sessions] == ["interrupted", "complete"]


def _medlead(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "medlead.experiments.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _parts_rows(root: Path) -> list[tuple[int, int]]:
    files = sorted((root / "runs").glob("*.parquet"))
    t = pq.ParquetDataset(files).read(columns=["point", "rep"]).to_pandas()
    return list(zip(t["point"], t["rep"], strict=True))


@pytest.mark.slow
def test_validate_killed_with_sigkill_resumes_to_the_same_report(tmp_path):
    """``medlead validate`` in a subprocess, killed with SIGKILL once some parts are
    stored, then rerun: no run lost or repeated, and the report of an uninterrupted run."""
    ref_store, ref_out = tmp_path / "ref-store", tmp_path / "ref" / "v.md"
    _medlead(
        "validate",
        *SMALL_VALIDATE,
        "--workers",
        "2",
        "-q",
        "--store",
        str(ref_store),
        "--out",
        str(ref_out),
    )
    store, out = tmp_path / "store", tmp_path / "killed" / "v.md"
    args = [
        *SMALL_VALIDATE,
        "--workers",
        "2",
        "--runs-per-task",
        "1",
        "-q",
        "--store",
        str(store),
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "medlead.experiments.cli", "validate", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        end = time.monotonic() + 300
        while len(list((store / "runs").glob("*.parquet"))) < 10:
            assert proc.poll() is None, f"validate ended early: {proc.stderr.read()}"
            assert time.monotonic() < end, "timed out waiting for parts"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(ProcessLookupError):  # and the local workers it leaves
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    total = v.config_for(True, replications=2, samples=2).n_runs
    done = len(set(_parts_rows(store)))
    assert 10 <= done < total, f"the kill came too late ({done} of {total} runs stored)"
    assert not out.exists()
    rerun = _medlead("validate", *args)
    assert f"{total - done} runs in" in rerun.stderr and f"{done} already stored" in rerun.stderr
    stored = _parts_rows(store)
    assert len(stored) == len(set(stored)) == total  # none lost, none stored twice
    assert report_body(out) == report_body(ref_out)
    pd.testing.assert_frame_equal(runs_frame(store), runs_frame(ref_store))
    statuses = [s["status"] for s in read_manifest(store)["sessions"]]
    assert statuses == ["interrupted", "complete"]
