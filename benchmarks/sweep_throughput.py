"""Sweep throughput (runs/s) of the headline on 1 and 2 local workers and a loopback cluster.

    .venv/bin/python -m benchmarks.sweep_throughput              # headline, 120 runs each
    .venv/bin/python -m benchmarks.sweep_throughput --replications 10

Each configuration sweeps the headline scenario into a fresh folder through the same
``medlead.experiments.engine.runner.sweep`` a user runs. "runs/s" counts from the first task's
submission to the last part written (workers already started and warmed); "wall" adds
starting and stopping the cluster. The loopback cluster is a ``dask scheduler`` and two
``dask worker --nthreads 1`` processes on 127.0.0.1. The load average is printed, since
others may share the machine.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loopback_cluster(n: int) -> tuple[str, list[subprocess.Popen]]:
    from distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,
        )
    ]
    procs += [
        subprocess.Popen(
            [dask, "worker", addr, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            **quiet,
        )
        for _ in range(n)
    ]
    for _ in range(600):
        try:
            with Client(addr, timeout="5s") as c:
                c.wait_for_workers(n, timeout=120)
            return addr, procs
        except (OSError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("loopback cluster did not start")


def _in_process(sc) -> tuple[float, float]:
    """Runs/s (wall, CPU) of the same runs in this process, in turn, without Dask or store."""
    from medlead.experiments.engine.runner import plan, run_batch

    tasks = [(p, r, sc.points[p].params, {}) for p, r in plan(sc, set())]
    t0, c0 = time.perf_counter(), time.process_time()
    run_batch(tasks, sc.seed, sc.spec.timeseries)
    n = len(tasks)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def main() -> None:
    """Measure and print a Markdown table (median and range over repeats)."""
    import statistics

    from medlead.experiments.engine.designs import strategy_scenario
    from medlead.experiments.engine.runner import sweep
    from medlead.experiments.engine.scenario import load_scenario
    from medlead.experiments.engine.store import runs_frame

    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sc = strategy_scenario(load_scenario("headline"), replications=args.replications)
    configs = (
        ("no Dask: one process, sequential (reference)", None),
        ("LocalCluster, 1 worker", {"workers": 1}),
        ("LocalCluster, 2 workers", {"workers": 2}),
        ("loopback `dask scheduler` + 2 `dask worker`", {"scheduler": "loopback"}),
    )
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in configs}
    for rep in range(args.repeats):
        for label, kw in configs:
            load = os.getloadavg()[0]
            if kw is None:
                rate, per_cpu = _in_process(sc)
                results[label].append((rate, float("nan"), load, per_cpu, rate / per_cpu))
                print(f"[{rep}] {label}: {rate:.2f} runs/s (load {load:.1f})", flush=True)
                continue
            kw = dict(kw)
            procs: list[subprocess.Popen] = []
            if kw.get("scheduler") == "loopback":
                kw["scheduler"], procs = _loopback_cluster(2)
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                res = sweep(sc, Path(tmp) / "s", progress=False, command=["benchmark"], **kw)
                wall = time.perf_counter() - t0
                runs = runs_frame(Path(tmp) / "s", timing=True)
            cpu = float(runs["cpu_seconds"].sum())
            got = cpu / float(runs["seconds"].sum())
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
            results[label].append((res.rate, wall, load, res.ran / cpu, got))
            print(
                f"[{rep}] {label}: {res.ran} runs in {res.seconds:.1f} s = {res.rate:.2f} runs/s "
                f"(wall {wall:.1f} s, load {load:.1f}; {res.ran / cpu:.2f} runs per worker "
                f"CPU-second, runs got {got:.0%} of a CPU)",
                flush=True,
            )
    print()
    print(
        f"{sc.n_runs} runs of the headline ({len(sc.points)} strategies x {sc.replications} "
        f"replications, {sc.points[0].params.expected_staff} staff, {sc.weeks} weeks); "
        f"{args.repeats} repeats, {os.cpu_count()} CPUs"
    )
    print()
    print(
        "| configuration | runs/s median | runs/s range | wall incl. start (s) | load avg "
        "| runs per worker CPU-second | share of a CPU a run got |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, vals in results.items():
        rates = [v[0] for v in vals]
        walls = [v[1] for v in vals]
        wall = "-" if all(w != w for w in walls) else f"{statistics.median(walls):.1f}"
        med = {k: statistics.median(v[k] for v in vals) for k in (2, 3, 4)}
        print(
            f"| {label} | {statistics.median(rates):.2f} | {min(rates):.2f}-{max(rates):.2f} "
            f"| {wall} | {med[2]:.1f} | {med[3]:.2f} | {med[4]:.0%} |"
        )


if __name__ == "__main__":
    main()
