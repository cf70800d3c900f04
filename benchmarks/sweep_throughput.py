"""Sweep throughput (runs/s) of the headline on 1 and 2 local workers and a loopback cluster.

    .venv/bin/python -m benchmarks.sweep_throughput              # headline, 120 runs each
    .venv/bin/python -m benchmarks.sweep_throughput --replications 10

Each configuration sweeps the headline scenario into a fresh folder through the same
``medlead.experiments.sweep.sweep`` a user runs. "runs/s" counts from the first task's
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


def main() -> None:
    """Measure and print a Markdown table."""
    from medlead.experiments.compare import strategy_scenario
    from medlead.experiments.scenario import load_scenario
    from medlead.experiments.sweep import sweep

    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=None)
    args = ap.parse_args()
    sc = strategy_scenario(load_scenario("headline"), replications=args.replications)
    rows = []
    for label, kw in (
        ("LocalCluster, 1 worker", {"workers": 1}),
        ("LocalCluster, 2 workers", {"workers": 2}),
        ("loopback dask scheduler + 2 dask workers", {"scheduler": "loopback"}),
    ):
        procs: list[subprocess.Popen] = []
        if kw.get("scheduler") == "loopback":
            kw["scheduler"], procs = _loopback_cluster(2)
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = sweep(sc, Path(tmp) / "s", progress=False, command=["benchmark"], **kw)
            wall = time.perf_counter() - t0
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        rows.append((label, res.ran, res.seconds, res.rate, wall, load))
        print(
            f"{label}: {res.ran} runs in {res.seconds:.1f} s = {res.rate:.2f} runs/s "
            f"(wall {wall:.1f} s, load {load:.1f})",
            flush=True,
        )
    print()
    print("| configuration | runs | seconds | runs/s | wall incl. start (s) | load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, n, s, r, w, load in rows:
        print(f"| {label} | {n} | {s:.1f} | {r:.2f} | {w:.1f} | {load:.1f} |")


if __name__ == "__main__":
    main()
