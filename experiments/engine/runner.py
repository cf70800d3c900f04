"""The sweep runner: every run of a design on Dask, streamed into the results store.

One code path for a laptop and a cluster: by default a Dask ``LocalCluster`` of ``N``
single-threaded worker processes on 127.0.0.1 (nothing to start by hand), or an existing
cluster given by its scheduler address (``dask scheduler`` / ``dask worker``). Each
worker uses one BLAS/OpenMP thread (the nanny's environment and ``threadpoolctl`` inside
the task), so N workers do not fight over N cores.

A design is a scenario's (``medlead sweep``) or any other
:class:`~medlead.experiments.engine.design.Design` (``medlead validate`` runs the
validation's). A Dask task holds consecutive replications of one point, so the worker
makes them in one :func:`~medlead.model.batch.run_replications` call (stacked into one
vectorised system); the work is planned in blocks of replications (for each block of
``B`` replications, for each point, one task of that point's replications in the block),
so the first parts stored span every point. Short points are packed several to a task.

Results never depend on the worker count, the batching or the order of completion:
replication ``r`` of a point is seeded with ``SeedSequence(seed, spawn_key=(*prefix,
r))`` (:func:`~medlead.experiments.engine.design.run_seed`; the prefix is empty for a
scenario, so every point of a replication shares its hospital: common random numbers),
whatever point, task or worker runs it, and a stacked run is identical to the same run
alone (so replications of a point with their own parameters, e.g. a posterior's draws,
are stacked only with those of equal parameters, and nothing else changes). Only this
client process writes the store, one part per finished task; a rerun
on the same folder skips stored runs.

Run as ``medlead sweep SCENARIO --out DIR``, or :func:`sweep` from Python.

Why one long module: planning, batching, submitting and collecting share the store and
the client, and the invariant above (results independent of workers, batching and
order) is easiest to check when they sit together.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import sys
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from medlead.experiments.engine.design import (
    Design,
    as_design,
    outcome_version,
    resolve_outcome,
    run_seed,
)
from medlead.experiments.engine.progress import progress_bar
from medlead.experiments.engine.scenario import Scenario, load_scenario
from medlead.experiments.engine.store import (
    StoreError,
    SweepStore,
    model_version,
    read_manifest,
    stored_runs,
)
from medlead.model import REPORTERS, SUMMARY_KEYS, ParamError, Params
from medlead.model.batch import RunResult, run_replications
from medlead.model.seeds import seed_streams

__all__ = [
    "Run",
    "SweepError",
    "SweepResult",
    "org_seed",
    "run_batch",
    "run_one",
    "sweep",
]

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
TARGET_TASK_SECONDS = 1.0
"""Aim for tasks of about this long: long enough to hide Dask's overhead (~ms per task)
and to give the stacked runs of a task a useful batch, short enough for a smooth
progress bar and little lost work when a worker dies."""
SECONDS_PER_AGENT_WEEK = 1.5e-6
"""Rough cost of one agent-week of a run alone, including recording (measured on the
default Trust)."""
STACKED_COST = 0.35
"""A run stacked with others costs about this fraction of the same run alone (measured:
42-67 ms against 175 ms per run of the default Trust, stacks of 4-16)."""
MAX_RUNS_PER_TASK = 64


class SweepError(ParamError):
    """A sweep cannot start or go on (exit code 2): e.g. no scheduler at the address."""


@dataclass(frozen=True)
class SweepResult:
    """What one sweep session did."""

    root: Path
    total: int
    skipped: int
    ran: int
    failed: int
    seconds: float
    workers: int
    cluster: str

    @property
    def rate(self) -> float:
        """Runs per second in this session (0 if nothing ran)."""
        return self.ran / self.seconds if self.seconds > 0 and self.ran else 0.0


class Run(NamedTuple):
    """One run as a task carries it to a worker."""

    point: int
    rep: int
    params: Params
    factors: dict[str, Any]
    """The values of the point's factor columns."""
    prefix: tuple[int, ...] = ()
    """The point's spawn-key prefix (:func:`~medlead.experiments.engine.design.run_seed`)."""


# ------------------------------------------------------------------------- runs
def org_seed(rep_seed: np.random.SeedSequence) -> int:
    """An integer naming the hospital of a replication (its organisation stream's state).

    Equal for every point of a replication (common random numbers); shown to people and
    stored as the ``org_seed`` column.
    """
    _, (org_ss, _dyn, _mesa) = seed_streams(rep_seed)
    return int(org_ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_one(
    params: Params, root_seed: int, rep: int, prefix: Sequence[int] = ()
) -> tuple[dict[str, Any], np.ndarray, int]:
    """Run replication ``rep`` alone: returns (summary, weekly history array, org_seed).

    The same path as a sweep's runs (:func:`~medlead.model.batch.run_replications`), so
    the same numbers.
    """
    ss = run_seed(root_seed, rep, prefix)
    (result,) = run_replications(params, [ss])
    return result.summary, result.history, org_seed(ss)


def _replications(
    params: Params, seeds: list[np.random.SeedSequence], snapshot_weeks: Sequence[int]
) -> list[RunResult | BaseException]:
    """The runs of one point, stacked; if the stack raises, each run alone, so that
    only the runs that raise fail (a stacked run equals the same run alone).
    """
    try:
        return list(run_replications(params, seeds, snapshot_weeks))
    except Exception:
        if len(seeds) == 1:
            raise
    out: list[RunResult | BaseException] = []
    for ss in seeds:
        try:
            out.extend(run_replications(params, [ss], snapshot_weeks))
        except Exception as exc:  # a failed run is recorded, not fatal
            out.append(exc)
    return out


def run_batch(
    tasks: Sequence[Run | tuple],
    root_seed: int,
    timeseries: Sequence[str],
    outcome: str | None = None,
) -> dict[str, Any]:
    """Run a batch of runs (:class:`Run`, or tuples of its fields) on a worker.

    The runs of the same point with the same parameters are made in one
    :func:`~medlead.model.batch.run_replications` call. A run that raises is recorded
    as failed with its error; the batch goes on. ``outcome`` names an
    :class:`~medlead.experiments.engine.design.Outcome` whose columns are added to each
    ok run's row. A run's ``seconds`` and ``cpu_seconds`` are its share of its point's
    stacked call. Returns the rows of the runs table, the weekly series (columns of
    arrays) and the worker's code versions, which the client checks against its own.
    """
    from threadpoolctl import threadpool_limits

    spec = resolve_outcome(outcome) if outcome else None
    rows: list[dict[str, Any]] = []
    cols = {name: REPORTERS.index(name) for name in timeseries}
    ts: dict[str, list[np.ndarray]] = {k: [] for k in ("point", "rep", "week", *timeseries)}
    runs = [Run(*t) for t in tasks]
    with threadpool_limits(limits=1):
        for group in _stacks(runs):
            params = group[0].params
            seeds = [run_seed(root_seed, run.rep, run.prefix) for run in group]
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                weeks = spec.snapshot_weeks(params) if spec else ()
                results = _replications(params, seeds, weeks)
            except Exception as exc:  # one run alone that raised, or the outcome's weeks
                results = [exc] * len(group)
            share = (time.perf_counter() - t0) / len(group), (time.process_time() - c0) / len(group)
            finished = _now()
            for run, ss, result in zip(group, seeds, results, strict=True):
                rows.append(_row(run, ss, result, spec, share, finished))
                if rows[-1]["status"] != "ok":
                    continue
                history = result.history
                n = history.shape[0]
                ts["point"].append(np.full(n, run.point, np.int32))
                ts["rep"].append(np.full(n, run.rep, np.int32))
                ts["week"].append(history[:, REPORTERS.index("week")].astype(np.int16))
                for name, j in cols.items():
                    ts[name].append(history[:, j].astype(np.float32))
    arrays = {k: np.concatenate(v) if v else np.array([]) for k, v in ts.items()}
    return {
        "model_version": model_version(),
        "outcome_version": outcome_version(outcome) if outcome else None,
        "rows": rows,
        "timeseries": arrays,
    }


def _stacks(runs: Sequence[Run]) -> list[list[Run]]:
    """The runs of a batch grouped by point and parameters (in order of first appearance):
    each group is one stacked call. Replications of a point with their own parameters
    (a posterior's draws) are stacked only with those of equal parameters.
    """
    groups: dict[tuple[int, Params], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.point, run.params), []).append(run)
    return list(groups.values())


def _row(
    run: Run,
    ss: np.random.SeedSequence,
    result: RunResult | BaseException,
    spec: Any,
    share: tuple[float, float],
    finished: str,
) -> dict[str, Any]:
    """The runs-table row of one run: keys, factors, status, summary, outcome columns."""
    row: dict[str, Any] = {
        "run_id": f"p{run.point:04d}-r{run.rep:04d}",
        "point": run.point,
        "rep": run.rep,
        "org_seed": org_seed(ss),
        **run.factors,
    }
    if not isinstance(result, BaseException) and spec is not None:
        try:
            extra = dict(spec.compute(result))
        except Exception as exc:  # an outcome that raises fails its run, not the batch
            result = exc
        else:
            row.update({k: extra.get(k) for k in spec.columns})
    if isinstance(result, BaseException):
        row.update(status="failed", error=_one_line(result))
    else:
        row.update(status="ok", error=None, **result.summary)
    row["seconds"], row["cpu_seconds"] = share  # cpu less than wall: CPU contention
    row["finished"] = finished
    return row


def _one_line(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last.replace("\n", " ")[:500]


def _now() -> str:
    from medlead.experiments.engine.runfolder import utc_now

    return utc_now()


# ------------------------------------------------------------------------- planning
def plan(
    design: Design | Scenario, skip: set[tuple[int, int]], block: int = 1
) -> list[tuple[int, int]]:
    """``(point, rep)`` still to run, in blocks of ``block`` replications.

    For each block of replications, for each point, that point's replications in the
    block (consecutive, so a task can stack them); so early parts span all points.
    ``block=1`` is replication-major order.
    """
    design = as_design(design)
    reps = [design.reps(p) for p in design.points]
    return [
        (p.index, rep)
        for start in range(0, design.max_replications, max(1, block))
        for p in design.points
        for rep in range(start, min(start + max(1, block), reps[p.index]))
        if (p.index, rep) not in skip
    ]


def runs_per_task(design: Design | Scenario, n_todo: int, workers: int) -> int:
    """Runs per task: about :data:`TARGET_TASK_SECONDS` of stacked work, yet >= 4 tasks
    per worker.
    """
    design = as_design(design)
    staff_weeks = np.mean([p.params.expected_staff * p.params.weeks for p in design.points])
    est = (staff_weeks * SECONDS_PER_AGENT_WEEK + 0.005) * STACKED_COST
    by_time = max(1, int(TARGET_TASK_SECONDS / est))
    by_balance = max(1, math.ceil(n_todo / (4 * max(1, workers))))
    return max(1, min(by_time, by_balance, MAX_RUNS_PER_TASK))


def batches(todo: list[tuple[int, int]], size: int) -> Iterator[list[tuple[int, int]]]:
    """Tasks of at most ``size`` runs: consecutive runs of one point stay together (up to
    ``size``), and points with fewer runs are packed several to a task.
    """
    task: list[tuple[int, int]] = []
    for _, runs in itertools.groupby(todo, key=lambda run: run[0]):
        runs = list(runs)
        for i in range(0, len(runs), size):
            piece = runs[i : i + size]
            if task and len(task) + len(piece) > size:
                yield task
                task = []
            task.extend(piece)
    if task:
        yield task


# ------------------------------------------------------------------------- cluster
def _start_client(workers: int | None, scheduler: str | None) -> tuple[Any, Any, str, int]:
    """A Dask client on a new loopback LocalCluster or an existing scheduler."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SweepError([f"cannot reach the Dask scheduler at {scheduler}: {exc}"]) from None
        try:
            client.wait_for_workers(1, timeout=30)
        except TimeoutError:
            client.close()
            raise SweepError([f"the Dask scheduler at {scheduler} has no workers"]) from None
        n = len(client.scheduler_info()["workers"])
        return client, None, f"scheduler {scheduler} ({n} workers)", n
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise SweepError([f"--workers {n}: needs at least one worker"])
    for k, v in SINGLE_THREAD_ENV.items():  # spawned workers inherit the environment
        os.environ.setdefault(k, v)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        # The scheduler's HTTP server starts anyway: keep it on a free loopback port.
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "dashboard": False},
        silence_logs=logging.ERROR,
        env=dict(SINGLE_THREAD_ENV),
    )
    client = Client(cluster)
    return client, cluster, f"LocalCluster on 127.0.0.1 ({n} workers)", n


def _worker_versions(outcome: str | None) -> tuple[str, str | None]:
    """Runs on each worker: its model version and outcome code version (importing the
    model and the outcome here also warms the worker up).
    """
    from medlead.experiments.engine.design import outcome_version as outcome_code
    from medlead.experiments.engine.store import model_version as version

    return version(), (outcome_code(outcome) if outcome else None)


def _check_workers(client, outcome: str | None) -> None:
    """Refuse workers that run other model or outcome code than this client (before any
    run).
    """
    mine = (model_version(), outcome_version(outcome) if outcome else None)
    theirs = client.run(_worker_versions, outcome)
    bad = sorted({v[0] for v in theirs.values() if v[0] != mine[0]})
    if bad:
        raise SweepError(
            [
                f"workers run model version {', '.join(bad)}, this client {mine[0]}: the "
                "workers must run the same medlead code"
            ]
        )
    if any(tuple(v)[1] != mine[1] for v in theirs.values()):
        raise SweepError(
            [f"workers run other code for the outcome {outcome}: they must run the same medlead"]
        )


# ------------------------------------------------------------------------- sweep
def sweep(
    scenario: Design | Scenario | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    runs_per_task_: int | None = None,
    retry_failed: bool = False,
    fresh: bool = False,
    replace_stale: bool = False,
    progress: bool = True,
    command: list[str] | None = None,
) -> SweepResult:
    """Run (or resume) every run of ``scenario`` into the sweep folder ``out``.

    Args:
        scenario: a design (e.g. the validation's), a validated scenario, a scenario
            file, or the name of a shipped one.
        out: the sweep folder (created; resumed when it holds this design's results).
        workers: local worker processes (default: one per CPU); ignored with ``scheduler``.
        scheduler: address of an existing Dask scheduler, e.g. ``tcp://127.0.0.1:8786``.
        runs_per_task_: runs per Dask task (default: chosen from the runs' expected cost).
        retry_failed: run again the runs recorded as failed.
        fresh: delete the results already in ``out`` (a sweep folder of any scenario or
            model version) and start again, instead of resuming or refusing.
        replace_stale: resume a folder of this scenario and model version, but replace
            one of another scenario or model version instead of refusing it.
        progress: show the progress bar (on stderr).
        command: the command line to record (default: ``sys.argv``).

    Raises:
        ScenarioError, DesignError, StoreError, SweepError: a problem to show in one
            line per item, raised before anything is written where it can be checked up
            front.
    """
    if workers is not None and scheduler is not None:
        raise SweepError(["give --workers or --scheduler, not both"])
    if workers is not None and workers < 1:
        raise SweepError([f"--workers {workers}: needs at least one worker"])
    if runs_per_task_ is not None and runs_per_task_ < 1:
        raise SweepError([f"--runs-per-task {runs_per_task_}: needs at least one"])
    if not isinstance(scenario, Design | Scenario):
        scenario = load_scenario(scenario)
    design = as_design(scenario)
    out = Path(out)
    if replace_stale and not fresh:
        try:
            SweepStore.check(out, design)
        except StoreError:
            read_manifest(out)  # a sweep folder of another scenario or model: replace it
            fresh = True
    if fresh:
        if out.exists() and any(p.name != ".lock" for p in out.iterdir()):
            read_manifest(out)  # only ever delete a sweep folder
    else:
        SweepStore.check(out, design)  # refuse before starting a cluster
    command = command if command is not None else ["medlead", *sys.argv[1:]]
    # Read-only first: nothing is written until the cluster is up and there is work.
    todo = plan(design, set() if fresh else stored_runs(out, include_failed=not retry_failed))
    client = cluster = store = None
    n_workers, where = 0, ""
    status = "failed"
    try:
        if todo:
            client, cluster, where, n_workers = _start_client(workers, scheduler)
            _check_workers(client, design.outcome)
        if fresh:
            SweepStore.remove(out)  # only now that the cluster is up
        store = SweepStore.open(out, design, command=command, cluster=where)
        done = store.stored(include_failed=not retry_failed)  # under the lock
        size = runs_per_task_ or runs_per_task(design, design.n_runs - len(done), n_workers)
        todo = plan(design, done, block=size)
        skipped = design.n_runs - len(todo)
        ran = failed = 0
        t_start = time.perf_counter()
        if todo:
            label = "sweep" if design.kind == "scenario" else design.kind
            bar, task = progress_bar(design.n_runs, skipped, progress, label)
            with bar:
                futures = _submit(client, design, todo, size)
                ran, failed = _collect(futures, store, bar, task)
        status = "complete"
        return SweepResult(
            root=out,
            total=design.n_runs,
            skipped=skipped,
            ran=ran,
            failed=failed,
            seconds=time.perf_counter() - t_start,
            workers=n_workers,
            cluster=where,
        )
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        if store is not None:
            store.close(status)
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _submit(client, design: Design, todo: list[tuple[int, int]], size: int) -> dict:
    futures = {}
    # Unique per session, so concurrent sweeps on one cluster never share a task.
    key_base = f"medlead-{design.hash[:8]}-{uuid.uuid4().hex[:8]}"
    for chunk in batches(todo, size):
        tasks = [
            Run(
                p,
                r,
                design.params_of(p, r),
                design.rows[p],
                tuple(design.points[p].spawn_prefix),
            )
            for p, r in chunk
        ]
        fut = client.submit(
            run_batch,
            tasks,
            design.seed,
            list(design.timeseries),
            design.outcome,
            key=f"{key_base}-p{chunk[0][0]}r{chunk[0][1]}-{len(chunk)}",
            pure=False,
            retries=1,
        )
        futures[fut.key] = (fut, tasks)  # tasks: to record a whole batch's failure
    return futures


def _collect(futures: dict, store: SweepStore, bar, task) -> tuple[int, int]:
    from distributed import as_completed

    design = store.design
    versions = {
        "model_version": model_version(),
        "outcome_version": outcome_version(design.outcome) if design.outcome else None,
    }
    ran = failed = 0
    pending = dict(futures)
    for fut in as_completed([f for f, _ in futures.values()]):
        _, tasks = pending.pop(fut.key)
        try:
            payload = fut.result()
        except Exception as exc:  # e.g. KilledWorker: the batch kept killing workers
            error = f"task failed: {_one_line(exc)}"
            rows = [
                {
                    "run_id": f"p{run.point:04d}-r{run.rep:04d}",
                    "point": run.point,
                    "rep": run.rep,
                    "org_seed": org_seed(run_seed(design.seed, run.rep, run.prefix)),
                    **run.factors,
                    "status": "failed",
                    "error": error,
                    "finished": _now(),
                }
                for run in tasks
            ]
            payload = {**versions, "rows": rows, "timeseries": {}}
        fut.release()
        for key, mine in versions.items():
            if payload.get(key) != mine:
                for f, _ in pending.values():
                    f.cancel()
                what = "model version" if key == "model_version" else "outcome code version"
                raise SweepError(
                    [
                        f"a worker runs {what} {payload.get(key)}, this client {mine}: the "
                        "workers must run the same medlead code (was the code edited while "
                        "the sweep started?)"
                    ]
                )
        for row in payload["rows"]:
            for k in SUMMARY_KEYS:
                row.setdefault(k, None)
        store.write_part(payload["rows"], payload["timeseries"])
        n = len(payload["rows"])
        ran += n
        failed += sum(r["status"] != "ok" for r in payload["rows"])
        bar.update(task, advance=n)
    return ran, failed
