"""Designs derived from a scenario: the strategies compared, the variants crossed.

``medlead compare`` turns the scenario it is given into the design it runs: every
strategy on the same replications (:func:`strategy_scenario`), optionally crossed with
the structural switches and the ablations (:func:`variant_scenario`).
"""

from __future__ import annotations

from typing import Any

from medlead.experiments.engine.scenario import Scenario, resolve_scenario
from medlead.model import STRATEGIES

__all__ = ["strategy_scenario", "variant_scenario"]


def strategy_scenario(scenario: Scenario, *, replications: int | None = None) -> Scenario:
    """``scenario`` with every strategy as a factor (if it has none) and ``replications``.

    ``medlead compare`` runs this: the strategies on the same replications (common
    random numbers), whatever else the scenario fixes or varies.
    """
    spec = scenario.spec
    update: dict[str, Any] = {}
    if replications is not None and replications != spec.replications:
        update["replications"] = replications
    if "strategy" not in spec.factors:
        update["factors"] = {"strategy": list(STRATEGIES), **spec.factors}
        update["params"] = {k: v for k, v in spec.params.items() if k != "strategy"}
    if not update:
        return scenario
    new = spec.model_copy(update=update)
    changed = resolve_scenario(new, name=scenario.name, source=scenario.source)
    return changed


def variant_scenario(
    scenario: Scenario, *, structures: str | None = None, ablations: bool = False
) -> Scenario:
    """``scenario`` with the structural switches and/or the ablations crossed as factors.

    ``structures`` replaces the file's ``structures`` key (``all``, or comma-separated
    ``NAME`` / ``NAME=VALUE|VALUE`` items, see
    :func:`~medlead.experiments.engine.scenario.parse_structures`); ``ablations`` sets
    ``ablations = "all"``. ``medlead compare --structures/--ablations`` runs this before
    :func:`strategy_scenario`; without either, ``scenario`` is returned unchanged.
    """
    if structures is None and not ablations:
        return scenario
    update: dict[str, Any] = {}
    if structures is not None:
        update["structures"] = structures
    if ablations:
        update["ablations"] = "all"
    new = scenario.source_spec.model_copy(update=update)
    return resolve_scenario(new, name=scenario.name, source=scenario.source)
