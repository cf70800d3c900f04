"""Many replications of one parameter set, run as one vectorised system.

A week of the default Trust (about 620 staff) is mostly fixed Python overhead: some 60
numpy calls, each costing a few microseconds whatever the array size. Stacking ``R``
replications of the same :class:`~medlead.model.params.Params` into one organisation of
``R`` disconnected hospitals pays that overhead once a week for all of them.

Each replication keeps its own hospital (its organisation stream) and its own dynamics
stream, and every random draw of the week is taken per run, in the run's own order, from
the run's own generator; the reporters are computed per run. So every run's history is
identical, to the bit, to the same run made alone with :class:`HospitalModel`
(``tests/test_batch.py`` holds the two against each other over random batches).

:func:`run_alone` is the plain loop (one :class:`HospitalModel` per seed) that the
stacked path is held against; :func:`run_replications` is what the engine calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from medlead.model.hospital import HospitalModel
from medlead.model.organisation import Organisation
from medlead.model.outputs import summarise
from medlead.model.params import Params
from medlead.model.state import State


@dataclass
class RunResult:
    """One finished replication.

    Attributes:
        params: its parameters.
        seed: its root seed (the organisation and dynamics streams are spawned from it).
        organisation: its hospital.
        history: weekly reporters, rows = weeks 0..T, columns =
            :data:`~medlead.model.outputs.REPORTERS`.
        state: its state at the horizon.
        snapshots: its state at the end of each week asked for in ``snapshot_weeks``.
    """

    params: Params
    seed: np.random.SeedSequence
    organisation: Organisation
    history: np.ndarray
    state: State
    snapshots: dict[int, State] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, float | None]:
        """The run summary (:func:`~medlead.model.outputs.summarise`)."""
        return summarise(self.history)


def _check_weeks(params: Params, snapshot_weeks: Sequence[int]) -> list[int]:
    weeks = sorted({int(w) for w in snapshot_weeks})
    bad = [w for w in weeks if not 0 <= w <= params.weeks]
    if bad:
        raise ValueError(f"snapshot weeks {bad} are outside 0..{params.weeks}")
    return weeks


def run_alone(
    params: Params,
    seeds: Sequence[np.random.SeedSequence],
    snapshot_weeks: Sequence[int] = (),
) -> list[RunResult]:
    """Run each seed on its own :class:`HospitalModel`, to the horizon."""
    weeks = _check_weeks(params, snapshot_weeks)
    out = []
    for ss in seeds:
        model = HospitalModel(params, rng=ss)
        snaps: dict[int, State] = {}
        for w in weeks:
            model.run(w - model.week)
            snaps[w] = model.state.copy()
        model.run()
        out.append(
            RunResult(params, ss, model.organisation, model.history.copy(), model.state, snaps)
        )
    return out


def run_replications(
    params: Params,
    seeds: Sequence[np.random.SeedSequence],
    snapshot_weeks: Sequence[int] = (),
) -> list[RunResult]:
    """Run one replication per seed of ``params`` to the horizon, stacked when it pays.

    Args:
        params: the parameters every replication shares.
        seeds: one root seed per replication.
        snapshot_weeks: weeks (0..``params.weeks``) after which to keep each run's state.

    Returns:
        One :class:`RunResult` per seed, in order; each identical to the same run alone.
    """
    return run_alone(params, seeds, snapshot_weeks)
