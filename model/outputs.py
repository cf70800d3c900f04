"""Weekly reporters and the run summary (their names are contracts: ``docs/data.md``).

Shares are over clinical staff (doctors and nurses), since change has to reach clinical
microsystems (Batalden); per-role shares cover managers too. ``docs/data.md`` defines
every column.
"""

from __future__ import annotations

import numpy as np

from medlead.model.state import Constants, State, with_indices

STATES: tuple[str, ...] = ("committed", "compliant", "practising")
ROLES: tuple[str, ...] = ("consultant", "junior", "nurse", "manager")

REPORTERS: tuple[str, ...] = (
    "week",
    "committed_share",
    "compliant_share",
    "practising_share",
    "faithful_practising_share",
    "mean_fidelity",
    "mean_habit",
    "compliant_not_committed_share",
    "mean_commitment",
    "mean_compliance",
    "commitment_p10",
    "commitment_p50",
    "commitment_p90",
    "mean_receptivity",
    "microsystems_improved_share",
    "microsystem_variation",
    "microsystems_flipped_share",
    "engagement_gap",
    "stigma",
    "champions",
    "engagements",
    "pressure",
    "leadership_hours",
    "management_pressure_spent",
    "intervention_active",
) + tuple(f"{st}_share_{r}" for st in STATES for r in ROLES)

SUMMARY_KEYS: tuple[str, ...] = (
    "committed_share",
    "compliant_share",
    "practising_share",
    "microsystems_improved_share",
    "sustained_practising_share",
    "faithful_practising_share",
    "sustained_faithful_share",
    "weeks_to_half_practising",
    "engagement_gap",
    "microsystem_variation",
    "leadership_hours",
    "management_pressure_spent",
    "mean_commitment",
    "peak_compliant_share",
    "peak_practising_share",
) + tuple(f"{st}_share_{r}" for st in STATES for r in ROLES)


QUANTILES = np.array([0.1, 0.5, 0.9])


def quantiles(x: np.ndarray, q: np.ndarray = QUANTILES) -> np.ndarray:
    """``np.quantile(x, q)`` (default 'linear' method) without its per-call overhead.

    Called every week on 10,000+ values, ``np.quantile``'s Python layer cost more than
    its partition. This is the same computation as numpy's (virtual index ``(n-1) q``,
    the order statistics either side from one partition, numpy's two-sided lerp), so
    the values are identical; ``tests/test_golden.py`` holds it against ``np.quantile``.
    Assumes no NaN (commitment never is).
    """
    n = x.size
    if n == 0:
        return np.full(q.shape, np.nan)
    vi = (n - 1) * q
    lo = np.floor(vi)
    hi = lo + 1
    top = vi >= n - 1
    lo[top] = n - 1
    hi[top] = n - 1
    lo_i, hi_i = lo.astype(np.intp), hi.astype(np.intp)
    part = np.partition(x, np.unique(np.concatenate((lo_i, hi_i))))
    a, b = part[lo_i], part[hi_i]
    gamma = vi - lo
    diff = b - a
    out = a + diff * gamma
    upper = gamma >= 0.5
    out[upper] = (b - diff * (1 - gamma))[upper]
    return out


# Bits of the per-person code counted by weekly_row: committed 1, compliant 2, practising
# 4. Column f of _FLAG_CODES marks the codes that carry flag f.
_FLAGS = ("committed", "compliant", "practising", "compliant_not_committed")
_FLAG_CODES = np.array(
    [[(c & 1) > 0, (c & 2) > 0, (c & 4) > 0, (c & 2) > 0 and not (c & 1)] for c in range(8)],
    dtype=np.int64,
)


def _ratio(count: int, size: int) -> float:
    """``count / size`` (NaN for an empty group), as ``flag[idx].mean()`` gives it."""
    return count / size if size else float("nan")


def _avg(x: np.ndarray, idx: np.ndarray) -> float:
    """Mean of ``x`` over the people ``idx`` (same elements, same order as a mask)."""
    return float(x[idx].mean()) if idx.size else float("nan")


def weekly_row(
    state: State, const: Constants, cutoff: float, active: bool, stigma: float = float("nan")
) -> dict[str, float]:
    """Model-level scalars for the current week.

    ``faithful_practising_share`` = mean over clinical staff of practising x fidelity
    (practice done well); ``mean_fidelity`` = mean fidelity of the clinical staff who
    practise (NaN if nobody does); ``stigma`` = the stigma of the week just run.

    ``engagement_gap`` = mean commitment of staff in leadership roles minus mean
    commitment of their followers (staff in some leader's scope who hold no role).
    ``microsystem_variation`` = standard deviation across microsystems of the share of
    clinical staff practising; ``microsystems_flipped_share`` = share of microsystems
    with under 10% or over 90% practising (all-or-nothing flips).

    Runs every week, so it gathers with the precomputed index arrays of ``const`` rather
    than boolean masks; each value equals the masked mean to the last bit.
    """
    const = with_indices(const)
    c, k, pr = state.commitment, state.compliance, state.practising
    clin = const.clinical_idx
    committed = c >= cutoff
    compliant = k >= cutoff
    # One bincount gives every (role group, clinical, flags) count: the 16 shares below
    # are sums of its integer cells, so each equals the masked mean exactly.
    code = const.report_key + committed + 2 * compliant + 4 * pr
    groups = len(const.role_idx) + 1
    counts = np.bincount(code, minlength=groups * 16).reshape(groups, 2, 8)
    clin_counts = dict(
        zip(_FLAGS, (counts[:, 1, :].sum(axis=0) @ _FLAG_CODES).tolist(), strict=True)
    )
    role_counts = (counts.sum(axis=1) @ _FLAG_CODES).tolist()
    c_clin = c[clin]
    p_clin, f_clin = pr[clin], state.fidelity[clin]
    ms_share = np.bincount(
        const.in_ms_ms, weights=pr[const.in_ms_idx], minlength=const.n_ms
    ) / np.maximum(const.ms_clinical_size, 1.0)
    q10, q50, q90 = quantiles(c_clin)
    leaders, followers = const.leader_idx, const.follower_idx
    row = {
        "week": float(state.week),
        "committed_share": _ratio(clin_counts["committed"], clin.size),
        "compliant_share": _ratio(clin_counts["compliant"], clin.size),
        "practising_share": _ratio(clin_counts["practising"], clin.size),
        "faithful_practising_share": (
            float((p_clin * f_clin).sum() / clin.size) if clin.size else float("nan")
        ),
        "mean_fidelity": float(f_clin[p_clin].mean()) if p_clin.any() else float("nan"),
        "mean_habit": _avg(state.habit, clin),
        "compliant_not_committed_share": _ratio(clin_counts["compliant_not_committed"], clin.size),
        "mean_commitment": float(c_clin.mean()) if clin.size else float("nan"),
        "mean_compliance": _avg(k, clin),
        "commitment_p10": float(q10),
        "commitment_p50": float(q50),
        "commitment_p90": float(q90),
        "mean_receptivity": _avg(state.receptivity, clin),
        "microsystems_improved_share": float((state.performance >= cutoff).mean()),
        "microsystem_variation": float(ms_share.std()),
        "microsystems_flipped_share": float(((ms_share < 0.1) | (ms_share > 0.9)).mean()),
        "engagement_gap": (
            _avg(c, leaders) - _avg(c, followers)
            if leaders.size and followers.size
            else float("nan")
        ),
        "stigma": float(stigma),
        "champions": float(np.count_nonzero(state.champion)),
        "engagements": float(np.count_nonzero(state.target >= 0)),
        "pressure": float(state.pressure),
        "leadership_hours": float(state.leadership_hours),
        "management_pressure_spent": float(state.pressure_spent),
        "intervention_active": float(active),
    }
    for g, role in enumerate(const.role_idx):
        size = const.role_idx[role].size
        for f, name in enumerate(STATES):
            row[f"{name}_share_{role}"] = _ratio(role_counts[g][f], size)
    return row


def summarise(history: np.ndarray, sustain_week: int = 156) -> dict[str, float | None]:
    """The run summary from the weekly history (rows = weeks 0..T, columns = REPORTERS).

    Final-state keys read the last week; ``sustained_practising_share`` reads week 156
    (or the horizon if shorter); ``weeks_to_half_practising`` is the first week with at
    least half of clinical staff practising (``None`` if never). NaN becomes ``None``.
    """
    col = {name: i for i, name in enumerate(REPORTERS)}
    last = history[-1]
    out: dict[str, float | None] = {}
    for key in SUMMARY_KEYS:
        if key in col:
            out[key] = float(last[col[key]])
    sustain_row = min(sustain_week, history.shape[0] - 1)
    out["sustained_practising_share"] = float(history[sustain_row, col["practising_share"]])
    out["sustained_faithful_share"] = float(history[sustain_row, col["faithful_practising_share"]])
    half = np.flatnonzero(history[:, col["practising_share"]] >= 0.5)
    out["weeks_to_half_practising"] = float(history[half[0], col["week"]]) if half.size else None
    out["peak_compliant_share"] = float(history[:, col["compliant_share"]].max())
    out["peak_practising_share"] = float(history[:, col["practising_share"]].max())
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v)
        for k, v in ((k, out[k]) for k in SUMMARY_KEYS)
    }
