"""Designs over the plausible ranges declared in ``Params``: the factors and their samplers.

Samplers (Latin hypercube, Sobol/Saltelli, Morris) come from SALib; this module maps
between SALib's unit problem and medlead's parameters, and groups parameters that only
act as a product (they cannot be told apart from outputs). The indices estimated from a
sampled design's runs live in :mod:`medlead.experiments.analysis.sensitivity`.

**Structural switches** (``Params`` fields of role ``structure``, and any other field with
choices) can be sampled too: the switch is a factor uniform on [0, 1), and a draw ``u``
picks choice ``floor(u * k)`` of its ``k`` choices (``u = 1`` picks the last), so each
form is drawn with probability ``1/k``. Its Sobol indices then measure how much of the
outcome's variance the choice of form explains, on the same footing as a numeric range.

**Groups** (:data:`DEFAULT_GROUPS`): parameters that reach the outputs only through a
product cannot be told apart by any design, so their indices are reported as one group
(members still vary independently; SALib moves a group's columns together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from SALib.sample import latin as latin_sample
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from medlead.model import Params

__all__ = [
    "DEFAULT_GROUPS",
    "EXCLUDED_FROM_SENSITIVITY",
    "METHODS",
    "Problem",
    "sample",
    "uncertain_parameters",
]

METHODS: tuple[str, ...] = ("sobol", "morris", "lhs")

DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    # A conversation moves commitment by beta * e * s * depth * r * (1 - c): only the
    # product of conversation effect, (effective) credibility and resonance counts there
    # (mechanisms.conversation_effect). Credibility also weighs followership ties and
    # resonance softens reactance, so the product is the main, not the only, channel.
    "persuasion_strength": ("conversation_effect", "credibility_mean", "resonance"),
    # Stigma discounts a leader's credibility by sigma_t * m_i, with identification
    # m_i = min(1, level * leader_identification * (0.5 + formal selection) + time_
    # identification * PAs) (organisation.py): stigma and the two identification
    # parameters act only through that product (mechanisms.effective_credibility).
    "stigma_discount": ("stigma", "leader_identification", "time_identification"),
}
"""Groups of parameters identifiable only as a product (``group_products = true``).

Checked and *not* grouped, because each member also acts on its own: the habit
parameters (weight, gain and half-life shape one habit but enter at different places),
``mandate_pressure`` × ``line_transmission`` (the line's reach is capped at 1 per
person), leader time × ``hours_per_conversation`` (time also feeds identification and
the hours delivered), ``career_structure`` × ``career_stigma_effect`` (the career
structure also protects time), ``selection_quality`` × ``formal_selection`` (selection
also raises identification), ``reactance`` × ``resonance`` (resonance also persuades).
"""

EXCLUDED_FROM_SENSITIVITY: dict[str, str] = {
    "strategy": "the strategies are compared, not sampled (a grid factor)",
    "target_rule": "a choice of persuasion tactic, compared separately",
    "withdrawal_week": "fixes when sustainment is read (52 weeks after withdrawal)",
}
"""Levers with a range or choices that :func:`uncertain_parameters` leaves out, and why.

Settings (the organisation's size, horizon and timing) are left out too: the
sensitivity analysis asks what matters *given* a Trust, not how big it is.
"""


def uncertain_parameters() -> list[str]:
    """Every uncertainty, lever and structural switch with a plausible range or choices.

    Less :data:`EXCLUDED_FROM_SENSITIVITY`; in ``Params`` order.
    """
    return [
        n
        for n, s in Params.specs().items()
        if s.role in ("uncertainty", "lever", "structure")
        and (s.plausible is not None or s.choices is not None)
        and n not in EXCLUDED_FROM_SENSITIVITY
    ]


@dataclass(frozen=True)
class Problem:
    """Names, bounds and optional groups of the factors in an analysis."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    groups: tuple[str, ...] | None = None
    integer: frozenset[str] = field(default_factory=frozenset)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Switches sampled as a uniform on [0, 1) and mapped to a choice (see the module)."""

    @classmethod
    def from_params(
        cls,
        names: Sequence[str] | None = None,
        groups: dict[str, tuple[str, ...]] | None = None,
    ) -> Problem:
        """Factors over ``Params``' plausible ranges (all with a plausible range by default).

        Args:
            names: the parameters to vary; default every numeric field that declares a
                plausible range. A field with choices (a structural switch) becomes a
                factor on [0, 1) mapped to its choices.
            groups: name → members; members vary independently but their indices are
                reported as one group. Parameters outside any group are their own group.
        """
        specs = Params.specs()
        if names is None:
            names = [n for n, s in specs.items() if s.plausible is not None and not s.choices]
        unknown = [
            n
            for n in names
            if n not in specs or (specs[n].plausible is None and specs[n].choices is None)
        ]
        if unknown:
            raise ValueError(f"no plausible range declared for: {', '.join(unknown)}")
        choices = {n: specs[n].choices for n in names if specs[n].choices is not None}
        group_of = {}
        for g, members in (groups or {}).items():
            for m in members:
                group_of[m] = g
        grouped = tuple(group_of.get(n, n) for n in names) if groups else None
        if grouped is not None and len(set(grouped)) == len(grouped):
            grouped = None
        return cls(
            names=tuple(names),
            bounds=tuple(
                (0.0, 1.0) if n in choices else tuple(map(float, specs[n].plausible))  # type: ignore[arg-type]
                for n in names
            ),
            groups=grouped,
            integer=frozenset(n for n in names if specs[n].integer),
            choices=choices,  # type: ignore[arg-type]
        )

    def salib(self) -> dict:
        """The SALib problem dictionary."""
        d = {"num_vars": len(self.names), "names": list(self.names), "bounds": list(self.bounds)}
        if self.groups is not None:
            d["groups"] = list(self.groups)
        return d

    @property
    def factors(self) -> list[str]:
        """Names the indices are reported for (groups, or parameters)."""
        if self.groups is None:
            return list(self.names)
        return list(dict.fromkeys(self.groups))

    def value(self, name: str, x: float) -> float | int | str:
        """A parameter's value for a sampled ``x``: rounded, a choice, or ``x`` itself."""
        if name in self.choices:
            options = self.choices[name]
            return options[min(int(float(x) * len(options)), len(options) - 1)]
        return round(float(x)) if name in self.integer else float(x)

    def values(self, row: np.ndarray) -> dict[str, float | int | str]:
        """Parameter values of one sample row (see :meth:`value`)."""
        return {n: self.value(n, v) for n, v in zip(self.names, row, strict=True)}

    def to_params(self, X: np.ndarray, base: Params | None = None) -> list[Params]:
        """One ``Params`` per sample row (integers rounded, switches chosen), over ``base``."""
        return [Params.from_mapping(self.values(row), base=base) for row in np.atleast_2d(X)]


def sample(problem: Problem, method: str, n: int, seed: int) -> np.ndarray:
    """Draw the design: ``n`` base samples (Sobol: n·(D+2) rows; Morris: n trajectories)."""
    sp = problem.salib()
    if method == "sobol":
        return sobol_sample.sample(sp, n, calc_second_order=False, seed=seed)
    if method == "morris":
        return morris_sample.sample(sp, n, num_levels=4, seed=seed)
    if method == "lhs":
        return latin_sample.sample(sp, n, seed=seed)
    raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
