"""Start-up of the command line: how long until ``medlead`` answers.

    .venv/bin/python -m benchmarks.startup [--repeats 5]

Times, as wall seconds from process start to exit (median [min-max] of ``--repeats``
fresh processes): ``medlead --help``; ``medlead run --seed 1`` (the default Trust, 156
weeks, to its printed summary); ``medlead params``. Then lists the ten slowest imports
of ``medlead run`` by cumulative time (``python -X importtime``), which is where
start-up goes. Writes ``benchmarks/results/startup.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "startup.md"
COMMANDS = (
    ("medlead --help", ["--help"]),
    ("medlead run --seed 1", ["run", "--seed", "1"]),
    ("medlead params", ["params"]),
)
IMPORTS_OF_RUN = (
    "import medlead.experiments.cli.run, medlead.experiments.engine.config, medlead.model.batch"
)


def wall(args: list[str], repeats: int) -> list[float]:
    """Wall seconds of ``repeats`` fresh ``medlead ARGS`` processes."""
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "medlead"), *args], cwd=ROOT, capture_output=True, check=True)
        out.append(time.perf_counter() - t0)
    return out


def slowest_imports(code: str, top: int = 10) -> list[tuple[str, float]]:
    """(module, cumulative seconds) of the ``top`` slowest imports of ``code``."""
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cum, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        if cum.isdigit():
            rows.append((name, int(cum) / 1e6))
    return sorted(rows, key=lambda x: -x[1])[:top]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Start-up time of the medlead command.")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    lines = [
        f"Wall seconds, median [min-max] of {args.repeats} fresh processes; "
        f"load {os.getloadavg()[0]:.1f}.",
        "",
        "| command | wall s |",
        "| --- | ---: |",
    ]
    for label, cmd in COMMANDS:
        t = wall(cmd, args.repeats)
        lines.append(f"| `{label}` | {statistics.median(t):.2f} [{min(t):.2f}-{max(t):.2f}] |")
    lines += ["", "Slowest imports of `medlead run` (cumulative):", ""]
    lines += ["| module | s |", "| --- | ---: |"]
    lines += [f"| `{m}` | {s:.3f} |" for m, s in slowest_imports(IMPORTS_OF_RUN)]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
