"""Weekly reporters and the run summary (their names are contracts: ``docs/data.md``).

Shares are over clinical staff (doctors and nurses), since change has to reach clinical
microsystems (Batalden); per-role shares cover managers too. ``docs/data.md`` defines
every column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from medlead.model.state import (
    QUANTILES,
    Constants,
    RunSizes,
    State,
    segment_sums,
    segment_sums_rows,
    with_indices,
)

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


_COLUMN = {name: j for j, name in enumerate(REPORTERS)}
_ROLE_COLUMNS = np.array([_COLUMN[f"{st}_share_{r}"] for st in STATES for r in ROLES])

# Bits of the per-person code counted by weekly_table: committed 1, compliant 2, practising
# 4. Column f of _FLAG_CODES marks the codes that carry flag f.
_FLAGS = ("committed", "compliant", "practising", "compliant_not_committed")
_FLAG_CODES = np.array(
    [[(c & 1) > 0, (c & 2) > 0, (c & 4) > 0, (c & 2) > 0 and not (c & 1)] for c in range(8)],
    dtype=np.int64,
)


def run_quantiles(x: np.ndarray, sizes: RunSizes) -> np.ndarray:
    """:func:`quantiles` (at :data:`QUANTILES`) of each run's clinical values at once.

    ``x`` holds the clinical staff's values in ``clinical_idx`` order. Each run's values
    are laid out in one padded row and sorted; the order statistics are those
    ``np.partition`` finds, and the lerp is numpy's (its indices and weights are fixed
    for a run, in ``sizes``), so row ``r`` equals ``np.quantile`` of run ``r`` alone
    (``tests/test_batch.py``). Returns (runs, 3); NaN for a run without clinical staff.
    """
    if x.size == 0:
        return np.full(sizes.quantile_lo.shape, np.nan)
    rows = np.where(sizes.clinical_valid, x[sizes.clinical_pad], np.inf)
    rows.sort(axis=1)
    flat = rows.reshape(-1)
    a = flat[sizes.quantile_lo]
    b = flat[sizes.quantile_hi]
    gamma = sizes.quantile_gamma
    with np.errstate(invalid="ignore"):  # inf - inf in the rows of empty runs
        diff = b - a
        out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return np.where(sizes.quantile_ok, out, np.nan)


def weekly_table(
    state: State, const: Constants, cutoff: float, active: bool, stigma: float = float("nan")
) -> np.ndarray:
    """Model-level scalars for the current week: one row per run, columns = REPORTERS.

    ``faithful_practising_share`` = mean over clinical staff of practising x fidelity
    (practice done well); ``mean_fidelity`` = mean fidelity of the clinical staff who
    practise (NaN if nobody does); ``stigma`` = the stigma of the week just run.

    ``engagement_gap`` = mean commitment of staff in leadership roles minus mean
    commitment of their followers (staff in some leader's scope who hold no role).
    ``microsystem_variation`` = standard deviation across microsystems of the share of
    clinical staff practising; ``microsystems_flipped_share`` = share of microsystems
    with under 10% or over 90% practising (all-or-nothing flips).

    One row per run of a stacked batch (:mod:`medlead.model.batch`), one row for a
    single run. Every mean is a per-run segment sum
    (:func:`~medlead.model.state.segment_sums`) divided by the group's size and every
    share an integer count divided by it, so a run's row is the same to the last bit
    alone or stacked. Runs every week: it gathers with the precomputed index arrays of
    ``const``, never with boolean masks, and sums all runs with one call per quantity.
    """
    const = with_indices(const)
    sz = const.sizes
    n_runs = const.n_runs
    c, k, pr = state.commitment, state.compliance, state.practising
    clin = const.clinical_idx
    committed = c >= cutoff
    compliant = k >= cutoff
    # One bincount gives every (run, role group, clinical, flags) count: the 16 shares
    # below are sums of its integer cells.
    groups = len(const.role_idx) + 1
    code = const.run_of * (groups * 16) + const.report_key + committed + 2 * compliant + 4 * pr
    counts = np.bincount(code, minlength=n_runs * groups * 16).reshape(n_runs, groups, 2, 8)
    clin_counts = counts[:, :, 1, :].sum(axis=1) @ _FLAG_CODES  # (runs, flags)
    role_counts = counts.sum(axis=2) @ _FLAG_CODES  # (runs, groups, flags)
    c_clin = c[clin]
    p_clin, f_clin = pr[clin], state.fidelity[clin]
    ptr, n_clin = sz.clinical_ptr, sz.clinical_n
    # The clinical means: one segment sum over a (quantities, clinical staff) array.
    clin_sums = segment_sums_rows(
        np.stack([p_clin * f_clin, state.habit[clin], c_clin, k[clin], state.receptivity[clin]]),
        ptr,
    )
    faithful, habit, commitment, compliance, receptivity = clin_sums / n_clin
    practising_at = np.flatnonzero(p_clin)
    fid_ptr = np.searchsorted(practising_at, ptr)
    n_practising = np.diff(fid_ptr)
    mean_fidelity = segment_sums(f_clin[practising_at], fid_ptr) / np.where(
        n_practising > 0, n_practising, np.nan
    )
    ms_share = np.bincount(
        const.in_ms_ms, weights=pr[const.in_ms_idx], minlength=const.n_ms
    ) / np.maximum(const.ms_clinical_size, 1.0)
    ms_ptr = const.ms_ptr
    ms_mean = segment_sums(ms_share, ms_ptr) / sz.ms_n
    dev = ms_share - ms_mean[const.ms_run]
    ms_var = segment_sums(dev * dev, ms_ptr) / sz.ms_n
    # One run: numpy's partition-based quantiles (the same values, fewer calls).
    q = quantiles(c_clin)[None, :] if n_runs == 1 else run_quantiles(c_clin, sz)
    leaders = segment_sums(c[const.leader_idx], sz.leader_ptr) / sz.leader_n
    followers = segment_sums(c[const.follower_idx], sz.follower_ptr) / sz.follower_n
    people = const.run_ptr
    out = np.empty((n_runs, len(REPORTERS)))
    cols = {
        "week": state.week,
        "committed_share": clin_counts[:, 0] / n_clin,
        "compliant_share": clin_counts[:, 1] / n_clin,
        "practising_share": clin_counts[:, 2] / n_clin,
        "faithful_practising_share": faithful,
        "mean_fidelity": mean_fidelity,
        "mean_habit": habit,
        "compliant_not_committed_share": clin_counts[:, 3] / n_clin,
        "mean_commitment": commitment,
        "mean_compliance": compliance,
        "commitment_p10": q[:, 0],
        "commitment_p50": q[:, 1],
        "commitment_p90": q[:, 2],
        "mean_receptivity": receptivity,
        "microsystems_improved_share": segment_sums(state.performance >= cutoff, ms_ptr) / sz.ms_n,
        "microsystem_variation": np.sqrt(ms_var),
        "microsystems_flipped_share": segment_sums((ms_share < 0.1) | (ms_share > 0.9), ms_ptr)
        / sz.ms_n,
        "engagement_gap": leaders - followers,
        "stigma": stigma,
        "champions": segment_sums(state.champion, people),
        "engagements": segment_sums(state.target >= 0, people),
        "pressure": state.pressure,
        "leadership_hours": state.leadership_hours,
        "management_pressure_spent": state.pressure_spent,
        "intervention_active": float(active),
    }
    for name, value in cols.items():
        out[:, _COLUMN[name]] = value
    # Role shares, (runs, flag, role) in REPORTERS' order (STATES x ROLES).
    shares = role_counts[:, : len(ROLES), : len(STATES)] / sz.role_n[:, :, None]
    out[:, _ROLE_COLUMNS] = shares.transpose(0, 2, 1).reshape(n_runs, -1)
    return out


def history_frame(history: np.ndarray) -> pd.DataFrame:
    """Weekly reporters as a DataFrame (one row per week, including week 0)."""
    import pandas as pd  # not needed by the weekly loop

    df = pd.DataFrame(history, columns=list(REPORTERS))
    df["week"] = df["week"].astype(int)
    return df


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
