"""What each validation run reports beyond the summary: the engine outcome :data:`OUTCOMES`.

The patterns read more than the weekly reporters: who is a champion and the commitment
of clinical staff at the withdrawal week and at the horizon. :func:`run_outcomes` reads
them from a finished run (:class:`~medlead.model.batch.RunResult`, with its state at the
withdrawal week kept as a snapshot) on the worker that made it; the engine adds its
values as columns of the runs table. The design names it by reference
(:data:`OUTCOMES_REF`), since the engine may not import the validation; the source of
this module counts in the design's hash, so editing it makes a stored run table stale.
"""

from __future__ import annotations

import math

from medlead.experiments.engine.design import Outcome
from medlead.model import Params, World
from medlead.model.batch import RunResult

__all__ = ["OUTCOMES", "OUTCOMES_REF", "OUTCOME_COLUMNS", "run_outcomes", "withdrawal_snapshot"]

OUTCOME_COLUMNS: tuple[str, ...] = (
    "sustained",
    "practising_26",
    "compliant_26",
    "practising_w",
    "peak_compliant",
    "peak_practising",
    "gap_programme",
    "weeks_to_half",
    "noncham_c_w",
    "noncham_c_end",
    "noncham_share",
    "mean_c_w",
    "mean_c_end",
    "champions_w",
    "champions_end",
    "flipped_end",
    "committed_end",
)
"""The outcomes every pattern reads, one column each (NaN where undefined)."""


def _withdrawal(params: Params) -> int:
    return min(params.withdrawal_week, params.weeks)


def withdrawal_snapshot(params: Params) -> tuple[int, ...]:
    """The week whose state :func:`run_outcomes` reads: the withdrawal week (or horizon)."""
    return (_withdrawal(params),)


def run_outcomes(result: RunResult) -> dict[str, float]:
    """One run's outcomes: shares at weeks 26, withdrawal and 156, and commitment of the
    clinical staff who were never champions, at withdrawal and at the horizon.
    """
    params = result.params
    w = _withdrawal(params)
    clinical = result.organisation.world != int(World.MANAGER)
    at_w, end = result.snapshots[w], result.state
    champ_w, c_w = at_w.champion, at_w.commitment
    summary = result.summary
    non_champ = clinical & ~champ_w & ~end.champion
    hist = result.timeseries().set_index("week")

    def at(col: str, week: int) -> float:
        return float(hist[col].iloc[min(week, len(hist) - 1)])

    gap = hist["engagement_gap"].iloc[1 : w + 1]
    return {
        "sustained": float(summary["sustained_practising_share"]),
        "practising_26": at("practising_share", 26),
        "compliant_26": at("compliant_share", 26),
        "practising_w": at("practising_share", w),
        "peak_compliant": float(summary["peak_compliant_share"]),
        "peak_practising": float(summary["peak_practising_share"]),
        "gap_programme": float(gap.mean()) if gap.notna().any() else math.nan,
        "weeks_to_half": (
            math.nan
            if summary["weeks_to_half_practising"] is None
            else float(summary["weeks_to_half_practising"])
        ),
        "noncham_c_w": float(c_w[non_champ].mean()) if non_champ.any() else math.nan,
        "noncham_c_end": (float(end.commitment[non_champ].mean()) if non_champ.any() else math.nan),
        "noncham_share": float(non_champ.sum() / max(1, clinical.sum())),
        "mean_c_w": float(c_w[clinical].mean()),
        "mean_c_end": float(end.commitment[clinical].mean()),
        "champions_w": float(champ_w.sum()),
        "champions_end": float(end.champion.sum()),
        "flipped_end": float(hist["microsystems_flipped_share"].iloc[-1]),
        "committed_end": float(summary["committed_share"]),
    }


OUTCOMES = Outcome(
    columns=OUTCOME_COLUMNS, compute=run_outcomes, snapshot_weeks=withdrawal_snapshot
)
"""The validation's outcome columns, as the engine computes them on each worker."""
OUTCOMES_REF = f"{__name__}:OUTCOMES"
"""How a design names :data:`OUTCOMES` to the engine."""
