"""Mesa agents of medlead: staff as views on the model's arrays."""

from medlead.agents.staff import ArrayAttribute, Doctor, Manager, Nurse, StaffAgent

__all__ = ["ArrayAttribute", "Doctor", "Manager", "Nurse", "StaffAgent"]
