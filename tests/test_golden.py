"""Golden runs: seeded summaries must not move unless a change means them to.

Regenerate after an intended change of results with ``python -m benchmarks.golden
--write`` (and say why in the commit and docs/performance.md).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ is not installed
from benchmarks.golden import CASES, GOLDEN_PATH, differences, run_case  # noqa: E402


@pytest.fixture(scope="module")
def stored():
    return json.loads(GOLDEN_PATH.read_text())


def test_every_case_is_stored(stored):
    assert sorted(stored) == sorted(name for name, *_ in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_golden_summary(stored, case):
    name, preset, overrides, seed = case
    assert stored[name]["preset"] == preset
    assert stored[name]["overrides"] == overrides
    assert stored[name]["seed"] == seed
    actual = {name: {"summary": run_case(preset, overrides, seed)}}
    assert differences({name: stored[name]}, actual) == []
