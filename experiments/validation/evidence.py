"""What every pattern judges from: the runs split by block, and the readers over them.

A pattern's judge gets one :class:`Evidence`: the runs table, the configuration, the
Latin hypercube design and the one random generator the bootstraps draw from, in
registry order (so a pattern's bootstrap depends on the patterns before it; the order of
:data:`~medlead.experiments.validation.patterns.PATTERNS` is part of the results). What a
pattern leaves for the report and the figures goes into ``extra``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from medlead.experiments.analysis.stats import MeanCI, bootstrap_mean_ci
from medlead.experiments.validation.config import ValidationConfig
from medlead.experiments.validation.judge import RegionShare, region_share


def series(df: pd.DataFrame, cond: str, col: str, by: Sequence[str] = ("rep",)) -> pd.Series:
    """Outcome ``col`` of condition ``cond``, indexed (and sorted) by ``by``."""
    d = df[df.condition == cond].set_index(list(by))[col]
    return d.sort_index()


def paired(
    df: pd.DataFrame, a: str, b: str, col: str, by: Sequence[str] = ("rep",)
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome ``col`` of conditions ``a`` and ``b``, matched on ``by`` (common seeds)."""
    x, y = series(df, a, col, by), series(df, b, col, by)
    x, y = x.align(y, join="inner")
    return x.to_numpy(float), y.to_numpy(float)


def lhs_point_means(lhs: pd.DataFrame, cond: str, col: str) -> pd.Series:
    """Mean of ``col`` over replications at each Latin hypercube point, for ``cond``."""
    return lhs[lhs.condition == cond].groupby("point")[col].mean()


def fmt_ci(ci: MeanCI, signed: bool = True) -> str:
    """A CI as the report writes it: three decimals, signed for differences."""
    return ci.format(3, signed=signed)


def share_ci(values: Any) -> MeanCI:
    """The mean of a share over replications with its bootstrap percentile 95% CI.

    A share's interval must stay inside [0, 1]; a Student-t interval of a few
    replications near 0 or 1 does not (the report's method section says which is which).
    """
    return bootstrap_mean_ci(values)


def fmt_share(values: Any) -> str:
    """A share's mean and bootstrap 95% CI as the report writes it (:func:`share_ci`)."""
    return share_ci(values).format(3)


@dataclass
class Evidence:
    """The runs a pattern judges from, and what the patterns leave for the report."""

    runs: pd.DataFrame
    cfg: ValidationConfig
    design: pd.DataFrame | None = None
    """The Latin hypercube, one row per point (``None``: no driver analysis)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Tables and numbers for the report and the figures, by name."""
    rng: np.random.Generator = field(init=False)
    defaults: pd.DataFrame = field(init=False)
    lhs: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.cfg.seed)
        self.defaults = self.block("defaults")
        self.lhs = self.block("lhs")

    def block(self, name: str) -> pd.DataFrame:
        """The runs of one block (defaults, lhs, critical_mass, phase)."""
        return self.runs[self.runs.block == name]

    def lhs_diff(self, a: str, b: str, col: str) -> pd.Series:
        """Per Latin hypercube point, mean ``col`` of condition ``a`` minus that of ``b``."""
        return lhs_point_means(self.lhs, a, col) - lhs_point_means(self.lhs, b, col)

    def region(self, key: str, holds: pd.Series) -> RegionShare:
        """Region share of pattern ``key``; keeps the per-point result for the drivers."""
        self.extra.setdefault("region_points", {})[key] = holds.astype(bool)
        return region_share(list(holds.astype(bool)))
