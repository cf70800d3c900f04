"""``medlead validate``: do the seed deck's patterns *emerge*? A verdict per pattern.

Pattern-oriented modelling (Grimm et al. 2005) trusts a model that reproduces several
independent patterns at once. This package runs the model, tests each pattern of the
seed deck in two ways and writes ``docs/validation.md``:

* **at the defaults**: replications under common random numbers (replication ``r`` of
  every condition is ``SeedSequence(seed, spawn_key=(r,))``, the sweep runner's scheme,
  so two strategies meet the same hospitals and draws); paired differences with Student-t
  95% CIs and Vargha–Delaney A from :mod:`medlead.experiments.analysis.effects`;
* **across the plausible region**: a Latin hypercube over the plausible ranges of every
  parameter whose role is ``uncertainty`` (levers stay at the values the pattern's
  contrast sets, sizes stay fixed); the share of points where the pattern holds gets a
  Wilson 95% interval.

Verdict rules (also written into the report): a pattern **holds** when it holds at the
defaults *and* in a majority of the region (Wilson lower bound > 0.5); it **fails** when
it fails at the defaults *and* holds only in a minority of the region (Wilson upper bound
< 0.5); otherwise it is **mixed**. Where a pattern is not assessed across the region its
verdict rests on the defaults alone, and an inconclusive test at the defaults is mixed.
A pattern that fails is a finding: nothing here changes a default.

This is validation, not verification: mechanisms are asserted in the tests
(``tests/test_mechanisms.py``, ``tests/test_reference.py``; the theory checks of the
diffusion core, Granovetter's fixed point and Centola & Macy's clustered-versus-rewired
contrast, in ``tests/test_theory.py``). Here nothing is asserted; verdicts are reported.

The runs are one design of the sweep engine (:mod:`medlead.experiments.engine`), stored in
a resumable run store (``results/validation/`` by default) and read back to be judged.

Modules: ``config`` (what is run, thresholds), ``design`` (the runs as an engine design,
and the runs table read back), ``outcomes`` (what each run reports, computed on the
workers), ``judge`` (the rules), ``estimators`` (Hill fit, percentile range, bootstrap),
``evidence`` (what a pattern judges from), ``patterns`` (the registry, one module per
pattern), ``analyse``, ``report`` and ``run`` (:func:`run_validation`).
"""

from __future__ import annotations

from medlead.experiments.validation.analyse import analyse, drivers
from medlead.experiments.validation.config import (
    CONDITIONS,
    DEFAULT_SEED,
    FULL,
    HILL_MIN_RISE,
    HILL_MIN_STEEPNESS,
    LHS_KEY,
    QUICK,
    STATUS_QUO_MAX,
    VARIATION_MIN_RANGE,
    ValidationConfig,
    condition_params,
    config_for,
    preset_changes,
    uncertainty_names,
)
from medlead.experiments.validation.design import (
    ValidationRunsError,
    lhs_design,
    validation_design,
    validation_runs,
)
from medlead.experiments.validation.estimators import bootstrap_ci, hill, hill_fit, p10_p90_range
from medlead.experiments.validation.judge import (
    FAILS,
    HOLDS,
    MIXED,
    STATUS_FAILS,
    STATUS_HOLDS,
    STATUS_UNCLEAR,
    Check,
    PatternResult,
    RegionShare,
    defaults_status,
    paired_check,
    region_share,
    sign_status,
    verdict,
    wilson,
)
from medlead.experiments.validation.outcomes import OUTCOME_COLUMNS, OUTCOMES, run_outcomes
from medlead.experiments.validation.patterns import BY_CONSTRUCTION, PATTERNS, Pattern
from medlead.experiments.validation.report import render_report, write_figures
from medlead.experiments.validation.run import ValidationOutcome, default_store, run_validation

__all__ = [
    "BY_CONSTRUCTION",
    "CONDITIONS",
    "Check",
    "DEFAULT_SEED",
    "FAILS",
    "FULL",
    "HILL_MIN_RISE",
    "HILL_MIN_STEEPNESS",
    "HOLDS",
    "LHS_KEY",
    "MIXED",
    "OUTCOMES",
    "OUTCOME_COLUMNS",
    "PATTERNS",
    "Pattern",
    "PatternResult",
    "QUICK",
    "RegionShare",
    "STATUS_FAILS",
    "STATUS_HOLDS",
    "STATUS_QUO_MAX",
    "STATUS_UNCLEAR",
    "VARIATION_MIN_RANGE",
    "ValidationConfig",
    "ValidationOutcome",
    "ValidationRunsError",
    "analyse",
    "bootstrap_ci",
    "condition_params",
    "config_for",
    "default_store",
    "defaults_status",
    "drivers",
    "hill",
    "hill_fit",
    "lhs_design",
    "p10_p90_range",
    "paired_check",
    "preset_changes",
    "region_share",
    "render_report",
    "run_outcomes",
    "run_validation",
    "sign_status",
    "uncertainty_names",
    "validation_design",
    "validation_runs",
    "verdict",
    "wilson",
    "write_figures",
]
