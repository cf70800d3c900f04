"""P1: a mandate buys faster early uptake but less sustained practice than persuasion.

The seed deck's headline (change cannot be mandated). Judged on the professional preset
at the defaults and across the region, and drawn as a phase diagram over the two rates
that decide it (internalisation rate × compliance half-life).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from medlead.experiments.validation.evidence import (
    Evidence,
    fmt_share,
    paired,
    series,
)
from medlead.experiments.validation.judge import (
    PatternResult,
    defaults_status,
    paired_check,
    region_share,
)
from medlead.model.labels import plural

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KEY = "P1"
TITLE = "Mandate: faster early uptake, less sustained practice than persuasion"
BY_CONSTRUCTION = (
    "Partly. That a mandate leads early in *compliance* is a definition (persuasion "
    "applies no pressure, so compliance under it is 0). Early *practice* and sustained "
    "practice are not: they depend on how the pressure that binds clinicians compares "
    "with their thresholds, on how fast compelled practice internalises "
    "(`compelled_internalisation`, plausible 0-0.6), on fidelity, habit and both "
    "half-lives, and there are plausible values where either strategy sustains more."
)


def judge(ev: Evidence) -> PatternResult:
    """Early practice (week 26) and sustained practice (week 156), mandate vs persuasion."""
    d, extra, cfg = ev.defaults, ev.extra, ev.cfg
    m26, p26 = paired(d, "prof_mandate", "prof_persuasion", "practising_26")
    c26m, c26p = paired(d, "prof_mandate", "prof_persuasion", "compliant_26")
    sm, sp = paired(d, "prof_mandate", "prof_persuasion", "sustained")
    checks = [
        paired_check("practising at week 26: mandate − persuasion", m26, p26, +1),
        paired_check("practising at week 156: persuasion − mandate", sp, sm, +1),
    ]
    early = ev.lhs_diff("prof_mandate", "prof_persuasion", "practising_26")
    late = ev.lhs_diff("prof_persuasion", "prof_mandate", "sustained")
    region = ev.region(KEY, (early > 0) & (late > 0))
    extra["p1_region_persuasion_wins"] = region_share(list(late > 0))
    extra["p1_region_mandate_early"] = region_share(list(early > 0))
    phase = ev.block("phase")
    if len(phase):
        pm = phase.pivot_table(
            index=["internalisation_rate", "compliance_half_life", "rep"],
            columns="condition",
            values="sustained",
        )
        pm["diff"] = pm["prof_persuasion"] - pm["prof_mandate"]
        cells = pm.groupby(level=[0, 1])["diff"].mean()
        extra["phase_cells"] = cells
        extra["phase_table"] = pm.reset_index()
    details = [
        f"Mean shares at the defaults ({plural(len(sm), 'replication')}; 95% bootstrap "
        "percentile CIs): compliant at week 26 mandate "
        f"{fmt_share(c26m)}, persuasion {fmt_share(c26p)}; "
        f"practising at week 26 mandate {fmt_share(m26)}, persuasion "
        f"{fmt_share(p26)}; practising at week 156 mandate "
        f"{fmt_share(sm)}, persuasion {fmt_share(sp)}.",
        "Across the region, mandate leads at week 26 at "
        f"{extra['p1_region_mandate_early'].format()} of points and persuasion sustains more "
        f"at week 156 at {extra['p1_region_persuasion_wins'].format()}.",
    ]
    if "phase_cells" in extra:
        cells = extra["phase_cells"]
        details.append(
            "Phase diagram (internalisation rate × compliance half-life, "
            f"{plural(cfg.phase_replications, 'replication')} per cell): persuasion sustains more "
            f"in {int((cells > 0).sum())} of {cells.size} cells, mandate in "
            f"{int((cells < 0).sum())}; cells with |difference| < 0.05 (a near tie at "
            f"{plural(cfg.phase_replications, 'replication')}): {int((cells.abs() < 0.05).sum())}. "
            "The mean difference spans "
            f"{np.ptp(cells.groupby(level=0).mean()):.2f} across internalisation rates "
            f"(averaged over half-lives) and {np.ptp(cells.groupby(level=1).mean()):.2f} "
            "across compliance half-lives (averaged over internalisation rates)."
        )
    cwm = series(d, "prof_mandate", "mean_c_w").to_numpy(float)
    cem = series(d, "prof_mandate", "mean_c_end").to_numpy(float)
    details.append(
        "Under mandate, mean commitment of clinical staff is "
        f"{fmt_share(cwm)} at withdrawal and {fmt_share(cem)} "
        "at week 156: what practice under pressure has internalised (at "
        "`compelled_internalisation` times the rate of committed practice) is what can "
        "carry mandated practice past withdrawal."
    )
    return PatternResult(
        KEY,
        TITLE,
        "Change cannot be mandated (seed: 'Why does this matter?'); a culture of "
        "commitment, not compliance (KP); mandate buys compliance that lapses.",
        "In the professional preset, practising share at week 26 (early uptake; "
        "compliance itself is zero under persuasion by construction, so the early "
        "test compares behaviour) and at week 156 (52 weeks after withdrawal), paired "
        "mandate vs persuasion.",
        checks,
        defaults_status(c.status for c in checks),
        region,
        "a point counts when the mean mandate − persuasion difference in practising at "
        "week 26 is > 0 and the persuasion − mandate difference at week 156 is > 0.",
        details=details,
    )


def figure(extra: dict) -> dict[str, Figure]:
    """The phase diagram of persuasion − mandate at week 156 (``phase``), if it was run."""
    from medlead.experiments.analysis.figures import phase_diagram

    if "phase_table" not in extra:
        return {}
    col = "persuasion_minus_mandate"
    t = extra["phase_table"].rename(columns={"diff": col})
    cells = t.groupby(["internalisation_rate", "compliance_half_life"])[col].mean()
    bound = max(0.1, float(np.ceil(cells.abs().max() * 10) / 10))
    fig = phase_diagram(
        t,
        "compliance_half_life",
        "internalisation_rate",
        col,
        title="Practising at week 156, persuasion − mandate\n"
        "(> 0 persuasion wins; half-life in weeks)",
        vmin=-bound,
        vmax=bound,
    )
    return {"phase": fig}
