"""The sweep store: manifest, atomic parts, resume bookkeeping, refusals, DuckDB views."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlead.experiments.engine.runner import run_batch
from medlead.experiments.engine.scenario import load_scenario, parse_scenario
from medlead.experiments.engine.store import (
    StoreError,
    SweepStore,
    connect,
    model_version,
    read_manifest,
    runs_frame,
    stored_runs,
    timeseries_frame,
)
from medlead.model import SUMMARY_KEYS

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny():
    return load_scenario(DATA / "tiny.toml")


def batch(sc, runs):
    tasks = [
        (p, r, sc.points[p].params, {"strategy": sc.points[p].params.strategy}) for p, r in runs
    ]
    return run_batch(tasks, sc.seed, sc.spec.timeseries)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_manifest_records_provenance(tmp_path, tiny):
    store = SweepStore.open(tmp_path / "s", tiny, command=["medlead", "sweep", "x"], cluster="c")
    store.close()
    m = read_manifest(tmp_path / "s")
    assert m["scenario"]["hash"] == tiny.hash and m["scenario"]["text"] == tiny.text
    assert m["seed"] == {"root_seed": 7, "scheme": m["seed"]["scheme"]}
    assert "spawn_key=(rep,)" in m["seed"]["scheme"]
    assert m["model_version"] == model_version()
    for pkg in ("numpy", "mesa", "dask", "distributed", "pyarrow", "duckdb", "python"):
        assert m["packages"][pkg]
    assert "git_commit" in m
    (session,) = m["sessions"]
    assert session["command"] == ["medlead", "sweep", "x"] and session["cluster"] == "c"
    assert session["started"] <= session["ended"] and session["status"] == "complete"
    assert m["runs"] == {"total": 12, "ok": 0, "failed": 0} and m["status"] == "incomplete"
    assert (tmp_path / "s" / "scenario.toml").read_text() == tiny.text


def test_parts_resume_bookkeeping_and_views(tmp_path, tiny):
    root = tmp_path / "s"
    store = SweepStore.open(root, tiny, command=[])
    out = batch(tiny, [(0, 0), (1, 0), (2, 0)])
    store.write_part(out["rows"], out["timeseries"])
    store.close("interrupted")
    assert stored_runs(root) == {(0, 0), (1, 0), (2, 0)}
    df = runs_frame(root)
    assert list(df["run_id"]) == ["p0000-r0000", "p0001-r0000", "p0002-r0000"]
    assert set(SUMMARY_KEYS) <= set(df.columns) and "seconds" not in df.columns
    assert df["org_seed"].nunique() == 1  # common random numbers: one hospital per rep
    ts = timeseries_frame(root)
    assert len(ts) == 3 * (tiny.weeks + 1)
    assert ts["week"].max() == tiny.weeks
    store = SweepStore.open(root, tiny, command=[])
    assert len(store.manifest["sessions"]) == 2 and store.session == 2
    out = batch(tiny, [(3, 0)])
    store.write_part(out["rows"], out["timeseries"])
    store.close()
    assert len(runs_frame(root)) == 4
    assert sorted(p.name for p in (root / "runs").glob("*")) == [
        "part-001-00001.parquet",
        "part-002-00001.parquet",
    ]


def test_open_removes_half_written_parts(tmp_path, tiny):
    root = tmp_path / "s"
    store = SweepStore.open(root, tiny, command=[])
    out = batch(tiny, [(0, 0)])
    store.write_part(out["rows"], out["timeseries"])
    store.close()
    # What a kill can leave: a temporary file, and a timeseries part without its runs part.
    (root / "runs" / "part-009-00001.parquet.tmp").write_bytes(b"half")
    good = root / "timeseries" / "part-001-00001.parquet"
    (root / "timeseries" / "part-009-00002.parquet").write_bytes(good.read_bytes())
    assert len(timeseries_frame(root)) == tiny.weeks + 1  # the orphan's rows are not counted
    SweepStore.open(root, tiny, command=[]).close()
    assert sorted(p.name for p in (root / "timeseries").iterdir()) == [good.name]
    assert not list((root / "runs").glob("*.tmp"))


def test_failed_runs_are_recorded_and_a_retry_wins(tmp_path, tiny):
    root = tmp_path / "s"
    store = SweepStore.open(root, tiny, command=[])
    row = {"run_id": "p0000-r0001", "point": 0, "rep": 1, "org_seed": 5, "strategy": "none"}
    store.write_part([{**row, "status": "failed", "error": "ValueError: boom"}], {})
    store.close()
    assert stored_runs(root) == {(0, 1)}
    assert stored_runs(root, include_failed=False) == set()
    df = runs_frame(root)
    assert df.loc[0, "status"] == "failed" and df.loc[0, "error"] == "ValueError: boom"
    assert read_manifest(root)["runs"]["failed"] == 1
    store = SweepStore.open(root, tiny, command=[])
    out = batch(tiny, [(0, 1)])
    store.write_part(out["rows"], out["timeseries"])
    store.close()
    df = runs_frame(root)
    assert len(df) == 1 and df.loc[0, "status"] == "ok"
    assert read_manifest(root)["runs"] == {"total": 12, "ok": 1, "failed": 0}


def test_refuses_other_scenario_other_model_and_foreign_folders(tmp_path, tiny):
    root = tmp_path / "s"
    store = SweepStore.open(root, tiny, command=[])
    out = batch(tiny, [(0, 0)])
    store.write_part(out["rows"], out["timeseries"])
    store.close()
    before = snapshot(root)
    other = parse_scenario(tiny.text.replace("replications = 3", "replications = 4"), name="tiny")
    with pytest.raises(StoreError, match="holds results of another scenario"):
        SweepStore.open(root, other, command=[])
    with pytest.raises(StoreError, match="holds results of another scenario"):
        SweepStore.open(root, load_scenario("headline"), command=[])
    assert snapshot(root) == before
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["model_version"] = "0.0.1+000000000000"
    (root / "manifest.json").write_text(json.dumps(manifest))
    before = snapshot(root)
    with pytest.raises(StoreError, match="model version 0.0.1"):
        SweepStore.open(root, tiny, command=[])
    assert snapshot(root) == before
    foreign = tmp_path / "f"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not a sweep folder"):
        SweepStore.open(foreign, tiny, command=[])
    assert snapshot(foreign) == {"notes.txt": b"mine"}
    with pytest.raises(StoreError, match="is a file"):
        SweepStore.open(foreign / "notes.txt", tiny, command=[])


def test_one_writer_at_a_time(tmp_path, tiny):
    store = SweepStore.open(tmp_path / "s", tiny, command=[])
    with pytest.raises(StoreError, match="another sweep is writing"):
        SweepStore.open(tmp_path / "s", tiny, command=[])
    store.close()
    SweepStore.open(tmp_path / "s", tiny, command=[]).close()


def test_duckdb_views(tmp_path, tiny):
    root = tmp_path / "s"
    store = SweepStore.open(root, tiny, command=[])
    assert connect(root).execute("SELECT count(*) FROM runs").fetchone() == (0,)
    out = batch(tiny, [(p, r) for p in range(4) for r in range(2)])
    store.write_part(out["rows"], out["timeseries"])
    store.close()
    con = connect(root)
    rows = con.execute(
        "SELECT strategy, count(*) FROM ok_runs GROUP BY strategy ORDER BY strategy"
    ).fetchall()
    assert rows == [("hybrid", 2), ("mandate", 2), ("none", 2), ("persuasion", 2)]
    last = con.execute(
        "SELECT t.practising_share, r.practising_share FROM timeseries t JOIN runs r "
        "USING (point, rep) WHERE t.week = 26"
    ).fetchall()
    assert len(last) == 8
    assert np.allclose([a for a, _ in last], [b for _, b in last], atol=1e-6)


def test_a_run_that_raises_is_recorded_as_failed_and_the_batch_goes_on(monkeypatch, tiny):
    import medlead.experiments.engine.runner as sweep_module

    real = sweep_module.run_replications
    calls = []

    def flaky(params, seeds, snapshot_weeks=()):
        calls.append([ss.spawn_key for ss in seeds])
        if any(ss.spawn_key == (1,) for ss in seeds):
            raise FloatingPointError("overflow in week 3\nsecond line")
        return real(params, seeds, snapshot_weeks)

    monkeypatch.setattr(sweep_module, "run_replications", flaky)
    out = batch(tiny, [(0, 0), (0, 1), (0, 2)])
    # One stacked call for the point's three runs; it raised, so each run alone.
    assert calls == [[(0,), (1,), (2,)], [(0,)], [(1,)], [(2,)]]
    status = [(r["rep"], r["status"], r["error"]) for r in out["rows"]]
    assert status == [
        (0, "ok", None),
        (1, "failed", "FloatingPointError: overflow in week 3 second line"),
        (2, "ok", None),
    ]
    assert out["rows"][1]["org_seed"] != out["rows"][0]["org_seed"]  # rep 1's own hospital
    assert len(out["timeseries"]["point"]) == 2 * (tiny.weeks + 1)


def test_remove_only_deletes_sweep_folders_nobody_writes_to(tmp_path, tiny):
    root = tmp_path / "s"
    store = SweepStore.open(root, tiny, command=[])
    out = batch(tiny, [(0, 0)])
    store.write_part(out["rows"], out["timeseries"])
    with pytest.raises(StoreError, match="another sweep is writing"):
        SweepStore.remove(root)
    store.close()
    SweepStore.remove(root)
    assert [p.name for p in root.iterdir()] == [".lock"]
    assert SweepStore.check(root, load_scenario("headline")) is None  # empty again
    foreign = tmp_path / "f"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not a sweep folder"):
        SweepStore.remove(foreign)
    assert (foreign / "notes.txt").read_text() == "mine"
