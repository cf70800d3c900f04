"""The oracle: one week of the model as a plain loop over people and their neighbours.

This is a second, independent implementation of :func:`medlead.model.dynamics.step`,
written for clarity rather than speed. It reads the equations from the docstrings of
:mod:`medlead.model.mechanisms` and the order of the week (and of its random draws) from
:mod:`medlead.model.dynamics`, but calls neither: every quantity is computed person by
person from adjacency lists built straight from the :class:`Organisation`'s tie
matrices (the management line, the peer and leadership ties, the microsystems). Tests
hold single steps of the two against each other from many random states (they must
agree to 1e-12 with the same random draws); benchmarks time it as the "idiomatic
per-agent" baseline.

The random draws are consumed exactly as the vectorised week consumes them:

1. ``rng.random(n)``: one uniform per person, for becoming a champion;
2. ``rng.random((m, K))``: ``K = candidate_sample`` uniforms for each of the ``m``
   persuaders, in ascending agent order. A persuader is anyone with persuasion hours
   this week (after champions are drawn) and a non-empty scope, whether or not they
   hold an engagement; uniform ``u`` picks ``scope[int(u * len(scope))]``. A persuader
   without an engagement chooses the next one from their row of candidates; every
   persuader looks in the same row for an eroded convert to revisit.

Nothing else draws, so the number of draws depends on the state only through ``m``.

Usage::

    world = prepare(org, params)          # adjacency lists, once per run
    for _ in range(weeks):
        reference_step(state, world, params, rng)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from medlead.model.organisation import Leader, Organisation, Role, World
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
        reach: share of the pressure at the top of the management line reaching each
            person down the line's ties.
        duality: ``0.5 + duality quality`` of the person's directorate (1 outside one).
        is_director: whether each person is a clinical director.
        is_leader: whether each person holds any leadership role.
        microsystem: microsystem index (-1 outside one).
        threshold: practice threshold.
        influence: weight of the person's opinion among peers.
        scope: whom each person may persuade, as a list of indices.
        neighbours: for each person ``i``, ``(j, peer_weight, leader_weight)`` for every
            ``j`` bearing on ``i``, ascending in ``j``.
        practice_peers: for each person ``i``, ``(j, weight)`` for every clinical
            microsystem colleague ``j`` of a clinical ``i``, ascending in ``j``: the
            microsystem tie times ``j``'s influence.
        ms_members: clinical staff of each microsystem, ascending.
        compliance_decay, commitment_decay, habit_decay: weekly multipliers ``2**(-1/h)``.
        recovery: share of lost receptivity that returns each week.
    """

    n: int
    clinical: list[bool]
    coupling: list[float]
    reach: list[float]
    duality: list[float]
    is_director: list[bool]
    is_leader: list[bool]
    microsystem: list[int]
    threshold: list[float]
    influence: list[float]
    scope: list[list[int]]
    neighbours: list[list[tuple[int, float, float]]]
    practice_peers: list[list[tuple[int, float]]]
    ms_members: list[list[int]]
    compliance_decay: float
    commitment_decay: float
    habit_decay: float
    recovery: float


def _rows(matrix) -> list[dict[int, float]]:
    """A CSR matrix as, for each row ``i``, a mapping ``column -> weight`` (summed)."""
    ptr, idx, data = matrix.indptr, matrix.indices, matrix.data
    rows: list[dict[int, float]] = []
    for i in range(matrix.shape[0]):
        row: dict[int, float] = {}
        for k in range(ptr[i], ptr[i + 1]):
            j = int(idx[k])
            row[j] = row.get(j, 0.0) + float(data[k])
        rows.append(row)
    return rows


def _line_reach(
    superiors: list[dict[int, float]],
    role: list[int],
    duality: list[float],
    transmission: float,
) -> list[float]:
    """Reach of top pressure down the management line (a tree: at most a few levels).

    ``reach_i = [i is the chief executive] + sum_j line_ij * tau_ij * reach_j`` over
    person ``i``'s superiors ``j``, with ``tau_ij = line_transmission``, times the
    duality factor of the directorate when ``j`` is a general manager.
    """
    n = len(superiors)
    reach: list[float | None] = [None] * n

    def of(i: int, depth: int = 0) -> float:
        if reach[i] is None:
            if depth > n:
                raise ValueError("the management line has a cycle")
            total = 1.0 if role[i] == Role.CHIEF_EXECUTIVE else 0.0
            for j in sorted(superiors[i]):
                tau = transmission
                if role[j] == Role.GENERAL_MANAGER:
                    tau = transmission * duality[j]
                total += superiors[i][j] * tau * of(j, depth + 1)
            reach[i] = total
        return reach[i]

    return [of(i) for i in range(n)]


def prepare(org: Organisation, params: Params) -> ReferenceWorld:
    """Build the oracle's adjacency lists from the organisation (not from ``Constants``).

    Influence on person ``i`` from neighbour ``j`` has a peer part (microsystem plus
    professional tie weight, times ``j``'s influence) and a followership part (the
    leadership tie weight, multiplied each week by ``j``'s effective credibility). The
    practice person ``i`` sees comes from clinical microsystem colleagues only, each
    weighted by the microsystem tie times their influence.
    """
    n = org.n
    role = [int(r) for r in org.role]
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
    practice_peers: list[list[tuple[int, float]]] = []
    for i in range(n):
        row = []
        for j in sorted(set(ms_rows[i]) | set(prof_rows[i]) | set(lead_rows[i])):
            tie = ms_rows[i].get(j, 0.0) + prof_rows[i].get(j, 0.0)
            peer = tie * influence[j] if tie != 0.0 else 0.0
            row.append((j, peer, lead_rows[i].get(j, 0.0)))
        neighbours.append(row)
        colleagues = []
        if clinical[i]:
            for j in sorted(ms_rows[i]):
                weight = ms_rows[i][j] * influence[j]
                if clinical[j] and weight != 0.0:
                    colleagues.append((j, weight))
        practice_peers.append(colleagues)

    reach = _line_reach(_rows(org.ties["management"]), role, duality, params.line_transmission)

    microsystem = [int(m) for m in org.microsystem]
    ms_members: list[list[int]] = [[] for _ in range(org.n_microsystems)]
    for i in range(n):
        if microsystem[i] >= 0 and clinical[i]:
            ms_members[microsystem[i]].append(i)

    return ReferenceWorld(
        n=n,
        clinical=clinical,
        coupling=coupling,
        reach=reach,
        duality=duality,
        is_director=[int(x) == Leader.CLINICAL_DIRECTOR for x in org.leader],
        is_leader=[int(x) != Leader.NONE for x in org.leader],
        microsystem=microsystem,
        threshold=[float(x) for x in org.threshold],
        influence=influence,
        scope=[[int(j) for j in org.scope_of(i)] for i in range(n)],
        neighbours=neighbours,
        practice_peers=practice_peers,
        ms_members=ms_members,
        compliance_decay=2.0 ** (-1.0 / params.compliance_half_life),
        commitment_decay=2.0 ** (-1.0 / params.commitment_half_life),
        habit_decay=2.0 ** (-1.0 / params.habit_half_life),
        recovery=1.0 - 2.0 ** (-1.0 / params.receptivity_recovery_weeks),
    )


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def _belief_share(c: float, k: float) -> float:
    """Share of the motive that is commitment, ``c / (c + k)`` (1 if both are 0)."""
    total = c + k
    return c / total if total > 0 else 1.0


def _conversation(
    pr: Params, eff: float, resonance: float, hours: float, r: float, c: float
) -> float:
    """One week's conversation: ``beta * e * s * (1 - exp(-h / h_c)) * r * (1 - c)``."""
    depth = -math.expm1(-hours / pr.hours_per_conversation)
    return pr.conversation_effect * eff * resonance * depth * r * (1.0 - c)


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
    # How far a career structure introduced at week 0 has matured by this week.
    maturity = 1.0 - 2.0 ** (-s.week / pr.culture_change_half_life)

    commitment = [float(x) for x in s.commitment]
    compliance = [float(x) for x in s.compliance]
    receptivity = [float(x) for x in s.receptivity]
    autonomy = [float(x) for x in s.autonomy]

    # ---- 1-2. Mandate down the line: pressure applied (q) and binding (p); reactance
    # answers what is applied, compliance what binds.
    applied = [0.0] * n
    binding = [0.0] * n
    for i in range(n):
        a = autonomy[i]
        q = min(1.0, pressure * w.reach[i])
        p = q * (1.0 - (1.0 - w.coupling[i]) * a)
        applied[i], binding[i] = q, p
        loss = _clip01(pr.reactance * q * a * (1.0 - resonance))
        r = receptivity[i] - loss * receptivity[i]
        receptivity[i] = r + (1.0 - r) * w.recovery
        k = compliance[i]
        if k < p:
            compliance[i] = k + pr.compliance_gain * (p - k)
        else:
            compliance[i] = max(p, k * w.compliance_decay)
    # Without pressure every p is 0 and this adds nothing (the vectorised fast path
    # skips it).
    s.pressure_spent += math.fsum(binding)

    # Resistance spreads within microsystems: each clinical member moves toward the mean
    # receptivity of the microsystem's clinical staff (all at once, after recovery).
    spread = list(receptivity)
    for members in w.ms_members:
        if not members:
            continue
        mean = sum(receptivity[j] for j in members) / max(len(members), 1)
        for j in members:
            spread[j] = receptivity[j] + pr.resistance_spread * (mean - receptivity[j])
    receptivity = spread

    # Boomerang: pressure on the resentful lowers their commitment.
    if pr.reactance_form == "boomerang":
        for i in range(n):
            commitment[i] = (
                commitment[i] - pr.boomerang * applied[i] * (1.0 - receptivity[i]) * commitment[i]
            )
    s.pressure = pressure

    # ---- 3. Persuasion. Champions emerge (draw 1) and lapse below the cut-off.
    u = rng.random(n)
    for i in range(n):
        stays = bool(s.champion[i]) and commitment[i] >= cut
        emerges = (
            w.clinical[i] and commitment[i] >= pr.champion_threshold and u[i] < pr.champion_rate
        )
        s.champion[i] = stays or emerges

    # Hours: paid programme time (a maturing career structure protects part of it from
    # workload; goal reporting takes its share under a hybrid), or champions' hours.
    goal_cost = pr.goal_time_cost if pr.strategy == "hybrid" else 0.0
    protect = 1.0 - pr.career_time_protection * pr.career_structure * maturity
    hours = []
    for i in range(n):
        paid = 0.0
        if programme:
            paid = float(s.leadership_time[i]) * 4.0 * (1.0 - float(s.workload[i]) * protect)
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
        if commitment[t] >= cut or hours[i] <= 0 or s.weeks_left[i] <= 0:
            s.target[i] = -1

    # Every persuader samples candidates from their scope (draw 2).
    persuaders = [i for i in range(n) if hours[i] > 0 and w.scope[i]]
    draws = rng.random((len(persuaders), pr.candidate_sample))
    top_influence = max(w.influence)
    revisit = [-1] * n
    for row, i in enumerate(persuaders):
        scope = w.scope[i]
        candidates = [scope[int(x * len(scope))] for x in draws[row]]
        # A persuader without an engagement picks the best uncommitted candidate.
        if s.target[i] < 0:
            best_j, best_score = -1, 0.0
            for j in candidates:
                if commitment[j] >= cut:
                    continue
                if pr.target_rule == "least_committed":
                    q = 1.0 - commitment[j]
                else:
                    q = w.influence[j] / top_influence
                score = 1.0 + (1.0 if s.converted[j] else 0.0) + 0.5 * q
                if score > best_score:  # strict: the first of equal scores wins
                    best_j, best_score = j, score
            if best_j >= 0:
                s.target[i] = best_j
                s.weeks_left[i] = pr.engagement_weeks
        # Every persuader revisits the sampled convert whose commitment eroded most,
        # other than their current engagement.
        best_j, best_score = -1, 0.0
        for j in candidates:
            if s.converted[j] and commitment[j] < cut and j != s.target[i]:
                score = 2.0 - commitment[j]
                if score > best_score:
                    best_j, best_score = j, score
        revisit[i] = best_j

    # Effective credibility: credibility discounted by this week's stigma (which a
    # maturing career structure lowers) times identification with management.
    stigma = pr.stigma * (1.0 - pr.career_stigma_effect * pr.career_structure * maturity)
    eff = []
    for i in range(n):
        e = float(s.credibility[i]) * (1.0 - stigma * float(s.identification[i]))
        if w.is_director[i]:
            e = e * w.duality[i]
        eff.append(_clip01(e))

    # A persuader's week: with an engagement and a revisit, revisit_share of the hours
    # goes to the revisit; with one of them, all of it. Both act on the commitment
    # before persuasion, so the order of persuaders does not matter.
    from_conversations = [0.0] * n
    from_revisits = [0.0] * n
    used_conv, used_rev = [], []
    for i in range(n):
        t = int(s.target[i])
        v = revisit[i]
        if t >= 0 and v >= 0:
            h_rev = pr.revisit_share * hours[i]
            h_eng = hours[i] - h_rev
        elif t >= 0:
            h_rev, h_eng = 0.0, hours[i]
        else:
            h_rev, h_eng = (hours[i] if v >= 0 else 0.0), 0.0
        if t >= 0:
            from_conversations[t] += _conversation(
                pr, eff[i], resonance, h_eng, receptivity[t], commitment[t]
            )
            used_conv.append(h_eng)
            s.weeks_left[i] -= 1
    for i in range(n):
        t = int(s.target[i])
        v = revisit[i]
        if v < 0:
            continue
        h_rev = pr.revisit_share * hours[i] if t >= 0 else hours[i]
        from_revisits[v] += _conversation(
            pr, eff[i], resonance, h_rev, receptivity[v], commitment[v]
        )
        used_rev.append(h_rev)
    commitment = [
        min(1.0, commitment[i] + (from_conversations[i] + from_revisits[i])) for i in range(n)
    ]
    s.leadership_hours += math.fsum(used_conv) + math.fsum(used_rev)

    # The top team backs every leader while any intervention runs.
    if active and pr.top_reinforcement > 0:
        for i in range(n):
            if w.is_leader[i]:
                commitment[i] = commitment[i] + pr.top_reinforcement * (1.0 - commitment[i])

    # ---- 4. Peer influence and followership (bounded confidence)
    moved = []
    for i in range(n):
        num = den = 0.0
        for j, peer_w, lead_w in w.neighbours[i]:
            if abs(commitment[i] - commitment[j]) <= pr.confidence_bound:
                weight = peer_w + lead_w * eff[j] if lead_w != 0.0 else peer_w
                num += weight * commitment[j]
                den += weight
        mean = num / den if den > 0 else commitment[i]
        moved.append(commitment[i] + pr.peer_influence * receptivity[i] * (mean - commitment[i]))
    commitment = moved

    # ---- 5. Practice: complex contagion on last week's faithful practice of clinical
    # microsystem colleagues, with habit lowering the bar for carrying on.
    seen = [float(s.practising[j]) * float(s.fidelity[j]) for j in range(n)]
    habit_w = pr.habit_weight if pr.persistence_form == "habit" else 0.0
    practising, fidelity, habit = [], [], []
    for i in range(n):
        num = den = 0.0
        for j, weight in w.practice_peers[i]:
            num += weight * seen[j]
            den += weight
        signal = num / den if den > 0 else 0.0
        c, k, h = commitment[i], compliance[i], float(s.habit[i])
        drive = (1.0 - pr.peer_practice_weight) * max(c, k) + pr.peer_practice_weight * signal
        does = drive >= w.threshold[i] * (1.0 - habit_w * h)
        practising.append(does)
        if pr.fidelity_form == "binary":
            fidelity.append(1.0 if c >= k else pr.compelled_fidelity)
        else:
            b = _belief_share(c, k)
            fidelity.append(b + pr.compelled_fidelity * (1.0 - b))
        habit.append(h + pr.habit_gain * (1.0 - h) if does else h * w.habit_decay)

    # ---- 6. Internalisation: practice builds commitment, faster where last week's
    # performance shows results, at a rate set by the motive's mix.
    for i in range(n):
        if not practising[i]:
            continue
        c, k = commitment[i], compliance[i]
        if pr.internalisation_form == "dissonance":
            g = 1.0 - (1.0 - pr.compelled_internalisation) * k
        else:
            b = _belief_share(c, k)
            g = b + pr.compelled_internalisation * (1.0 - b)
        m = w.microsystem[i]
        perf = float(s.performance[m]) if m >= 0 else 0.0
        gain = pr.internalisation_rate * receptivity[i] * (1.0 + perf) * g
        commitment[i] = c + gain * (1.0 - c)

    # ---- 7. Erosion of commitment (compliance eroded in step 1), clips
    for i in range(n):
        s.commitment[i] = _clip01(commitment[i] * w.commitment_decay)
        s.compliance[i] = _clip01(compliance[i])
        s.receptivity[i] = _clip01(receptivity[i])
        s.practising[i] = practising[i]
        s.fidelity[i] = fidelity[i]
        s.habit[i] = habit[i]

    # ---- 8. Microsystem performance follows its fidelity-weighted share practising
    for m, members in enumerate(w.ms_members):
        faithful = sum(fidelity[j] for j in members if practising[j])
        share = faithful / max(len(members), 1)
        perf = float(s.performance[m])
        s.performance[m] = _clip01(perf + (share - perf) / pr.improvement_lag)

    s.week += 1
    return s
