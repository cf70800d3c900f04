"""The compiled week (model/kernels.py) against the numpy path, to the last bit.

The compiled tail calls the mechanisms' own functions compiled for single floats, so
these tests check that the two paths agree for every structural form the tail branches
on, under every strategy, with the whole state compared, not only the reporters.
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from medlead.model import HospitalModel, Params, accel
from medlead.model import mechanisms as mech

pytest.importorskip("numba")

STATE = ("commitment", "compliance", "receptivity", "practising", "fidelity", "habit")
FORMS = list(
    itertools.product(
        ("graded", "binary"), ("self_determination", "dissonance"), ("support", "habit")
    )
)


def _run(flag: str, params: Params, monkeypatch) -> HospitalModel:
    monkeypatch.setenv("MEDLEAD_NUMBA", flag)
    model = HospitalModel(params, rng=5)
    assert (model.constants.edge_work.tail is not None) == (flag == "1")
    model.run()
    return model


@pytest.mark.parametrize("forms", FORMS, ids=["-".join(f) for f in FORMS])
@pytest.mark.parametrize("strategy", ["mandate", "hybrid"])
def test_compiled_tail_equals_numpy_for_every_form(forms, strategy, monkeypatch):
    fidelity, internalisation, persistence = forms
    params = Params().replace(
        strategy=strategy,
        weeks=40,
        withdrawal_week=30,
        fidelity_form=fidelity,
        internalisation_form=internalisation,
        persistence_form=persistence,
    )
    a, b = (_run(flag, params, monkeypatch) for flag in ("0", "1"))
    assert np.array_equal(a.history, b.history, equal_nan=True)
    for name in STATE:
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name)), name
    assert np.array_equal(a.state.performance, b.state.performance)


def test_scalar_copies_are_the_mechanisms_own_code():
    """The compiled tail's functions are compiled from mechanisms.py, not restated."""
    from medlead.model import kernels

    for name in mech.ELEMENTWISE:
        assert kernels._GLOBALS[name].py_func.__code__ is getattr(mech, name).__code__


def test_scalar_copies_give_the_array_functions_values():
    """Each elementwise mechanism on single floats equals it on arrays (hand inputs
    covering both sides of every condition)."""
    from medlead.model import kernels

    x = np.array([0.0, 0.2, 0.5, 1.0])
    y = np.array([0.0, 0.6, 0.5, 0.1])
    for i in range(x.size):
        a, b = x[i], y[i]
        assert kernels.ratio_or(a, b, 0.7) == mech.ratio_or(x, y, 0.7)[i]
        assert kernels.belief_weighted(a, b, 0.3) == mech.belief_weighted(x, y, 0.3)[i]
        assert kernels.fidelity_binary(a, b, 0.3) == mech.fidelity_binary(x, y, 0.3)[i]
        assert (
            kernels.practice(a, b, 0.4, 0.5, 0.35, 0.3, 0.2)
            == mech.practice(x, y, np.full(4, 0.4), np.full(4, 0.5), np.full(4, 0.35), 0.3, 0.2)[i]
        )
        assert kernels.unit_clip(a * 3 - 1) == mech.unit_clip(x * 3 - 1)[i]
        assert (
            kernels.habit_update(b, a > 0.3, 0.1, 0.9) == mech.habit_update(y, x > 0.3, 0.1, 0.9)[i]
        )


def test_cache_folder_is_named_by_the_compiled_sources():
    """An edit to mechanisms.py or kernels.py changes the folder numba caches into, so
    stale machine code is never loaded."""
    here = accel.cache_dir().parent.parent
    digest = hashlib.sha256()
    for name in ("kernels.py", "mechanisms.py"):
        digest.update((here / name).read_bytes())
    assert accel.cache_dir().name.endswith(digest.hexdigest()[:12])
