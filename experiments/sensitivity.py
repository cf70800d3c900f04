"""Global sensitivity analysis over the plausible ranges declared in ``Params``.

Samplers (Latin hypercube, Sobol/Saltelli, Morris) and estimators come from SALib; this
module maps between SALib's unit problem and medlead's parameters, groups parameters
that only act as a product (they cannot be told apart from outputs), attaches
bootstrap confidence intervals, and checks convergence (indices stable as N grows).

The same code path serves any model ``evaluate(X) -> Y``, which is how the Ishigami test
function checks it against known analytic indices.

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

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import latin as latin_sample
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from medlead.model import Params

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


def analyse(
    problem: Problem,
    method: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    seed: int = 0,
    resamples: int = 200,
) -> pd.DataFrame:
    """Sensitivity indices with 95% bootstrap confidence intervals, one row per factor.

    Sobol: first-order ``S1`` and total ``ST`` with ``*_lo``/``*_hi`` bounds (SALib's
    bootstrap half-widths around the estimate). Morris: ``mu_star`` (with CI),
    ``sigma``. LHS: standardised rank regression coefficients are not computed here;
    use Sobol or Morris for indices.
    """
    Y = np.asarray(Y, dtype=float)
    if method == "sobol":
        with warnings.catch_warnings():  # a constant outcome has no variance to apportion
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol_analyze.analyze(
                problem.salib(),
                Y,
                calc_second_order=False,
                num_resamples=resamples,
                conf_level=0.95,
                seed=seed,
            )
        df = pd.DataFrame(
            {
                "factor": problem.factors,
                "S1": si["S1"],
                "S1_lo": si["S1"] - si["S1_conf"],
                "S1_hi": si["S1"] + si["S1_conf"],
                "ST": si["ST"],
                "ST_lo": si["ST"] - si["ST_conf"],
                "ST_hi": si["ST"] + si["ST_conf"],
            }
        )
        return df
    if method == "morris":
        si = morris_analyze.analyze(
            problem.salib(),
            X,
            Y,
            num_resamples=resamples,
            conf_level=0.95,
            num_levels=4,
            seed=seed,
        )
        mu = np.asarray(si["mu_star"], float)
        conf = np.asarray(si["mu_star_conf"], float)
        return pd.DataFrame(
            {
                "factor": list(si["names"]),
                "mu_star": mu,
                "mu_star_lo": mu - conf,
                "mu_star_hi": mu + conf,
                "sigma": np.asarray(si["sigma"], float),
            }
        )
    raise ValueError(f"indices need method 'sobol' or 'morris', not {method!r}")


def convergence(
    problem: Problem, X: np.ndarray, Y: np.ndarray, *, fractions=(0.25, 0.5, 1.0), seed: int = 0
) -> pd.DataFrame:
    """Sobol total indices re-estimated on growing prefixes of the design.

    Saltelli's design stores each base sample's D+2 rows together, so the first ``m``
    blocks are a valid design of size ``m``. Returns one row per (fraction, factor) with
    ``ST`` and ``S1``; ``max_change`` (the largest |ΔST| between the last two sizes)
    is in ``df.attrs``.
    """
    k = len(problem.factors) + 2
    n = X.shape[0] // k
    rows = []
    for f in fractions:
        m = max(2, int(round(n * f)))
        df = analyse(problem, "sobol", X[: m * k], Y[: m * k], seed=seed, resamples=50)
        df.insert(0, "n", m)
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    last = out[out.n == out.n.max()].set_index("factor").ST
    prev_n = sorted(out.n.unique())[-2] if out.n.nunique() > 1 else out.n.max()
    prev = out[out.n == prev_n].set_index("factor").ST
    out.attrs["max_change"] = float((last - prev).abs().max())
    return out


def run(
    problem: Problem,
    evaluate: Callable[[np.ndarray], np.ndarray],
    *,
    method: str = "sobol",
    n: int = 64,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Sample, evaluate and analyse: the one code path for the model and for test functions.

    Args:
        problem: the factors.
        evaluate: maps the (rows, D) design to one outcome per row (for medlead, the mean
            over replications of an outcome of the run with those parameters).
        method: ``sobol`` or ``morris``.
        n: base sample size (Sobol) or number of trajectories (Morris).
        seed: sampler and bootstrap seed.

    Returns:
        (X, Y, indices)
    """
    X = sample(problem, method, n, seed)
    Y = np.asarray(evaluate(X), dtype=float)
    return X, Y, analyse(problem, method, X, Y, seed=seed)
