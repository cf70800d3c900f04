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


# ---------------------------------------------------------------- optimisations are exact
def test_fast_quantiles_equal_numpy():
    import numpy as np

    from medlead.model.outputs import quantiles

    rng = np.random.default_rng(0)
    for t in range(3000):
        n = int(rng.integers(1, 40)) if t % 2 else int(rng.integers(1, 5000))
        x = rng.random(n) if t % 3 else rng.integers(0, 5, n) / 4.0
        for q in (np.array([0.1, 0.5, 0.9]), np.array([0.0, 1.0]), rng.random(4)):
            assert np.array_equal(quantiles(x, q), np.quantile(x, q))


@pytest.mark.parametrize("preset", ["professional", "kp_like"])
def test_numba_kernel_gives_the_same_run_to_the_last_bit(preset, monkeypatch):
    """The optional compiled neighbour mean (model/accel.py) against the numpy path."""
    import numpy as np

    pytest.importorskip("numba")
    from medlead.model import HospitalModel, Params

    runs = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("MEDLEAD_NUMBA", flag)
        model = HospitalModel(Params.preset(preset).replace(weeks=60), rng=21)
        assert (model.constants.edge_work.kernel is not None) == (flag == "1")
        model.run()
        runs[flag] = (model.history, model.state.commitment)
    assert np.array_equal(runs["0"][0], runs["1"][0], equal_nan=True)
    assert np.array_equal(runs["0"][1], runs["1"][1])
