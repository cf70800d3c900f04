"""Benchmark the core: one command, a Markdown + JSON table in ``benchmarks/results/``.

    .venv/bin/python -m benchmarks.run            # full table (about 5 minutes)
    .venv/bin/python -m benchmarks.run --quick    # smaller, for a smoke check (~1 minute)

Each organisation size is measured in its own subprocess, so its peak resident memory
(``ru_maxrss``) belongs to that size alone. Per size: organisation build, model
construction (organisation + Mesa agents), a full ``HospitalModel.run`` of 520 weeks
(every mechanism plus the weekly reporters and Mesa's DataCollector), the vectorised
core alone (``dynamics.step`` in a loop), the FLOOR (the same sparse products over the
same networks and weeks, see :func:`benchmarks.common.floor_run`) and peak memory (RSS
of the process, and the peak of traced allocations with ``tracemalloc``). Then the
per-agent oracle against the vectorised core on the same organisation, and the
headline experiment's throughput (4 strategies x 30 replications of the default Trust,
156 weeks, on 2 worker processes). Timings are medians of repeats with min-max spread;
the load average is recorded, since others may share the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also runnable as ``python benchmarks/run.py``
    sys.path.insert(0, str(ROOT))
REPEATS = {610: 9, 2_000: 7, 10_000: 5, 50_000: 3}


# ----------------------------------------------------------------------------- per size
def measure_size(staff: int, weeks: int, repeats: int, seed: int = 1) -> dict[str, Any]:
    """Everything measured for one organisation size (run in a fresh process)."""
    from benchmarks.common import floor_run, maxrss_mb, size_params, spread, timed
    from medlead.model import HospitalModel, build_organisation, dynamics, seed_streams
    from medlead.model.state import derive_constants, initial_state

    params = size_params(staff, weeks)
    rss_start = maxrss_mb()
    load = [os.getloadavg()[0]]

    # Warm-up run (first-touch costs) that also sets the process's peak memory.
    model = HospitalModel(params, rng=seed)
    model.run()
    rss_peak = maxrss_mb()
    n, nnz = model.organisation.n, model.constants.ties.nnz
    del model
    gc.collect()

    _, (org_ss, _, _) = seed_streams(seed)
    org_build, init, run, run_cpu = [], [], [], []
    for _ in range(repeats):
        t, _, org = timed(lambda: build_organisation(params, np.random.default_rng(org_ss)))
        org_build.append(t)
        del org
        t, _, model = timed(lambda: HospitalModel(params, rng=seed))
        init.append(t)
        t, cpu, _ = timed(model.run)
        run.append(t)
        run_cpu.append(cpu)
        del model
    load.append(os.getloadavg()[0])

    model = HospitalModel(params, rng=seed)
    const, s0 = model.constants, model.state.copy()
    core, core_cpu, floor, floor_cpu = [], [], [], []
    for _ in range(repeats):
        s = s0.copy()
        rng = np.random.default_rng(1234)

        def weeks_of_core(s=s, rng=rng) -> None:
            for _ in range(weeks):
                dynamics.step(s, const, params, rng)

        t, cpu, _ = timed(weeks_of_core)
        core.append(t)
        core_cpu.append(cpu)
        t, cpu = floor_run(const, weeks, s0.commitment)
        floor.append(t)
        floor_cpu.append(cpu)
    load.append(os.getloadavg()[0])
    del model
    gc.collect()

    tracemalloc.start()
    model = HospitalModel(params, rng=seed)
    model.run()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del model

    # Constants alone, for the memory story.
    org = build_organisation(params, np.random.default_rng(org_ss))
    const = derive_constants(org, params)
    initial_state(org, params)
    return {
        "staff": n,
        "target_staff": staff,
        "edges": nnz,
        "weeks": weeks,
        "org_build_s": spread(org_build),
        "model_init_s": spread(init),
        "run_s": spread(run),
        "core_s": spread(core),
        "floor_s": spread(floor),
        "run_cpu_s": spread(run_cpu),
        "core_cpu_s": spread(core_cpu),
        "floor_cpu_s": spread(floor_cpu),
        "ns_per_agent_week": 1e9 * spread(run)["median"] / (n * weeks),
        "core_ns_per_agent_week": 1e9 * spread(core)["median"] / (n * weeks),
        "floor_ns_per_agent_week": 1e9 * spread(floor)["median"] / (n * weeks),
        "cpu_ns_per_agent_week": 1e9 * spread(run_cpu)["median"] / (n * weeks),
        "run_over_floor": spread(run)["median"] / spread(floor)["median"],
        "core_over_floor": spread(core)["median"] / spread(floor)["median"],
        "run_over_floor_cpu": spread(run_cpu)["median"] / spread(floor_cpu)["median"],
        "core_over_floor_cpu": spread(core_cpu)["median"] / spread(floor_cpu)["median"],
        "rss_start_mb": rss_start,
        "rss_peak_mb": rss_peak,
        "traced_peak_mb": traced_peak,
        "loadavg_1min": load,
    }


# ------------------------------------------------------------------------------- oracle
def measure_oracle(staff: int, budget_s: float, seed: int = 1) -> dict[str, Any]:
    """Weeks per second of the per-agent oracle vs the vectorised core, same organisation.

    Both start from the same state after a 26-week burn-in (engagements running, some
    practice), so the oracle is timed on a representative week, not an idle first one.
    """
    from benchmarks.common import size_params
    from medlead.model import HospitalModel, dynamics

    try:
        from medlead.model import reference
    except ImportError:
        return {"staff": staff, "oracle": "medlead.model.reference is not available"}
    params = size_params(staff, 520)
    model = HospitalModel(params, rng=seed)
    model.run(26)
    const, s0 = model.constants, model.state.copy()

    def rate(step) -> tuple[float, float, int]:
        s = s0.copy()
        rng = np.random.default_rng(99)
        weeks, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            step(s, const, params, rng)
            weeks += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= budget_s or weeks >= 520:
                return weeks / elapsed, weeks / (time.process_time() - c0), weeks

    t0 = time.perf_counter()
    world = reference.prepare(model.organisation, params)
    prepare_s = time.perf_counter() - t0
    oracle_wps, oracle_cpu_wps, oracle_weeks = rate(
        lambda s, _c, p, r: reference.reference_step(s, world, p, r)
    )
    core_wps, core_cpu_wps, core_weeks = rate(dynamics.step)
    t0 = time.perf_counter()
    model.run(100)
    full_wps = 100 / (time.perf_counter() - t0)
    return {
        "staff": model.organisation.n,
        "target_staff": staff,
        "oracle_weeks_per_s": oracle_wps,
        "oracle_weeks_timed": oracle_weeks,
        "oracle_prepare_s": prepare_s,
        "core_weeks_per_s": core_wps,
        "core_weeks_timed": core_weeks,
        "full_model_weeks_per_s": full_wps,
        "core_over_oracle": core_wps / oracle_wps,
        "oracle_cpu_weeks_per_s": oracle_cpu_wps,
        "core_cpu_weeks_per_s": core_cpu_wps,
        "core_over_oracle_cpu": core_cpu_wps / oracle_cpu_wps,
        "full_over_oracle": full_wps / oracle_wps,
        "loadavg_1min": os.getloadavg()[0],
    }


# ---------------------------------------------------------------------------- headline
def _headline_batch(jobs: list[tuple[str, int]]) -> tuple[list[float], float]:
    """Run a batch of default-Trust runs; return their results and this process's CPU time."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from medlead.model import HospitalModel, Params

    out = []
    c0 = time.process_time()
    for strategy, rep in jobs:
        out.append(HospitalModel(Params(strategy=strategy), rng=rep).run()["practising_share"])
    return out, time.process_time() - c0


def measure_headline(replications: int, workers: int = 2) -> dict[str, Any]:
    """Wall time of 4 strategies x ``replications`` default-Trust runs of 156 weeks.

    Timed twice: serially in this process, and on ``workers`` spawned processes each
    given one batch of runs (process start-up and imports included). The CPU time of
    the busiest worker is what the parallel wall time would be on an idle machine,
    less start-up.
    """
    jobs = [
        (s, 1000 + r)
        for s in ("none", "mandate", "persuasion", "hybrid")
        for r in range(replications)
    ]
    _headline_batch(jobs[:2])  # imports and warm-up
    t0 = time.perf_counter()
    _, serial_cpu = _headline_batch(jobs)
    serial = time.perf_counter() - t0
    import multiprocessing as mp

    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        batches = list(pool.map(_headline_batch, [jobs[i::workers] for i in range(workers)]))
    parallel = time.perf_counter() - t0
    return {
        "runs": len(jobs),
        "weeks": 156,
        "serial_s": serial,
        "serial_cpu_s": serial_cpu,
        "per_run_ms": 1e3 * serial / len(jobs),
        "per_run_cpu_ms": 1e3 * serial_cpu / len(jobs),
        "workers": workers,
        "parallel_wall_s": parallel,
        "busiest_worker_cpu_s": max(cpu for _, cpu in batches),
        "loadavg_1min": os.getloadavg()[0],
    }


# ------------------------------------------------------------------------------ profile
def profile(staff: int, weeks: int, top: int = 18) -> str:
    """cProfile of a full run (tottime order), as text."""
    import cProfile
    import io
    import pstats

    from benchmarks.common import size_params
    from medlead.model import HospitalModel

    model = HospitalModel(size_params(staff, weeks), rng=1)
    prof = cProfile.Profile()
    prof.enable()
    model.run()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# ------------------------------------------------------------------------------- report
def _fmt(sp: dict[str, float], scale: float = 1.0, digits: int = 3) -> str:
    return (
        f"{sp['median'] * scale:.{digits}f} "
        f"[{sp['min'] * scale:.{digits}f}–{sp['max'] * scale:.{digits}f}]"
    )


def markdown(res: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    m = res["machine"]
    lines = [
        f"# medlead benchmark: {res['label']}",
        "",
        f"{res['date']} · {m['cpu']} ({m['cores']} cores) · Python {m['python']} · "
        f"numpy {m['numpy']} · scipy {m['scipy']} · Mesa {m['mesa']} · "
        f"load avg at start {m['loadavg_start'][0]:.2f} · command `{res['command']}`",
        "",
        "## One run per size (persuasion strategy, seed 1)",
        "",
        "Times in seconds, median [min–max] of repeats; CPU = this process's CPU time "
        "(`time.process_time`), less inflated than wall time when others load the machine. "
        "*run*: `HospitalModel.run` (mechanisms + weekly reporters + DataCollector); "
        "*core*: `dynamics.step` only; *floor*: the same sparse products over the same "
        "networks and weeks. *load*: highest 1-minute load average seen (2 cores).",
        "",
        "| staff | ties | weeks | org build | model init | run (wall) | run (CPU) "
        "| ns/agent-week (wall) | core (CPU) | floor (CPU) | run/floor (CPU) "
        "| core/floor (CPU) | run/floor (wall) | peak RSS MB | traced peak MB | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["sizes"]:
        lines.append(
            f"| {r['staff']:,} | {r['edges']:,} | {r['weeks']} | {_fmt(r['org_build_s'])} "
            f"| {_fmt(r['model_init_s'])} | {_fmt(r['run_s'], digits=2)} "
            f"| {_fmt(r['run_cpu_s'], digits=2)} | {r['ns_per_agent_week']:.0f} "
            f"| {_fmt(r['core_cpu_s'], digits=2)} | {_fmt(r['floor_cpu_s'], digits=3)} "
            f"| **{r['run_over_floor_cpu']:.1f}** | {r['core_over_floor_cpu']:.1f} "
            f"| {r['run_over_floor']:.1f} | {r['rss_peak_mb']:.0f} | {r['traced_peak_mb']:.0f} "
            f"| {max(r['loadavg_1min']):.1f} |"
        )
    lines += [
        "",
        "## Oracle (per-agent loop) vs vectorised, same organisation and state",
        "",
        "| staff | oracle weeks/s | core weeks/s | full model weeks/s | core/oracle "
        "| full/oracle | core/oracle (CPU) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in res["oracle"]:
        if "oracle_weeks_per_s" not in r:
            lines.append(f"| {r['staff']:,} | {r['oracle']} | | | | | |")
            continue
        lines.append(
            f"| {r['staff']:,} | {r['oracle_weeks_per_s']:.2f} ({r['oracle_weeks_timed']} weeks) "
            f"| {r['core_weeks_per_s']:.0f} | {r['full_model_weeks_per_s']:.0f} "
            f"| {r['core_over_oracle']:.0f}× | {r['full_over_oracle']:.0f}× "
            f"| {r['core_over_oracle_cpu']:.0f}× |"
        )
    h = res.get("headline")
    if h:
        lines += [
            "",
            "## Headline experiment throughput (default Trust, 156 weeks)",
            "",
            f"{h['runs']} runs: serial {h['serial_s']:.1f} s wall, {h['serial_cpu_s']:.1f} s "
            f"CPU ({h['per_run_cpu_ms']:.0f} ms CPU per run, organisation build included); on "
            f"{h['workers']} spawned processes {h['parallel_wall_s']:.1f} s wall (start-up and "
            f"imports included; load {h['loadavg_1min']:.1f}), busiest worker "
            f"{h['busiest_worker_cpu_s']:.1f} s CPU.",
        ]
    lines += ["", "## Profile", "", "```", res["profile"].strip(), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the medlead core.")
    ap.add_argument("--quick", action="store_true", help="small sizes, fewer weeks and repeats")
    ap.add_argument("--label", default="latest", help="results file stem (default: latest)")
    ap.add_argument("--sizes", type=int, nargs="*", help="staff sizes (610 2000 10000 50000)")
    ap.add_argument("--no-headline", action="store_true", help="skip the headline throughput")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--weeks", type=int, default=520, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(measure_size(args.child, args.weeks, args.repeats)))
        return 0

    from benchmarks.common import machine

    sizes = args.sizes or ([610, 2_000, 10_000] if args.quick else list(REPEATS))
    weeks = 104 if args.quick else 520
    res: dict[str, Any] = {
        "label": args.label,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "python -m benchmarks.run" + (" --quick" if args.quick else ""),
        "machine": machine(),
        "sizes": [],
        "oracle": [],
    }
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    for staff in sizes:
        repeats = 2 if args.quick else REPEATS[staff]
        print(f"size {staff}: {repeats} repeats of {weeks} weeks ...", flush=True)
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.run",
                "--child",
                str(staff),
                "--weeks",
                str(weeks),
                "--repeats",
                str(repeats),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  run {r['run_s']['median']:.2f} s, {r['ns_per_agent_week']:.0f} ns/agent-week, "
            f"{r['run_over_floor']:.1f}x floor, peak RSS {r['rss_peak_mb']:.0f} MB",
            flush=True,
        )
        res["sizes"].append(r)
    for staff in [s for s in (610, 10_000) if s in sizes]:
        print(f"oracle at {staff} ...", flush=True)
        res["oracle"].append(measure_oracle(staff, budget_s=5.0 if args.quick else 20.0))
    if not args.no_headline:
        print("headline throughput ...", flush=True)
        res["headline"] = measure_headline(5 if args.quick else 30)
    res["profile"] = profile(10_000 if 10_000 in sizes else sizes[-1], 104)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.label}.json").write_text(json.dumps(res, indent=1) + "\n")
    (RESULTS / f"{args.label}.md").write_text(markdown(res))
    print(markdown(res))
    print(f"wrote {RESULTS / (args.label + '.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
