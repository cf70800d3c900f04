"""medlead's model: parameters, organisation, vectorised dynamics and ``HospitalModel``.

``HospitalModel`` (and with it Mesa, about a second of imports) loads on first use, so a
command that only runs the vectorised core (``medlead run``, a sweep's workers) or reads
parameters never imports Mesa.
"""

from typing import TYPE_CHECKING

from medlead.model.layout import hospital_layout
from medlead.model.organisation import (
    TIE_KINDS,
    Leader,
    Organisation,
    Role,
    World,
    build_organisation,
)
from medlead.model.outputs import REPORTERS, SUMMARY_KEYS
from medlead.model.params import (
    PRESET_DESCRIPTIONS,
    PRESETS,
    STRATEGIES,
    ParamError,
    Params,
)
from medlead.model.seeds import seed_streams

if TYPE_CHECKING:
    from medlead.model.hospital import HospitalModel


def __getattr__(name: str):
    if name == "HospitalModel":
        from medlead.model.hospital import HospitalModel

        return HospitalModel
    raise AttributeError(f"module 'medlead.model' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "PRESET_DESCRIPTIONS",
    "REPORTERS",
    "STRATEGIES",
    "SUMMARY_KEYS",
    "TIE_KINDS",
    "HospitalModel",
    "Leader",
    "Organisation",
    "ParamError",
    "Params",
    "Role",
    "World",
    "__version__",
    "build_organisation",
    "hospital_layout",
    "seed_streams",
]
