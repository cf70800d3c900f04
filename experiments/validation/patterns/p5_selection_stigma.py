"""P5: formal selection and stigma widen the engagement gap and slow spread.

The seed deck's 'gone over to the dark side'. Judged from a 2 × 2 design (formal
selection low/high × stigma low/high) under persuasion: each factor's main effect on the
engagement gap and on practising at withdrawal, averaged over the other factor.
"""

from __future__ import annotations

import numpy as np

from medlead.experiments.analysis.stats import mean_ci
from medlead.experiments.validation.config import FS_HIGH, FS_LOW, STIGMA_HIGH, STIGMA_LOW
from medlead.experiments.validation.evidence import Evidence, fmt_ci, series
from medlead.experiments.validation.judge import PatternResult, defaults_status, paired_check

KEY = "P5"
TITLE = "Formal selection and stigma widen the engagement gap and slow spread"
BY_CONSTRUCTION = (
    "In direction, partly: stigma discounts the credibility of leaders identified with "
    "management, so more stigma cannot make a leader more persuasive. Formal selection "
    "is two-sided now (more identification with management, but more credible leaders "
    "through `selection_quality`), so its net effect on spread and on the gap is an "
    "outcome."
)


def judge(ev: Evidence) -> PatternResult:
    """Main effects of formal selection and of stigma on the gap and on practice."""
    d = ev.defaults
    checks = []
    for factor, hi_pair, lo_pair in (
        ("formal selection", ("es_high_low", "es_high_high"), ("es_low_low", "es_low_high")),
        ("stigma", ("es_low_high", "es_high_high"), ("es_low_low", "es_high_low")),
    ):
        for col, sign, what in (
            ("gap_programme", +1, "engagement gap (mean over the programme weeks)"),
            ("practising_w", -1, "practising at withdrawal (week 104)"),
        ):
            hi = np.mean([series(d, c, col).to_numpy(float) for c in hi_pair], axis=0)
            lo = np.mean([series(d, c, col).to_numpy(float) for c in lo_pair], axis=0)
            checks.append(paired_check(f"{factor} high − low: {what}", hi, lo, sign))
    gap = ev.lhs_diff("es_high_high", "es_low_low", "gap_programme")
    spread = ev.lhs_diff("es_high_high", "es_low_low", "practising_w")
    region = ev.region(KEY, (gap > 0) & (spread < 0))
    hh_g = series(d, "es_high_high", "gap_programme").to_numpy(float)
    ll_g = series(d, "es_low_low", "gap_programme").to_numpy(float)
    hh_w = series(d, "es_high_high", "weeks_to_half").to_numpy(float)
    ll_w = series(d, "es_low_low", "weeks_to_half").to_numpy(float)
    details = [
        f"Main effects from a 2 × 2 design (formal selection {FS_LOW:g} / {FS_HIGH:g} × "
        f"stigma {STIGMA_LOW:g} / {STIGMA_HIGH:g}) under persuasion, each averaged over "
        "the other factor's two levels, paired by replication.",
        f"Engagement gap, both high {fmt_ci(mean_ci(hh_g))} vs both low "
        f"{fmt_ci(mean_ci(ll_g))}. Weeks to half practising reached in "
        f"{int(np.isfinite(hh_w).sum())}/{hh_w.size} replications with both high and "
        f"{int(np.isfinite(ll_w).sum())}/{ll_w.size} with both low.",
        "Region: both at their high values vs both low (the joint contrast), other "
        "uncertainties sampled; a point counts when the gap is wider and practising at "
        "week 104 lower.",
    ]
    return PatternResult(
        KEY,
        TITLE,
        "Greater formality in identifying medical leaders may have contributed to the "
        "engagement gap (Results 2); 'gone over to the dark side' (Results 4).",
        "Engagement gap (leaders' minus followers' mean commitment) averaged over the "
        "programme, and practising at week 104, under persuasion.",
        checks,
        defaults_status(c.status for c in checks),
        region,
        "a point counts when (both high − both low) widens the gap and lowers "
        "practising at week 104.",
        details=details,
    )
