"""How a pattern is judged: statuses, the region share, the verdict rule and its results.

Every pattern is judged by the same rules, stated in the report: a test at the defaults
*holds* when its 95% CI lies wholly on the predicted side; the share of the plausible
region where a pattern holds gets a Wilson interval; the verdict needs the two to agree.
Keeping the rules here, apart from the patterns, means no pattern can bend them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from medlead.experiments.analysis.effects import compare_paired
from medlead.experiments.analysis.stats import MeanCI

STATUS_HOLDS, STATUS_FAILS, STATUS_UNCLEAR = "holds", "fails", "inconclusive"
HOLDS, FAILS, MIXED = "holds", "fails", "mixed"


@dataclass(frozen=True)
class RegionShare:
    """Share of Latin hypercube points where a pattern holds, with its Wilson 95% CI."""

    k: int
    n: int
    low: float
    high: float

    @property
    def share(self) -> float:
        """The share k / n (NaN when n = 0)."""
        return self.k / self.n if self.n else math.nan

    @property
    def status(self) -> str:
        """One of majority (lower bound > 0.5), minority (upper bound < 0.5), split."""
        if self.n == 0:
            return "not assessed"
        if self.low > 0.5:
            return "majority"
        if self.high < 0.5:
            return "minority"
        return "split"

    def format(self) -> str:
        """``k/n = share [low, high]``."""
        if self.n == 0:
            return "not assessed"
        return f"{self.k}/{self.n} = {self.share:.2f} [{self.low:.2f}, {self.high:.2f}]"


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (Wilson 1927); (0, 1) when n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def region_share(holds: Iterable[bool | None]) -> RegionShare:
    """Share of points where the pattern holds (``None``: undefined there, left out)."""
    vals = [bool(h) for h in holds if h is not None]
    k, n = sum(vals), len(vals)
    lo, hi = wilson(k, n)
    return RegionShare(k, n, lo, hi)


def sign_status(ci: MeanCI, predicted: int) -> str:
    """Holds if the 95% CI lies wholly on the predicted side of 0 (+1 or −1), else fails."""
    if ci.n < 2 or math.isnan(ci.low):
        return STATUS_UNCLEAR
    if predicted > 0:
        return STATUS_HOLDS if ci.low > 0 else STATUS_FAILS
    return STATUS_HOLDS if ci.high < 0 else STATUS_FAILS


def defaults_status(statuses: Iterable[str]) -> str:
    """All parts hold → holds; any part fails → fails; otherwise inconclusive."""
    s = list(statuses)
    if s and all(x == STATUS_HOLDS for x in s):
        return STATUS_HOLDS
    if any(x == STATUS_FAILS for x in s):
        return STATUS_FAILS
    return STATUS_UNCLEAR


def verdict(at_defaults: str, region: RegionShare | None) -> str:
    """The stated rule: holds / fails need the defaults and the region to agree."""
    if region is None or region.n == 0:
        return {STATUS_HOLDS: HOLDS, STATUS_FAILS: FAILS}.get(at_defaults, MIXED)
    if at_defaults == STATUS_HOLDS and region.status == "majority":
        return HOLDS
    if at_defaults == STATUS_FAILS and region.status == "minority":
        return FAILS
    return MIXED


@dataclass
class Check:
    """One test at the defaults: a paired difference (or a level) with its CI."""

    label: str
    ci: MeanCI
    predicted: str
    status: str
    a_value: float = math.nan
    note: str = ""


def paired_check(label: str, x: np.ndarray, y: np.ndarray, predicted: int, note: str = "") -> Check:
    """The test that ``x − y`` (paired by replication) lies on the ``predicted`` side of 0."""
    eff = compare_paired(x, y)
    return Check(
        label=label,
        ci=eff.difference,
        predicted="> 0" if predicted > 0 else "< 0",
        status=sign_status(eff.difference, predicted),
        a_value=eff.a,
        note=note,
    )


@dataclass
class PatternResult:
    """Everything the report says about one pattern."""

    key: str
    title: str
    claim: str
    measure: str
    checks: list[Check]
    at_defaults: str
    region: RegionShare | None
    region_rule: str
    verdict: str = ""
    details: list[str] = field(default_factory=list)
    seed_note: str = ""

    def __post_init__(self) -> None:
        if not self.verdict:
            self.verdict = verdict(self.at_defaults, self.region)


def seed_note(res: PatternResult) -> str:
    """What the verdict says about the seed deck, in one or two sentences."""
    region = res.region if res.region is not None and res.region.n > 0 else None
    where = f"holds at {region.format()} of points" if region else "was not assessed"
    if res.verdict == HOLDS:
        return "The model agrees with the seed deck here."
    if res.verdict == FAILS:
        return (
            "**The model disagrees with the seed deck here**: the pattern does not emerge "
            f"at the defaults, and across the plausible region it {where}. This is "
            "reported as a finding; no default was changed."
        )
    if res.at_defaults == STATUS_HOLDS:
        return (
            "The model agrees with the seed deck only in part: the pattern emerges at the "
            f"defaults, but across the plausible region it {where}, so it depends on "
            "uncertain parameters."
        )
    if res.at_defaults == STATUS_FAILS:
        return (
            "The model agrees with the seed deck only in part: the pattern does not emerge "
            f"at the defaults, while across the plausible region it {where}."
        )
    return (
        "Inconclusive: the test at the defaults cannot tell (its CI straddles the "
        f"criterion), and across the plausible region the pattern {where}."
    )
