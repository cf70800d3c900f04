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

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import pandas as pd

from medlead.model import dynamics
from medlead.model.organisation import Organisation, build_organisation
from medlead.model.outputs import REPORTERS, history_frame, summarise, weekly_table
from medlead.model.params import Params
from medlead.model.seeds import seed_streams
from medlead.model.state import Constants, State, derive_constants, initial_state

MAX_STACK_PEOPLE = 20_000
"""Stack replications until the system holds about this many people (32 default Trusts;
measured: 32 a stack ran 4.73x the single-run rate, 64 a stack 4.50x). Beyond a few
thousand people per numpy call the fixed per-call overhead no longer dominates, so a
bigger stack gains nothing and only costs memory (docs/performance.md)."""


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

    def timeseries(self) -> pd.DataFrame:
        """Weekly reporters as a DataFrame, as :meth:`HospitalModel.timeseries` gives."""
        return history_frame(self.history)


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
    from medlead.model.hospital import HospitalModel  # Mesa: only for the oracle loop

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


def _block_diagonal(mats: Sequence[sp.csr_array], offsets: np.ndarray) -> sp.csr_array:
    """The CSR block-diagonal of ``mats``, each row's entries kept in their order."""
    nnz = np.cumsum([0] + [m.nnz for m in mats])
    indptr = np.concatenate([m.indptr[:-1] + nnz[i] for i, m in enumerate(mats)] + [nnz[-1:]])
    indices = np.concatenate([m.indices.astype(np.int64) + offsets[i] for i, m in enumerate(mats)])
    data = np.concatenate([m.data for m in mats])
    n = int(offsets[-1])
    out = sp.csr_array((data, indices, indptr), shape=(n, n))
    out.has_sorted_indices = all(m.has_sorted_indices for m in mats)
    return out


_ORG_PEOPLE = (
    "role",
    "world",
    "leader",
    "autonomy",
    "credibility",
    "identification",
    "threshold",
    "influence",
    "commitment0",
)


def _offset(x: np.ndarray, by: int) -> np.ndarray:
    """Indices ``x`` shifted by ``by``, keeping ``-1`` (none) as it is."""
    return np.where(x >= 0, x + by, -1)


def stack_organisations(
    orgs: Sequence[Organisation],
) -> tuple[Organisation, np.ndarray, np.ndarray]:
    """The disconnected union of several runs' hospitals, as one :class:`Organisation`.

    People of run ``r`` are renumbered from ``run_ptr[r]``, its microsystems from
    ``ms_ptr[r]`` and its directorates likewise; ties become block-diagonal, so none
    crosses between runs. Returns ``(organisation, run_ptr, ms_ptr)``.
    """
    run_ptr = np.cumsum([0] + [o.n for o in orgs])
    ms_ptr = np.cumsum([0] + [o.n_microsystems for o in orgs])
    dir_ptr = np.cumsum([0] + [o.duality_quality.size for o in orgs])
    scope_off = np.cumsum([0] + [o.scope_idx.size for o in orgs])
    ms_staff = [o.ms_ptr[:-1] + run_ptr[i] for i, o in enumerate(orgs)]
    stacked = Organisation(
        params=orgs[0].params,
        **{f: np.concatenate([getattr(o, f) for o in orgs]) for f in _ORG_PEOPLE},
        microsystem=np.concatenate([_offset(o.microsystem, ms_ptr[i]) for i, o in enumerate(orgs)]),
        directorate=np.concatenate(
            [_offset(o.directorate, dir_ptr[i]) for i, o in enumerate(orgs)]
        ),
        duality_quality=np.concatenate([o.duality_quality for o in orgs]),
        ms_ptr=np.concatenate(ms_staff + [run_ptr[-1:]]),
        ms_directorate=np.concatenate(
            [_offset(o.ms_directorate, dir_ptr[i]) for i, o in enumerate(orgs)]
        ),
        ties={
            kind: _block_diagonal([o.ties[kind] for o in orgs], run_ptr) for kind in orgs[0].ties
        },
        scope_ptr=np.concatenate(
            [o.scope_ptr[:-1] + scope_off[i] for i, o in enumerate(orgs)] + [scope_off[-1:]]
        ),
        scope_idx=np.concatenate([o.scope_idx + run_ptr[i] for i, o in enumerate(orgs)]),
    )
    return stacked, run_ptr, ms_ptr


def stacked_start(params: Params, orgs: Sequence[Organisation]) -> tuple[Constants, State]:
    """Constants and week-0 state of the runs of ``orgs`` stacked into one system."""
    org, run_ptr, ms_ptr = stack_organisations(orgs)
    const = derive_constants(org, params, (run_ptr, ms_ptr))
    state = initial_state(org, params)
    state.leadership_hours = np.zeros(len(orgs))
    state.pressure_spent = np.zeros(len(orgs))
    return const, dynamics.initial_practice(state, const, params)


_NOT_PER_PERSON = ("performance", "leadership_hours", "pressure_spent")


def _is_per_person(state: State, name: str) -> bool:
    return isinstance(getattr(state, name), np.ndarray) and name not in _NOT_PER_PERSON


def split_state(state: State, const: Constants, r: int) -> State:
    """Run ``r``'s own :class:`State` (a copy), numbered as if it had run alone."""
    a, b = int(const.run_ptr[r]), int(const.run_ptr[r + 1])
    arrays = {
        f.name: getattr(state, f.name)[a:b].copy()
        for f in dataclasses.fields(State)
        if _is_per_person(state, f.name)
    }
    target = arrays["target"]
    target[target >= 0] -= a
    return dataclasses.replace(
        state,
        **arrays,
        performance=state.performance[const.ms_ptr[r] : const.ms_ptr[r + 1]].copy(),
        leadership_hours=float(np.asarray(state.leadership_hours).reshape(-1)[r]),
        pressure_spent=float(np.asarray(state.pressure_spent).reshape(-1)[r]),
    )


class Stack:
    """Replications of one :class:`Params` stacked into one system, ready to run.

    ``Stack(params, seeds)`` builds each run's hospital from its own organisation
    stream; :meth:`run` runs them all to the horizon. (Split in two so that a caller
    can show the hospitals' sizes before the run, as ``medlead run`` does.)
    """

    def __init__(
        self,
        params: Params,
        seeds: Sequence[np.random.SeedSequence],
        snapshot_weeks: Sequence[int] = (),
    ):
        self.params = params
        self.seeds = list(seeds)
        self.snapshot_weeks = _check_weeks(params, snapshot_weeks)
        self.orgs: list[Organisation] = []
        self.rngs: list[np.random.Generator] = []
        for ss in self.seeds:
            _, (org_ss, dyn_ss, _mesa) = seed_streams(ss)
            self.orgs.append(build_organisation(params, np.random.default_rng(org_ss)))
            self.rngs.append(np.random.default_rng(dyn_ss))
        self.const, self.state = stacked_start(params, self.orgs)

    def run(self, progress: Callable[[int], None] | None = None) -> list[RunResult]:
        """Run every replication to the horizon; ``progress(week)`` after each week."""
        params, const, state = self.params, self.const, self.state
        n = len(self.seeds)
        history = np.empty((n, params.weeks + 1, len(REPORTERS)))
        snaps: list[dict[int, State]] = [{} for _ in range(n)]

        def record() -> None:
            active, stigma = dynamics.reporting_context(params, state)
            history[:, state.week] = weekly_table(
                state, const, params.committed_cutoff, active, stigma
            )
            if state.week in self.snapshot_weeks:
                for r in range(n):
                    snaps[r][state.week] = split_state(state, const, r)

        record()
        while state.week < params.weeks:
            dynamics.step(state, const, params, self.rngs)
            record()
            if progress is not None:
                progress(state.week)
        return [
            RunResult(params, ss, self.orgs[r], history[r], split_state(state, const, r), snaps[r])
            for r, ss in enumerate(self.seeds)
        ]


def run_stacked(
    params: Params,
    seeds: Sequence[np.random.SeedSequence],
    snapshot_weeks: Sequence[int] = (),
) -> list[RunResult]:
    """Run every seed of ``params`` as one stacked system (see the module docstring)."""
    return Stack(params, seeds, snapshot_weeks).run()


def run_replications(
    params: Params,
    seeds: Sequence[np.random.SeedSequence],
    snapshot_weeks: Sequence[int] = (),
) -> list[RunResult]:
    """Run one replication per seed of ``params`` to the horizon, stacked.

    Replications are stacked in groups of about :data:`MAX_STACK_PEOPLE` people (one
    group for the default Trust up to 32 replications); a single seed runs as a stack
    of one, which skips building Mesa agents.

    Args:
        params: the parameters every replication shares.
        seeds: one root seed per replication.
        snapshot_weeks: weeks (0..``params.weeks``) after which to keep each run's state.

    Returns:
        One :class:`RunResult` per seed, in order; each identical to the same run alone.
    """
    size = max(1, MAX_STACK_PEOPLE // max(1, params.expected_staff))
    out: list[RunResult] = []
    for i in range(0, len(seeds), size):
        out.extend(run_stacked(params, seeds[i : i + size], snapshot_weeks))
    return out
