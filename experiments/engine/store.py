"""The results store of a sweep: atomically written Parquet parts, a manifest, DuckDB views.

A sweep folder holds::

    manifest.json           scenario text and hash, root seed and scheme, model version,
                            package versions, git commit, one entry per session (command
                            line, start, end, runs written), run counts, the design's
                            kind, outcome and column types, and its other inputs (e.g.
                            the posterior its parameters were drawn from)
    scenario.toml           a copy of the scenario file (<kind>.toml for another design)
    runs/part-SSS-NNNNN.parquet        one row per run: keys, factors, status, error,
                                       summary keys, outcome columns (the run's *commit
                                       record*)
    timeseries/part-SSS-NNNNN.parquet  weekly series of the same runs (float32)

Only the sweep's client process writes, never the workers, so a remote cluster needs no
shared filesystem. Each part is written to ``*.parquet.tmp`` and renamed into place
(``os.replace`` is atomic), so a killed sweep leaves whole parts or none. A part's
timeseries file is written *before* its runs file; a run counts as stored once its runs
part exists, and a timeseries part without its runs part (a kill in between) is deleted
when the folder is next opened. Resume therefore never loses or duplicates a run.

The store holds any :class:`~medlead.experiments.engine.design.Design`: a scenario's (a
*sweep folder*) or another's, e.g. the validation's. A folder is refused when it was made
by a different design (content hash: a scenario's as before, another design's over its
points and outcome code) or a different model version (the medlead version plus a hash
of the model's source), or when another sweep holds its lock. All checks happen before
anything is written.

Why one long module: the folder's layout, its manifest, its lock and its read API are
one format, written and read by the same rules (a reader that disagrees with the writer
on what counts as stored would lose or repeat runs).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from medlead.experiments.engine.design import Design, as_design
from medlead.experiments.engine.runfolder import (
    environment_info,
    git_commit,
    package_version,
    utc_now,
)
from medlead.experiments.engine.scenario import Scenario
from medlead.model import SUMMARY_KEYS, ParamError

__all__ = [
    "FORMAT",
    "KEY_COLUMNS",
    "StoreError",
    "SweepStore",
    "connect",
    "describe_inputs",
    "model_version",
    "read_manifest",
    "result_columns",
    "runs_frame",
    "runs_schema",
    "stored_runs",
    "timeseries_frame",
]

FORMAT = "medlead-sweep/1"
KEY_COLUMNS: tuple[str, ...] = ("run_id", "point", "rep", "org_seed")
STATUS_COLUMNS: tuple[str, ...] = ("status", "error")
TIMING_COLUMNS: tuple[str, ...] = ("seconds", "cpu_seconds", "finished")
"""Columns that vary between otherwise identical sweeps; left out of exported tables."""


class StoreError(ParamError):
    """A sweep folder cannot be used (exit code 2); one short line per problem."""


@functools.cache
def model_version() -> str:
    """The medlead version plus a hash of the model's source (``model/`` and ``agents/``).

    The package version alone does not change with every edit of a mechanism, so results
    from different code would otherwise be mixed in one folder on resume. Computed once,
    when this module is imported (just after the model itself), so it names the code this
    process runs even if the files change later.
    """
    from importlib.util import find_spec

    digest = hashlib.sha256()
    for pkg in ("medlead.model", "medlead.agents"):  # found, not imported: agents load Mesa
        spec = find_spec(pkg)
        assert spec is not None and spec.origin is not None
        root = Path(spec.origin).parent
        for path in sorted(root.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return f"{package_version()}+{digest.hexdigest()[:12]}"


model_version()  # fix it at import time: the code this process has loaded


def _packages() -> dict[str, str]:
    from importlib import metadata

    info = environment_info()
    info["medlead"] = package_version()
    for dist in ("dask", "distributed", "duckdb", "pydantic"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = "not installed"
    return info


def _fields(columns: dict[str, str]) -> list[pa.Field]:
    return [pa.field(name, pa.type_for_alias(kind)) for name, kind in columns.items()]


def runs_schema(design: Design | Scenario) -> pa.Schema:
    """Schema of the runs parts: keys, factors, status, summary keys, outcomes, timing."""
    return pa.schema(_fields(_runs_columns(as_design(design))))


def _runs_columns(design: Design) -> dict[str, str]:
    return {
        "run_id": "string",
        "point": "int32",
        "rep": "int32",
        "org_seed": "int64",
        **design.columns,
        "status": "string",
        "error": "string",
        **{k: "double" for k in SUMMARY_KEYS},
        **{k: "double" for k in design.outcome_columns},
        "seconds": "double",
        "cpu_seconds": "double",
        "finished": "string",
    }


def timeseries_schema(design: Design | Scenario) -> pa.Schema:
    """Schema of the timeseries parts: run keys, week and the chosen weekly reporters."""
    return pa.schema(_fields(_timeseries_columns(as_design(design))))


def _timeseries_columns(design: Design) -> dict[str, str]:
    return {
        "point": "int32",
        "rep": "int32",
        "week": "int16",
        **{c: "float" for c in design.timeseries},
    }


def result_columns(scenario_or_factors: Design | Scenario | list[str]) -> list[str]:
    """Columns of the exported runs table (everything but timing)."""
    if isinstance(scenario_or_factors, Design | Scenario):
        design = as_design(scenario_or_factors)
        factors, outcomes = design.factor_names, list(design.outcome_columns)
    else:
        factors, outcomes = list(scenario_or_factors), []
    return [*KEY_COLUMNS, *factors, *STATUS_COLUMNS, *SUMMARY_KEYS, *outcomes]


def read_manifest(root: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder.

    Raises:
        StoreError: the folder is missing or holds no readable manifest.
    """
    root = Path(root)
    path = root / "manifest.json"
    if not root.is_dir():
        raise StoreError([f"{root} is not a folder"])
    if not path.is_file():
        raise StoreError([f"{root} is not a sweep folder (no manifest.json)"])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError([f"{path} cannot be read: {exc}"]) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StoreError([f"{path} is not a medlead sweep manifest"])
    return manifest


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a report's text to ``path`` through a temporary file (never half-written)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_csv_atomic(path: Path, df: Any) -> Path:
    """Write a DataFrame as CSV to ``path`` through a temporary file (10 significant digits)."""
    tmp = path.with_name(path.name + ".tmp")
    df.to_csv(tmp, index=False, float_format="%.10g")
    tmp.replace(path)
    return path


def _write_json(path: Path, data: Any) -> None:
    _write_atomic(path, (json.dumps(data, indent=2, sort_keys=False) + "\n").encode())


def _write_table(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class SweepStore:
    """An open sweep folder: the lock, the manifest and the writer of parts.

    Use :meth:`open`; it validates the folder before writing anything.
    """

    root: Path
    design: Design
    manifest: dict[str, Any]
    session: int
    _lock: Any = None
    _seq: int = 0
    written: int = 0
    failed: int = 0
    _schema: pa.Schema | None = field(default=None, repr=False)
    _ts_schema: pa.Schema | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ opening
    @staticmethod
    def remove(root: str | Path) -> None:
        """Delete a sweep folder's results (``--fresh``); only a sweep folder, and not while
        another sweep writes to it. A missing or empty folder is left as it is.

        Raises:
            StoreError: ``root`` is not a sweep folder, or another sweep holds its lock.
        """
        import shutil

        root = Path(root)
        if _is_empty(root):
            return
        read_manifest(root)  # refuses anything that is not a sweep folder
        with open(root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise StoreError([f"another sweep is writing to {root}"]) from None
            (root / "manifest.json").unlink()  # first: a half-removed folder is not resumed
            for child in root.iterdir():
                if child.name == ".lock":
                    continue
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()

    @classmethod
    def check(cls, root: str | Path, design: Design | Scenario) -> dict[str, Any] | None:
        """Check that ``root`` can hold ``design``'s results; return its manifest if any.

        Raises:
            StoreError: a file, a non-empty folder that is not a sweep folder, or a
                sweep folder of another design (scenario) or model version.
        """
        design = as_design(design)
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise StoreError([f"--out {root} is a file, not a folder"])
        if _is_empty(root):
            return None
        manifest = read_manifest(root)
        old = manifest.get("scenario", {})
        if old.get("hash") != design.hash:
            what = "scenario" if design.kind == "scenario" else f"{design.kind} design"
            theirs, mine = manifest.get("inputs", {}), design.inputs
            if old.get("name") == design.name and _input_digests(theirs) != _input_digests(mine):
                names = [*theirs, *mine]
                raise StoreError(
                    [
                        f"{root} holds results of {what} {design.name!r} made with "
                        f"{describe_inputs(theirs, names)}; this one with "
                        f"{describe_inputs(mine, names)}: choose another --out, or --fresh "
                        "to replace them"
                    ]
                )
            raise StoreError(
                [
                    f"{root} holds results of another {what} ({old.get('name')!r}, hash "
                    f"{str(old.get('hash'))[:12]}; this one {design.name!r}, hash "
                    f"{design.hash[:12]}): choose another --out, or --fresh to replace them"
                ]
            )
        if manifest.get("model_version") != model_version():
            raise StoreError(
                [
                    f"{root} was made by model version {manifest.get('model_version')}, not "
                    f"{model_version()}: choose another --out, or --fresh to replace them"
                ]
            )
        return manifest

    @classmethod
    def open(
        cls, root: str | Path, design: Design | Scenario, *, command: list[str], cluster: str = ""
    ) -> SweepStore:
        """Open (create or resume) a sweep folder for ``design`` and start a session."""
        design = as_design(design)
        root = Path(root)
        manifest = cls.check(root, design)
        try:
            root.mkdir(parents=True, exist_ok=True)
            lock = open(root / ".lock", "w")  # noqa: SIM115 - held for the whole sweep
        except OSError as exc:
            raise StoreError([f"cannot write to {root}: {exc.strerror or exc}"]) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise StoreError([f"another sweep is writing to {root}"]) from None
        (root / "runs").mkdir(exist_ok=True)
        (root / "timeseries").mkdir(exist_ok=True)
        _clean(root)
        now = utc_now()
        if manifest is None:
            commit, dirty = git_commit()
            manifest = {
                "format": FORMAT,
                "scenario": {
                    "name": design.name,
                    "hash": design.hash,
                    "source": design.source,
                    "text": design.text,
                },
                "seed": {"root_seed": design.seed, "scheme": design.seed_scheme},
                "model_version": model_version(),
                "design": {
                    "kind": design.kind,
                    "factors": design.factor_names,
                    "points": len(design.points),
                    "replications": design.max_replications,
                    "runs": design.n_runs,
                    "outcome": design.outcome,
                    "columns": {
                        "runs": _runs_columns(design),
                        "timeseries": _timeseries_columns(design),
                    },
                },
                **({"inputs": design.inputs} if design.inputs else {}),
                "packages": _packages(),
                "git_commit": commit,
                "git_dirty": dirty,
                "created": now,
                "sessions": [],
            }
            _write_atomic(root / f"{design.kind}.toml", design.text.encode())
        for s in manifest["sessions"]:
            if s.get("status") == "running":
                s["status"] = "interrupted"
        manifest["sessions"].append(
            {
                "command": command,
                "cluster": cluster,
                "started": now,
                "ended": None,
                "status": "running",
                "runs_written": 0,
            }
        )
        store = cls(
            root=root,
            design=design,
            manifest=manifest,
            session=len(manifest["sessions"]),
            _lock=lock,
            _schema=runs_schema(design),
            _ts_schema=timeseries_schema(design),
        )
        store._update_counts()
        _write_json(root / "manifest.json", manifest)
        return store

    # ------------------------------------------------------------------ state
    def stored(self, *, include_failed: bool = True) -> set[tuple[int, int]]:
        """``(point, rep)`` of the runs already stored (ok, and failed unless excluded)."""
        return stored_runs(self.root, include_failed=include_failed)

    def set_cluster(self, cluster: str) -> None:
        """Record the cluster this session runs on."""
        self.manifest["sessions"][-1]["cluster"] = cluster
        _write_json(self.root / "manifest.json", self.manifest)

    # ------------------------------------------------------------------ writing
    def write_part(self, rows: list[dict[str, Any]], timeseries: dict[str, np.ndarray]) -> None:
        """Write one part: the timeseries file first, then the runs file (the commit)."""
        if not rows:
            return
        self._seq += 1
        name = f"part-{self.session:03d}-{self._seq:05d}.parquet"
        if timeseries and len(timeseries.get("point", ())):
            ts = pa.table(
                {f.name: pa.array(timeseries[f.name], f.type) for f in self._ts_schema},
                schema=self._ts_schema,
            )
            _write_table(self.root / "timeseries" / name, ts)
        cols = {f.name: [r.get(f.name) for r in rows] for f in self._schema}
        table = pa.table(cols, schema=self._schema)
        _write_table(self.root / "runs" / name, table)
        self.written += len(rows)
        self.failed += sum(r["status"] != "ok" for r in rows)

    def close(self, status: str = "complete") -> dict[str, Any]:
        """End the session: record its end, status and counts, and release the lock."""
        session = self.manifest["sessions"][-1]
        session.update(ended=utc_now(), status=status, runs_written=self.written)
        self._update_counts()
        _write_json(self.root / "manifest.json", self.manifest)
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        return self.manifest

    def _update_counts(self) -> None:
        files = sorted((self.root / "runs").glob("*.parquet"))
        ok = failed = 0
        if files:
            t = pq.ParquetDataset(files).read(columns=["point", "rep", "status"]).to_pandas()
            t = t.sort_values("status", key=lambda s: s != "ok").drop_duplicates(["point", "rep"])
            ok = int((t["status"] == "ok").sum())
            failed = int(len(t) - ok)
        total = self.design.n_runs
        self.manifest["runs"] = {"total": total, "ok": ok, "failed": failed}
        self.manifest["status"] = "complete" if ok + failed >= total else "incomplete"


def describe_inputs(inputs: dict[str, Any], names: Iterable[str] | None = None) -> str:
    """A design's other inputs in a few words, e.g. ``posterior runs/p.parquet (sha256
    1a2b3c4d5e6f)``; each of ``names`` it lacks as ``no NAME``.
    """
    words = []
    for name in dict.fromkeys([*(names or ()), *inputs]):
        info = inputs.get(name)
        if info is None:
            words.append(f"no {name}")
            continue
        info = info if isinstance(info, dict) else {}
        digest = str(info.get("sha256") or "")[:12]
        path = info.get("path")
        words.append(" ".join(x for x in (name, path, f"(sha256 {digest})" if digest else "") if x))
    return ", ".join(words) or "no other inputs"


def _input_digests(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("sha256") if isinstance(v, dict) else v for k, v in inputs.items()}


def stored_runs(root: str | Path, *, include_failed: bool = True) -> set[tuple[int, int]]:
    """``(point, rep)`` of the runs stored in ``root`` (read-only; empty if none)."""
    files = sorted((Path(root) / "runs").glob("*.parquet"))
    if not files:
        return set()
    t = pq.ParquetDataset(files).read(columns=["point", "rep", "status"]).to_pandas()
    if not include_failed:
        t = t[t["status"] == "ok"]
    return set(zip(t["point"].tolist(), t["rep"].tolist(), strict=True))


def _is_empty(root: Path) -> bool:
    """A missing folder, or one holding nothing but a sweep's lock file."""
    return not root.exists() or (root.is_dir() and all(p.name == ".lock" for p in root.iterdir()))


def _clean(root: Path) -> None:
    """Remove temporary files and timeseries parts whose runs part was never written."""
    for sub in ("runs", "timeseries"):
        for tmp in (root / sub).glob("*.tmp"):
            tmp.unlink(missing_ok=True)
    committed = {p.name for p in (root / "runs").glob("*.parquet")}
    for orphan in (root / "timeseries").glob("*.parquet"):
        if orphan.name not in committed:
            orphan.unlink(missing_ok=True)
    for tmp in root.glob("*.tmp"):
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------- queries
def connect(root: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with views over a sweep folder.

    Views: ``runs`` (one row per run; a retried run's ok row wins over its failed one),
    ``ok_runs`` (status ok) and ``timeseries`` (weekly rows of stored runs).
    """
    root = Path(root)
    runs_empty, ts_empty = _empty_schemas(read_manifest(root))
    con = duckdb.connect()
    runs_glob = str(root / "runs" / "*.parquet")
    ts_glob = str(root / "timeseries" / "*.parquet")
    if any((root / "runs").glob("*.parquet")):
        con.execute(
            "CREATE VIEW runs_all AS SELECT * FROM "
            f"read_parquet('{runs_glob}', filename=true, union_by_name=true)"
        )
    else:
        con.register("_empty_runs", runs_empty.empty_table())
        con.execute("CREATE VIEW runs_all AS SELECT *, '' AS filename FROM _empty_runs")
    con.execute(
        "CREATE VIEW runs AS SELECT * EXCLUDE (filename) FROM runs_all QUALIFY row_number() "
        "OVER (PARTITION BY point, rep ORDER BY (status = 'ok') DESC, filename DESC) = 1"
    )
    con.execute("CREATE VIEW ok_runs AS SELECT * FROM runs WHERE status = 'ok'")
    if any((root / "timeseries").glob("*.parquet")):
        # Only parts whose runs part exists (a kill between the two leaves an orphan).
        con.execute(
            f"CREATE VIEW timeseries AS SELECT t.* EXCLUDE (filename) FROM read_parquet("
            f"'{ts_glob}', filename=true) t WHERE parse_filename(t.filename) IN "
            "(SELECT parse_filename(filename) FROM runs_all)"
        )
    else:
        con.register("_empty_ts", ts_empty.empty_table())
        con.execute("CREATE VIEW timeseries AS SELECT * FROM _empty_ts")
    return con


def _empty_schemas(manifest: dict[str, Any]) -> tuple[pa.Schema, pa.Schema]:
    """The schemas of a folder's parts, as its manifest records them.

    Folders written before the manifest recorded its columns hold a scenario: their
    schemas come from the scenario's text.
    """
    columns = manifest.get("design", {}).get("columns")
    if columns is not None:
        return pa.schema(_fields(columns["runs"])), pa.schema(_fields(columns["timeseries"]))
    from medlead.experiments.engine.scenario import parse_scenario

    scenario = parse_scenario(manifest["scenario"]["text"], name=manifest["scenario"]["name"])
    return runs_schema(scenario), timeseries_schema(scenario)


def runs_frame(root: str | Path, *, timing: bool = False) -> pd.DataFrame:
    """The runs table, sorted by point and replication (timing columns only if asked)."""
    con = connect(root)
    df = con.execute("SELECT * FROM runs ORDER BY point, rep").df()
    if not timing:
        df = df.drop(columns=[c for c in TIMING_COLUMNS if c in df.columns])
    return df.reset_index(drop=True)


def timeseries_frame(root: str | Path) -> pd.DataFrame:
    """Weekly series of the stored ok runs, sorted by point, replication and week."""
    con = connect(root)
    return con.execute("SELECT * FROM timeseries ORDER BY point, rep, week").df()
