"""Interleaved before/after timing of the model code at two git revisions.

    .venv/bin/python -m benchmarks.ab REV [--staff 10000] [--weeks 104] [--rounds 5]

On a shared machine a benchmark run now and one an hour ago are not comparable: load
moves wall times by 2-5x. This runs ``model/`` and ``agents/`` as of ``REV`` (extracted
with ``git archive`` into a temporary folder and imported in place of the working tree)
and the working tree, alternating A, B, A, B in fresh subprocesses, and reports the
median CPU time (``time.process_time``, less inflated by other processes than wall time)
and wall time of a full ``HospitalModel.run`` and of the core alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FINDER = r"""
import importlib.machinery, importlib.util, json, sys, time
src = sys.argv[1]
if src != "-":
    class Finder:
        # medlead.model / medlead.agents (and submodules) from the extracted revision.
        def find_spec(self, name, path=None, target=None):
            for pkg in ("model", "agents"):
                top = "medlead." + pkg
                if name == top:
                    return importlib.util.spec_from_file_location(
                        name, f"{src}/{pkg}/__init__.py",
                        submodule_search_locations=[f"{src}/{pkg}"])
                if name.startswith(top + "."):
                    file = f"{src}/{pkg}/" + name[len(top) + 1:].replace(".", "/") + ".py"
                    return importlib.util.spec_from_file_location(name, file)
            return None
    sys.meta_path.insert(0, Finder())
"""
"""Child-process prelude: with ``sys.argv[1]`` a folder (not ``-``), import
``medlead.model`` and ``medlead.agents`` from that extracted revision."""

CHILD = (
    FINDER
    + r"""
import numpy as np
from medlead.model import HospitalModel, Params, dynamics
staff, weeks = int(sys.argv[2]), int(sys.argv[3])
sizes = {610: (5, 6), 2000: (10, 10), 10000: (20, 25), 50000: (50, 50)}
nd, md = sizes[staff]
p = Params().replace(n_directorates=nd, microsystems_per_directorate=md, weeks=weeks)
HospitalModel(p, rng=1).run(5)  # warm-up
m = HospitalModel(p, rng=1)
c0, w0 = time.process_time(), time.perf_counter()
m.run()
full = (time.process_time() - c0, time.perf_counter() - w0)
m = HospitalModel(p, rng=1)
s, const, rng = m.state.copy(), m.constants, np.random.default_rng(3)
c0, w0 = time.process_time(), time.perf_counter()
for _ in range(weeks):
    dynamics.step(s, const, p, rng)
core = (time.process_time() - c0, time.perf_counter() - w0)
print(json.dumps({"full_cpu": full[0], "full_wall": full[1], "core_cpu": core[0],
                  "core_wall": core[1], "module": dynamics.__file__}))
"""
)


def extract(rev: str, folder: str) -> None:
    """Write ``model/`` and ``agents/`` as of git revision ``rev`` into ``folder``."""
    archive = subprocess.run(
        ["git", "archive", rev, "model", "agents"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Interleaved A/B timing of two revisions.")
    ap.add_argument("rev", help="the 'before' git revision (the working tree is 'after')")
    ap.add_argument("--staff", type=int, default=10_000)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        extract(args.rev, tmp)
        out: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            for label, src in (("before", tmp), ("after", "-")):
                r = subprocess.run(
                    [sys.executable, "-c", CHILD, src, str(args.staff), str(args.weeks)],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                out[label].append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(
        f"{args.staff} staff x {args.weeks} weeks, {args.rounds} interleaved rounds, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    summary = {}
    for key in ("full_cpu", "full_wall", "core_cpu", "core_wall"):
        b = statistics.median(r[key] for r in out["before"])
        a = statistics.median(r[key] for r in out["after"])
        summary[key] = {"before": b, "after": a, "speedup": b / a}
        print(f"{key:10s} before {b:7.3f} s  after {a:7.3f} s  speed-up {b / a:5.2f}x")
    assert out["before"][0]["module"] != out["after"][0]["module"], "revision not swapped in"
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
