"""The on-screen glossary: the model's words in plain language, for the room.

One sentence or two per term, in the order the page uses them. ``tests/test_workshop_
glossary.py`` checks that every term the main screen shows without explanation is here.
"""

from __future__ import annotations

#: term -> plain-language meaning (the app shows them as a list; the guide repeats them).
GLOSSARY: dict[str, str] = {
    "Commitment": (
        "Believing in the change and wanting it, from 0 to 1; at 0.5 or more, committed. "
        "It is the fill colour of each person."
    ),
    "Compliance": (
        "Doing it because management requires it, whatever one thinks. It fades within "
        "months once the pressure stops. Vermillion ring: compliant, not committed."
    ),
    "Practising": (
        "Actually doing the new practice this week, from commitment, compliance or habit. "
        "Done mostly because one is told to, it is a tick-box (half-white dot)."
    ),
    "PA": (
        "A programmed activity: four hours of a consultant's week. Leader time is counted "
        "in PAs per week."
    ),
    "Reactance": (
        "Pushing back against being told: pressure on autonomous professionals makes them "
        "less open to the change (less so when it resonates)."
    ),
    "Resonance": (
        "How well the change fits what clinicians care about: patients, their service, "
        "their development. Resonant changes persuade more easily."
    ),
    "Coupling": (
        "How tightly the management line reaches clinical work: weak in a typical NHS "
        "Trust, strong in a machine bureaucracy."
    ),
    "Microsystem": (
        "A ward, clinic or team (grey disc), where care is given and a change has to take "
        "hold. It turns gold once it has improved."
    ),
    "Champion": (
        "A committed clinician persuading colleagues unpaid (small black star). Champions "
        "carry on after withdrawal."
    ),
    "Engagement gap": (
        "Leaders' average commitment minus their staff's: large when leaders have moved "
        "ahead of their followers."
    ),
}

__all__ = ["GLOSSARY"]
