"""The prior of a calibration: the plausible box of the uncertainties, and the switches.

Every ``Params`` field of role ``uncertainty`` with a plausible range gets a uniform
prior over that range: the same box the sensitivity analysis and the validation sample,
so a posterior can be read against what every other experiment assumed. Fields every
calibrating case fixes for itself (``setting.set``) are left out: no case could inform
them. The structural switches (role ``structure``) are discrete parameters with a
uniform prior over their forms, so the data weigh the variants as a model choice
(Toni et al. 2009, Bioinformatics 25:2; Grelaud et al. 2009 for ABC model choice).

Particles live on the unit cube: coordinate ``u`` of a continuous parameter is
``(x - lo) / (hi - lo)``, so one kernel scale fits parameters measured in weeks and in
shares alike. Whole-number parameters (e.g. ``engagement_weeks``) are sampled as
continuous and rounded when a ``Params`` is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from medlead.model import Params
from medlead.model.params import STRUCTURES

__all__ = ["Prior", "calibration_prior"]


@dataclass(frozen=True)
class Prior:
    """A uniform prior over a box of continuous parameters and a set of switches.

    Attributes:
        names: the continuous parameters, in ``Params`` declaration order.
        lo, hi: their plausible ranges.
        integer: which of them are whole numbers.
        switches: the discrete parameters and their forms.
    """

    names: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray
    integer: np.ndarray
    switches: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def dim(self) -> int:
        """Number of continuous parameters."""
        return len(self.names)

    @property
    def switch_names(self) -> tuple[str, ...]:
        """The discrete parameters."""
        return tuple(name for name, _ in self.switches)

    def sample_unit(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws: unit coordinates (n, dim) and switch indices (n, n_switches)."""
        u = rng.random((n, self.dim))
        m = (
            np.column_stack([rng.integers(0, len(forms), size=n) for _, forms in self.switches])
            if self.switches
            else np.zeros((n, 0), dtype=np.int64)
        )
        return u, m.astype(np.int64)

    def values(self, u: np.ndarray, m: np.ndarray) -> dict[str, Any]:
        """The parameter values of one particle (unit coordinates ``u``, switches ``m``)."""
        x = self.lo + u * (self.hi - self.lo)
        out: dict[str, Any] = {}
        for name, value, whole in zip(self.names, x, self.integer, strict=True):
            out[name] = int(round(float(value))) if whole else float(value)
        for (name, forms), k in zip(self.switches, m, strict=True):
            out[name] = forms[int(k)]
        return out

    def to_unit(self, values: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """The coordinates of a particle given by its parameter values."""
        x = np.array([float(values[n]) for n in self.names])
        u = (x - self.lo) / (self.hi - self.lo)
        m = np.array([forms.index(values[n]) for n, forms in self.switches], dtype=np.int64)
        return u, m

    def describe(self) -> list[dict[str, Any]]:
        """One row per parameter: name, kind, prior range or forms."""
        rows: list[dict[str, Any]] = [
            {"name": n, "kind": "continuous", "lo": float(a), "hi": float(b)}
            for n, a, b in zip(self.names, self.lo, self.hi, strict=True)
        ]
        rows += [{"name": n, "kind": "switch", "forms": list(f)} for n, f in self.switches]
        return rows


def calibration_prior(
    fixed: Iterable[str] = (),
    *,
    only: Iterable[str] | None = None,
    switches: bool = True,
) -> Prior:
    """The prior over the uncertainties (and switches) that are not ``fixed``.

    Args:
        fixed: parameters no case leaves free (left out of the prior).
        only: calibrate just these parameters (the others keep their defaults or the
            cases' values); e.g. for a synthetic-truth check.
        switches: include the structural switches as discrete parameters.

    Raises:
        ValueError: ``only`` names a parameter that has no plausible range.
    """
    specs = Params.specs()
    fixed = set(fixed)
    if only is not None:
        only = list(only)
        bad = [
            n
            for n in only
            if n not in specs or (specs[n].plausible is None and n not in STRUCTURES)
        ]
        if bad:
            raise ValueError(f"cannot calibrate {', '.join(bad)}: no plausible range")
    names = [
        n
        for n, s in specs.items()
        if s.role == "uncertainty"
        and s.plausible is not None
        and n not in fixed
        and (only is None or n in only)
    ]
    sw = tuple(
        (n, forms)
        for n, forms in STRUCTURES.items()
        if switches and n not in fixed and (only is None or n in only)
    )
    lo = np.array([specs[n].plausible[0] for n in names], dtype=float)  # type: ignore[index]
    hi = np.array([specs[n].plausible[1] for n in names], dtype=float)  # type: ignore[index]
    integer = np.array([specs[n].integer for n in names], dtype=bool)
    return Prior(tuple(names), lo, hi, integer, sw)
