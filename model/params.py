"""The one declaration of every model parameter.

Each field of :class:`Params` carries its default, allowed range, plausible range
(for sampling and sensitivity analysis), unit, documentation, citation (or the word
"assumption"), role (``lever``: something a Trust can choose; ``uncertainty``: something
nobody knows precisely; ``structure``: a switch between forms of a mechanism;
``setting``: size, horizon, definitions) and a ``key`` flag marking the workshop's
main sliders. The CLI, scenario-file validation, workshop sliders and the parameter
table in ``docs/`` are all generated from this single declaration, so a default is
written in exactly one place.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["lever", "uncertainty", "structure", "setting"]

STRATEGIES: tuple[str, ...] = ("none", "mandate", "persuasion", "hybrid")
TARGET_RULES: tuple[str, ...] = ("least_committed", "most_influential")
# Structural switches: where the literature allows more than one form of a mechanism,
# the form is a parameter (role ``structure``) and conclusions are reported across them.
INTERNALISATION_FORMS: tuple[str, ...] = ("self_determination", "dissonance")
PERSISTENCE_FORMS: tuple[str, ...] = ("habit", "support")
FIDELITY_FORMS: tuple[str, ...] = ("graded", "binary")
REACTANCE_FORMS: tuple[str, ...] = ("damping", "boomerang")
STRUCTURES: dict[str, tuple[str, ...]] = {
    "internalisation_form": INTERNALISATION_FORMS,
    "persistence_form": PERSISTENCE_FORMS,
    "fidelity_form": FIDELITY_FORMS,
    "reactance_form": REACTANCE_FORMS,
}
PRESETS: tuple[str, ...] = ("professional", "machine", "kp_like", "set_up_to_fail", "large")


class ParamError(ValueError):
    """One or more parameter problems; ``problems`` holds one short message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Spec:
    """Metadata of one parameter (stored in the dataclass field's ``metadata``)."""

    bounds: tuple[float, float] | None
    plausible: tuple[float, float] | None
    unit: str
    doc: str
    cite: str
    role: Role
    key: bool = False
    group: str = ""
    choices: tuple[str, ...] | None = None
    integer: bool = False


def p(
    default: Any,
    *,
    bounds: tuple[float, float] | None = None,
    plausible: tuple[float, float] | None = None,
    unit: str = "",
    doc: str,
    cite: str = "assumption",
    role: Role = "uncertainty",
    key: bool = False,
    group: str,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Declare one parameter field with its full metadata."""
    spec = Spec(
        bounds=bounds,
        plausible=plausible,
        unit=unit,
        doc=doc,
        cite=cite,
        role=role,
        key=key,
        group=group,
        choices=choices,
        integer=isinstance(default, int) and not isinstance(default, bool),
    )
    return dataclasses.field(default=default, metadata={"spec": spec})


ORG = "Organisation"
CONF = "Configuration (Mintzberg)"
CHANGE = "The change and the strategy"
STRUCT = "Structural switches (forms of a mechanism)"
MAND = "Mandate and reactance"
PERS = "Persuasion and leadership"
GAP = "Engagement gap"
PEER = "Peers, practice and improvement"
TIME = "Time"


@dataclass(frozen=True)
class Params:
    """All parameters of a medlead run; validated on construction.

    Build variants with :meth:`replace` or :meth:`from_mapping`; presets with
    :meth:`preset`. Invalid values raise :class:`ParamError` listing every problem.
    """

    # ------------------------------------------------------------------ organisation
    n_directorates: int = p(
        5,
        bounds=(1, 400),
        plausible=(3, 12),
        unit="directorates",
        group=ORG,
        role="setting",
        doc="Clinical directorates, each led by a clinical director paired with a general "
        "manager (the duality).",
        cite="Ham, Kipping & McLeod 2003; Dickinson et al. 2013 (directorate structures)",
    )
    microsystems_per_directorate: int = p(
        6,
        bounds=(1, 200),
        plausible=(4, 12),
        unit="microsystems",
        group=ORG,
        role="setting",
        doc="Clinical microsystems (ward, clinic, theatre team) per directorate.",
        cite="Nelson, Batalden et al. 2002",
    )
    consultants_per_microsystem: int = p(
        3,
        bounds=(1, 30),
        plausible=(2, 6),
        unit="people",
        group=ORG,
        role="setting",
        doc="Mean consultants per microsystem.",
        cite="assumption (typical NHS ward team)",
    )
    juniors_per_microsystem: int = p(
        4,
        bounds=(0, 40),
        plausible=(2, 8),
        unit="people",
        group=ORG,
        role="setting",
        doc="Mean junior doctors per microsystem.",
        cite="assumption (typical NHS ward team)",
    )
    nurses_per_microsystem: int = p(
        12,
        bounds=(1, 120),
        plausible=(8, 20),
        unit="people",
        group=ORG,
        role="setting",
        doc="Mean nurses per microsystem, one of whom is the ward leader.",
        cite="assumption (typical NHS ward establishment)",
    )
    size_heterogeneity: float = p(
        0.2,
        bounds=(0.0, 0.8),
        plausible=(0.0, 0.4),
        unit="CV",
        group=ORG,
        doc="Coefficient of variation of microsystem size (lognormal multiplier): "
        "variation within and between Trusts.",
        cite="seed (variation within Trusts); size spread is an assumption",
    )
    cross_ties_per_clinician: float = p(
        2.0,
        bounds=(0.0, 20.0),
        plausible=(0.5, 4.0),
        unit="ties",
        group=ORG,
        doc="Mean professional ties each consultant or nurse starts with same-world colleagues "
        "in other microsystems (80% inside the directorate); ties are mutual, so each "
        "person ends with about twice this many.",
        cite="Granovetter 1973 (weak ties); assumption for the count",
    )
    leader_share: float = p(
        0.25,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.6),
        unit="share of consultants",
        group=PERS,
        role="lever",
        key=True,
        doc="Share of consultants holding a medical leadership role (clinical directors, "
        "clinical leads; the medical director is extra).",
        cite="seed ('leadership more than a minority interest'); Dickinson et al. 2013",
    )
    credibility_mean: float = p(
        0.6,
        bounds=(0.0, 1.0),
        plausible=(0.4, 0.8),
        unit="0-1",
        group=PERS,
        doc="Mean personal credibility of staff with colleagues; it weighs in every "
        "conversation a leader or champion holds.",
        cite="seed ('personal credibility ... is critical'); value an assumption",
    )
    credibility_sd: float = p(
        0.15,
        bounds=(0.0, 0.5),
        plausible=(0.05, 0.25),
        unit="0-1",
        group=PERS,
        doc="Spread of leader credibility between leaders (leader quality varies).",
        cite="seed ('much hinges on the quality of medical leaders')",
    )
    duality_quality_mean: float = p(
        0.5,
        bounds=(0.0, 1.0),
        plausible=(0.3, 0.8),
        unit="0-1",
        group=PERS,
        role="lever",
        doc="Mean quality of the clinical director-general manager partnership; it scales "
        "both the pressure the general manager passes down the line and the clinical "
        "director's credibility.",
        cite="seed ('relationship with general managers in the dualities')",
    )
    duality_quality_sd: float = p(
        0.15,
        bounds=(0.0, 0.5),
        plausible=(0.05, 0.3),
        unit="0-1",
        group=PERS,
        doc="Spread of duality quality across directorates.",
        cite="seed (variation within Trusts)",
    )
    # ----------------------------------------------------------------- configuration
    autonomy: float = p(
        0.8,
        bounds=(0.0, 1.0),
        plausible=(0.5, 0.95),
        unit="0-1",
        group=CONF,
        key=True,
        doc="Mean clinical autonomy of consultants (juniors and nurses get junior_autonomy "
        "and nurse_autonomy times it, managers little): how far line authority fails to "
        "bind a professional.",
        cite="Mintzberg 1979 (professional bureaucracy)",
    )
    junior_autonomy: float = p(
        0.6,
        bounds=(0.0, 1.0),
        plausible=(0.4, 0.8),
        unit="x consultants'",
        group=CONF,
        doc="Autonomy of junior doctors relative to the consultants' mean (trainees work "
        "under supervision).",
        cite="Mintzberg 1979 (discretion rests with the senior professionals); value an assumption",
    )
    nurse_autonomy: float = p(
        0.6,
        bounds=(0.0, 1.0),
        plausible=(0.4, 0.8),
        unit="x consultants'",
        group=CONF,
        doc="Autonomy of nurses and ward leaders relative to the consultants' mean.",
        cite="Glouberman & Mintzberg 2001 (the care world is more closely managed than the "
        "cure world); value an assumption",
    )
    hierarchy_coupling: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.6),
        unit="0-1",
        group=CONF,
        key=True,
        doc="How strongly the management line couples to clinical work (weak = disconnected "
        "hierarchy).",
        cite="Glouberman & Mintzberg 2001; Mintzberg 1979",
    )
    line_transmission: float = p(
        1.0,
        bounds=(0.0, 1.0),
        plausible=(0.8, 1.0),
        unit="per tie",
        group=CONF,
        doc="Share of management pressure each tie of the management line passes on (chief "
        "executive -> general manager -> microsystem manager -> staff); the general "
        "manager's tie is further scaled by the duality factor 0.5 + duality quality. "
        "Default 1: the disconnection of the line is carried by hierarchy_coupling and "
        "autonomy, so a loss per tie is counted only when sampled.",
        cite="Glouberman & Mintzberg 2001 (disconnected hierarchies); value an assumption",
    )
    senior_influence: float = p(
        3.0,
        bounds=(0.1, 20.0),
        plausible=(1.5, 5.0),
        unit="x",
        group=CONF,
        doc="Weight of a consultant's opinion among microsystem peers relative to others "
        "(inverted power: influence from the bottom, not the hierarchy).",
        cite="Mintzberg 1979 ('inverted organisations'); value an assumption",
    )
    cross_world_weight: float = p(
        0.4,
        bounds=(0.0, 1.0),
        plausible=(0.2, 0.8),
        unit="x",
        group=CONF,
        doc="Weight of ties between the cure, care and control worlds relative to ties "
        "within one world.",
        cite="Glouberman & Mintzberg 2001 (four worlds)",
    )
    # ------------------------------------------------------------------------ change
    strategy: str = p(
        "persuasion",
        choices=STRATEGIES,
        group=CHANGE,
        role="lever",
        key=True,
        unit="",
        doc="none; mandate (pressure down the line); persuasion (leaders engage one "
        "colleague at a time); hybrid (a stretching goal from the top plus persuasion).",
        cite="seed; Dickinson & Ham 2008",
    )
    resonance: float = p(
        0.5,
        bounds=(0.0, 1.0),
        plausible=(0.2, 0.8),
        unit="0-1",
        group=CHANGE,
        key=True,
        doc="How far the change resonates with clinical agendas (patient care, service and "
        "professional development).",
        cite="seed (Ham, Kipping & McLeod 2003 quotation)",
    )
    initial_commitment: float = p(
        0.15,
        bounds=(0.0, 1.0),
        plausible=(0.05, 0.3),
        unit="0-1",
        group=CHANGE,
        doc="Mean commitment to the change before the intervention (Beta-distributed).",
        cite="assumption (professional bureaucracies are conservative: seed)",
    )
    goal_resonance_boost: float = p(
        0.4,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.7),
        unit="0-1",
        group=CHANGE,
        role="lever",
        doc="Hybrid only: share of the gap to full resonance a stretching goal closes while it "
        "runs, by making the change salient and tying it to clinical agendas.",
        cite="seed ('stretching improvement goals ... must resonate with clinical agendas')",
    )
    goal_pressure: float = p(
        0.15,
        bounds=(0.0, 1.0),
        plausible=(0.05, 0.4),
        unit="0-1 per week",
        group=CHANGE,
        doc="Hybrid only: management pressure that comes with a stretching goal (it also "
        "provokes reactance).",
        cite="assumption",
    )
    goal_time_cost: float = p(
        0.2,
        bounds=(0.0, 1.0),
        plausible=(0.05, 0.5),
        unit="share",
        group=CHANGE,
        doc="Hybrid only: share of leaders' programme time taken by goal reporting.",
        cite="assumption",
    )
    # ----------------------------------------------------------------------- mandate
    # ------------------------------------------------------------- structural forms
    internalisation_form: str = p(
        "self_determination",
        choices=INTERNALISATION_FORMS,
        group=STRUCT,
        role="structure",
        unit="",
        doc="self_determination: practice internalises at the rate of its motive's mix, b + "
        "phi (1 - b) with b = c / (c + k) the share driven by commitment; dissonance: "
        "external justification k lowers internalisation, 1 - (1 - phi) k.",
        cite="Deci & Ryan 2000 (self-determination); Festinger & Carlsmith 1959 "
        "(insufficient justification)",
    )
    persistence_form: str = p(
        "habit",
        choices=PERSISTENCE_FORMS,
        group=STRUCT,
        role="structure",
        unit="",
        doc="habit: practice builds a habit that lowers the bar for carrying on and fades "
        "with its half-life; support: no habit, practice lasts only while commitment, "
        "compliance and peers keep the drive above threshold.",
        cite="Lally et al. 2010 (habit); Maher, Gustafson & Evans 2010 (NHS sustainability "
        "model: improvement needs continuing support)",
    )
    fidelity_form: str = p(
        "graded",
        choices=FIDELITY_FORMS,
        group=STRUCT,
        role="structure",
        unit="",
        doc="graded: fidelity b + f_c (1 - b) with b = c / (c + k); binary: fidelity 1 if "
        "commitment is the stronger motive, f_c otherwise.",
        cite="Pickering et al. 2013 (compliance vs fidelity under a mandate)",
    )
    reactance_form: str = p(
        "damping",
        choices=REACTANCE_FORMS,
        group=STRUCT,
        role="structure",
        unit="",
        doc="damping: lost receptivity only damps persuasion, peers and internalisation; "
        "boomerang: pressure on the resistant also lowers their commitment.",
        cite="Brehm 1966 (reactance; boomerang effect)",
    )
    mandate_pressure: float = p(
        0.8,
        bounds=(0.0, 1.0),
        plausible=(0.3, 1.0),
        unit="0-1 per week",
        group=MAND,
        role="lever",
        key=True,
        doc="Management pressure applied at the top each week under a mandate.",
        cite="assumption",
    )
    compliance_gain: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.6),
        unit="per week",
        group=MAND,
        doc="Share of the gap between compliance and the pressure reaching a person closed "
        "each week.",
        cite="assumption",
    )
    compliance_half_life: float = p(
        12.0,
        bounds=(0.5, 520.0),
        plausible=(4.0, 52.0),
        unit="weeks",
        group=MAND,
        key=True,
        doc="Half-life of compliance once pressure stops reaching a person (enforcement "
        "fades); while pressure is applied compliance does not fall below it.",
        cite="assumption; plausible range overlaps commitment_half_life's on purpose; cf. "
        "decay of audit-driven behaviour change, Ivers et al. 2012 Cochrane review",
    )
    reactance: float = p(
        0.05,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.15),
        unit="per week",
        group=MAND,
        doc="Loss of receptivity per week per unit of pressure applied (down the line) to a "
        "fully autonomous professional, scaled down by resonance.",
        cite="Brehm 1966 (reactance); seed ('change cannot be mandated')",
    )
    receptivity_recovery_weeks: float = p(
        104.0,
        bounds=(1.0, 5200.0),
        plausible=(52.0, 260.0),
        unit="weeks",
        group=MAND,
        doc="Half-life of lost receptivity returning (resentment is persistent).",
        cite="assumption",
    )
    boomerang: float = p(
        0.1,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.3),
        unit="per week",
        group=MAND,
        doc="reactance_form = boomerang only: share of a person's commitment that pressure "
        "applied to them removes each week, per unit of applied pressure and of lost "
        "receptivity (resistance turns people against the change).",
        cite="Brehm 1966 (boomerang effect of reactance); value an assumption",
    )
    resistance_spread: float = p(
        0.05,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.2),
        unit="per week",
        group=MAND,
        doc="Share of the gap between a clinician's receptivity and the mean receptivity of "
        "their microsystem's clinical staff closed each week (resentment spreads among "
        "colleagues).",
        cite="Brehm 1966; DeGroot 1974 (attitudes move toward colleagues'); value an assumption",
    )
    # -------------------------------------------------------------------- persuasion
    leader_time_pa: float = p(
        1.0,
        bounds=(0.0, 10.0),
        plausible=(0.25, 3.0),
        unit="PA per week",
        group=PERS,
        role="lever",
        key=True,
        doc="Leadership programmed activities (4 h each) per week a medical or nursing "
        "leader gives the programme; clinical, medical and nursing directors get "
        "director_time_factor times this.",
        cite="BMA consultant contract (10 PAs of 4 h); CDs typically 1-3 PAs, leads 0.5-1 "
        "(Dickinson et al. 2013)",
    )
    workload: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.6),
        unit="share",
        group=PERS,
        key=True,
        doc="Share of leadership time eaten by clinical workload.",
        cite="seed ('pressures of work and time')",
    )
    hours_per_conversation: float = p(
        2.0,
        bounds=(0.25, 20.0),
        plausible=(1.0, 4.0),
        unit="hours",
        group=PERS,
        doc="Time scale of a week's conversation: h hours give depth 1 - exp(-h / this), so "
        "each extra hour adds less, but never nothing.",
        cite="assumption (diminishing returns to time)",
    )
    revisit_share: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.5),
        unit="share",
        group=PERS,
        doc="Share of a persuader's weekly hours spent revisiting an earlier convert whose "
        "commitment has eroded (one found among the week's sampled candidates), when there is "
        "one; the rest goes to the current engagement (all hours to the revisit when there "
        "is no engagement).",
        cite="seed ('commitment ... constantly need[s] to be checked, reinforced and worked "
        "upon'); share an assumption",
    )
    director_time_factor: float = p(
        2.0,
        bounds=(1.0, 5.0),
        plausible=(1.5, 3.0),
        unit="x",
        group=PERS,
        doc="Programme time of clinical, medical and nursing directors relative to leader_time_pa.",
        cite="Dickinson et al. 2013 (clinical directors 1-3 PAs, clinical leads 0.5-1)",
    )
    conversation_effect: float = p(
        0.25,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.5),
        unit="per conversation",
        group=PERS,
        doc="Share of the gap to full commitment closed by a week's conversation of depth 1 "
        "(depth = 1 - exp(-hours / hours_per_conversation)) from a fully credible leader "
        "about a fully resonant change.",
        cite="assumption (only identifiable as a product with credibility and resonance)",
    )
    engagement_weeks: int = p(
        6,
        bounds=(1, 52),
        plausible=(3, 12),
        unit="weeks",
        group=PERS,
        doc="Longest engagement with one colleague before a leader moves on (it ends early "
        "when the colleague is committed).",
        cite="seed ('one consultant at a time, and interactive over time')",
    )
    candidate_sample: int = p(
        5,
        bounds=(1, 50),
        plausible=(3, 10),
        unit="people",
        group=PERS,
        doc="Colleagues a leader considers when choosing the next one to engage.",
        cite="assumption (bounded search)",
    )
    target_rule: str = p(
        "least_committed",
        choices=TARGET_RULES,
        group=PERS,
        role="lever",
        unit="",
        doc="Whom a leader engages next among the sampled candidates.",
        cite="assumption",
    )
    top_reinforcement: float = p(
        0.05,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.15),
        unit="per week",
        group=PERS,
        role="lever",
        doc="Share of the gap to full commitment the top team closes each week in its leaders "
        "(everyone holding a leadership role) while any intervention runs, mandate included: "
        "the top team backing the change it launched.",
        cite="seed ('Top level leaders foster this culture and invest in leadership'; "
        "commitment 'constantly need[s] to be checked, reinforced and worked upon')",
    )
    champion_rate: float = p(
        0.02,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.08),
        unit="per week",
        group=PERS,
        role="lever",
        key=True,
        doc="Weekly chance that a highly committed clinician becomes a champion who persuades "
        "peers unpaid (leadership culture).",
        cite="seed ('leaders at all levels', 'culture that supports ... followership')",
    )
    champion_threshold: float = p(
        0.7,
        bounds=(0.0, 1.0),
        plausible=(0.6, 0.85),
        unit="0-1",
        group=PERS,
        doc="Commitment needed to become a champion.",
        cite="assumption",
    )
    champion_hours: float = p(
        1.0,
        bounds=(0.0, 20.0),
        plausible=(0.5, 2.0),
        unit="hours per week",
        group=PERS,
        doc="Hours a champion spends persuading peers each week.",
        cite="assumption",
    )
    # ------------------------------------------------------------------- engagement gap
    formal_selection: float = p(
        0.5,
        bounds=(0.0, 1.0),
        plausible=(0.2, 0.9),
        unit="0-1",
        group=GAP,
        role="lever",
        key=True,
        doc="Formality of selecting leaders: it associates every leadership role (nursing "
        "ones too) with Trust management (identification) and picks more credible medical "
        "leaders (selection_quality).",
        cite="seed (Results 2: formality and the engagement gap)",
    )
    selection_quality: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.6),
        unit="0-1",
        group=GAP,
        doc="Share of the gap to full credibility that fully formal selection closes in the "
        "medical leaders it picks (better leaders), scaled by formal_selection.",
        cite="seed (Results 2: 'greater formality and professionalism into the process of "
        "identifying medical leaders'); value an assumption",
    )
    leader_identification: float = p(
        1.0,
        bounds=(0.0, 2.0),
        plausible=(0.5, 1.5),
        unit="x",
        group=GAP,
        doc="Scale of the identification with management that each leadership role carries "
        "(clinical lead 0.4, clinical director 0.7, medical director 1.0, ward leader 0.3, "
        "nursing director 0.8 at 1).",
        cite="seed (Results 4: 'hybrid roles in the precarious middle ground'); levels an "
        "assumption",
    )
    time_identification: float = p(
        0.05,
        bounds=(0.0, 0.5),
        plausible=(0.0, 0.1),
        unit="per PA",
        group=GAP,
        doc="Identification with management added per PA of leadership time (more time in "
        "the role, more seen as management).",
        cite="seed (Results 2 and 4); value an assumption",
    )
    stigma: float = p(
        0.5,
        bounds=(0.0, 1.0),
        plausible=(0.2, 0.8),
        unit="0-1",
        group=GAP,
        key=True,
        doc="How far clinicians discount leaders seen as management ('gone over to the dark "
        "side').",
        cite="seed (Results 4); Spurgeon, Clark & Ham 2011",
    )
    career_structure: float = p(
        0.2,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.8),
        unit="0-1",
        group=GAP,
        role="lever",
        doc="Valued, remunerated leadership roles with a career structure, introduced at week "
        "0: as it matures it lowers stigma (career_stigma_effect) and protects leaders' "
        "time from workload (career_time_protection).",
        cite="seed (Results 4; Implications 2)",
    )
    career_stigma_effect: float = p(
        0.5,
        bounds=(0.0, 1.0),
        plausible=(0.2, 0.8),
        unit="share",
        group=GAP,
        doc="Share of stigma removed by a fully mature career structure of 1.",
        cite="seed (KP: 'no sense of going over to the dark side'; roles 'valued, sought "
        "after and properly remunerated'); value an assumption",
    )
    career_time_protection: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.6),
        unit="share",
        group=GAP,
        doc="Share of workload's claim on leadership time removed by a fully mature career "
        "structure of 1 (protected, remunerated time).",
        cite="seed (Results 4: 'pressures of work and time'; Implications 2); value an assumption",
    )
    culture_change_half_life: float = p(
        104.0,
        bounds=(1.0, 5200.0),
        plausible=(52.0, 520.0),
        unit="weeks",
        group=GAP,
        doc="Half-life with which the career structure's effects mature (stigma 'has been "
        "slow to change').",
        cite="seed (Results 4); value an assumption",
    )
    # ---------------------------------------------------------------- peers and practice
    peer_influence: float = p(
        0.1,
        bounds=(0.0, 1.0),
        plausible=(0.02, 0.3),
        unit="per week",
        group=PEER,
        doc="Share of the gap to the influence-weighted mean of like-minded neighbours closed "
        "each week (followership).",
        cite="DeGroot 1974; Deffuant et al. 2000 (bounded confidence)",
    )
    confidence_bound: float = p(
        0.3,
        bounds=(0.0, 1.0),
        plausible=(0.15, 0.6),
        unit="0-1",
        group=PEER,
        doc="Neighbours whose commitment differs by more than this are ignored (bounded "
        "confidence avoids forced consensus).",
        cite="Deffuant et al. 2000; Hegselmann & Krause 2002",
    )
    threshold_mean: float = p(
        0.45,
        bounds=(0.01, 0.99),
        plausible=(0.3, 0.6),
        unit="0-1",
        group=PEER,
        doc="Mean practice threshold (Beta-distributed across staff).",
        cite="Granovetter 1978; Centola & Macy 2007",
    )
    threshold_sd: float = p(
        0.12,
        bounds=(0.0, 0.4),
        plausible=(0.05, 0.2),
        unit="0-1",
        group=PEER,
        doc="Spread of practice thresholds.",
        cite="Granovetter 1978",
    )
    peer_practice_weight: float = p(
        0.4,
        bounds=(0.0, 1.0),
        plausible=(0.2, 0.6),
        unit="0-1",
        group=PEER,
        doc="Weight of the influence- and fidelity-weighted share of microsystem colleagues "
        "practising in the practice drive; the rest of the drive is the stronger of "
        "commitment and compliance (complex contagion).",
        cite="Centola & Macy 2007; Centola 2010",
    )
    habit_weight: float = p(
        0.15,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.3),
        unit="0-1",
        group=PEER,
        doc="persistence_form = habit only: share of the practice threshold a full habit "
        "removes for someone carrying on or restarting (habit is 0 before a first start).",
        cite="Lally et al. 2010, Eur J Soc Psychol 40:998 (habit formation); value an assumption",
    )
    habit_gain: float = p(
        0.1,
        bounds=(0.0, 1.0),
        plausible=(0.03, 0.3),
        unit="per week",
        group=PEER,
        doc="Share of the gap to full habit closed per week of practising.",
        cite="Lally et al. 2010 (automaticity plateaus after a median 66 days, range 18-254)",
    )
    habit_half_life: float = p(
        12.0,
        bounds=(0.5, 520.0),
        plausible=(4.0, 52.0),
        unit="weeks",
        group=PEER,
        doc="Half-life of habit strength in a week without practising.",
        cite="assumption (cf. Lally et al. 2010)",
    )
    compelled_fidelity: float = p(
        0.35,
        bounds=(0.0, 1.0),
        plausible=(0.1, 0.7),
        unit="0-1",
        group=PEER,
        doc="Fidelity of practice done only under compliance (a tick-box): improvement and "
        "peers' social proof count practice by its fidelity.",
        cite="Pickering et al. 2013, BJS 100:1664 (mandated WHO checklist: time-out "
        "attempted in 87%, sign-out in 9%, all information in 55% of time-outs)",
    )
    compelled_internalisation: float = p(
        0.25,
        bounds=(0.0, 1.0),
        plausible=(0.0, 0.6),
        unit="x",
        group=PEER,
        key=True,
        doc="phi: how far practice compelled by compliance internalises into commitment, "
        "relative to practice driven by commitment (self_determination: at phi times the "
        "rate, 0 = never; dissonance: at 1 - (1 - phi) k with k the compliance).",
        cite="Deci & Ryan 2000 (controlled motivation internalises poorly); Kelman 1958",
    )
    internalisation_rate: float = p(
        0.02,
        bounds=(0.0, 1.0),
        plausible=(0.005, 0.06),
        unit="per week",
        group=PEER,
        key=True,
        doc="Share of the gap to full commitment closed per week of practising driven by "
        "commitment (under self_determination, practice driven only by compliance: "
        "compelled_internalisation times this); multiplied by 1 + the microsystem's "
        "performance (results that show).",
        cite="Festinger 1957 (dissonance); Kelman 1958 (compliance to internalisation)",
    )
    commitment_half_life: float = p(
        52.0,
        bounds=(1.0, 5200.0),
        plausible=(13.0, 156.0),
        unit="weeks",
        group=PEER,
        doc="Half-life of commitment without reinforcement.",
        cite="assumption; plausible range overlaps compliance_half_life's on purpose",
    )
    improvement_lag: float = p(
        8.0,
        bounds=(1.0, 104.0),
        plausible=(4.0, 26.0),
        unit="weeks",
        group=PEER,
        doc="Time constant with which microsystem performance follows the fidelity-weighted "
        "share of its clinical staff practising.",
        cite="Nelson, Batalden et al. 2002 (measurement cycles); value an assumption",
    )
    committed_cutoff: float = p(
        0.5,
        bounds=(0.05, 0.95),
        plausible=None,
        unit="0-1",
        group=PEER,
        role="setting",
        doc="Commitment (and compliance) at or above which a person counts as committed "
        "(compliant); also the performance at which a microsystem counts as improved.",
        cite="definition",
    )
    # ----------------------------------------------------------------------------- time
    weeks: int = p(
        156,
        bounds=(1, 5200),
        plausible=None,
        unit="weeks",
        group=TIME,
        role="setting",
        doc="Horizon of a run.",
        cite="assumption (three years: a two-year programme and a year after it)",
    )
    intervention_start: int = p(
        0,
        bounds=(0, 5200),
        plausible=None,
        unit="week",
        group=TIME,
        role="setting",
        doc="Week the intervention starts.",
        cite="definition",
    )
    withdrawal_week: int = p(
        104,
        bounds=(0, 5200),
        plausible=(52, 130),
        unit="week",
        group=TIME,
        role="lever",
        doc="Week the intervention is withdrawn: pressure and paid programme time stop; "
        "champions carry on.",
        cite="assumption (a two-year programme)",
    )

    # ------------------------------------------------------------------ construction
    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise ParamError(problems)
        # A whole-number float (weeks=10.0) is valid but must be stored as an int, or
        # array shapes and ranges built from it fail later with a TypeError.
        for name, spec in self.specs().items():
            if spec.integer and not isinstance(getattr(self, name), int):
                object.__setattr__(self, name, int(getattr(self, name)))

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        """Map each field name to its :class:`Spec`, in declaration order."""
        return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls)}

    @classmethod
    def names(cls) -> list[str]:
        """All parameter names, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Defaults of every field."""
        return {f.name: f.default for f in dataclasses.fields(cls)}

    def to_dict(self) -> dict[str, Any]:
        """Every field's value, in declaration order."""
        return {name: getattr(self, name) for name in self.names()}

    def replace(self, **changes: Any) -> Params:
        """Return a copy with ``changes`` applied (checked like :meth:`from_mapping`)."""
        return Params.from_mapping(changes, base=self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, base: Params | None = None) -> Params:
        """Build from a mapping of names to values, coercing strings and reporting all problems.

        Args:
            values: parameter names and values (strings are parsed, e.g. from ``--set``).
            base: the parameters to start from (defaults otherwise).

        Raises:
            ParamError: listing unknown names (with the closest valid one), values of the
                wrong type and out-of-range values, one message each.
        """
        specs = cls.specs()
        problems: list[str] = []
        merged = (base or cls()).to_dict()
        for name, raw in values.items():
            if name not in specs:
                problems.append(unknown_name_message(name, list(specs)))
                continue
            try:
                merged[name] = _coerce(name, raw, specs[name], type(merged[name]))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            # Range problems of the valid names are reported too, all at once.
            try:
                cls(**merged)
            except ParamError as exc:
                problems.extend(x for x in exc.problems if x not in problems)
            raise ParamError(problems)
        return cls(**merged)

    @classmethod
    def preset(cls, name: str) -> Params:
        """Return a named preset; see ``docs/params.md`` for each choice and its source."""
        if name not in PRESETS:
            raise ParamError([unknown_name_message(name, list(PRESETS), what="preset")])
        return cls.from_mapping(PRESET_VALUES[name])

    # ------------------------------------------------------------------- validation
    def _problems(self) -> list[str]:
        problems: list[str] = []
        for name, spec in self.specs().items():
            value = getattr(self, name)
            if spec.choices is not None:
                if value not in spec.choices:
                    problems.append(f"{name}={value!r} is not one of {', '.join(spec.choices)}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{name}={value!r} must be a number")
                continue
            if not math.isfinite(value):  # before int(): int(nan) and int(inf) raise
                problems.append(f"{name}={value!r} must be finite")
                continue
            if spec.integer and value != int(value):
                problems.append(f"{name}={value!r} must be a whole number")
                continue
            lo, hi = spec.bounds  # type: ignore[misc]
            if not lo <= value <= hi:
                problems.append(f"{name}={value:g} is outside the allowed range [{lo:g}, {hi:g}]")
        if problems:
            return problems
        return self._organisation_problems()

    def _organisation_problems(self) -> list[str]:
        """Check that the numbers describe an organisation that can exist."""
        problems = []
        n_ms = self.n_directorates * self.microsystems_per_directorate
        n_cons = n_ms * self.consultants_per_microsystem
        needed = self.n_directorates
        leaders = round(self.leader_share * n_cons)
        if 0 < leaders < needed:
            problems.append(
                f"leader_share={self.leader_share:g} gives {leaders} medical leaders for "
                f"{n_cons} consultants, fewer than the {needed} clinical directors the "
                f"{self.n_directorates} directorates need (use 0 or at least "
                f"{needed / n_cons:.3f})"
            )
        if self.withdrawal_week < self.intervention_start:
            problems.append(
                f"withdrawal_week={self.withdrawal_week} comes before "
                f"intervention_start={self.intervention_start}"
            )
        staff = n_ms * (
            self.consultants_per_microsystem
            + self.juniors_per_microsystem
            + self.nurses_per_microsystem
            + 1
        )
        if staff > 250_000:
            problems.append(
                f"the organisation would have about {staff:,} staff; the limit is 250,000"
            )
        if self.threshold_sd > 0 and self.threshold_sd**2 >= self.threshold_mean * (
            1 - self.threshold_mean
        ):
            problems.append(
                f"threshold_sd={self.threshold_sd:g} is too large for threshold_mean="
                f"{self.threshold_mean:g} (a Beta distribution needs sd^2 < mean*(1-mean))"
            )
        return problems

    @property
    def expected_staff(self) -> int:
        """Staff count before size heterogeneity (microsystems, directorates, executives)."""
        n_ms = self.n_directorates * self.microsystems_per_directorate
        per = (
            self.consultants_per_microsystem
            + self.juniors_per_microsystem
            + self.nurses_per_microsystem
            + 1
        )
        return n_ms * per + self.n_directorates + 3


def unknown_name_message(name: str, valid: list[str], what: str = "parameter") -> str:
    """Say that ``name`` is unknown and suggest the closest valid name."""
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(valid)}"
    return f"unknown {what} {name!r}{hint}"


def _coerce(name: str, raw: Any, spec: Spec, kind: type) -> Any:
    """Parse ``raw`` (possibly a string from the command line) into the field's type."""
    if spec.choices is not None:
        return str(raw)
    if isinstance(raw, bool):
        raise ValueError(f"{name}={raw!r} must be a number")
    if isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r} must be a number") from None
    if not isinstance(raw, (int, float)):
        raise ValueError(f"{name}={raw!r} must be a number")
    if spec.integer:
        if not math.isfinite(raw):  # int(nan) and int(inf) would raise unclear errors
            raise ValueError(f"{name}={raw!r} must be finite")
        if raw != int(raw):
            raise ValueError(f"{name}={raw!r} must be a whole number")
        return int(raw)
    return float(raw)


# Preset values: only the fields that differ from the defaults (the typical NHS Trust).
PRESET_VALUES: dict[str, dict[str, Any]] = {
    "professional": {},
    # Machine bureaucracy: line authority binds, little autonomy, no inverted power
    # (Mintzberg 1979, ch. 18 vs 19).
    "machine": {
        "autonomy": 0.3,
        "hierarchy_coupling": 0.8,
        "senior_influence": 1.0,
        "cross_world_weight": 0.7,
        "reactance": 0.02,
    },
    # Kaiser Permanente-like: long-term investment in leadership, leaders top to bottom,
    # serious time, partnership with managers, no 'dark side' stigma, culture of
    # commitment (seed: High performing organisations; Culture; Critical mass).
    "kp_like": {
        "leader_share": 0.5,
        "leader_time_pa": 3.0,
        "workload": 0.15,
        "credibility_mean": 0.75,
        "duality_quality_mean": 0.8,
        "stigma": 0.15,
        "career_structure": 0.8,
        "formal_selection": 0.5,
        "champion_rate": 0.05,
        "top_reinforcement": 0.1,
        "strategy": "hybrid",
    },
    # Leaders set up to fail: a token few leaders, little time, eaten by workload,
    # formal selection, strong stigma, no career structure (seed: Results 4, Implications 2).
    "set_up_to_fail": {
        "leader_share": 0.08,
        "leader_time_pa": 0.5,
        "workload": 0.6,
        "credibility_mean": 0.5,
        "duality_quality_mean": 0.3,
        "formal_selection": 0.9,
        "stigma": 0.8,
        "career_structure": 0.0,
        "champion_rate": 0.005,
        "top_reinforcement": 0.0,
    },
    # A large Trust of about 6,000 staff: same configuration, ten times the microsystems.
    "large": {"n_directorates": 20, "microsystems_per_directorate": 15},
}

PRESET_DESCRIPTIONS: dict[str, str] = {
    "professional": "typical NHS Trust: a professional bureaucracy of about 610 staff",
    "machine": "machine bureaucracy: low autonomy, tight coupling, no inverted power",
    "kp_like": "Kaiser Permanente-like: many leaders with serious time, low stigma, hybrid",
    "set_up_to_fail": "medical leaders set up to fail: few, busy, stigmatised, formally selected",
    "large": "a large Trust of about 6,000 staff (typical configuration)",
}

PRESET_SOURCES: dict[str, str] = {
    "professional": "Mintzberg 1979 (professional bureaucracy); Glouberman & Mintzberg 2001; "
    "the size (5 directorates x 6 microsystems of ~20 staff) is an assumption for a small "
    "acute Trust; leadership time from the BMA job plan (10 PAs) and Dickinson et al. 2013 "
    "(clinical directors 1-3 PAs, clinical leads 0.5-1)",
    "machine": "Mintzberg 1979, ch. 18 (machine bureaucracy: standardised work, line "
    "authority binds, low operator discretion); values are assumptions chosen to reverse "
    "autonomy, coupling and inverted power of the professional preset",
    "kp_like": "seed deck (Kaiser Permanente, Mayo, Intermountain: long-term investment, "
    "leaders top to bottom, serious time, partnership with managers, no 'dark side', "
    "culture of commitment); Ham 2003 and Dickinson & Ham 2008 on KP's Permanente Medical "
    "Groups; numeric values are assumptions",
    "set_up_to_fail": "seed deck Results 4 and Implications 2 (pressures of work and time, "
    "low status, no career structure, 'dark side' stigma, risk that leaders are 'set up to "
    "fail'); Dickinson et al. 2013; numeric values are assumptions",
    "large": "assumption (a large acute Trust of about 6,000 staff); configuration as professional",
}
