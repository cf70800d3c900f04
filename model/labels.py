"""Display names, units and short descriptions of every parameter and output.

The one place a table, a figure or a help text looks up how to show a name, so
``leader_time_pa`` reads "Leader time (PA a week)" everywhere. Parameters take their unit
and description from their :class:`~medlead.model.params.Params` declaration (a title is
derived from the field name unless :data:`PARAM_TITLES` gives a better one); the weekly
reporters and summary keys (:data:`~medlead.model.outputs.REPORTERS`,
:data:`~medlead.model.outputs.SUMMARY_KEYS`) are described in :data:`OUTPUTS`, whose
meanings and units are those of ``docs/data.md``. ``tests/test_labels.py`` checks that
every parameter and output has a label.

Whether a quantity is *bounded* in [0, 1] (a share, or a 0-1 score) is recorded too, so
that intervals of its mean can be chosen to stay inside [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from medlead.model.outputs import REPORTERS, ROLES, STATES, SUMMARY_KEYS
from medlead.model.params import Params

__all__ = [
    "OUTPUTS",
    "PARAM_TITLES",
    "MISSING_OUTPUTS",
    "Label",
    "axis_label",
    "display",
    "fmt_number",
    "is_bounded",
    "label",
    "plural",
    "unit",
]


@dataclass(frozen=True)
class Label:
    """How to show one name: a title, its unit ("" if none) and a one-line description."""

    name: str
    title: str
    unit: str = ""
    doc: str = ""
    bounded: bool = False
    """True when the quantity lies in [0, 1] (a share or a 0-1 score)."""

    @property
    def display(self) -> str:
        """``Title (unit)``, or the title alone when there is no unit."""
        return f"{self.title} ({self.unit})" if self.unit else self.title


# Parameters whose derived title ("Leader time pa") would read badly.
PARAM_TITLES: dict[str, str] = {
    "n_directorates": "Directorates",
    "microsystems_per_directorate": "Microsystems per directorate",
    "leader_time_pa": "Leader time",
    "hours_per_conversation": "Hours per conversation",
    "credibility_mean": "Credibility (mean)",
    "credibility_sd": "Credibility (SD)",
    "duality_quality_mean": "Duality quality (mean)",
    "duality_quality_sd": "Duality quality (SD)",
    "threshold_mean": "Practice threshold (mean)",
    "threshold_sd": "Practice threshold (SD)",
    "committed_cutoff": "Commitment cut-off",
    "weeks": "Horizon",
}

# How a Params unit is shown (the declaration's own spelling otherwise).
_UNIT_DISPLAY: dict[str, str] = {
    "0-1": "0–1",
    "0-1 per week": "0–1 a week",
    "PA per week": "PA a week",
    "hours per week": "hours a week",
    "x": "×",
    "x consultants'": "× consultants'",
}

_SHARE = "share of clinical staff"
_ROLE_NAMES = {
    "consultant": "consultants",
    "junior": "junior doctors",
    "nurse": "nurses",
    "manager": "managers",
}

# title, unit, description, bounded in [0, 1]: the meanings of docs/data.md.
_OUTPUT_ROWS: dict[str, tuple[str, str, str, bool]] = {
    "week": ("Week", "", "weeks simulated so far", False),
    "committed_share": ("Committed", _SHARE, "share of clinical staff committed", True),
    "compliant_share": ("Compliant", _SHARE, "share of clinical staff compliant", True),
    "practising_share": ("Practising", _SHARE, "share of clinical staff practising", True),
    "faithful_practising_share": (
        "Practising faithfully",
        _SHARE,
        "practice weighted by its fidelity (tick-box practice counts by its fidelity)",
        True,
    ),
    "mean_fidelity": ("Fidelity (mean)", "0–1", "mean fidelity of those who practise", True),
    "mean_habit": ("Habit (mean)", "0–1", "mean habit strength of clinical staff", True),
    "compliant_not_committed_share": (
        "Compliant, not committed",
        _SHARE,
        "compliant but not committed: change held up only by pressure",
        True,
    ),
    "mean_commitment": ("Commitment (mean)", "0–1", "mean commitment of clinical staff", True),
    "mean_compliance": ("Compliance (mean)", "0–1", "mean compliance of clinical staff", True),
    "commitment_p10": ("Commitment, 10th percentile", "0–1", "10th percentile", True),
    "commitment_p50": ("Commitment, median", "0–1", "median commitment", True),
    "commitment_p90": ("Commitment, 90th percentile", "0–1", "90th percentile", True),
    "mean_receptivity": (
        "Receptivity (mean)",
        "0–1",
        "mean receptivity to the change (lowered by reactance)",
        True,
    ),
    "microsystems_improved_share": (
        "Microsystems improved",
        "share of microsystems",
        "share of microsystems whose performance reached the cut-off",
        True,
    ),
    "microsystem_variation": (
        "Variation between microsystems",
        "SD of share practising",
        "standard deviation across microsystems of the share practising",
        True,
    ),
    "microsystems_flipped_share": (
        "Microsystems all-or-nothing",
        "share of microsystems",
        "share of microsystems under 10% or over 90% practising",
        True,
    ),
    "engagement_gap": (
        "Engagement gap",
        "commitment difference",
        "mean commitment of leaders minus that of their followers (−1 to 1)",
        False,
    ),
    "stigma": ("Stigma", "0–1", "the 'dark side' stigma of leadership this week", True),
    "champions": ("Champions", "people", "clinicians acting as unpaid champions", False),
    "engagements": (
        "Engagements",
        "people",
        "persuaders with a colleague currently engaged",
        False,
    ),
    "pressure": (
        "Pressure",
        "pressure units a week",
        "management pressure applied at the top this week",
        False,
    ),
    "leadership_hours": (
        "Leadership hours",
        "hours, cumulative",
        "persuasion hours spent so far",
        False,
    ),
    "management_pressure_spent": (
        "Pressure spent",
        "pressure units × person-weeks",
        "pressure that reached staff so far",
        False,
    ),
    "intervention_active": (
        "Intervention active",
        "flag",
        "1 if the intervention ran during the week",
        True,
    ),
    "sustained_practising_share": (
        "Practising at week 156",
        _SHARE,
        "practising share at week 156, 52 weeks after the default withdrawal",
        True,
    ),
    "sustained_faithful_share": (
        "Practising faithfully at week 156",
        _SHARE,
        "fidelity-weighted practising share at week 156",
        True,
    ),
    "weeks_to_half_practising": (
        "Weeks to half practising",
        "weeks",
        "first week with at least half of clinical staff practising (— if never)",
        False,
    ),
    "peak_compliant_share": (
        "Peak compliant",
        _SHARE,
        "highest compliant share in any week",
        True,
    ),
    "peak_practising_share": (
        "Peak practising",
        _SHARE,
        "highest practising share in any week",
        True,
    ),
}
for _st in STATES:
    for _r in ROLES:
        _OUTPUT_ROWS[f"{_st}_share_{_r}"] = (
            f"{_st.capitalize()}, {_ROLE_NAMES[_r]}",
            f"share of {_ROLE_NAMES[_r]}",
            f"{_st} share among {_ROLE_NAMES[_r]}",
            True,
        )

OUTPUTS: dict[str, Label] = {
    name: Label(name, title, unit_, doc, bounded)
    for name, (title, unit_, doc, bounded) in _OUTPUT_ROWS.items()
}
"""Every weekly reporter and summary key (``REPORTERS`` and ``SUMMARY_KEYS``)."""

MISSING_OUTPUTS: tuple[str, ...] = tuple(
    k for k in dict.fromkeys((*REPORTERS, *SUMMARY_KEYS)) if k not in OUTPUTS
)
"""Reporters or summary keys without a label (empty; ``tests/test_labels.py``)."""


def _first_sentence(doc: str) -> str:
    head = doc.split(". ")[0].rstrip(".")
    return head if len(head) <= 120 else head[:117].rstrip() + "..."


@cache
def _param_labels() -> dict[str, Label]:
    out = {}
    for name, spec in Params.specs().items():
        derived = name.replace("_", " ").capitalize().replace("half life", "half-life")
        title = PARAM_TITLES.get(name) or derived
        bounded = spec.bounds is not None and spec.bounds[0] >= 0 and spec.bounds[1] <= 1
        out[name] = Label(
            name,
            title,
            _UNIT_DISPLAY.get(spec.unit, spec.unit),
            _first_sentence(spec.doc),
            bounded,
        )
    return out


def label(name: str, weeks: int | None = None) -> Label:
    """The label of a parameter, an output, or any other column (derived from its name).

    Outputs win over parameters of the same name (``stigma`` is both: the output is the
    stigma of the week, the parameter its starting level; both are 0-1). With ``weeks``
    (the runs' horizon), the 'sustained' outputs, which read week 156 or the horizon
    if it is shorter, name the week they read.
    """
    if name in OUTPUTS:
        lab = OUTPUTS[name]
        if weeks is not None and weeks < 156 and "week 156" in lab.title:
            title = lab.title.replace("week 156", f"week {weeks}")
            return Label(lab.name, title, lab.unit, lab.doc, lab.bounded)
        return lab
    params = _param_labels()
    if name in params:
        return params[name]
    return Label(name, name.replace("_", " ").capitalize())


def display(name: str, weeks: int | None = None) -> str:
    """``Title (unit)`` of ``name``: ``leader_time_pa`` gives "Leader time (PA a week)"."""
    return label(name, weeks).display


def axis_label(name: str) -> str:
    """An axis label: :func:`display`, for parameters and outputs alike."""
    return display(name)


def unit(name: str) -> str:
    """The display unit of ``name`` ("" when it has none)."""
    return label(name).unit


def is_bounded(name: str) -> bool:
    """True when ``name`` is a share or a 0-1 score, so its intervals belong in [0, 1]."""
    return label(name).bounded


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 replication``, ``4 replications``: ``n`` and ``word`` in the right number."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def fmt_number(value: float | None, digits: int = 3) -> str:
    """A number for a table: ``—`` if missing, whole with thousands from 100, no ``-0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if abs(value) >= 100 or (value.is_integer() and abs(value) >= 1):
        return f"{value:,.0f}"
    return f"{round(value, digits) + 0.0:.{digits}f}"
