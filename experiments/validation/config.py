"""What the validation runs, fixed before any run: sizes, seeds, thresholds, conditions.

The thresholds of the verdict criteria live here, beside the run sizes, so that every
number the report states as a criterion was chosen before a single run was seen. A
condition is a preset plus the overrides that make a pattern's contrast; its values win
over the values sampled across the plausible region for the parameters it sets.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any

from medlead.model import Params

DEFAULT_SEED = 20261125
LHS_KEY = 7919
"""First spawn-key entry of Latin hypercube runs: point j, replication r is
``SeedSequence(seed, spawn_key=(LHS_KEY, j, r))``, independent of the defaults' seeds."""

# Thresholds of the verdict criteria, fixed before any run (stated in the report).
STATUS_QUO_MAX = 0.05
"""No intervention: the status quo holds if practising at week 156 stays below 5%."""
HILL_MIN_STEEPNESS = 4.0
"""Critical mass: a Hill coefficient of at least 4 (10–90% of the rise within a factor
81^(1/4) = 3 of leadership capacity, about half a decade) counts as a threshold."""
HILL_MIN_RISE = 0.3
"""Critical mass: the rise from bottom to top plateau must be at least 30 points."""
VARIATION_MIN_RANGE = 0.10
"""Trust variation: the 10th–90th percentile range of sustained practising across
generated Trusts under one policy must be at least 10 points."""
NORMAL_P10_P90 = 2.5631
"""Width of a normal distribution's 10–90% range in standard deviations."""


@dataclass(frozen=True)
class ValidationConfig:
    """How much to run. ``FULL`` is the committed report, ``QUICK`` the CI check."""

    replications: int = 30
    samples: int = 64
    lhs_replications: int = 2
    seed: int = DEFAULT_SEED
    cm_leader_share: tuple[float, ...] = (0.06, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6)
    cm_leader_time: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
    cm_replications: int = 4
    phase_internalisation: tuple[float, ...] = (0.005, 0.01, 0.02, 0.03, 0.045, 0.06)
    phase_half_life: tuple[float, ...] = (4.0, 8.0, 12.0, 24.0, 36.0, 52.0)
    phase_replications: int = 3
    bootstrap: int = 300
    trust: dict[str, Any] = field(default_factory=dict)
    """Parameter overrides applied to every run (the quick check uses a small Trust)."""
    quick: bool = False

    @property
    def n_runs(self) -> int:
        """Runs the configuration will make."""
        return (
            self.replications * len(DEFAULT_CONDITIONS)
            + len(self.cm_leader_share) * len(self.cm_leader_time) * self.cm_replications
            + len(self.phase_internalisation)
            * len(self.phase_half_life)
            * 2
            * self.phase_replications
            + self.samples * self.lhs_replications * len(LHS_CONDITIONS)
        )


FULL = ValidationConfig()
QUICK = ValidationConfig(
    replications=4,
    samples=4,
    lhs_replications=1,
    cm_leader_share=(0.12, 0.25, 0.6),
    cm_leader_time=(0.25, 1.0, 3.0),
    cm_replications=1,
    phase_internalisation=(0.005, 0.06),
    phase_half_life=(4.0, 52.0),
    phase_replications=1,
    bootstrap=20,
    trust={"n_directorates": 2, "microsystems_per_directorate": 3},
    quick=True,
)

# Conditions: (preset, parameter overrides). Preset values win over sampled values for
# the parameters a preset sets (the preset *is* the contrast), e.g. machine's autonomy.
FS_LOW, FS_HIGH = 0.2, 0.9
STIGMA_LOW, STIGMA_HIGH = 0.2, 0.8
CONDITIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "prof_none": ("professional", {"strategy": "none"}),
    "prof_mandate": ("professional", {"strategy": "mandate"}),
    "prof_persuasion": ("professional", {"strategy": "persuasion"}),
    "prof_hybrid": ("professional", {"strategy": "hybrid"}),
    "mach_mandate": ("machine", {"strategy": "mandate"}),
    "mach_persuasion": ("machine", {"strategy": "persuasion"}),
    "kp_hybrid": ("kp_like", {"strategy": "hybrid"}),
    "es_low_low": ("professional", {"formal_selection": FS_LOW, "stigma": STIGMA_LOW}),
    "es_low_high": ("professional", {"formal_selection": FS_LOW, "stigma": STIGMA_HIGH}),
    "es_high_low": ("professional", {"formal_selection": FS_HIGH, "stigma": STIGMA_LOW}),
    "es_high_high": ("professional", {"formal_selection": FS_HIGH, "stigma": STIGMA_HIGH}),
}
DEFAULT_CONDITIONS = tuple(CONDITIONS)
LHS_CONDITIONS = tuple(c for c in CONDITIONS if c not in ("es_low_high", "es_high_low"))


def uncertainty_names() -> list[str]:
    """Parameters sampled across the region: role ``uncertainty`` with a plausible range."""
    return [
        n
        for n, s in Params.specs().items()
        if s.role == "uncertainty" and s.plausible is not None and not s.choices
    ]


@functools.cache
def preset_changes(preset: str) -> frozenset[str]:
    """Names of the parameters a preset sets to something other than the default."""
    base, p = Params(), Params.preset(preset)
    return frozenset(n for n in Params.names() if getattr(base, n) != getattr(p, n))


def condition_params(
    condition: str, sampled: dict[str, Any] | None = None, trust: dict[str, Any] | None = None
) -> Params:
    """Parameters of a condition, on top of sampled values (the preset's own values win)."""
    preset, overrides = CONDITIONS[condition]
    changed = preset_changes(preset)
    keep = {k: v for k, v in (sampled or {}).items() if k not in changed}
    return Params.from_mapping({**keep, **(trust or {}), **overrides}, base=Params.preset(preset))


def config_for(
    quick: bool,
    replications: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
) -> ValidationConfig:
    """The full or quick configuration with the command line's overrides."""
    cfg = QUICK if quick else FULL
    changes: dict[str, Any] = {}
    if replications is not None:
        changes["replications"] = replications
    if samples is not None:
        changes["samples"] = samples
    if seed is not None:
        changes["seed"] = seed
    return replace(cfg, **changes) if changes else cfg
