"""Runs per second of the default Trust: single runs against batched (stacked) ones.

    .venv/bin/python -m benchmarks.replications [--before REV] [--rounds 3] [--runs 64]

Measures, side by side in one session, in fresh subprocesses taken in turn (A, B, C, A,
B, C, ...) so that load on a shared machine hits every variant alike:

* ``before``: ``HospitalModel(...).run()`` one replication at a time, with ``model/`` and
  ``agents/`` as of git revision ``REV`` (default ``2b6a510``, main before issue 15);
* ``single``: the same with the working tree;
* ``stacked R``: :func:`medlead.model.batch.run_replications` with ``R`` replications
  per call (one stacked system), for several ``R``;
* on 2 workers: two such processes at once (``before`` and ``stacked``), runs per second
  of wall time for the pair.

Every variant runs the same replications (``SeedSequence(7, spawn_key=(r,))``, 156
weeks, 4-6 PA persuasion defaults). Rates are per core: runs per CPU second of the
child (``time.process_time``; the wall rate is shown beside it). The first call of
each child is a warm-up (imports, the numba kernel's cache) and is not timed.
Writes ``benchmarks/results/replications.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from benchmarks.ab import FINDER, ROOT, extract

CHILD = (
    FINDER
    + r"""
import numpy as np
from medlead.model import HospitalModel, Params
mode, runs, stack = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = Params()
seeds = [np.random.SeedSequence(7, spawn_key=(r,)) for r in range(runs)]
if mode == "stacked":
    from medlead.model.batch import run_replications
    def go(ss):
        for i in range(0, len(ss), stack):
            run_replications(p, ss[i : i + stack])
else:
    def go(ss):
        for s in ss:
            HospitalModel(p, rng=s).run()
go(seeds[: max(2, min(stack, 8))])  # warm-up: imports, caches, the numba kernel
c0, w0 = time.process_time(), time.perf_counter()
go(seeds)
print(json.dumps({"cpu": time.process_time() - c0, "wall": time.perf_counter() - w0}))
"""
)

RESULTS = ROOT / "benchmarks" / "results" / "replications.md"


def _start(src: str, mode: str, runs: int, stack: int) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, src, mode, str(runs), str(stack)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen) -> dict[str, float]:
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"benchmark child failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def measure(before: str, rounds: int, runs: int, stacks: list[int]) -> dict[str, dict]:
    """Median runs per CPU second (and per wall second) of each variant."""
    samples: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        extract(before, tmp)
        variants = [("before", tmp, "single", 1), ("single", "-", "single", 1)] + [
            (f"stacked {r}", "-", "stacked", r) for r in stacks
        ]
        for _ in range(rounds):
            for label, src, mode, stack in variants:
                n = runs if mode == "stacked" else max(8, runs // 4)
                t = _finish(_start(src, mode, n, stack))
                samples.setdefault(label, []).append({"n": n, **t})
            for label, src, mode, stack in (
                ("2 workers: before", tmp, "single", 1),
                (f"2 workers: stacked {max(stacks)}", "-", "stacked", max(stacks)),
            ):
                n = runs if mode == "stacked" else max(8, runs // 4)
                procs = [_start(src, mode, n, stack) for _ in range(2)]
                ts = [_finish(p) for p in procs]
                wall = max(t["wall"] for t in ts)
                cpu = statistics.mean(t["cpu"] for t in ts)
                samples.setdefault(label, []).append({"n": 2 * n, "cpu": 2 * cpu, "wall": wall})
    return {
        label: {
            "runs_per_cpu_s": statistics.median(s["n"] / s["cpu"] for s in ss),
            "runs_per_wall_s": statistics.median(s["n"] / s["wall"] for s in ss),
            "rounds": len(ss),
        }
        for label, ss in samples.items()
    }


def markdown(res: dict[str, dict], before: str, rounds: int) -> str:
    """The results as a markdown table (rates relative to ``before``)."""
    base = res["before"]["runs_per_cpu_s"]
    base2 = res["2 workers: before"]["runs_per_wall_s"]
    lines = [
        f"Default Trust, 156 weeks; median of {rounds} interleaved rounds; "
        f"before = {before}; load {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| variant | runs / CPU s | runs / wall s | vs before |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, r in res.items():
        ref = base2 if label.startswith("2 workers") else base
        key = "runs_per_wall_s" if label.startswith("2 workers") else "runs_per_cpu_s"
        lines.append(
            f"| {label} | {r['runs_per_cpu_s']:.1f} | {r['runs_per_wall_s']:.1f} "
            f"| {r[key] / ref:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Runs per second, single against stacked.")
    ap.add_argument("--before", default="2b6a510", help="git revision of 'before'")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=64, help="replications per stacked child")
    ap.add_argument("--stacks", type=int, nargs="*", default=[8, 32, 64])
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    res = measure(args.before, args.rounds, args.runs, args.stacks)
    text = markdown(res, args.before, args.rounds)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
