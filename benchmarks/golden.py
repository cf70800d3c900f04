"""Golden runs: a few small seeded runs whose exact summaries are stored in the tests.

``tests/test_golden.py`` re-runs every case and compares its summary with
``tests/data/golden.json``. An optimisation must leave them unchanged; a change that is
*meant* to change results (a new mechanism, a new draw order) regenerates them with::

    .venv/bin/python -m benchmarks.golden --write

and says in its commit message and in docs/performance.md why the results moved.
``--check`` (the default) prints the keys that differ and exits 1 if any do.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from medlead.model import HospitalModel, Params

GOLDEN_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden.json"

# Relative tolerance of the comparison: summaries are stored exactly (JSON floats round
# trip), but a different CPU's SIMD summation order may move the last bits.
REL_TOL = 1e-9
ABS_TOL = 1e-12

# (name, preset, overrides, seed): every strategy, both configurations, the extreme
# presets, and one run with a manual early withdrawal-like horizon.
CASES: tuple[tuple[str, str, dict[str, Any], int], ...] = (
    ("professional_none", "professional", {"strategy": "none"}, 11),
    ("professional_mandate", "professional", {"strategy": "mandate"}, 12),
    ("professional_persuasion", "professional", {"strategy": "persuasion"}, 13),
    ("professional_hybrid", "professional", {"strategy": "hybrid"}, 14),
    ("machine_mandate", "machine", {"strategy": "mandate"}, 15),
    ("kp_like_hybrid", "kp_like", {}, 16),
    ("set_up_to_fail_persuasion", "set_up_to_fail", {"strategy": "persuasion"}, 17),
    (
        "influential_first_short",
        "professional",
        {"target_rule": "most_influential", "withdrawal_week": 52, "weeks": 80},
        18,
    ),
)


def run_case(preset: str, overrides: dict[str, Any], seed: int) -> dict[str, float | None]:
    """Run one golden case to its horizon and return its summary."""
    params = Params.preset(preset).replace(**overrides)
    return HospitalModel(params, rng=seed).run()


def compute() -> dict[str, dict[str, Any]]:
    """Every case's definition and summary."""
    return {
        name: {
            "preset": preset,
            "overrides": overrides,
            "seed": seed,
            "summary": run_case(preset, overrides, seed),
        }
        for name, preset, overrides, seed in CASES
    }


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable list of summary values that differ beyond the tolerance."""
    out = []
    for name in sorted(set(expected) | set(actual)):
        if name not in expected or name not in actual:
            out.append(f"{name}: case missing on one side")
            continue
        e, a = expected[name]["summary"], actual[name]["summary"]
        for key in sorted(set(e) | set(a)):
            x, y = e.get(key, "missing"), a.get(key, "missing")
            same = (
                x == y
                if not (isinstance(x, float) and isinstance(y, float))
                else math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)
            )
            if not same:
                out.append(f"{name}.{key}: stored {x!r}, now {y!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="regenerate tests/data/golden.json")
    args = ap.parse_args(argv)
    actual = compute()
    if args.write:
        GOLDEN_PATH.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_PATH.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(actual)} golden runs to {GOLDEN_PATH}")
        return 0
    expected = json.loads(GOLDEN_PATH.read_text())
    diff = differences(expected, actual)
    for line in diff:
        print(line)
    print(f"{len(actual)} golden runs: {'OK' if not diff else f'{len(diff)} differences'}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
