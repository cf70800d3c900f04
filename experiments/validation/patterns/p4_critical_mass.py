"""P4: a critical mass in leader share × leader time.

The seed deck asks for more leaders *and* more leadership time. Judged on a grid of the
two levers under persuasion: a Hill curve fitted to sustained practice against their
product must be steep (n ≥ 4) and rise far enough, with bootstrap CIs over replications
within cells. Not assessed across the region (a grid per point is too costly). The
exploratory lines (does the product hide a saturation in time and a threshold in share?)
and the critical-mass figure live here too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from medlead.experiments.analysis.stats import MeanCI
from medlead.experiments.validation.config import (
    HILL_MIN_RISE,
    HILL_MIN_STEEPNESS,
    ValidationConfig,
)
from medlead.experiments.validation.estimators import hill_fit
from medlead.experiments.validation.evidence import Evidence
from medlead.experiments.validation.judge import (
    STATUS_FAILS,
    STATUS_HOLDS,
    STATUS_UNCLEAR,
    Check,
    PatternResult,
)
from medlead.model.labels import plural

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KEY = "P4"
TITLE = "Critical mass in leader share × leader time"
BY_CONSTRUCTION = (
    "No. Leader time has diminishing but never zero returns (depth 1 - exp(-h/h_c) and "
    "revisits) and leader share sets how many engage; whether their joint effect has "
    "a threshold shape (Hill steepness) is measured, not written in."
)


def _resample_cells(groups: list[pd.DataFrame], rng: np.random.Generator) -> pd.DataFrame:
    """One bootstrap sample: replications drawn with replacement within each cell."""
    return pd.concat([g.iloc[rng.integers(0, len(g), len(g))] for g in groups], ignore_index=True)


def judge(ev: Evidence) -> PatternResult:
    """Hill steepness and rise of sustained practice against leadership capacity."""
    cfg, rng, extra = ev.cfg, ev.rng, ev.extra
    cm = ev.block("critical_mass").copy()
    checks = []
    details = []
    st = STATUS_UNCLEAR
    if len(cm):
        cm["capacity"] = cm.leader_share * cm.leader_time_pa
        fit = hill_fit(cm.capacity.to_numpy(), cm.sustained.to_numpy())
        boots = []
        groups = [g for _, g in cm.groupby("cell")]
        for _ in range(cfg.bootstrap):
            sample_ = _resample_cells(groups, rng)
            boots.append(hill_fit(sample_.capacity.to_numpy(), sample_.sustained.to_numpy()))
        bdf = pd.DataFrame(boots)
        bdf["rise"] = bdf.top - bdf.bottom

        def q(col: str) -> tuple[float, float]:
            v = bdf[col].dropna().to_numpy()
            return (
                (float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975)))
                if v.size
                else (math.nan, math.nan)
            )

        rise = fit["top"] - fit["bottom"]
        n_lo, n_hi = q("n")
        r_lo, r_hi = q("rise")
        x_lo, x_hi = q("x0")
        if not math.isfinite(fit["n"]):
            st = STATUS_UNCLEAR
        elif rise < HILL_MIN_RISE or n_hi < HILL_MIN_STEEPNESS:
            st = STATUS_FAILS
        elif n_lo >= HILL_MIN_STEEPNESS and r_lo >= HILL_MIN_RISE:
            st = STATUS_HOLDS
        else:
            st = STATUS_UNCLEAR
        checks.append(
            Check(
                f"Hill coefficient n of sustained practising vs leader share × leader time "
                f"(criterion n ≥ {HILL_MIN_STEEPNESS:g}, rise ≥ {HILL_MIN_RISE:g})",
                MeanCI(fit["n"], n_lo, n_hi, len(cm)),
                f"≥ {HILL_MIN_STEEPNESS:g}",
                st,
                note="bootstrap",
            )
        )
        extra["cm_fit"] = {**fit, "rise": rise, "rise_ci": (r_lo, r_hi), "x0_ci": (x_lo, x_hi)}
        extra["cm_runs"] = cm
        cell = cm.groupby(["leader_share", "leader_time_pa"]).sustained.mean()
        by_cap = cm.groupby("capacity").sustained.mean().sort_index()
        jumps = by_cap.diff().dropna()
        details = [
            f"Fit over {plural(len(cm), 'run')} ({plural(cm.cell.nunique(), 'cell')} × "
            f"{plural(cfg.cm_replications, 'replication')}): bottom {fit['bottom']:.3f}, "
            f"top {fit['top']:.3f} (rise "
            f"{rise:.3f} [{r_lo:.3f}, {r_hi:.3f}]), half-way capacity x0 = "
            f"{fit['x0']:.3f} [{x_lo:.3f}, {x_hi:.3f}] PA per consultant, Hill n = "
            f"{fit['n']:.2f} [{n_lo:.2f}, {n_hi:.2f}] (95% bootstrap over replications "
            f"within cells, {cfg.bootstrap} resamples).",
            f"Cell means range from {cell.min():.3f} to {cell.max():.3f}; the largest "
            f"jump between adjacent capacities is {jumps.max():.3f} (at capacity "
            f"{jumps.idxmax():.3g}; adjacent capacities can come from quite different "
            "leader shares, see the exploratory lines below)."
            if len(jumps)
            else "",
            "Capacity is nominal (leader_share × leader_time_pa): the Trust never has "
            "fewer than one clinical director per directorate, and directors hold twice "
            "the PAs, so the lowest shares are floored.",
            "Not assessed across the region (a grid per point is too costly); the verdict "
            "rests on the defaults.",
        ]
        details.extend(_explore(cm, cfg, rng, extra))
    return PatternResult(
        KEY,
        TITLE,
        "Medical leadership is more than a minority interest; leaders commit serious "
        "time (seed: 'Critical mass'); the proportion of doctors in leadership roles and "
        "their time need to increase substantially.",
        "Persuasion in the professional preset on a grid of leader_share × "
        "leader_time_pa; a Hill curve y = bottom + rise·xⁿ/(xⁿ + x0ⁿ) fitted to "
        "practising at week 156 against x = leader_share × leader_time_pa. A threshold "
        f"means n ≥ {HILL_MIN_STEEPNESS:g} (10–90% of the rise within a factor of 3 of "
        f"capacity) with a rise ≥ {HILL_MIN_RISE:g}; holds if the bootstrap CIs of n and "
        "the rise clear both bounds, fails if the rise is below its bound or n's upper "
        "bound is below 4, inconclusive otherwise.",
        checks,
        st,
        None,
        "not assessed across the region.",
        details=[x for x in details if x],
    )


def _explore(
    cm: pd.DataFrame, cfg: ValidationConfig, rng: np.random.Generator, extra: dict
) -> list[str]:
    """Exploratory lines on the critical-mass grid (not part of the verdict).

    Defined after seeing the grid: does the product hide a saturation in leader time and
    a threshold in leader share alone?
    """
    grid = cm.groupby(["leader_share", "leader_time_pa"]).sustained.mean().unstack()
    times = list(grid.columns)
    if len(times) < 2:
        return []
    best_t = grid.idxmax(axis=1)
    if 1.0 in grid:
        extra["cm_time_effect"] = (times[-1], float((grid[times[-1]] - grid[1.0]).mean()))
    lines = [
        "Exploratory, not part of the verdict: the two levers do not act only through their "
        "product. For each leader share the best leader time is "
        + ", ".join(f"{ls:g} → {t:g} PA" for ls, t in best_t.items())
        + f"; going from 1 PA to {times[-1]:g} PA changes the mean over leader shares by "
        f"{(grid[times[-1]] - grid[1.0]).mean() if 1.0 in grid else math.nan:+.3f}, "
        f"while leader share moves it from {grid.iloc[0].mean():.2f} to "
        f"{grid.iloc[-1].mean():.2f}."
    ]
    sat = cm[cm.leader_time_pa >= 1.0]
    if sat.leader_share.nunique() >= 4:
        fit = hill_fit(sat.leader_share.to_numpy(), sat.sustained.to_numpy())
        groups = [g for _, g in sat.groupby("cell")]
        ns = []
        for _ in range(cfg.bootstrap):
            b = _resample_cells(groups, rng)
            ns.append(hill_fit(b.leader_share.to_numpy(), b.sustained.to_numpy())["n"])
        ns = np.array([n for n in ns if np.isfinite(n)])
        lo, hi = np.quantile(ns, [0.025, 0.975]) if ns.size else (math.nan, math.nan)
        lines.append(
            "Hill fit against leader share alone, where leader time is at least 1 PA: "
            f"half-way at a leader share of {fit['x0']:.3f}, n = {fit['n']:.2f} "
            f"[{lo:.2f}, {hi:.2f}], rise {fit['top'] - fit['bottom']:.3f}"
            + (
                f" — by the same n ≥ {HILL_MIN_STEEPNESS:g} criterion, a threshold in leader share."
                if lo >= HILL_MIN_STEEPNESS
                else f" — by the same n ≥ {HILL_MIN_STEEPNESS:g} criterion, not a threshold either."
                if hi < HILL_MIN_STEEPNESS
                else " — borderline by the same criterion (the CI straddles "
                f"{HILL_MIN_STEEPNESS:g}): a steep rise in leader share, close to a switch."
            )
        )
    return lines


def figure(extra: dict) -> dict[str, Figure]:
    """Sustained practice on the leader share × leader time grid (``critical_mass``)."""
    from medlead.experiments.analysis.figures import phase_diagram

    if "cm_runs" not in extra:
        return {}
    fig = phase_diagram(
        extra["cm_runs"],
        "leader_time_pa",
        "leader_share",
        "sustained",
        title="Critical mass: practising at week 156 under persuasion",
    )
    return {"critical_mass": fig}
