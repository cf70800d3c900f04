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
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from medlead.model import dynamics
from medlead.model.hospital import HospitalModel, seed_streams
from medlead.model.mechanisms import EdgeWork
from medlead.model.organisation import Organisation, build_organisation
from medlead.model.outputs import REPORTERS, summarise, weekly_table
from medlead.model.params import Params
from medlead.model.state import Constants, State, derive_constants, initial_state, with_indices

MAX_STACK_PEOPLE = 40_000
"""Stack replications until the system holds about this many people. Beyond a few
thousand people per numpy call the fixed per-call overhead no longer dominates, so a
bigger stack gains nothing and only costs memory (docs/performance.md)."""

_PERSON_FIELDS = (
    "clinical",
    "coupling",
    "reach",
    "duality_factor",
    "is_director",
    "is_leader",
    "follower",
    "threshold",
    "influence",
    "scope_len",
    "ms_peer_rowsum",
)
_EDGE_FIELDS = ("peer_weight", "lead_weight")
_SCALAR_FIELDS = ("compliance_decay", "commitment_decay", "habit_decay", "recovery")


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


def stack_constants(consts: Sequence[Constants]) -> Constants:
    """One :class:`Constants` for the disconnected union of several runs' hospitals.

    People of run ``r`` are renumbered from ``run_ptr[r]`` and its microsystems from
    ``ms_ptr[r]``; ties become block-diagonal, so no tie crosses between runs.
    """
    run_ptr = np.cumsum([0] + [c.n for c in consts])
    ms_ptr = np.cumsum([0] + [c.n_ms for c in consts])
    first = consts[0]
    for name in _SCALAR_FIELDS:
        if any(getattr(c, name) != getattr(first, name) for c in consts):
            raise ValueError(f"stacked runs must share their parameters ({name} differs)")
    cat = {f: np.concatenate([getattr(c, f) for c in consts]) for f in _PERSON_FIELDS}
    cat.update({f: np.concatenate([getattr(c, f) for c in consts]) for f in _EDGE_FIELDS})
    microsystem = np.concatenate(
        [np.where(c.microsystem >= 0, c.microsystem + ms_ptr[i], -1) for i, c in enumerate(consts)]
    )
    scope_off = np.cumsum([0] + [c.scope_idx.size for c in consts])
    const = Constants(
        n=int(run_ptr[-1]),
        n_ms=int(ms_ptr[-1]),
        microsystem=microsystem,
        ms_index=microsystem.clip(0),
        ms_clinical_size=np.concatenate([c.ms_clinical_size for c in consts]),
        scope_ptr=np.concatenate(
            [c.scope_ptr[:-1] + scope_off[i] for i, c in enumerate(consts)] + [scope_off[-1:]]
        ),
        scope_idx=np.concatenate([c.scope_idx + run_ptr[i] for i, c in enumerate(consts)]),
        ties=_block_diagonal([c.ties for c in consts], run_ptr),
        tie_rows=np.concatenate([c.tie_rows + run_ptr[i] for i, c in enumerate(consts)]),
        ms_peer=_block_diagonal([c.ms_peer for c in consts], run_ptr),
        role_masks={k: np.concatenate([c.role_masks[k] for c in consts]) for k in first.role_masks},
        run_ptr=run_ptr,
        ms_ptr=ms_ptr,
        **cat,
        **{f: getattr(first, f) for f in _SCALAR_FIELDS},
    )
    return with_indices(const)


_NOT_PER_PERSON = ("performance", "leadership_hours", "pressure_spent")


def _is_per_person(state: State, name: str) -> bool:
    return isinstance(getattr(state, name), np.ndarray) and name not in _NOT_PER_PERSON


def stack_states(states: Sequence[State], const: Constants) -> State:
    """One :class:`State` for runs stacked as in :func:`stack_constants`.

    Engagement targets are renumbered like the people; the running totals become one
    entry per run.
    """
    first = states[0]
    arrays = {
        f.name: np.concatenate([getattr(s, f.name) for s in states])
        for f in dataclasses.fields(State)
        if _is_per_person(first, f.name)
    }
    arrays["target"] = np.concatenate(
        [np.where(s.target >= 0, s.target + const.run_ptr[i], -1) for i, s in enumerate(states)]
    )
    return dataclasses.replace(
        first,
        **arrays,
        performance=np.concatenate([s.performance for s in states]),
        leadership_hours=np.array([float(s.leadership_hours) for s in states]),
        pressure_spent=np.array([float(s.pressure_spent) for s in states]),
    )


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


def run_stacked(
    params: Params,
    seeds: Sequence[np.random.SeedSequence],
    snapshot_weeks: Sequence[int] = (),
) -> list[RunResult]:
    """Run every seed of ``params`` as one stacked system (see the module docstring)."""
    weeks = _check_weeks(params, snapshot_weeks)
    orgs, consts, states, rngs = [], [], [], []
    for ss in seeds:
        _, (org_ss, dyn_ss, _mesa) = seed_streams(ss)
        org = build_organisation(params, np.random.default_rng(org_ss))
        orgs.append(org)
        consts.append(derive_constants(org, params))
        states.append(initial_state(org, params))
        rngs.append(np.random.default_rng(dyn_ss))
    const = stack_constants(consts)
    if len(seeds) > 1:  # a stack visits its ties often enough for the compiled kernel
        const = dataclasses.replace(
            const, edge_work=EdgeWork(const.ties, const.tie_rows, const.lead_weight, params.weeks)
        )
    state = dynamics.initial_practice(stack_states(states, const), const, params)
    history = np.empty((len(seeds), params.weeks + 1, len(REPORTERS)))
    snaps: list[dict[int, State]] = [{} for _ in seeds]

    def record() -> None:
        active, stigma = dynamics.reporting_context(params, state)
        history[:, state.week] = weekly_table(state, const, params.committed_cutoff, active, stigma)
        if state.week in weeks:
            for r in range(len(seeds)):
                snaps[r][state.week] = split_state(state, const, r)

    record()
    while state.week < params.weeks:
        dynamics.step(state, const, params, rngs)
        record()
    return [
        RunResult(params, ss, orgs[r], history[r], split_state(state, const, r), snaps[r])
        for r, ss in enumerate(seeds)
    ]


def run_replications(
    params: Params,
    seeds: Sequence[np.random.SeedSequence],
    snapshot_weeks: Sequence[int] = (),
) -> list[RunResult]:
    """Run one replication per seed of ``params`` to the horizon, stacked.

    Replications are stacked in groups of about :data:`MAX_STACK_PEOPLE` people (one
    group for the default Trust up to ~60 replications); a single seed runs as a stack
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
