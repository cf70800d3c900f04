"""Weekly reporters and the run summary (names are part of DESIGN.md's contracts).

Shares are over clinical staff (doctors and nurses), since change has to reach clinical
microsystems (Batalden); per-role shares cover managers too. ``docs/data.md`` defines
every column.
"""

from __future__ import annotations

import numpy as np
from medlead.model.state import Constants, State

STATES: tuple[str, ...] = ("committed", "compliant", "practising")
ROLES: tuple[str, ...] = ("consultant", "junior", "nurse", "manager")

REPORTERS: tuple[str, ...] = (
    "week",
    "committed_share",
    "compliant_share",
    "practising_share",
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
    "weeks_to_half_practising",
    "engagement_gap",
    "microsystem_variation",
    "leadership_hours",
    "management_pressure_spent",
    "mean_commitment",
    "peak_compliant_share",
    "peak_practising_share",
) + tuple(f"{st}_share_{r}" for st in STATES for r in ROLES)


def _mean(x: np.ndarray, mask: np.ndarray) -> float:
    return float(x[mask].mean()) if mask.any() else float("nan")


def weekly_row(state: State, const: Constants, cutoff: float, active: bool) -> dict[str, float]:
    """Model-level scalars for the current week.

    ``engagement_gap`` = mean commitment of staff in leadership roles minus mean
    commitment of their followers (staff in some leader's scope who hold no role).
    ``microsystem_variation`` = standard deviation across microsystems of the share of
    clinical staff practising; ``microsystems_flipped_share`` = share of microsystems
    with under 10% or over 90% practising (all-or-nothing flips).
    """
    c, k, pr = state.commitment, state.compliance, state.practising
    clin = const.clinical
    committed = c >= cutoff
    compliant = k >= cutoff
    in_ms = (const.microsystem >= 0) & clin
    ms_share = np.bincount(
        const.microsystem[in_ms], weights=pr[in_ms].astype(float), minlength=const.n_ms
    ) / np.maximum(const.ms_clinical_size, 1.0)
    q10, q50, q90 = np.quantile(c[clin], [0.1, 0.5, 0.9])
    row = {
        "week": float(state.week),
        "committed_share": _mean(committed, clin),
        "compliant_share": _mean(compliant, clin),
        "practising_share": _mean(pr, clin),
        "compliant_not_committed_share": _mean(compliant & ~committed, clin),
        "mean_commitment": _mean(c, clin),
        "mean_compliance": _mean(k, clin),
        "commitment_p10": float(q10),
        "commitment_p50": float(q50),
        "commitment_p90": float(q90),
        "mean_receptivity": _mean(state.receptivity, clin),
        "microsystems_improved_share": float((state.performance >= cutoff).mean()),
        "microsystem_variation": float(ms_share.std()),
        "microsystems_flipped_share": float(((ms_share < 0.1) | (ms_share > 0.9)).mean()),
        "engagement_gap": (
            _mean(c, const.is_leader) - _mean(c, const.follower)
            if const.is_leader.any() and const.follower.any()
            else float("nan")
        ),
        "champions": float(state.champion.sum()),
        "engagements": float((state.target >= 0).sum()),
        "pressure": float(state.pressure),
        "leadership_hours": float(state.leadership_hours),
        "management_pressure_spent": float(state.pressure_spent),
        "intervention_active": float(active),
    }
    for name, flag in (("committed", committed), ("compliant", compliant), ("practising", pr)):
        for role in ROLES:
            row[f"{name}_share_{role}"] = _mean(flag, const.role_masks[role])
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
    half = np.flatnonzero(history[:, col["practising_share"]] >= 0.5)
    out["weeks_to_half_practising"] = float(history[half[0], col["week"]]) if half.size else None
    out["peak_compliant_share"] = float(history[:, col["compliant_share"]].max())
    out["peak_practising_share"] = float(history[:, col["practising_share"]].max())
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v)
        for k, v in ((k, out[k]) for k in SUMMARY_KEYS)
    }
