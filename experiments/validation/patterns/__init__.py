"""The registry of validation patterns: one module per pattern, one line here each.

Each pattern module defines ``KEY`` ("P1", ...), ``TITLE``, ``BY_CONSTRUCTION``,
``judge(ev) -> PatternResult`` and, if it draws one, ``figure(extra) -> {name: Figure}``
(saved as ``img/validation_<name>.png``). Adding a pattern means a new module and one
line in :data:`MODULES`. The order of :data:`PATTERNS` is the order of the report and
of the random draws the bootstraps share, so it is part of the results.

``BY_CONSTRUCTION`` answers, for each pattern, whether it could hold by construction
(issue 14). A pattern that the equations guarantee is not evidence that the model
reproduces the seed deck; it only shows the equations were written that way. Each answer
names what in ``docs/odd.md`` forces the pattern, or what leaves it open, so the report
can say which verdicts count as findings. They describe the mechanisms of version 2 and
must be rewritten when a mechanism changes (``tests/test_validate.py`` checks every
pattern has one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

from medlead.experiments.validation.evidence import Evidence
from medlead.experiments.validation.judge import PatternResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BY_CONSTRUCTION", "PATTERNS", "Pattern"]


@dataclass(frozen=True)
class Pattern:
    """One seed-deck pattern: how it is judged, what it draws, whether it is built in."""

    key: str
    title: str
    judge: Callable[[Evidence], PatternResult]
    by_construction: str
    """Could it hold by construction? Starts with a short answer ("No", "Partly", ...)."""
    figure: Callable[[dict], dict[str, Figure]] | None = None

    @classmethod
    def of(cls, module: ModuleType) -> Pattern:
        """The pattern a pattern module defines (see the module docstring)."""
        return cls(
            key=module.KEY,
            title=module.TITLE,
            judge=module.judge,
            by_construction=module.BY_CONSTRUCTION,
            figure=getattr(module, "figure", None),
        )


MODULES: tuple[str, ...] = (
    "p1_mandate",
    "p2_machine",
    "p3_status_quo",
    "p4_critical_mass",
    "p5_selection_stigma",
    "p6_erosion",
    "p7_trust_variation",
    "p8_kp_like",
)
"""The pattern modules of this package, in report order: one line per pattern."""

PATTERNS: tuple[Pattern, ...] = tuple(Pattern.of(import_module(f"{__name__}.{m}")) for m in MODULES)
"""Every pattern, in report order."""

BY_CONSTRUCTION: dict[str, str] = {p.key: p.by_construction for p in PATTERNS}
"""Pattern key → whether it could hold by construction."""
