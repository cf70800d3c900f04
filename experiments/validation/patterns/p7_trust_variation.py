"""P7: identical policies give different results across generated Trusts.

A level criterion: the 10th–90th percentile range of sustained practice across
replications (each a newly generated Trust) under one policy must reach
:data:`~medlead.experiments.validation.config.VARIATION_MIN_RANGE`, with a bootstrap CI.
Across the region it is a crude screen on the sd over each point's few Trusts.
"""

from __future__ import annotations

import numpy as np

from medlead.experiments.analysis.stats import MeanCI
from medlead.experiments.validation.config import NORMAL_P10_P90, VARIATION_MIN_RANGE
from medlead.experiments.validation.estimators import bootstrap_ci, p10_p90_range, percentile
from medlead.experiments.validation.evidence import Evidence, series
from medlead.experiments.validation.judge import (
    STATUS_FAILS,
    STATUS_HOLDS,
    STATUS_UNCLEAR,
    Check,
    PatternResult,
    RegionShare,
)
from medlead.model.labels import plural

KEY = "P7"
TITLE = "Identical policies vary across generated Trusts"
BY_CONSTRUCTION = (
    "No. Generated Trusts differ in size, leader credibility, duality quality and "
    "thresholds; how much the same policy's results vary is an outcome of that "
    "heterogeneity passing through thresholds and networks."
)


def judge(ev: Evidence) -> PatternResult:
    """Spread of sustained practice across generated Trusts under persuasion."""
    d, lhs, cfg, extra = ev.defaults, ev.lhs, ev.cfg, ev.extra
    sus = series(d, "prof_persuasion", "sustained").to_numpy(float)
    rng_ = p10_p90_range(sus)
    lo, hi = bootstrap_ci(sus, p10_p90_range, cfg.bootstrap, ev.rng)
    st = (
        STATUS_HOLDS
        if lo >= VARIATION_MIN_RANGE
        else STATUS_FAILS
        if hi < VARIATION_MIN_RANGE
        else STATUS_UNCLEAR
    )
    checks = [
        Check(
            f"10th–90th percentile range of practising at week 156 across Trusts "
            f"(criterion ≥ {VARIATION_MIN_RANGE:g})",
            MeanCI(rng_, lo, hi, len(sus)),
            f"≥ {VARIATION_MIN_RANGE:g}",
            st,
            note="bootstrap",
        )
    ]
    sd_min = VARIATION_MIN_RANGE / NORMAL_P10_P90
    lhs_sd = lhs[lhs.condition == "prof_persuasion"].groupby("point").sustained.std(ddof=1)
    region = (
        ev.region(KEY, lhs_sd.dropna() >= sd_min)
        if cfg.lhs_replications > 1
        else RegionShare(0, 0, 0.0, 1.0)
    )
    lhs_m = lhs[lhs.condition == "prof_persuasion"].groupby("point").sustained
    edge = (lhs_m.max() < 0.05) | (lhs_m.min() > 0.95)
    if len(lhs_sd) and cfg.lhs_replications > 1:
        not_var = lhs_sd.dropna() < sd_min
        extra["p7_edge"] = (int((edge & not_var).sum()), int(not_var.sum()))
    msus = series(d, "prof_mandate", "sustained").to_numpy(float)
    iqr = percentile(sus, 0.75) - percentile(sus, 0.25)
    details = [
        f"Persuasion in {len(sus)} generated default Trusts: median {np.nanmedian(sus):.3f}, "
        f"IQR {iqr:.3f}, range {np.nanmin(sus):.3f}–{np.nanmax(sus):.3f}; "
        f"{np.mean(sus >= 0.5):.0%} of Trusts end with at least half practising and "
        f"{np.mean(sus < 0.25):.0%} with under a quarter.",
        f"Mandate, same Trusts: median {np.nanmedian(msus):.3f}, 10–90% range "
        f"{p10_p90_range(msus):.3f}.",
        "Each replication is a newly generated Trust *and* new weekly draws (the seed "
        "scheme ties them), so this spread mixes structure and chance, as the seed's "
        "'variation between Trusts' does.",
        *(
            [
                f"Of the {extra['p7_edge'][1]} region points where the Trusts did not "
                f"differ enough, {extra['p7_edge'][0]} had every Trust below 5% or above 95% "
                "practising: where a policy fails (or succeeds) everywhere, Trusts cannot "
                "differ."
            ]
            if "p7_edge" in extra
            else []
        ),
        f"Region: a point counts when the sd across its {plural(cfg.lhs_replications, 'Trust')} is "
        f"≥ {sd_min:.3f} (a normal 10–90% range of {VARIATION_MIN_RANGE:g}); with so few "
        "Trusts per point this is a crude screen.",
    ]
    return PatternResult(
        KEY,
        TITLE,
        "Variations in structures and processes between NHS Trusts, and within Trusts (Results).",
        "Spread across generated Trusts (replications) of practising at week 156 under "
        "one policy (persuasion, professional preset).",
        checks,
        st,
        region,
        "a point counts when the spread across its Trusts clears the criterion.",
        details=details,
    )
