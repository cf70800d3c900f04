"""Measure the workshop's step + redraw time: ``python -m medlead.workshop.timing``.

One "frame" is what the app does per week while playing: advance the model(s) one week
and render the hospital picture(s) and the curves to PNG. The budget is about 250 ms
(issue 7). Reports wall-clock and CPU time (CPU time is steadier on a shared machine)
for the default hospital, alone, in compare mode and in projector mode;
``--browser URL`` also times Step -> new picture in chromium at 1280x720 against a
running server (needs playwright). ``docs/performance.md`` records the numbers.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from medlead.workshop.adapter import Controls
from medlead.workshop.run import WorkshopRun


def frame_times(
    compare: str | None = None, weeks: int = 60, seed: int = 1, projector: bool = False
) -> dict[str, float]:
    """Median and 90th percentile of step + redraw (ms), wall and CPU, over ``weeks``
    (``projector``: projector mode's two pictures instead of the page's).
    """
    run = WorkshopRun(Controls(seed=seed), compare=compare)

    def redraw() -> None:
        if projector:
            run.projector_pngs()
        else:
            run.hospital_pngs()
            run.curves_png()

    redraw()  # the first frame caches the static background
    wall, cpu, step_only = [], [], []
    for _ in range(weeks):
        w0, c0 = time.perf_counter(), time.process_time()
        run.step()
        s1 = time.perf_counter()
        redraw()
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


#: In the page: click Step, resolve when the hospital picture's new PNG is decoded and
#: the next frame is painted (ms since the click).
_STEP_TO_PICTURE_JS = """(sel) => new Promise((resolve) => {
  const img = document.querySelector(sel);
  const t0 = performance.now();
  const obs = new MutationObserver(() => {
    obs.disconnect();
    img.decode().catch(() => null).then(() =>
      requestAnimationFrame(() => resolve(performance.now() - t0)));
  });
  obs.observe(img, {attributes: true, attributeFilter: ["src"]});
  document.querySelector(".ml-step").click();
})"""


def browser_step_times(
    url: str, projector: bool, n: int = 20, chromium="/usr/bin/chromium", code: str = ""
):
    """Milliseconds from clicking Step to the new hospital picture on screen, ``n`` times,
    in chromium at 1280x720 against a running server at ``url`` (needs playwright);
    ``code``: a session code to start from (e.g. ``0pm-1-0`` for compare mode).
    """
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    sel = "img.ml-proj-hospital" if projector else "img.ml-hospital-0"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        query = "&".join(
            q for q in ("projector=1" if projector else "", f"code={code}" if code else "") if q
        )
        page.goto(url + (f"?{query}" if query else ""))
        page.wait_for_selector(sel, timeout=90_000)
        times = []
        for _ in range(n + 2):
            times.append(page.evaluate(_STEP_TO_PICTURE_JS, sel))
            page.wait_for_timeout(150)
        browser.close()
    return times[2:]  # the first steps warm the caches


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of frame times."""
    ap = argparse.ArgumentParser(prog="python -m medlead.workshop.timing")
    ap.add_argument("--weeks", type=int, default=60)
    ap.add_argument(
        "--browser",
        metavar="URL",
        help="also time Step -> new picture in chromium at 1280x720 against a server at URL",
    )
    args = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        "| view | staff | step only (median) | step + redraw wall median / p90 | CPU median / p90 |"
    )
    print("| --- | --- | --- | --- | --- |")
    views = (
        ("default hospital", None, False),
        ("compare mode (2 lanes)", "mandate", False),
        ("projector mode", None, True),
    )
    for label, compare, projector in views:
        t = frame_times(compare, args.weeks, projector=projector)
        print(
            f"| {label} | {t['staff']:.0f} | {t['step_median']:.1f} ms | "
            f"{t['wall_median']:.0f} / {t['wall_p90']:.0f} ms | "
            f"{t['cpu_median']:.0f} / {t['cpu_p90']:.0f} ms |"
        )
    if args.browser:
        print()
        print("| view (chromium, 1280x720) | Step to new picture: median / p90 / max of 20 |")
        print("| --- | --- |")
        views = (
            ("full page", False, ""),
            ("projector mode", True, ""),
            ("compare mode, full page", False, "0pm-1-0"),
            ("compare mode, projector", True, "0pm-1-0"),
        )
        for label, projector, code in views:
            t = browser_step_times(args.browser, projector, code=code)
            print(
                f"| {label} | {np.median(t):.0f} / {np.percentile(t, 90):.0f} / {max(t):.0f} ms |"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
