"""The sweep runner: every run of a scenario on Dask, streamed into the results store.

One code path for a laptop and a cluster: by default a Dask ``LocalCluster`` of ``N``
single-threaded worker processes on 127.0.0.1 (nothing to start by hand), or an existing
cluster given by its scheduler address (``dask scheduler`` / ``dask worker``). Runs are
batched several to a task when they are short, since Dask's per-task overhead would
otherwise dominate. Each worker uses one BLAS/OpenMP thread (the nanny's environment and
``threadpoolctl`` inside the task), so N workers do not fight over N cores.

Results never depend on the worker count, the batching or the order of completion:
replication ``r`` is seeded with ``SeedSequence(seed, spawn_key=(r,))`` whatever point
or worker runs it (common random numbers across points). Only this client process writes
the store, one part per finished task; a rerun on the same folder skips stored runs.

Run as ``medlead sweep SCENARIO --out DIR``, or :func:`sweep` from Python.

Why one long module: planning, batching, submitting and collecting share the store and
the client, and the invariant above (results independent of workers, batching and
order) is easiest to check when they sit together.
"""

from __future__ import annotations

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
from typing import Any

import numpy as np

from medlead.experiments.engine.progress import progress_bar
from medlead.experiments.engine.scenario import (
    PSEUDO_FACTORS,
    Scenario,
    load_scenario,
)
from medlead.experiments.engine.store import (
    StoreError,
    SweepStore,
    model_version,
    read_manifest,
    stored_runs,
)
from medlead.model import REPORTERS, SUMMARY_KEYS, HospitalModel, ParamError, Params
from medlead.model.seeds import seed_streams

__all__ = [
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
TARGET_TASK_SECONDS = 0.5
"""Aim for tasks of about this long: long enough to hide Dask's overhead (~ms per task),
short enough for a smooth progress bar and little lost work when a worker dies."""
SECONDS_PER_AGENT_WEEK = 1.5e-6
"""Rough cost of one agent-week including recording (measured on the default Trust)."""


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


# ------------------------------------------------------------------------- one run
def org_seed(rep_seed: np.random.SeedSequence) -> int:
    """An integer naming the hospital of a replication (its organisation stream's state).

    Equal for every point of a replication (common random numbers); shown to people and
    stored as the ``org_seed`` column.
    """
    _, (org_ss, _dyn, _mesa) = seed_streams(rep_seed)
    return int(org_ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_one(params: Params, root_seed: int, rep: int) -> tuple[dict[str, Any], np.ndarray, int]:
    """Run replication ``rep``: returns (summary, weekly history array, org_seed)."""
    ss = np.random.SeedSequence(root_seed, spawn_key=(rep,))
    model = HospitalModel(params, rng=ss)
    summary = model.run()
    return summary, model.history, org_seed(ss)


def run_batch(
    tasks: Sequence[tuple[int, int, Params, dict[str, Any]]],
    root_seed: int,
    timeseries: Sequence[str],
) -> dict[str, Any]:
    """Run a batch of ``(point, rep, params, factor values)`` on a worker.

    A run that raises is recorded as failed with its error; the batch goes on. Returns
    the rows of the runs table, the weekly series (columns of arrays) and the worker's
    model version, which the client checks against its own.
    """
    from threadpoolctl import threadpool_limits

    rows: list[dict[str, Any]] = []
    cols = {name: REPORTERS.index(name) for name in timeseries}
    ts: dict[str, list[np.ndarray]] = {k: [] for k in ("point", "rep", "week", *timeseries)}
    with threadpool_limits(limits=1):
        for point, rep, params, factors in tasks:
            t0, c0 = time.perf_counter(), time.process_time()
            row: dict[str, Any] = {
                "run_id": f"p{point:04d}-r{rep:04d}",
                "point": point,
                "rep": rep,
                **factors,
            }
            try:
                summary, history, oseed = run_one(params, root_seed, rep)
            except Exception as exc:  # a failed run is recorded, not fatal
                row.update(
                    org_seed=org_seed(np.random.SeedSequence(root_seed, spawn_key=(rep,))),
                    status="failed",
                    error=_one_line(exc),
                )
            else:
                row.update(org_seed=oseed, status="ok", error=None, **summary)
                n = history.shape[0]
                ts["point"].append(np.full(n, point, np.int32))
                ts["rep"].append(np.full(n, rep, np.int32))
                ts["week"].append(history[:, REPORTERS.index("week")].astype(np.int16))
                for name, j in cols.items():
                    ts[name].append(history[:, j].astype(np.float32))
            row["seconds"] = time.perf_counter() - t0
            row["cpu_seconds"] = time.process_time() - c0  # less than seconds: CPU contention
            row["finished"] = _now()
            rows.append(row)
    arrays = {k: np.concatenate(v) if v else np.array([]) for k, v in ts.items()}
    return {"model_version": model_version(), "rows": rows, "timeseries": arrays}


def _one_line(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last.replace("\n", " ")[:500]


def _now() -> str:
    from medlead.experiments.engine.runfolder import utc_now

    return utc_now()


# ------------------------------------------------------------------------- planning
def plan(scenario: Scenario, skip: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(point, rep)`` still to run, replication-major so early parts span all points."""
    return [
        (p.index, rep)
        for rep in range(scenario.replications)
        for p in scenario.points
        if (p.index, rep) not in skip
    ]


def runs_per_task(scenario: Scenario, n_todo: int, workers: int) -> int:
    """Runs per task: about :data:`TARGET_TASK_SECONDS` of work, yet >= 4 tasks per worker."""
    p = scenario.points[0].params
    est = p.expected_staff * p.weeks * SECONDS_PER_AGENT_WEEK + 0.005
    by_time = max(1, int(TARGET_TASK_SECONDS / est))
    by_balance = max(1, math.ceil(n_todo / (4 * max(1, workers))))
    return max(1, min(by_time, by_balance, 64))


def batches(todo: list[tuple[int, int]], size: int) -> Iterator[list[tuple[int, int]]]:
    """Consecutive chunks of ``size`` runs."""
    for i in range(0, len(todo), size):
        yield todo[i : i + size]


def _factor_values(scenario: Scenario, point: int) -> dict[str, Any]:
    pt = scenario.points[point]
    return {
        f: (pt.factors[f] if f in PSEUDO_FACTORS else getattr(pt.params, f))
        for f in scenario.factor_names
    }


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


def _worker_model_version() -> str:
    """Runs on each worker: importing the model here also warms the worker up."""
    from medlead.experiments.engine.store import model_version as version

    return version()


def _check_workers(client) -> None:
    """Refuse workers that run other model code than this client (before any run)."""
    mine = model_version()
    theirs = client.run(_worker_model_version)
    bad = sorted({v for v in theirs.values() if v != mine})
    if bad:
        raise SweepError(
            [
                f"workers run model version {', '.join(bad)}, this client {mine}: the workers "
                "must run the same medlead code"
            ]
        )


# ------------------------------------------------------------------------- sweep
def sweep(
    scenario: Scenario | str | Path,
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
        scenario: a validated scenario, a scenario file, or the name of a shipped one.
        out: the sweep folder (created; resumed when it holds this scenario's results).
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
        ScenarioError, StoreError, SweepError: a problem to show in one line per item,
            raised before anything is written where it can be checked up front.
    """
    if workers is not None and scheduler is not None:
        raise SweepError(["give --workers or --scheduler, not both"])
    if workers is not None and workers < 1:
        raise SweepError([f"--workers {workers}: needs at least one worker"])
    if runs_per_task_ is not None and runs_per_task_ < 1:
        raise SweepError([f"--runs-per-task {runs_per_task_}: needs at least one"])
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    out = Path(out)
    if replace_stale and not fresh:
        try:
            SweepStore.check(out, scenario)
        except StoreError:
            read_manifest(out)  # a sweep folder of another scenario or model: replace it
            fresh = True
    if fresh:
        if out.exists() and any(p.name != ".lock" for p in out.iterdir()):
            read_manifest(out)  # only ever delete a sweep folder
    else:
        SweepStore.check(out, scenario)  # refuse before starting a cluster
    command = command if command is not None else ["medlead", *sys.argv[1:]]
    # Read-only first: nothing is written until the cluster is up and there is work.
    todo = plan(scenario, set() if fresh else stored_runs(out, include_failed=not retry_failed))
    client = cluster = store = None
    n_workers, where = 0, ""
    status = "failed"
    try:
        if todo:
            client, cluster, where, n_workers = _start_client(workers, scheduler)
            _check_workers(client)
        if fresh:
            SweepStore.remove(out)  # only now that the cluster is up
        store = SweepStore.open(out, scenario, command=command, cluster=where)
        todo = plan(scenario, store.stored(include_failed=not retry_failed))  # under the lock
        skipped = scenario.n_runs - len(todo)
        ran = failed = 0
        t_start = time.perf_counter()
        if todo:
            size = runs_per_task_ or runs_per_task(scenario, len(todo), n_workers)
            bar, task = progress_bar(scenario.n_runs, skipped, progress)
            with bar:
                futures = _submit(client, scenario, todo, size)
                ran, failed = _collect(futures, store, bar, task)
        status = "complete"
        return SweepResult(
            root=out,
            total=scenario.n_runs,
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


def _submit(client, scenario: Scenario, todo: list[tuple[int, int]], size: int) -> dict:
    futures = {}
    # Unique per session, so concurrent sweeps on one cluster never share a task.
    key_base = f"medlead-{scenario.hash[:8]}-{uuid.uuid4().hex[:8]}"
    timeseries = list(scenario.spec.timeseries)
    for chunk in batches(todo, size):
        tasks = [(p, r, scenario.points[p].params, _factor_values(scenario, p)) for p, r in chunk]
        fut = client.submit(
            run_batch,
            tasks,
            scenario.seed,
            timeseries,
            key=f"{key_base}-p{chunk[0][0]}r{chunk[0][1]}-{len(chunk)}",
            pure=False,
            retries=1,
        )
        futures[fut.key] = (fut, tasks)  # tasks: to record a whole batch's failure
    return futures


def _collect(futures: dict, store: SweepStore, bar, task) -> tuple[int, int]:
    from distributed import as_completed

    version = model_version()
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
                    "run_id": f"p{p:04d}-r{r:04d}",
                    "point": p,
                    "rep": r,
                    "org_seed": org_seed(
                        np.random.SeedSequence(store.scenario.seed, spawn_key=(r,))
                    ),
                    **factors,
                    "status": "failed",
                    "error": error,
                    "finished": _now(),
                }
                for p, r, _params, factors in tasks
            ]
            payload = {"model_version": version, "rows": rows, "timeseries": {}}
        fut.release()
        if payload["model_version"] != version:
            for f, _ in pending.values():
                f.cancel()
            raise SweepError(
                [
                    f"a worker runs model version {payload['model_version']}, this client "
                    f"{version}: the workers must run the same medlead code (was the model "
                    "edited while the sweep started?)"
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
