"""P8: Kaiser Permanente-like settings outperform a typical Trust.

Judged as the kp_like preset against the professional preset under the same strategy
(hybrid); the comparison with the professional preset's own default strategy
(persuasion) is reported beside it but does not enter the verdict.
"""

from __future__ import annotations

from medlead.experiments.validation.evidence import Evidence, fmt_share, paired
from medlead.experiments.validation.judge import PatternResult, defaults_status, paired_check

KEY = "P8"
TITLE = "KP-like settings outperform a typical Trust"
BY_CONSTRUCTION = (
    "Partly. The kp_like preset sets many levers at favourable values at once (more "
    "leaders, more time, less workload and stigma, better dualities, a hybrid), so "
    "that it does better than a typical Trust is close to an input; by how much, and "
    "whether it holds across the plausible region, is the finding."
)


def judge(ev: Evidence) -> PatternResult:
    """Sustained practice, kp_like − professional, both under hybrid."""
    d = ev.defaults
    kp, ph = paired(d, "kp_hybrid", "prof_hybrid", "sustained")
    kp_, pp = paired(d, "kp_hybrid", "prof_persuasion", "sustained")
    checks = [
        paired_check("practising at 156: kp_like − professional, both hybrid", kp, ph, +1),
        paired_check(
            "practising at 156: kp_like (hybrid) − professional (persuasion, its default)",
            kp_,
            pp,
            +1,
        ),
    ]
    lhs_kp = ev.lhs_diff("kp_hybrid", "prof_hybrid", "sustained")
    region = ev.region(KEY, lhs_kp > 0)
    details = [
        f"Practising at week 156: kp_like {fmt_share(kp)}, professional with "
        f"hybrid {fmt_share(ph)}, professional with persuasion "
        f"{fmt_share(pp)}.",
        "Region: the kp_like preset's own values (leader share and time, workload, "
        "credibility, duality, stigma, career structure, selection, champions, "
        "reinforcement) are kept; other uncertainties take the sampled values in both.",
    ]
    return PatternResult(
        KEY,
        TITLE,
        "Kaiser Permanente, Mayo, Intermountain: long-term investment in medical "
        "leadership, leaders top to bottom, a culture of commitment.",
        "Practising at week 156, kp_like preset vs the professional preset under the "
        "same strategy (hybrid), paired.",
        checks,
        defaults_status(c.status for c in checks[:1]),
        region,
        "a point counts when the mean kp_like − professional (both hybrid) difference is > 0.",
        details=details,
    )
