"""Mesa agents as views on the model's state arrays.

A ``Doctor``, ``Nurse`` or ``Manager`` is a real Mesa agent, but holds no state of its
own: each state attribute reads and writes row ``index`` of the model's arrays, so the
vectorised core and anything that walks agents (the workshop, notebooks, Mesa tools)
always see the same numbers.
"""

from __future__ import annotations

from typing import Any

import mesa


class ArrayAttribute:
    """Descriptor: ``agent.<name>`` is ``agent.model.state.<name>[agent.index]``."""

    def __init__(self, doc: str, kind: type = float):
        self.__doc__ = doc
        self.kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return self.kind(getattr(agent.model.state, self.name)[agent.index])

    def __set__(self, agent: Any, value: Any) -> None:
        getattr(agent.model.state, self.name)[agent.index] = value


class StaffAgent(mesa.Agent):
    """A member of staff; attributes are views on the model's arrays (see module doc)."""

    commitment = ArrayAttribute("Internalised commitment to the change, 0-1.")
    compliance = ArrayAttribute("Compliance induced by management pressure, 0-1.")
    receptivity = ArrayAttribute("Receptivity to persuasion and peers (lowered by reactance).")
    practising = ArrayAttribute("Whether the person practises the change this week.", bool)
    fidelity = ArrayAttribute("How well the person does the practice, 0-1 (1 = as intended).")
    habit = ArrayAttribute("Habit strength of practising, 0-1.")
    champion = ArrayAttribute("Whether the person is an unpaid champion of the change.", bool)
    autonomy = ArrayAttribute("Clinical autonomy: how far line authority fails to bind, 0-1.")
    credibility = ArrayAttribute("Personal credibility with colleagues, 0-1.")
    identification = ArrayAttribute("Identification with Trust management, 0-1.")
    leadership_time = ArrayAttribute("Programme leadership time, PAs per week.")
    workload = ArrayAttribute("Share of leadership time eaten by workload, 0-1.")

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def role(self) -> str:
        """Formal role, e.g. ``consultant`` or ``ward_leader``."""
        return self.model.role_name(self.index)

    @property
    def leadership_role(self) -> str:
        """Leadership role held, ``none`` for most staff."""
        return self.model.leadership_role_name(self.index)

    @property
    def microsystem(self) -> int:
        """Index of the person's clinical microsystem (-1 outside one)."""
        return int(self.model.organisation.microsystem[self.index])

    @property
    def engaged_with(self) -> StaffAgent | None:
        """The colleague this person is currently persuading, if any."""
        t = int(self.model.state.target[self.index])
        return None if t < 0 else self.model.staff[t]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.index} {self.role} c={self.commitment:.2f}>"


class Doctor(StaffAgent):
    """A consultant or junior doctor (the cure world); may hold a medical leadership role."""


class Nurse(StaffAgent):
    """A staff nurse or ward leader (the care world); ward leaders persuade nurses."""


class Manager(StaffAgent):
    """A microsystem, directorate (general) or executive manager (the control world)."""
