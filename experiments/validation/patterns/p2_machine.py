"""P2: in a machine bureaucracy the mandate does relatively better.

Mintzberg's contrast: where line authority binds, a mandate should gain on persuasion.
Judged as a difference in differences between the machine and professional presets.
"""

from __future__ import annotations

import numpy as np

from medlead.experiments.analysis.stats import mean_ci
from medlead.experiments.validation.evidence import Evidence, fmt_ci, fmt_share, paired
from medlead.experiments.validation.judge import PatternResult, defaults_status, paired_check

KEY = "P2"
TITLE = "Machine bureaucracy: mandate does relatively better"
BY_CONSTRUCTION = (
    "No. The machine preset changes autonomy, coupling, senior influence, cross-world "
    "ties and reactance, which act on every channel (the pressure that binds, "
    "persuasion, peers' practice); whether the mandate gains more than persuasion is "
    "an outcome."
)


def judge(ev: Evidence) -> PatternResult:
    """(Mandate − persuasion) in the machine preset minus the same in the professional."""
    d = ev.defaults
    sm, sp = paired(d, "prof_mandate", "prof_persuasion", "sustained")
    m26, p26 = paired(d, "prof_mandate", "prof_persuasion", "practising_26")
    mm, mp = paired(d, "mach_mandate", "mach_persuasion", "sustained")
    did = (mm - mp) - (sm - sp)
    mm26, mp26 = paired(d, "mach_mandate", "mach_persuasion", "practising_26")
    checks = [
        paired_check(
            "difference in differences of practising at 156: "
            "(mandate − persuasion)_machine − (mandate − persuasion)_professional",
            did,
            np.zeros_like(did),
            +1,
        )
    ]
    lhs_did = ev.lhs_diff("mach_mandate", "mach_persuasion", "sustained") - ev.lhs_diff(
        "prof_mandate", "prof_persuasion", "sustained"
    )
    region = ev.region(KEY, lhs_did > 0)
    details = [
        f"Practising at week 156, machine: mandate {fmt_share(mm)}, "
        f"persuasion {fmt_share(mp)}; mandate − persuasion "
        f"{fmt_ci(mean_ci(mm - mp))} (professional: {fmt_ci(mean_ci(sm - sp))}).",
        f"Early (week 26) mandate − persuasion in the machine preset: "
        f"{fmt_ci(mean_ci(mm26 - mp26))}; professional {fmt_ci(mean_ci(m26 - p26))}.",
        "Region: the machine preset's five configuration values (autonomy, hierarchy "
        "coupling, senior influence, cross-world weight, reactance) are kept; every other "
        "uncertainty takes the sampled value in both configurations.",
    ]
    return PatternResult(
        KEY,
        TITLE,
        "Health care organisations are professional, not machine, bureaucracies "
        "(Mintzberg); the implication is that mandate works better where line "
        "authority binds.",
        "Paired difference in differences of practising at week 156 between the "
        "machine and professional presets (same replications).",
        checks,
        defaults_status(c.status for c in checks),
        region,
        "a point counts when the mean difference in differences is > 0.",
        details=details,
    )
