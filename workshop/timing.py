"""Measure the workshop's step + redraw time: ``python -m medlead.workshop.timing``.

One "frame" is what the app does per week while playing: advance the model(s) one week
and render the hospital picture(s) and the curves to PNG. The budget is about 250 ms
(issue 7). Reports wall-clock and CPU time (CPU time is steadier on a shared machine)
for the default hospital, alone and in compare mode; ``docs/performance.md`` records the
numbers.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from medlead.workshop.adapter import Controls
from medlead.workshop.run import WorkshopRun


def frame_times(compare: str | None = None, weeks: int = 60, seed: int = 1) -> dict[str, float]:
    """Median and 90th percentile of step + redraw (ms), wall and CPU, over ``weeks``."""
    run = WorkshopRun(Controls(seed=seed), compare=compare)
    run.hospital_pngs()
    run.curves_png()  # the first frame caches the static background
    wall, cpu, step_only = [], [], []
    for _ in range(weeks):
        w0, c0 = time.perf_counter(), time.process_time()
        run.step()
        s1 = time.perf_counter()
        run.hospital_pngs()
        run.curves_png()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        step_only.append((s1 - w0) * 1000)
    return {
        "staff": float(run.model.organisation.n),
        "wall_median": float(np.median(wall)),
        "wall_p90": float(np.percentile(wall, 90)),
        "cpu_median": float(np.median(cpu)),
        "cpu_p90": float(np.percentile(cpu, 90)),
        "step_median": float(np.median(step_only)),
    }


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of frame times."""
    ap = argparse.ArgumentParser(prog="python -m medlead.workshop.timing")
    ap.add_argument("--weeks", type=int, default=60)
    args = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        "| view | staff | step only (median) | step + redraw wall median / p90 | CPU median / p90 |"
    )
    print("| --- | --- | --- | --- | --- |")
    for label, compare in (("default hospital", None), ("compare mode (2 lanes)", "mandate")):
        t = frame_times(compare, args.weeks)
        print(
            f"| {label} | {t['staff']:.0f} | {t['step_median']:.1f} ms | "
            f"{t['wall_median']:.0f} / {t['wall_p90']:.0f} ms | "
            f"{t['cpu_median']:.0f} / {t['cpu_p90']:.0f} ms |"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
