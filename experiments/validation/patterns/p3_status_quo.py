"""P3: with no intervention the status quo holds.

Professional bureaucracies left to themselves may not change. A level criterion, not a
difference: practising at week 156 under strategy ``none`` stays below
:data:`~medlead.experiments.validation.config.STATUS_QUO_MAX`.
"""

from __future__ import annotations

import numpy as np

from medlead.experiments.validation.config import STATUS_QUO_MAX
from medlead.experiments.validation.evidence import (
    Evidence,
    fmt_share,
    lhs_point_means,
    series,
    share_ci,
)
from medlead.experiments.validation.judge import (
    STATUS_FAILS,
    STATUS_HOLDS,
    STATUS_UNCLEAR,
    Check,
    PatternResult,
)

KEY = "P3"
TITLE = "No intervention: the status quo holds"
BY_CONSTRUCTION = (
    "Not by construction, but close to it at the defaults: with no intervention there "
    "is no pressure, no paid time and no top-team reinforcement, so change can only "
    "come from initial commitment above thresholds and from champions. Whether it "
    "spreads is an outcome of `initial_commitment` against `threshold_mean` (0.000 and "
    "0.001 sustained at initial commitment 0.15 and 0.3: docs/artefacts.md, item 9)."
)


def judge(ev: Evidence) -> PatternResult:
    """Practising at week 156 under strategy none, against the status-quo bound."""
    d, extra = ev.defaults, ev.extra
    none_end = series(d, "prof_none", "sustained").to_numpy(float)
    none_peak = series(d, "prof_none", "peak_practising").to_numpy(float)
    ci = share_ci(none_end)
    st = (
        STATUS_HOLDS
        if ci.high < STATUS_QUO_MAX
        else STATUS_FAILS
        if ci.low >= STATUS_QUO_MAX
        else STATUS_UNCLEAR
    )
    checks = [
        Check(
            f"practising at week 156 with no intervention (level, not a difference; "
            f"criterion upper bound < {STATUS_QUO_MAX:g})",
            ci,
            f"< {STATUS_QUO_MAX:g}",
            st,
        )
    ]
    lhs_none = lhs_point_means(ev.lhs, "prof_none", "sustained")
    region = ev.region(KEY, lhs_none < STATUS_QUO_MAX)
    details = [
        f"Peak practising over the three years with no intervention: mean "
        f"{fmt_share(none_peak)}, largest {np.nanmax(none_peak):.3f}.",
        f"Across the region, median practising at week 156 with no intervention "
        f"{np.nanmedian(lhs_none):.3f}, largest {np.nanmax(lhs_none):.3f}."
        if len(lhs_none)
        else "Region not run.",
    ]
    if len(lhs_none):
        bad = lhs_none[lhs_none >= STATUS_QUO_MAX].index
        extra["p3_bad_points"] = list(bad)
    return PatternResult(
        KEY,
        TITLE,
        "Professional bureaucracies can be conservative and reluctant to change; left "
        "to their own devices, they may be unresponsive.",
        "Practising share at week 156 under strategy none.",
        checks,
        st,
        region,
        f"a point counts when mean practising at week 156 under none is < {STATUS_QUO_MAX:g}.",
        details=details,
    )
