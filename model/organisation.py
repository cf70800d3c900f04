"""Build a Trust: staff attributes as arrays and ties as sparse matrices by kind.

Everything here is vectorised (no Python loop over staff), so 50,000 staff build in
about a second. Staff are laid out microsystem by microsystem (consultants, juniors,
nurses with the ward leader first, then the microsystem manager), then one general
manager per directorate, then the executive team (chief executive, medical director,
nursing director). Matrices use the convention ``A[i, j] > 0``: *j* bears on *i* (row =
the person influenced, column = the influence), so ``A @ x`` gathers from neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import networkx as nx

from medlead.model.params import Params


class Role(IntEnum):
    """Formal role of a member of staff."""

    CONSULTANT = 0
    JUNIOR = 1
    NURSE = 2
    WARD_LEADER = 3
    MICROSYSTEM_MANAGER = 4
    GENERAL_MANAGER = 5
    CHIEF_EXECUTIVE = 6
    MEDICAL_DIRECTOR = 7
    NURSING_DIRECTOR = 8


class World(IntEnum):
    """Glouberman & Mintzberg's (2001) worlds: cure (doctors), care (nurses), control."""

    DOCTOR = 0
    NURSE = 1
    MANAGER = 2


class Leader(IntEnum):
    """Leadership role held (none for most staff)."""

    NONE = 0
    CLINICAL_LEAD = 1
    CLINICAL_DIRECTOR = 2
    MEDICAL_DIRECTOR = 3
    WARD_LEADER = 4
    NURSING_DIRECTOR = 5


WORLD_OF_ROLE = np.array([0, 0, 1, 1, 2, 2, 2, 0, 1], dtype=np.int8)
TIE_KINDS: tuple[str, ...] = ("microsystem", "professional", "management", "leadership")

# Autonomy of managers and executives relative to the consultants' mean (Mintzberg 1979:
# the operating core's professionals hold most discretion). Managers *are* the line, whose
# coupling is 1, so their autonomy only enters reactance; the medical and nursing
# directors are clinicians (doctor and nurse worlds), so theirs also lowers the pressure
# that binds them. Juniors' and nurses' factors are the parameters ``junior_autonomy`` and
# ``nurse_autonomy``. Assumption.
MANAGER_AUTONOMY = {
    Role.MICROSYSTEM_MANAGER: 0.15,
    Role.GENERAL_MANAGER: 0.15,
    Role.CHIEF_EXECUTIVE: 0.1,
    Role.MEDICAL_DIRECTOR: 0.9,
    Role.NURSING_DIRECTOR: 0.5,
}
# How far each leadership role is identified with Trust management, before the scale
# ``leader_identification``, formal selection and management time (seed, Results 2 and 4;
# assumption for the values).
IDENTIFICATION_LEVEL = np.array([0.0, 0.4, 0.7, 1.0, 0.3, 0.8])
MEDICAL_LEADERS = (Leader.CLINICAL_LEAD, Leader.CLINICAL_DIRECTOR, Leader.MEDICAL_DIRECTOR)
DIRECTORS = (Leader.CLINICAL_DIRECTOR, Leader.MEDICAL_DIRECTOR, Leader.NURSING_DIRECTOR)


def autonomy_factor(params: Params) -> np.ndarray:
    """Autonomy of each :class:`Role` relative to the consultants' mean ``autonomy``."""
    f = np.ones(len(Role))
    f[Role.JUNIOR] = params.junior_autonomy
    f[[Role.NURSE, Role.WARD_LEADER]] = params.nurse_autonomy
    for role, x in MANAGER_AUTONOMY.items():
        f[role] = x
    return f


def time_factor(params: Params) -> np.ndarray:
    """Programme-time multiplier per :class:`Leader` role (0 for staff without one).

    Directors (clinical, medical, nursing) hold ``director_time_factor`` times the
    leaders' PAs (clinical directors 1-3 PAs vs leads 0.5-1, Dickinson et al. 2013).
    """
    f = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    f[list(DIRECTORS)] = params.director_time_factor
    return f


@dataclass
class Organisation:
    """A generated Trust: staff attributes (arrays) and tie matrices (CSR, by kind).

    Attributes:
        role, world, leader: per-person codes (see :class:`Role`, :class:`World`,
            :class:`Leader`).
        microsystem, directorate: indices, ``-1`` where a person sits outside one.
        autonomy, credibility, identification, threshold, influence, commitment0:
            heterogeneous per-person attributes drawn from the organisation stream.
        duality_quality: per directorate.
        ties: CSR matrix per tie kind (``TIE_KINDS``).
        scope_ptr, scope_idx: CSR-style list of whom each person may persuade (leaders:
            their followers; everyone else: same-world colleagues in their microsystem).
        ms_ptr: staff of microsystem ``m`` are ``ms_ptr[m]:ms_ptr[m+1]``.
    """

    params: Params
    role: np.ndarray
    world: np.ndarray
    leader: np.ndarray
    microsystem: np.ndarray
    directorate: np.ndarray
    autonomy: np.ndarray
    credibility: np.ndarray
    identification: np.ndarray
    threshold: np.ndarray
    influence: np.ndarray
    commitment0: np.ndarray
    duality_quality: np.ndarray
    ms_ptr: np.ndarray
    ms_directorate: np.ndarray
    ties: dict[str, sp.csr_array]
    scope_ptr: np.ndarray
    scope_idx: np.ndarray
    _graph: nx.DiGraph | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of staff."""
        return int(self.role.size)

    @property
    def n_microsystems(self) -> int:
        """Number of clinical microsystems."""
        return int(self.ms_ptr.size - 1)

    @property
    def clinical(self) -> np.ndarray:
        """Mask of clinical staff (doctors and nurses): the denominators of shares."""
        return self.world != World.MANAGER

    def scope_of(self, i: int) -> np.ndarray:
        """Whom person ``i`` may persuade."""
        return self.scope_idx[self.scope_ptr[i] : self.scope_ptr[i + 1]]

    def edges(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(influenced, influencer, weight) arrays of one tie kind."""
        coo = self.ties[kind].tocoo()
        return coo.row, coo.col, coo.data

    def to_networkx(self, kinds: tuple[str, ...] = TIE_KINDS) -> nx.DiGraph:
        """A networkx view (edges influencer → influenced, attribute ``kind`` and ``weight``).

        Built on demand only: networkx costs ~280 bytes per edge, so prefer the sparse
        matrices for large organisations.
        """
        import networkx as nx  # ~0.15 s of imports, only for this view

        g = nx.DiGraph()
        g.add_nodes_from(
            (i, {"role": Role(int(r)).name.lower(), "microsystem": int(m), "directorate": int(d)})
            for i, (r, m, d) in enumerate(
                zip(self.role, self.microsystem, self.directorate, strict=True)
            )
        )
        for kind in kinds:
            rows, cols, w = self.edges(kind)
            g.add_edges_from(
                (int(c), int(r), {"kind": kind, "weight": float(x)})
                for r, c, x in zip(rows, cols, w, strict=True)
            )
        return g


def _beta(rng: np.random.Generator, mean: np.ndarray | float, sd: float, size: int) -> np.ndarray:
    """Beta draws with the given mean and sd (sd clipped to what a Beta can have)."""
    mean = np.clip(np.broadcast_to(np.asarray(mean, float), (size,)), 1e-3, 1 - 1e-3)
    var = np.minimum(sd**2, mean * (1 - mean) * 0.99)
    if sd**2 == 0:  # also a positive sd whose square underflows (1e-170)
        return mean.copy()
    k = mean * (1 - mean) / var - 1
    return rng.beta(mean * k, (1 - mean) * k)


def _pairs_within(ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, inside each block ``ptr[b]:ptr[b+1]``."""
    sizes = np.diff(ptr)
    block_of = np.repeat(np.arange(sizes.size), sizes)
    members = np.arange(ptr[-1])
    rows = np.repeat(members, sizes[block_of])
    # Column offsets restart at each row's block start.
    starts = np.repeat(ptr[:-1][block_of], sizes[block_of])
    run_start = np.repeat(np.cumsum(sizes[block_of]) - sizes[block_of], sizes[block_of])
    cols = starts + (np.arange(rows.size) - run_start)
    keep = rows != cols
    return rows[keep], cols[keep]


def _csr(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int) -> sp.csr_array:
    """COO → CSR, summing duplicates, with sorted indices."""
    m = sp.coo_array((w.astype(float), (rows, cols)), shape=(n, n)).tocsr()
    m.sum_duplicates()
    m.sort_indices()
    return m


def build_organisation(params: Params, rng: np.random.Generator) -> Organisation:
    """Generate a Trust from ``params`` using only the organisation stream ``rng``.

    Heterogeneity: microsystem size (lognormal, CV ``size_heterogeneity``), leader
    credibility (lifted for formally selected medical leaders by ``selection_quality``),
    duality quality, autonomy and practice thresholds.
    """
    pr = params
    n_dir = pr.n_directorates
    n_ms = n_dir * pr.microsystems_per_directorate
    ms_dir = np.repeat(np.arange(n_dir), pr.microsystems_per_directorate)

    # --- microsystem sizes (mean-one lognormal multiplier)
    cv = pr.size_heterogeneity
    sigma = np.sqrt(np.log1p(cv**2))
    mult = rng.lognormal(-(sigma**2) / 2, sigma, n_ms) if cv > 0 else np.ones(n_ms)
    n_con = np.maximum(1, np.rint(pr.consultants_per_microsystem * mult)).astype(np.int64)
    n_jun = np.maximum(0, np.rint(pr.juniors_per_microsystem * mult)).astype(np.int64)
    n_nur = np.maximum(1, np.rint(pr.nurses_per_microsystem * mult)).astype(np.int64)
    size = n_con + n_jun + n_nur + 1
    ms_ptr = np.concatenate([[0], np.cumsum(size)])
    n_ms_staff = int(ms_ptr[-1])
    n = n_ms_staff + n_dir + 3

    # --- roles, laid out microsystem by microsystem
    microsystem = np.full(n, -1, dtype=np.int64)
    microsystem[:n_ms_staff] = np.repeat(np.arange(n_ms), size)
    pos = np.arange(n_ms_staff) - ms_ptr[microsystem[:n_ms_staff]]
    m = microsystem[:n_ms_staff]
    c_end, j_end = n_con[m], n_con[m] + n_jun[m]
    role = np.empty(n, dtype=np.int8)
    role[:n_ms_staff] = np.select(
        [pos < c_end, pos < j_end, pos == j_end, pos < j_end + n_nur[m]],
        [Role.CONSULTANT, Role.JUNIOR, Role.WARD_LEADER, Role.NURSE],
        Role.MICROSYSTEM_MANAGER,
    )
    gm = np.arange(n_ms_staff, n_ms_staff + n_dir)
    ceo, md, nd = n - 3, n - 2, n - 1
    role[gm] = Role.GENERAL_MANAGER
    role[[ceo, md, nd]] = [Role.CHIEF_EXECUTIVE, Role.MEDICAL_DIRECTOR, Role.NURSING_DIRECTOR]
    directorate = np.full(n, -1, dtype=np.int64)
    directorate[:n_ms_staff] = ms_dir[m]
    directorate[gm] = np.arange(n_dir)
    world = WORLD_OF_ROLE[role]

    # --- medical leaders: one clinical director per directorate, then clinical leads
    # spread one per microsystem before any microsystem gets a second.
    leader = np.zeros(n, dtype=np.int8)
    leader[role == Role.WARD_LEADER] = Leader.WARD_LEADER
    leader[nd] = Leader.NURSING_DIRECTOR
    cons = np.flatnonzero(role == Role.CONSULTANT)
    n_leaders = round(pr.leader_share * cons.size)
    if n_leaders > 0:
        leader[md] = Leader.MEDICAL_DIRECTOR
        key = rng.random(cons.size)
        by_dir = cons[np.lexsort((key, directorate[cons]))]
        first = np.concatenate([[True], np.diff(directorate[by_dir]) != 0])
        cds = by_dir[first]
        leader[cds] = Leader.CLINICAL_DIRECTOR
        rest = cons[leader[cons] == Leader.NONE]
        rkey = rng.random(rest.size)
        order = np.lexsort((rkey, microsystem[rest]))
        ranked = rest[order]
        ms_sorted = microsystem[ranked]
        starts = np.concatenate([[0], np.flatnonzero(np.diff(ms_sorted)) + 1])
        rank = np.arange(ranked.size) - np.repeat(starts, np.diff(np.append(starts, ranked.size)))
        # Microsystems already holding the clinical director come last in round 0.
        has_cd = np.zeros(n_ms, bool)
        has_cd[microsystem[cds]] = True
        prio = rank + has_cd[ms_sorted]
        pick = ranked[np.lexsort((rkey[order], prio))[: max(0, n_leaders - cds.size)]]
        leader[pick] = Leader.CLINICAL_LEAD

    # --- heterogeneous attributes
    autonomy = np.clip(autonomy_factor(pr)[role] * pr.autonomy + rng.normal(0, 0.05, n), 0.0, 1.0)
    credibility = np.clip(rng.normal(pr.credibility_mean, pr.credibility_sd, n), 0.02, 1.0)
    # Formal selection picks better medical leaders: it closes selection_quality x
    # formal_selection of the gap to full credibility (seed, Results 2).
    medical = np.isin(leader, MEDICAL_LEADERS)
    lift = pr.selection_quality * pr.formal_selection
    credibility = np.where(medical, credibility + lift * (1.0 - credibility), credibility)
    duality = np.clip(rng.normal(pr.duality_quality_mean, pr.duality_quality_sd, n_dir), 0, 1)
    time_pa = time_factor(pr)[leader] * pr.leader_time_pa
    identification = np.clip(
        IDENTIFICATION_LEVEL[leader] * pr.leader_identification * (0.5 + pr.formal_selection)
        + pr.time_identification * time_pa,
        0.0,
        1.0,
    )
    identification[leader == Leader.NONE] = 0.0
    identification[world == World.MANAGER] = 1.0
    threshold = np.clip(_beta(rng, pr.threshold_mean, pr.threshold_sd, n), 0.0, 1.0)
    influence = np.where(
        (role == Role.CONSULTANT) | (role == Role.MEDICAL_DIRECTOR), pr.senior_influence, 1.0
    )
    commitment0 = (
        _beta(rng, pr.initial_commitment, 0.1, n) if pr.initial_commitment > 0 else (np.zeros(n))
    )

    # --- ties
    ties: dict[str, sp.csr_array] = {}
    r, c = _pairs_within(ms_ptr)
    w = np.where(world[r] == world[c], 1.0, pr.cross_world_weight)
    keep = w > 0
    ties["microsystem"] = _csr(r[keep], c[keep], w[keep], n)
    ties["professional"] = _professional_ties(pr, rng, role, world, microsystem, directorate, n)
    ties["management"] = _management_ties(
        role, microsystem, directorate, ms_dir, gm, ceo, md, nd, n
    )
    scope_rows, scope_cols = _leadership_scopes(leader, role, world, microsystem, directorate, n)
    # Duality tie between each clinical director and their general manager.
    cd_idx = np.flatnonzero(leader == Leader.CLINICAL_DIRECTOR)
    d_of = directorate[cd_idx]
    lr = np.concatenate([scope_rows, cd_idx, gm[d_of]])
    lc = np.concatenate([scope_cols, gm[d_of], cd_idx])
    lw = np.concatenate([np.ones(scope_rows.size), duality[d_of], duality[d_of]])
    lkeep = lw > 0
    ties["leadership"] = _csr(lr[lkeep], lc[lkeep], lw[lkeep], n)

    # --- persuasion scopes: leaders' followers; everyone else same-world ms colleagues
    same = world[r] == world[c]
    pr_rows = np.concatenate([scope_cols, c[same]])  # persuader
    pr_cols = np.concatenate([scope_rows, r[same]])  # target
    is_leader_scope = np.concatenate([np.ones(scope_rows.size, bool), np.zeros(same.sum(), bool)])
    # A leader's scope replaces the peer scope.
    drop = (~is_leader_scope) & (leader[pr_rows] != Leader.NONE)
    pr_rows, pr_cols = pr_rows[~drop], pr_cols[~drop]
    order = np.lexsort((pr_cols, pr_rows))
    scope_idx = pr_cols[order].astype(np.int64)
    scope_ptr = np.concatenate([[0], np.cumsum(np.bincount(pr_rows, minlength=n))])

    return Organisation(
        params=pr,
        role=role,
        world=world,
        leader=leader,
        microsystem=microsystem,
        directorate=directorate,
        autonomy=autonomy,
        credibility=credibility,
        identification=identification,
        threshold=threshold,
        influence=influence,
        commitment0=commitment0,
        duality_quality=duality,
        ms_ptr=ms_ptr,
        ms_directorate=ms_dir,
        ties=ties,
        scope_ptr=scope_ptr,
        scope_idx=scope_idx,
    )


def _professional_ties(
    pr: Params,
    rng: np.random.Generator,
    role: np.ndarray,
    world: np.ndarray,
    microsystem: np.ndarray,
    directorate: np.ndarray,
    n: int,
) -> sp.csr_array:
    """Undirected same-world ties between consultants (or nurses) of different microsystems.

    Each consultant and nurse draws Poisson(``cross_ties_per_clinician``) partners of the
    same role group, 80% inside the directorate; draws landing in the own microsystem are
    dropped (so the mean is slightly lower in very small Trusts).
    """
    groups = [
        np.flatnonzero(role == Role.CONSULTANT),
        np.flatnonzero((role == Role.NURSE) | (role == Role.WARD_LEADER)),
    ]
    rows, cols = [], []
    for members in groups:
        if members.size < 2 or pr.cross_ties_per_clinician == 0:
            continue
        k = rng.poisson(pr.cross_ties_per_clinician, members.size)
        src = np.repeat(members, k)
        # Inside-directorate partner: a random member of the same group in the directorate.
        d_sorted = members[np.argsort(directorate[members], kind="stable")]
        d_of = directorate[d_sorted]
        d_start = np.searchsorted(d_of, directorate[src], side="left")
        d_end = np.searchsorted(d_of, directorate[src], side="right")
        inside = rng.random(src.size) < 0.8
        u = rng.random(src.size)
        local = d_sorted[np.minimum(d_start + (u * (d_end - d_start)).astype(np.int64), d_end - 1)]
        anywhere = members[np.minimum((u * members.size).astype(np.int64), members.size - 1)]
        dst = np.where(inside, local, anywhere)
        ok = microsystem[src] != microsystem[dst]
        rows.append(src[ok])
        cols.append(dst[ok])
    if not rows:
        return sp.csr_array((n, n))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    m = _csr(np.concatenate([r, c]), np.concatenate([c, r]), np.ones(2 * r.size), n)
    m.data[:] = 1.0  # a repeated tie is still one tie
    return m


def _management_ties(
    role: np.ndarray,
    microsystem: np.ndarray,
    directorate: np.ndarray,
    ms_dir: np.ndarray,
    gm: np.ndarray,
    ceo: int,
    md: int,
    nd: int,
    n: int,
) -> sp.csr_array:
    """The management line, superior → subordinate: CEO → GMs, directors → managers → staff."""
    mgr = np.flatnonzero(role == Role.MICROSYSTEM_MANAGER)
    mgr_of_ms = np.empty(ms_dir.size, dtype=np.int64)
    mgr_of_ms[microsystem[mgr]] = mgr
    staff = np.flatnonzero((microsystem >= 0) & (role != Role.MICROSYSTEM_MANAGER))
    rows = np.concatenate([gm, [md, nd], mgr, staff])
    cols = np.concatenate(
        [np.full(gm.size + 2, ceo), gm[ms_dir[microsystem[mgr]]], mgr_of_ms[microsystem[staff]]]
    )
    return _csr(rows, cols, np.ones(rows.size), n)


def _leadership_scopes(
    leader: np.ndarray,
    role: np.ndarray,
    world: np.ndarray,
    microsystem: np.ndarray,
    directorate: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(follower, leader) pairs: whom each leader leads.

    Clinical lead → doctors of the microsystem; clinical director → consultants of the
    directorate; medical director → all consultants; ward leader → nurses of the
    microsystem; nursing director → all nurses and ward leaders.
    """
    doctors = (role == Role.CONSULTANT) | (role == Role.JUNIOR)
    consultants = role == Role.CONSULTANT
    nurses = (role == Role.NURSE) | (role == Role.WARD_LEADER)
    pairs_r, pairs_c = [], []

    def by_group(lead_mask: np.ndarray, follow_mask: np.ndarray, group: np.ndarray) -> None:
        leaders = np.flatnonzero(lead_mask)
        follows = np.flatnonzero(follow_mask)
        if leaders.size == 0 or follows.size == 0:
            return
        f_sorted = follows[np.argsort(group[follows], kind="stable")]
        g = group[f_sorted]
        lo = np.searchsorted(g, group[leaders], "left")
        hi = np.searchsorted(g, group[leaders], "right")
        cnt = hi - lo
        lead_rep = np.repeat(leaders, cnt)
        off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        fol = f_sorted[np.repeat(lo, cnt) + off]
        keep = fol != lead_rep
        pairs_r.append(fol[keep])
        pairs_c.append(lead_rep[keep])

    everyone = np.zeros(n, dtype=np.int64)
    by_group(leader == Leader.CLINICAL_LEAD, doctors, microsystem)
    by_group(leader == Leader.CLINICAL_DIRECTOR, consultants, directorate)
    by_group(leader == Leader.MEDICAL_DIRECTOR, consultants, everyone)
    by_group(leader == Leader.WARD_LEADER, nurses, microsystem)
    by_group(leader == Leader.NURSING_DIRECTOR, nurses, everyone)
    if not pairs_r:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pairs_r), np.concatenate(pairs_c)
