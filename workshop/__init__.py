"""The workshop app (Solara): an offline, projector-ready picture of the hospital.

``medlead.workshop.app`` holds the Solara ``Page`` (``solara run medlead.workshop.app``);
everything else is plain Python and testable without a browser: the adapter from the
controls to :class:`medlead.model.Params`, the run controller (compare mode, withdrawal,
exports, session codes) and the matplotlib pictures. The headless packages never import
this one.
"""

from medlead.workshop.adapter import (
    PRESET_LABELS,
    STRATEGY_LABELS,
    WORKSHOP_PRESETS,
    Controls,
    SliderSpec,
    build_params,
    slider_specs,
    slider_values,
    try_params,
)
from medlead.workshop.explain import explain
from medlead.workshop.run import WorkshopRun, decode_session, replay

__all__ = [
    "PRESET_LABELS",
    "STRATEGY_LABELS",
    "WORKSHOP_PRESETS",
    "Controls",
    "SliderSpec",
    "WorkshopRun",
    "build_params",
    "decode_session",
    "explain",
    "replay",
    "slider_specs",
    "slider_values",
    "try_params",
]
