"""P6: commitment erodes without reinforcement.

Judged on clinical staff who never became champions: their mean commitment 52 weeks
after withdrawal against at withdrawal, and set beside what the erosion mechanism alone
would leave (to tell an emergent decline from a restated equation).
"""

from __future__ import annotations

import numpy as np

from medlead.experiments.analysis.stats import mean_ci
from medlead.experiments.validation.evidence import Evidence, fmt_share, series
from medlead.experiments.validation.judge import PatternResult, defaults_status, paired_check
from medlead.model import Params

KEY = "P6"
TITLE = "Commitment erodes without reinforcement"
BY_CONSTRUCTION = (
    "Largely yes: erosion is a mechanism (`commitment_half_life`). What the pattern "
    "tests is whether erosion shows at Trust level after withdrawal, which "
    "internalisation, peers and habit can offset."
)


def judge(ev: Evidence) -> PatternResult:
    """Non-champions' commitment at week 156 minus at withdrawal, under persuasion."""
    d, lhs, extra = ev.defaults, ev.lhs, ev.extra
    cw = series(d, "prof_persuasion", "noncham_c_w").to_numpy(float)
    ce = series(d, "prof_persuasion", "noncham_c_end").to_numpy(float)
    checks = [paired_check("commitment of non-champions: week 156 − week 104", ce, cw, -1)]
    lhs_p = (
        lhs[lhs.condition == "prof_persuasion"]
        .groupby("point")[["noncham_c_w", "noncham_c_end"]]
        .mean()
    )
    region = ev.region(KEY, (lhs_p.noncham_c_end - lhs_p.noncham_c_w) < 0)
    p = Params()
    pure = 2 ** (-(p.weeks - p.withdrawal_week) / p.commitment_half_life)
    ratio = mean_ci(ce / np.where(cw > 0, cw, np.nan))
    nshare = series(d, "prof_persuasion", "noncham_share").to_numpy(float)
    extra["p6_ratio"] = (ratio, pure)
    details = [
        f"Mean commitment of clinical non-champions (never a champion at weeks 104 or "
        f"156; {np.nanmean(nshare):.0%} of clinical staff): week 104 "
        f"{fmt_share(cw)}, week 156 {fmt_share(ce)}.",
        f"Mechanism or emergence? Erosion alone (`erode`, half-life "
        f"{p.commitment_half_life:g} weeks) would leave a ratio week 156 / week 104 of "
        f"{pure:.3f}; the model's ratio is {ratio.format(3)}. "
        + (
            "The ratio is close to pure erosion: the decline mostly restates the erosion "
            "mechanism (verification: `erode` is asserted in tests/test_mechanisms.py), "
            "so it carries little weight as validation."
            if abs(ratio.mean - pure) < 0.1
            else "The ratio differs from pure erosion, so peers, champions and "
            "internalisation of continued practice shape the decline: it is an emergent "
            "outcome, not only the erosion equation (which is asserted separately in "
            "tests/test_mechanisms.py)."
        ),
    ]
    return PatternResult(
        KEY,
        TITLE,
        "Clinical commitment to change, ownership of change and support for change "
        "constantly need to be checked, reinforced and worked upon.",
        "Under persuasion, mean commitment of clinical staff who are not champions, at "
        "withdrawal (week 104) and 52 weeks later.",
        checks,
        defaults_status(c.status for c in checks),
        region,
        "a point counts when the mean change in non-champions' commitment after withdrawal is < 0.",
        details=details,
    )
