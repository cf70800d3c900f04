"""The ablations: the headline with one mechanism switched off at a time.

This list is the one place the ablations are defined. Each entry names the mechanism it
removes and the parameter values that remove it; ``medlead compare headline
--ablations`` (or a scenario file's ``ablations = "all"``, e.g. the shipped
``experiments/scenarios/ablations.toml``) runs every entry as a level of the
``ablation`` factor, crossed with the strategies on the same replications (common
random numbers), and tabulates sustained practice per ablation and strategy with the
paired differences from the baseline strategy (``docs/experiments.md``).

An ablation's values are applied last, over the preset, ``[params]`` and the other
factors of the point, so it removes its mechanism whatever else the scenario sets; a
scenario that also varies one of its parameters as a factor is refused. The mechanisms
and their equations are those of ``docs/odd.md`` (Submodels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ABLATIONS", "ABLATION_NAMES", "BASELINE_ABLATION", "Ablation", "ablation"]


@dataclass(frozen=True)
class Ablation:
    """One ablation: its name, what it removes (one line) and the values that remove it."""

    name: str
    note: str
    params: dict[str, Any]

    @property
    def setting(self) -> str:
        """The values it sets, e.g. ``reactance=0`` (``-`` for the baseline)."""
        return ", ".join(f"{k}={v}" for k, v in self.params.items()) or "-"


BASELINE_ABLATION = "baseline"

ABLATIONS: tuple[Ablation, ...] = (
    Ablation(BASELINE_ABLATION, "nothing removed: the scenario as it is", {}),
    Ablation(
        "no_reactance",
        "pressure no longer wears down receptivity (Brehm's reactance)",
        {"reactance": 0.0},
    ),
    Ablation(
        "no_resistance",
        "resentment neither spreads to colleagues nor (boomerang form) lowers commitment",
        {"resistance_spread": 0.0, "boomerang": 0.0},
    ),
    Ablation(
        "no_champions",
        "no committed clinician becomes an unpaid champion",
        {"champion_rate": 0.0},
    ),
    Ablation(
        "no_top_reinforcement",
        "the top team no longer reinforces its leaders' commitment",
        {"top_reinforcement": 0.0},
    ),
    Ablation(
        "no_revisits",
        "persuaders no longer revisit converts whose commitment eroded",
        {"revisit_share": 0.0},
    ),
    Ablation(
        "no_peer_influence",
        "commitment no longer moves toward like-minded colleagues (followership)",
        {"peer_influence": 0.0},
    ),
    Ablation(
        "no_peer_practice",
        "colleagues' practice no longer adds to the drive to practise (complex contagion)",
        {"peer_practice_weight": 0.0},
    ),
    Ablation(
        "no_habit",
        "practice builds no habit: it lasts only while its drive is supported",
        {"persistence_form": "support"},
    ),
    Ablation(
        "no_internalisation",
        "practising no longer builds commitment",
        {"internalisation_rate": 0.0},
    ),
    Ablation(
        "no_compelled_internalisation",
        "practice compelled by compliance no longer internalises (phi = 0)",
        {"compelled_internalisation": 0.0},
    ),
    Ablation(
        "full_fidelity",
        "compelled practice is done as well as committed practice (no tick-box)",
        {"compelled_fidelity": 1.0},
    ),
    Ablation(
        "no_stigma",
        "clinicians no longer discount leaders seen as management",
        {"stigma": 0.0},
    ),
    Ablation(
        "no_career_structure",
        "no career structure: stigma and leaders' time do not change over the run",
        {"career_structure": 0.0},
    ),
)
"""Every ablation, the baseline first."""

ABLATION_NAMES: tuple[str, ...] = tuple(a.name for a in ABLATIONS)
_BY_NAME = {a.name: a for a in ABLATIONS}


def ablation(name: str) -> Ablation:
    """The ablation called ``name`` (``KeyError`` if there is none)."""
    return _BY_NAME[name]
