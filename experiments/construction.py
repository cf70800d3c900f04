"""For each validation pattern, whether it could hold by construction (issue 14).

A pattern that the equations guarantee is not evidence that the model reproduces the
seed deck; it only shows the equations were written that way. Each answer below names
what in ``docs/odd.md`` forces the pattern, or what leaves it open, so the report can say
which verdicts count as findings. They describe the mechanisms of version 2 and must be
rewritten when a mechanism changes (``tests/test_validate.py`` checks every pattern has
one).
"""

from __future__ import annotations

BY_CONSTRUCTION: dict[str, str] = {
    "P1": (
        "Partly. That a mandate leads early in *compliance* is a definition (persuasion "
        "applies no pressure, so compliance under it is 0). Early *practice* and sustained "
        "practice are not: they depend on how the pressure that binds clinicians compares "
        "with their thresholds, on how fast compelled practice internalises "
        "(`compelled_internalisation`, plausible 0-0.6), on fidelity, habit and both "
        "half-lives, and there are plausible values where either strategy sustains more."
    ),
    "P2": (
        "No. The machine preset changes autonomy, coupling, senior influence, cross-world "
        "ties and reactance, which act on every channel (the pressure that binds, "
        "persuasion, peers' practice); whether the mandate gains more than persuasion is "
        "an outcome."
    ),
    "P3": (
        "Not by construction, but close to it at the defaults: with no intervention there "
        "is no pressure, no paid time and no top-team reinforcement, so change can only "
        "come from initial commitment above thresholds and from champions. Whether it "
        "spreads is an outcome of `initial_commitment` against `threshold_mean` (0.000 and "
        "0.001 sustained at initial commitment 0.15 and 0.3: docs/artefacts.md, item 9)."
    ),
    "P4": (
        "No. Leader time has diminishing but never zero returns (depth 1 - exp(-h/h_c) and "
        "revisits) and leader share sets how many engage; whether their joint effect has "
        "a threshold shape (Hill steepness) is measured, not written in."
    ),
    "P5": (
        "In direction, partly: stigma discounts the credibility of leaders identified with "
        "management, so more stigma cannot make a leader more persuasive. Formal selection "
        "is two-sided now (more identification with management, but more credible leaders "
        "through `selection_quality`), so its net effect on spread and on the gap is an "
        "outcome."
    ),
    "P6": (
        "Largely yes: erosion is a mechanism (`commitment_half_life`). What the pattern "
        "tests is whether erosion shows at Trust level after withdrawal, which "
        "internalisation, peers and habit can offset."
    ),
    "P7": (
        "No. Generated Trusts differ in size, leader credibility, duality quality and "
        "thresholds; how much the same policy's results vary is an outcome of that "
        "heterogeneity passing through thresholds and networks."
    ),
    "P8": (
        "Partly. The kp_like preset sets many levers at favourable values at once (more "
        "leaders, more time, less workload and stigma, better dualities, a hybrid), so "
        "that it does better than a typical Trust is close to an input; by how much, and "
        "whether it holds across the plausible region, is the finding."
    ),
}

__all__ = ["BY_CONSTRUCTION"]
