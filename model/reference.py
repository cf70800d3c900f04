"""The oracle: one week of the model as a plain loop over people and their neighbours.

This is a second, independent implementation of :func:`medlead.model.dynamics.step`,
written for clarity rather than speed. It reads the equations from the docstrings of
:mod:`medlead.model.mechanisms` and the order of the week (and of its random draws) from
:mod:`medlead.model.dynamics`, but calls neither: every quantity is computed person by
person from adjacency lists built straight from the :class:`Organisation`'s tie
matrices. Tests hold single steps of the two against each other from many random states
(they must agree to 1e-12 with the same random draws); benchmarks time it as the
"idiomatic per-agent" baseline.

The random draws are consumed exactly as the vectorised week consumes them:

1. ``rng.random(n)``: one uniform per person, for becoming a champion;
2. ``rng.random((m, K))``: ``K = candidate_sample`` uniforms for each of the ``m``
   persuaders who need a new engagement this week, in ascending agent order; uniform
   ``u`` picks ``scope[int(u * len(scope))]``.

Usage::

    world = prepare(org, params)          # adjacency lists, once per run
    for _ in range(weeks):
        reference_step(state, world, params, rng)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from medlead.model.organisation import Leader, Organisation, World
from medlead.model.params import Params
from medlead.model.state import State

__all__ = ["ReferenceWorld", "prepare", "reference_step"]


@dataclass
class ReferenceWorld:
    """Per-person lists the loop needs, derived from an organisation and parameters.

    Attributes:
        n: number of staff.
        clinical: whether each person is a doctor or a nurse.
        coupling: how far line authority overrides each person's autonomy (1 for
            managers, who are the line; ``hierarchy_coupling`` for clinicians).
        duality: ``0.5 + duality quality`` of the person's directorate (1 outside one).
        is_director: whether each person is a clinical director.
        is_leader: whether each person holds any leadership role.
        microsystem: microsystem index (-1 outside one).
        threshold: practice threshold.
        influence: weight of the person's opinion among microsystem peers.
        scope: whom each person may persuade, as a list of indices.
        neighbours: for each person ``i``, ``(j, peer_weight, leader_weight)`` for every
            ``j`` bearing on ``i``, ascending in ``j``.
        ms_members: clinical staff of each microsystem.
        compliance_decay, commitment_decay: weekly multipliers ``2**(-1/h)``.
        recovery: share of lost receptivity that returns each week.
    """

    n: int
    clinical: list[bool]
    coupling: list[float]
    duality: list[float]
    is_director: list[bool]
    is_leader: list[bool]
    microsystem: list[int]
    threshold: list[float]
    influence: list[float]
    scope: list[list[int]]
    neighbours: list[list[tuple[int, float, float]]]
    ms_members: list[list[int]]
    compliance_decay: float
    commitment_decay: float
    recovery: float


def _rows(matrix) -> list[list[tuple[int, float]]]:
    """A CSR matrix as, for each row ``i``, the list of ``(column, weight)``."""
    ptr, idx, data = matrix.indptr, matrix.indices, matrix.data
    return [
        [(int(idx[k]), float(data[k])) for k in range(ptr[i], ptr[i + 1])]
        for i in range(matrix.shape[0])
    ]


def prepare(org: Organisation, params: Params) -> ReferenceWorld:
    """Build the oracle's adjacency lists from the organisation (not from ``Constants``).

    Influence on person ``i`` from neighbour ``j`` has a peer part (microsystem tie weight
    times ``j``'s influence, plus any professional tie) and a followership part (the
    leadership tie weight, multiplied each week by ``j``'s effective credibility).
    """
    n = org.n
    clinical = [int(w) != World.MANAGER for w in org.world]
    coupling = [1.0 if not clinical[i] else params.hierarchy_coupling for i in range(n)]
    duality = [
        0.5 + float(org.duality_quality[d]) if d >= 0 else 1.0 for d in org.directorate.tolist()
    ]
    influence = [float(x) for x in org.influence]

    ms_rows = _rows(org.ties["microsystem"])
    prof_rows = _rows(org.ties["professional"])
    lead_rows = _rows(org.ties["leadership"])
    neighbours: list[list[tuple[int, float, float]]] = []
    for i in range(n):
        peer: dict[int, float] = {}
        lead: dict[int, float] = {}
        for j, w in ms_rows[i]:
            peer[j] = peer.get(j, 0.0) + w * influence[j]
        for j, w in prof_rows[i]:
            peer[j] = peer.get(j, 0.0) + w
        for j, w in lead_rows[i]:
            lead[j] = lead.get(j, 0.0) + w
        neighbours.append(
            [(j, peer.get(j, 0.0), lead.get(j, 0.0)) for j in sorted(set(peer) | set(lead))]
        )

    microsystem = [int(m) for m in org.microsystem]
    ms_members: list[list[int]] = [[] for _ in range(org.n_microsystems)]
    for i in range(n):
        if microsystem[i] >= 0 and clinical[i]:
            ms_members[microsystem[i]].append(i)

    return ReferenceWorld(
        n=n,
        clinical=clinical,
        coupling=coupling,
        duality=duality,
        is_director=[int(x) == Leader.CLINICAL_DIRECTOR for x in org.leader],
        is_leader=[int(x) != Leader.NONE for x in org.leader],
        microsystem=microsystem,
        threshold=[float(x) for x in org.threshold],
        influence=influence,
        scope=[[int(j) for j in org.scope_of(i)] for i in range(n)],
        neighbours=neighbours,
        ms_members=ms_members,
        compliance_decay=2.0 ** (-1.0 / params.compliance_half_life),
        commitment_decay=2.0 ** (-1.0 / params.commitment_half_life),
        recovery=1.0 - 2.0 ** (-1.0 / params.receptivity_recovery_weeks),
    )


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def reference_step(
    state: State,
    world: ReferenceWorld | Organisation,
    params: Params,
    rng: np.random.Generator,
) -> State:
    """Advance ``state`` by one week in place, person by person, and return it.

    Args:
        state: the model state (changed in place, like the vectorised step).
        world: a :class:`ReferenceWorld` from :func:`prepare` or an organisation (then
            prepared on every call, which is slow for large Trusts).
        params: the run's parameters.
        rng: the dynamics stream; consumed exactly as the vectorised step consumes it.
    """
    w = world if isinstance(world, ReferenceWorld) else prepare(world, params)
    pr = params
    s = state
    n = w.n
    cut = pr.committed_cutoff

    # ---- the intervention this week
    active = (
        pr.strategy != "none"
        and pr.intervention_start <= s.week < pr.withdrawal_week
        and not s.withdrawn
    )
    pressure = 0.0
    resonance = pr.resonance
    if active and pr.strategy == "mandate":
        pressure = pr.mandate_pressure
    if active and pr.strategy == "hybrid":
        pressure = pr.goal_pressure
        resonance = pr.resonance + pr.goal_resonance_boost * (1.0 - pr.resonance)
    programme = active and pr.strategy in ("persuasion", "hybrid")

    commitment = [float(x) for x in s.commitment]
    compliance = [float(x) for x in s.compliance]
    receptivity = [float(x) for x in s.receptivity]
    autonomy = [float(x) for x in s.autonomy]

    # ---- 1-2. Mandate (pressure reaching each person), reactance, compliance
    spent = []
    for i in range(n):
        a = autonomy[i]
        felt = min(1.0, pressure * (1.0 - (1.0 - w.coupling[i]) * a) * w.duality[i])
        spent.append(felt)
        loss = _clip01(pr.reactance * pressure * a * (1.0 - resonance))
        r = receptivity[i] - loss * receptivity[i]
        receptivity[i] = r + (1.0 - r) * w.recovery
        k = compliance[i]
        if k < felt:
            compliance[i] = k + pr.compliance_gain * (felt - k)
        else:
            compliance[i] = max(felt, k * w.compliance_decay)
    s.pressure = pressure
    s.pressure_spent += math.fsum(spent)

    # ---- 3. Persuasion. Champions emerge (draw 1) and lapse below the cut-off.
    u = rng.random(n)
    for i in range(n):
        stays = bool(s.champion[i]) and commitment[i] >= cut
        emerges = (
            w.clinical[i] and commitment[i] >= pr.champion_threshold and u[i] < pr.champion_rate
        )
        s.champion[i] = stays or emerges

    goal_cost = pr.goal_time_cost if pr.strategy == "hybrid" else 0.0
    hours = []
    for i in range(n):
        paid = 0.0
        if programme:
            paid = float(s.leadership_time[i]) * 4.0 * (1.0 - float(s.workload[i]))
            paid *= 1.0 - goal_cost
        unpaid = pr.champion_hours if s.champion[i] else 0.0
        hours.append(max(paid, unpaid))

    # Engagements: a committed target counts as converted and ends the engagement, as do
    # running out of time or of weeks.
    for i in range(n):
        t = int(s.target[i])
        if t < 0:
            continue
        if commitment[t] >= cut:
            s.converted[t] = True
            s.last_convert[i] = t
        if hours[i] <= 0 or s.weeks_left[i] <= 0 or commitment[t] >= cut:
            s.target[i] = -1

    # Persuaders without an engagement pick one from a sample of their scope (draw 2).
    seekers = [i for i in range(n) if hours[i] > 0 and s.target[i] < 0 and w.scope[i]]
    draws = rng.random((len(seekers), pr.candidate_sample))
    top_influence = max(w.influence)
    for row, i in enumerate(seekers):
        scope = w.scope[i]
        best_j, best_score = -1, -1.0
        for x in draws[row]:
            j = scope[int(x * len(scope))]
            if commitment[j] >= cut:
                score = 0.0
            else:
                if pr.target_rule == "least_committed":
                    q = 1.0 - commitment[j]
                else:
                    q = w.influence[j] / top_influence
                score = 1.0 + (1.0 if s.converted[j] else 0.0) + 0.5 * q
            if score > best_score:  # strict: the first of equal scores wins
                best_j, best_score = j, score
        if best_score > 0:
            s.target[i] = best_j
            s.weeks_left[i] = pr.engagement_weeks

    # Effective credibility: credibility discounted by stigma x identification.
    eff_stigma = pr.stigma * (1.0 - 0.5 * pr.career_structure)
    eff = []
    for i in range(n):
        e = float(s.credibility[i]) * (1.0 - eff_stigma * float(s.identification[i]))
        if w.is_director[i]:
            e = e * w.duality[i]
        eff.append(_clip01(e))

    # One conversation per engagement; surplus time revisits the last convert. Both act
    # on last week's commitment, so the order of persuaders does not matter.
    hpc = pr.hours_per_conversation
    from_conversations = [0.0] * n
    from_revisits = [0.0] * n
    used_conv, used_rev = [], []
    for i in range(n):
        t = int(s.target[i])
        if t >= 0:
            depth = min(1.0, hours[i] / hpc)
            from_conversations[t] += (
                pr.conversation_effect
                * eff[i]
                * resonance
                * depth
                * receptivity[t]
                * (1.0 - commitment[t])
            )
            used_conv.append(min(hours[i], hpc))
            s.weeks_left[i] -= 1
    for i in range(n):
        surplus = _clip01((hours[i] - hpc) / hpc)
        t = int(s.last_convert[i])
        if t >= 0 and surplus > 0:
            from_revisits[t] += (
                pr.conversation_effect
                * eff[i]
                * resonance
                * surplus
                * receptivity[t]
                * (1.0 - commitment[t])
            )
            used_rev.append(surplus * hpc)
    commitment = [
        min(1.0, commitment[i] + (from_conversations[i] + from_revisits[i])) for i in range(n)
    ]
    s.leadership_hours += math.fsum(used_conv) + math.fsum(used_rev)

    # The top team reinforces its own leaders (those holding programme time) while the
    # programme runs.
    if programme and pr.top_reinforcement > 0:
        for i in range(n):
            if w.is_leader[i] and s.leadership_time[i] > 0:
                commitment[i] = commitment[i] + pr.top_reinforcement * (1.0 - commitment[i])

    # ---- 4. Peer influence and followership (bounded confidence)
    moved = []
    for i in range(n):
        num = den = 0.0
        for j, peer_w, lead_w in w.neighbours[i]:
            if abs(commitment[i] - commitment[j]) <= pr.confidence_bound:
                weight = peer_w + lead_w * eff[j]
                num += weight * commitment[j]
                den += weight
        mean = num / den if den > 0 else commitment[i]
        moved.append(commitment[i] + pr.peer_influence * receptivity[i] * (mean - commitment[i]))
    commitment = moved

    # ---- 5. Practice: complex contagion on last week's practice of microsystem colleagues
    practising_before = [bool(x) for x in s.practising]
    practising = []
    for i in range(n):
        m = w.microsystem[i]
        share = 0.0
        if m >= 0 and w.clinical[i]:
            others = [j for j in w.ms_members[m] if j != i]
            if others:
                share = sum(practising_before[j] for j in others) / len(others)
        drive = (1.0 - pr.peer_practice_weight) * max(
            commitment[i], compliance[i]
        ) + pr.peer_practice_weight * share
        practising.append(drive >= w.threshold[i])

    # ---- 6. Internalisation, faster where last week's performance shows results
    for i in range(n):
        if not practising[i]:
            continue
        m = w.microsystem[i]
        perf = float(s.performance[m]) if m >= 0 else 0.0
        gain = pr.internalisation_rate * receptivity[i] * (1.0 + perf)
        commitment[i] = commitment[i] + gain * (1.0 - commitment[i])

    # ---- 7. Erosion of commitment (compliance eroded in step 1)
    for i in range(n):
        s.commitment[i] = _clip01(commitment[i] * w.commitment_decay)
        s.compliance[i] = _clip01(compliance[i])
        s.receptivity[i] = _clip01(receptivity[i])
        s.practising[i] = practising[i]

    # ---- 8. Microsystem performance follows its share practising, with a lag
    for m, members in enumerate(w.ms_members):
        share = sum(practising[j] for j in members) / max(len(members), 1)
        perf = float(s.performance[m])
        s.performance[m] = _clip01(perf + (share - perf) / pr.improvement_lag)

    s.week += 1
    return s
