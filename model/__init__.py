"""medlead's model: parameters, organisation, vectorised dynamics and ``HospitalModel``."""

from medlead.model.hospital import HospitalModel, seed_streams
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
