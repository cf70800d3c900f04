"""The model's mutable state (numpy arrays) and the run constants derived from Params."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from medlead.model.mechanisms import EdgeWork, decay_factor, line_reach
from medlead.model.organisation import Leader, Organisation, Role, World, time_factor
from medlead.model.params import Params


@dataclass
class State:
    """Everything that changes during a run, one array entry per person (or microsystem).

    The Mesa agents are views on these arrays: writing ``agent.commitment`` writes
    ``state.commitment[agent.index]``.
    """

    week: int
    commitment: np.ndarray
    compliance: np.ndarray
    receptivity: np.ndarray
    practising: np.ndarray
    champion: np.ndarray
    converted: np.ndarray
    target: np.ndarray
    weeks_left: np.ndarray
    performance: np.ndarray
    habit: np.ndarray
    fidelity: np.ndarray
    autonomy: np.ndarray
    credibility: np.ndarray
    identification: np.ndarray
    leadership_time: np.ndarray
    workload: np.ndarray
    pressure: float = 0.0
    leadership_hours: float | np.ndarray = 0.0
    pressure_spent: float | np.ndarray = 0.0
    withdrawn: bool = False
    """``leadership_hours`` and ``pressure_spent`` are running totals: floats for one run,
    one entry per run for a batch of stacked runs (:mod:`medlead.model.batch`)."""

    def copy(self) -> State:
        """A deep copy (arrays copied)."""
        return dataclasses.replace(
            self,
            **{
                f.name: getattr(self, f.name).copy()
                for f in dataclasses.fields(self)
                if isinstance(getattr(self, f.name), np.ndarray)
            },
        )


PER_AGENT_STATE: tuple[str, ...] = (
    "commitment",
    "compliance",
    "receptivity",
    "practising",
    "fidelity",
    "habit",
    "champion",
    "autonomy",
    "credibility",
    "identification",
    "leadership_time",
    "workload",
)


def initial_state(org: Organisation, params: Params) -> State:
    """The state at week 0: initial commitment, no compliance, full receptivity, no habit.

    ``practising`` and ``fidelity`` are filled in by
    :func:`medlead.model.dynamics.initial_practice` (practice at week 0 follows from
    commitment alone).
    """
    n = org.n
    leadership_time = time_factor(params)[org.leader] * params.leader_time_pa
    s = State(
        week=0,
        commitment=org.commitment0.copy(),
        compliance=np.zeros(n),
        receptivity=np.ones(n),
        practising=np.zeros(n, bool),
        champion=np.zeros(n, bool),
        converted=np.zeros(n, bool),
        target=np.full(n, -1, np.int64),
        weeks_left=np.zeros(n, np.int64),
        performance=np.zeros(org.n_microsystems),
        habit=np.zeros(n),
        fidelity=np.ones(n),
        autonomy=org.autonomy.copy(),
        credibility=org.credibility.copy(),
        identification=org.identification.copy(),
        leadership_time=leadership_time,
        workload=np.full(n, params.workload),
    )
    return s


@dataclass(frozen=True)
class Constants:
    """Run constants derived once from the organisation and parameters (hot-loop inputs)."""

    n: int
    n_ms: int
    clinical: np.ndarray
    coupling: np.ndarray
    reach: np.ndarray
    duality_factor: np.ndarray
    is_director: np.ndarray
    is_leader: np.ndarray
    follower: np.ndarray
    microsystem: np.ndarray
    ms_index: np.ndarray
    ms_clinical_size: np.ndarray
    threshold: np.ndarray
    influence: np.ndarray
    scope_ptr: np.ndarray
    scope_len: np.ndarray
    scope_idx: np.ndarray
    ties: sp.csr_array
    tie_rows: np.ndarray
    ms_peer: sp.csr_array
    ms_peer_rowsum: np.ndarray
    peer_weight: np.ndarray
    lead_weight: np.ndarray
    role_masks: dict[str, np.ndarray]
    compliance_decay: float
    commitment_decay: float
    habit_decay: float
    recovery: float
    # Index arrays and counts derived from the masks above, so the weekly step and the
    # reporters gather with integer indices instead of rebuilding boolean masks every
    # week (see docs/performance.md). ``None`` in a hand-built Constants: then
    # :func:`with_indices` fills them.
    edge_work: EdgeWork | None = None
    in_ms_idx: np.ndarray | None = None
    in_ms_ms: np.ndarray | None = None
    has_ms: np.ndarray | None = None
    clinical_idx: np.ndarray | None = None
    leader_idx: np.ndarray | None = None
    follower_idx: np.ndarray | None = None
    role_idx: dict[str, np.ndarray] | None = None
    report_key: np.ndarray | None = None
    # Runs: a batch (medlead.model.batch) stacks several hospitals into one system; run r
    # holds people run_ptr[r]:run_ptr[r+1] and microsystems ms_ptr[r]:ms_ptr[r+1]. One
    # run: [0, n] and [0, n_ms]. The rest is filled by with_indices.
    run_ptr: np.ndarray | None = None
    ms_ptr: np.ndarray | None = None
    run_of: np.ndarray | None = None
    ms_run: np.ndarray | None = None
    influence_scale: np.ndarray | None = None
    sizes: RunSizes | None = None

    @property
    def n_runs(self) -> int:
        """How many hospitals this system holds (1 unless stacked by a batch)."""
        return 1 if self.run_ptr is None else self.run_ptr.size - 1


def segment_sums(x: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Sums of ``x[ptr[r]:ptr[r+1]]`` for every segment ``r`` (0 for an empty one).

    ``np.add.reduceat`` sums a segment the same way wherever it lies in ``x`` (checked
    in ``tests/test_batch.py``), so a run's totals are the same bits alone or stacked.
    """
    if ptr.size == 2:  # one run: its one segment is the whole of x
        return np.add.reduceat(x, ptr[:1]) if x.size else np.zeros(1)
    out = np.zeros(ptr.size - 1)
    full = ptr[1:] > ptr[:-1]
    if full.all():
        return np.add.reduceat(x, ptr[:-1]) if x.size else out
    if full.any():
        out[full] = np.add.reduceat(x, ptr[:-1][full])
    return out


def segment_sums_rows(x: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """:func:`segment_sums` of every row of a 2-D ``x``: (rows, segments)."""
    out = np.zeros((x.shape[0], ptr.size - 1))
    full = ptr[1:] > ptr[:-1]
    if full.any() and x.shape[1]:
        out[:, full] = np.add.reduceat(x, ptr[:-1][full], axis=1)
    return out


def group_ptr(sorted_idx: np.ndarray, run_ptr: np.ndarray) -> np.ndarray:
    """Segment bounds of each run within an ascending array of person indices."""
    return np.searchsorted(sorted_idx, run_ptr)


@dataclass(frozen=True)
class RunSizes:
    """Per-run groups for the reporters: segment bounds and sizes.

    ``*_ptr`` are segment bounds within the matching index array of :class:`Constants`
    (``clinical_idx``, ``leader_idx``, ``follower_idx``; ``ms`` within the microsystems);
    ``*_n`` the group sizes as floats, NaN for an empty group, so that a mean over an
    empty group is NaN as ``x[idx].mean()`` would give it. ``clinical_pad`` lays each
    run's clinical staff out in one row (``clinical_valid`` marks the real entries) for
    per-run order statistics; ``quantile_*`` are numpy's 'linear' quantile indices (into
    those rows, flattened) and weights for each run's size
    (:func:`medlead.model.outputs.run_quantiles`).
    """

    clinical_ptr: np.ndarray
    clinical_n: np.ndarray
    clinical_pad: np.ndarray
    clinical_valid: np.ndarray
    leader_ptr: np.ndarray
    leader_n: np.ndarray
    follower_ptr: np.ndarray
    follower_n: np.ndarray
    ms_n: np.ndarray
    role_n: np.ndarray
    quantile_lo: np.ndarray
    quantile_hi: np.ndarray
    quantile_gamma: np.ndarray
    quantile_ok: np.ndarray


def _as_sizes(counts: np.ndarray) -> np.ndarray:
    return np.where(counts > 0, counts, np.nan).astype(float)


QUANTILES = np.array([0.1, 0.5, 0.9])
"""The commitment quantiles reported every week (p10, p50, p90)."""


def _quantile_layout(n: np.ndarray, width: int) -> dict[str, np.ndarray]:
    """Where numpy's 'linear' quantiles of each run lie in its padded, sorted row.

    The virtual index ``(n-1) q``, the order statistics either side (clamped at the
    top) and the weight between them, as flat indices into a (runs, width) array.
    """
    n = n[:, None]
    vi = (n - 1) * QUANTILES[None, :]
    top = vi >= n - 1
    lo = np.where(top, n - 1, np.floor(vi))
    hi = np.where(top, n - 1, np.floor(vi) + 1)
    base = np.arange(n.shape[0])[:, None] * width
    return {
        "quantile_lo": (base + lo.clip(0).astype(np.intp)),
        "quantile_hi": (base + hi.clip(0).astype(np.intp)),
        "quantile_gamma": vi - lo,
        "quantile_ok": np.broadcast_to(n > 0, vi.shape).copy(),
    }


def with_indices(const: Constants, weeks: int = 0) -> Constants:
    """``const`` with the index arrays of the hot loop filled in (a no-op once filled).

    ``weeks`` (0: unknown) is how long the system will run, for the choice of the
    compiled neighbour kernel (:func:`medlead.model.accel.kernel`).
    """
    if const.edge_work is not None:
        return const
    n = const.n
    run_ptr = np.array([0, n]) if const.run_ptr is None else const.run_ptr
    ms_ptr = np.array([0, const.n_ms]) if const.ms_ptr is None else const.ms_ptr
    n_runs = run_ptr.size - 1
    run_of = np.repeat(np.arange(n_runs), np.diff(run_ptr))
    ms_run = np.repeat(np.arange(n_runs), np.diff(ms_ptr))
    # Each run's most influential person scales target choice within that run only.
    run_max = np.array(
        [
            const.influence[a:b].max(initial=0.0)
            for a, b in zip(run_ptr[:-1], run_ptr[1:], strict=True)
        ]
    )
    ms = const.microsystem
    in_ms_idx = np.flatnonzero((ms >= 0) & const.clinical)
    in_ms_ms = ms[in_ms_idx]
    # Reporters count flags by (role group, clinical) with one bincount (outputs.py).
    group = np.full(n, len(const.role_masks), np.int64)
    for g, mask in enumerate(const.role_masks.values()):
        group[mask] = g
    clinical_idx = np.flatnonzero(const.clinical)
    leader_idx = np.flatnonzero(const.is_leader)
    follower_idx = np.flatnonzero(const.follower)

    clinical_ptr = group_ptr(clinical_idx, run_ptr)
    leader_ptr = group_ptr(leader_idx, run_ptr)
    follower_ptr = group_ptr(follower_idx, run_ptr)
    role_idx = {k: np.flatnonzero(v) for k, v in const.role_masks.items()}
    n_clin = np.diff(clinical_ptr)
    width = np.arange(max(1, int(n_clin.max(initial=0))))
    valid = width[None, :] < n_clin[:, None]
    sizes = RunSizes(
        clinical_ptr=clinical_ptr,
        clinical_n=_as_sizes(n_clin),
        clinical_pad=np.where(valid, clinical_ptr[:-1, None] + width[None, :], 0),
        clinical_valid=valid,
        leader_ptr=leader_ptr,
        leader_n=_as_sizes(np.diff(leader_ptr)),
        follower_ptr=follower_ptr,
        follower_n=_as_sizes(np.diff(follower_ptr)),
        ms_n=_as_sizes(np.diff(ms_ptr)),
        role_n=_as_sizes(
            np.stack([np.diff(group_ptr(i, run_ptr)) for i in role_idx.values()], axis=1)
        ),
        **_quantile_layout(n_clin, width.size),
    )
    return dataclasses.replace(
        const,
        report_key=(group * 2 + const.clinical) * 8,
        edge_work=EdgeWork(const.ties, const.tie_rows, const.lead_weight, weeks),
        in_ms_idx=in_ms_idx,
        in_ms_ms=in_ms_ms,
        has_ms=ms >= 0,
        clinical_idx=clinical_idx,
        leader_idx=leader_idx,
        follower_idx=follower_idx,
        role_idx=role_idx,
        run_ptr=run_ptr,
        ms_ptr=ms_ptr,
        run_of=run_of,
        ms_run=ms_run,
        influence_scale=run_max[run_of],
        sizes=sizes,
    )


ROLE_GROUPS: dict[str, tuple[int, ...]] = {
    "consultant": (0, 7),
    "junior": (1,),
    "nurse": (2, 3, 8),
    "manager": (4, 5, 6),
}


def derive_constants(
    org: Organisation, params: Params, runs: tuple[np.ndarray, np.ndarray] | None = None
) -> Constants:
    """Precompute what the weekly step needs and does not change during a run.

    ``runs`` = ``(run_ptr, ms_ptr)`` marks an organisation that stacks several runs'
    hospitals (:mod:`medlead.model.batch`): run ``r`` holds people
    ``run_ptr[r]:run_ptr[r+1]`` and microsystems ``ms_ptr[r]:ms_ptr[r+1]``.
    Everything here is computed per person, per tie or per row, so a stacked hospital
    gets the same constants, to the bit, as it would alone.

    The influence network is the union of microsystem and professional ties (weighted
    by the neighbour's influence: inverted power) and leader → follower ties (weighted
    each week by the leader's effective credibility: followership). The peer-practice
    matrix holds the microsystem ties between clinical staff, weighted by influence. The
    line's reach (the share of top pressure reaching each person) follows the management
    ties, each passing on ``line_transmission`` of its superior's pressure, the general
    manager's ties also the duality factor.
    """
    n = org.n
    clinical = org.clinical
    coupling = np.where(org.world == World.MANAGER, 1.0, params.hierarchy_coupling)
    dq = np.where(org.directorate >= 0, 0.5 + org.duality_quality[org.directorate.clip(0)], 1.0)
    peer = sp.coo_array(
        (org.ties["microsystem"] + org.ties["professional"]).multiply(org.influence[None, :])
    )
    lead = org.ties["leadership"].tocoo()
    rows = np.concatenate([peer.row, lead.row]).astype(np.int64)
    cols = np.concatenate([peer.col, lead.col]).astype(np.int64)
    w_peer = np.concatenate([peer.data, np.zeros(lead.nnz)])
    w_lead = np.concatenate([np.zeros(peer.nnz), lead.data])
    # Edges by (row, column), stably: one sort of a combined key is the order of
    # np.lexsort((cols, rows)) at a tenth of its cost.
    key = rows * n + cols
    order = np.argsort(key, kind="stable")
    key, rows, cols, w_peer, w_lead = (a[order] for a in (key, rows, cols, w_peer, w_lead))
    first = np.ones(rows.size, bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    rows, cols = rows[starts], cols[starts]
    w_peer = np.add.reduceat(w_peer, starts) if starts.size else w_peer
    w_lead = np.add.reduceat(w_lead, starts) if starts.size else w_lead
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    combined = sp.csr_array((w_peer + w_lead, cols, indptr), shape=(n, n))
    tie_rows = rows

    line = org.ties["management"].tocsr()
    superior = line.indices
    sub_row = np.repeat(np.arange(n), np.diff(line.indptr))
    from_gm = org.role[superior] == Role.GENERAL_MANAGER
    tau = np.where(from_gm, params.line_transmission * dq[sub_row], params.line_transmission)
    top = (org.role == Role.CHIEF_EXECUTIVE).astype(float)
    reach = line_reach(line, top, tau)

    clin_f = clinical.astype(float)
    ms_peer = sp.csr_array(
        org.ties["microsystem"]
        .multiply(clin_f[:, None])
        .multiply((org.influence * clin_f)[None, :])
    )
    ms_peer.eliminate_zeros()
    ms_peer.sort_indices()

    ms = org.microsystem
    in_ms = (ms >= 0) & clinical
    ms_clin_size = np.bincount(ms[in_ms], minlength=org.n_microsystems).astype(float)
    followers = np.zeros(n, bool)
    scope_targets = org.scope_idx[np.repeat(org.leader != Leader.NONE, np.diff(org.scope_ptr))]
    followers[scope_targets] = True
    followers &= org.leader == Leader.NONE
    role_masks = {k: np.isin(org.role, v) for k, v in ROLE_GROUPS.items()}
    const = Constants(
        n=n,
        n_ms=org.n_microsystems,
        clinical=clinical,
        coupling=coupling,
        reach=reach,
        duality_factor=dq,
        is_director=org.leader == Leader.CLINICAL_DIRECTOR,
        is_leader=org.leader != Leader.NONE,
        follower=followers,
        microsystem=ms,
        ms_index=ms.clip(0),
        ms_clinical_size=ms_clin_size,
        threshold=org.threshold,
        influence=org.influence,
        scope_ptr=org.scope_ptr,
        scope_len=np.diff(org.scope_ptr),
        scope_idx=org.scope_idx,
        ties=combined,
        tie_rows=tie_rows,
        ms_peer=ms_peer,
        ms_peer_rowsum=ms_peer @ np.ones(n),
        peer_weight=w_peer,
        lead_weight=w_lead,
        role_masks=role_masks,
        compliance_decay=decay_factor(params.compliance_half_life),
        commitment_decay=decay_factor(params.commitment_half_life),
        habit_decay=decay_factor(params.habit_half_life),
        recovery=1.0 - decay_factor(params.receptivity_recovery_weeks),
        run_ptr=None if runs is None else runs[0],
        ms_ptr=None if runs is None else runs[1],
    )
    # A stack of several runs visits its ties often enough for the compiled kernel to
    # pay even on small hospitals; one run's kernel choice goes by its size alone.
    stacked = runs is not None and runs[0].size > 2
    return with_indices(const, params.weeks if stacked else 0)
