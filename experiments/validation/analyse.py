"""From the runs table to a result per pattern: the registry's judges, in order.

After the patterns, the descriptive finding on microsystem flips (not a pattern: it has
no verdict) and, per pattern, its seed note and the sampled parameters most associated
with where it holds across the region.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from medlead.experiments.validation.config import ValidationConfig
from medlead.experiments.validation.evidence import Evidence, series, share_ci
from medlead.experiments.validation.judge import PatternResult, region_share, seed_note
from medlead.experiments.validation.patterns import PATTERNS

FLIP_CONDITIONS = ("prof_none", "prof_mandate", "prof_persuasion", "prof_hybrid", "kp_hybrid")
"""Conditions whose share of all-or-nothing microsystems the report tabulates."""


def analyse(
    runs: pd.DataFrame, cfg: ValidationConfig, design: pd.DataFrame | None = None
) -> tuple[list[PatternResult], dict]:
    """Every pattern's tests, region share and verdict from the runs table.

    ``design`` (the Latin hypercube, one row per point) adds, per pattern, the sampled
    parameters most associated with where it holds.
    """
    ev = Evidence(runs, cfg, design)
    out = [pattern.judge(ev) for pattern in PATTERNS]
    _flips(ev)
    for res in out:
        res.seed_note = seed_note(res)
        pts = ev.extra.get("region_points", {}).get(res.key)
        if design is not None and pts is not None and res.region is not None:
            top = drivers(pts, design)
            if top:
                res.details.append(
                    "Where it holds in the region depends most on (Spearman ρ between the "
                    "sampled value and holding, over the points): "
                    + ", ".join(f"`{n}` {r:+.2f}" for n, r in top)
                    + "."
                )
    return out, ev.extra


def _flips(ev: Evidence) -> None:
    """Microsystems that end all or nothing, at the defaults and across the region."""
    ev.extra["flips"] = {
        cond: share_ci(series(ev.defaults, cond, "flipped_end").to_numpy(float))
        for cond in FLIP_CONDITIONS
    }
    lf = ev.lhs[ev.lhs.condition == "prof_persuasion"].groupby("point").flipped_end.mean()
    ev.extra["flips_region"] = (
        float(lf.median()) if len(lf) else math.nan,
        region_share(list(lf >= 0.9)),
    )


def drivers(holds: pd.Series, design: pd.DataFrame, top: int = 3) -> list[tuple[str, float]]:
    """Sampled parameters most associated with where a pattern holds (Spearman ρ).

    Rank correlation between each parameter's sampled value and the 0/1 outcome over the
    Latin hypercube points; the ``top`` largest in absolute value, strongest first.
    Descriptive: with a few dozen points, |ρ| below about 0.25 is noise.
    """
    from scipy.stats import spearmanr

    if holds.nunique() < 2 or design.empty:
        return []
    x = design.set_index("point").loc[holds.index]
    out = []
    for name in x.columns:
        if x[name].nunique() < 2:
            continue
        rho = spearmanr(x[name].to_numpy(float), holds.to_numpy(float)).statistic
        if np.isfinite(rho):
            out.append((name, float(rho)))
    return sorted(out, key=lambda t: -abs(t[1]))[:top]
