"""The case library: measured change programmes and how each maps onto medlead.

One TOML file per case in ``experiments/cases/`` (package data). A case holds its
sources, what was done, the figures reported (each with its uncertainty), and the
**mapping**: the preset and parameter values that describe the organisation and the
change, the strategy, the horizon and withdrawal, and for each reported figure the
model statistic and week it corresponds to. Every judgement made in the mapping is
written down in the file (``[[judgements]]``), with its reason and source, and
``docs/cases.md`` is generated from the files (:mod:`.casedoc`).

A case is either used to **calibrate** or **held out** for out-of-sample prediction
(``use``); the choice is made in the files, before fitting, and recorded in
``docs/cases.md``.

The schema is checked with pydantic (unknown keys forbidden, every problem reported at
once) and every run a case implies is built through ``Params`` (the one validation of
parameter values), so a case file that loads is a case the engine can run.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from medlead.model import REPORTERS, ParamError, Params
from medlead.model.params import PRESET_VALUES, PRESETS, STRATEGIES, unknown_name_message

__all__ = [
    "CASE_DIR",
    "DERIVED_STATISTICS",
    "Case",
    "CaseError",
    "Judgement",
    "Observation",
    "Setting",
    "Source",
    "case_params",
    "load_case",
    "load_cases",
    "observation_value",
    "reporters_needed",
]

CASE_DIR = Path(__file__).resolve().parent.parent / "cases"
"""Where the shipped case files are (``experiments/cases/``)."""

DERIVED_STATISTICS: dict[str, str] = {
    "rate_ratio": "adverse-event rate relative to week 0 when full-fidelity practice "
    "prevents a share `efficacy` of events: (1 - e f_W) / (1 - e f_0), with f the "
    "`faithful_practising_share`",
    "fidelity_of_practice": "`faithful_practising_share` / `practising_share` at the "
    "week: how well the practice is done by those who do it (NaN if nobody practises)",
    "between_trust_sd": "standard deviation across the case's Trusts (its replications) "
    "of the reporter named in `reporter`, at the week",
}
"""Statistics besides the weekly reporters, with their definitions."""


class CaseError(ParamError):
    """A case file that cannot be used (exit code 2); one short line per problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One source of a case: its full citation."""

    cite: str = Field(min_length=10)
    doi: str | None = None
    note: str = ""


class Judgement(_Strict):
    """One judgement made in mapping a case onto medlead: what, why, on whose authority."""

    what: str = Field(min_length=5)
    why: str = Field(min_length=5)
    cite: str = "assumption"


class Observation(_Strict):
    """One reported figure and the model statistic it is compared with.

    ``value`` is the figure; ``sd`` its sampling uncertainty as reported or derived
    (``sd_basis`` says how). ``tolerance`` is the mapping's own uncertainty (a model
    statistic is not the quantity the study measured, only its nearest counterpart),
    stated as a judgement in ``tolerance_basis``. The distance of a run to a case uses
    ``(model - value) / sqrt(sd^2 + tolerance^2)``.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    reported: str = Field(min_length=5)
    value: float
    sd: float = Field(ge=0)
    sd_basis: str = Field(min_length=3)
    statistic: str
    week: int = Field(ge=0)
    tolerance: float = Field(ge=0)
    tolerance_basis: str = Field(min_length=3)
    strategy: str | None = None
    """The strategy of the run this figure is read from (default: the case's)."""
    efficacy: float | None = Field(default=None, ge=0, le=1)
    """``rate_ratio`` only: share of events full-fidelity practice prevents."""
    reporter: str | None = None
    """``between_trust_sd`` only: the weekly reporter whose spread is read."""

    @model_validator(mode="after")
    def _check(self) -> Observation:
        problems = []
        weekly = REPORTERS[1:]  # every reporter but the week counter itself
        if self.statistic not in weekly and self.statistic not in DERIVED_STATISTICS:
            valid = [*DERIVED_STATISTICS, *weekly]
            problems.append(unknown_name_message(self.statistic, valid, what="statistic"))
        if self.statistic == "rate_ratio" and self.efficacy is None:
            problems.append("statistic rate_ratio needs `efficacy`")
        if self.statistic == "between_trust_sd" and self.reporter not in weekly:
            problems.append("statistic between_trust_sd needs `reporter`, a weekly reporter")
        if self.strategy is not None and self.strategy not in STRATEGIES:
            problems.append(f"strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if self.sd == 0 and self.tolerance == 0:
            problems.append("sd and tolerance cannot both be 0 (the distance would divide by 0)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def scale(self) -> float:
        """The distance's scale: ``sqrt(sd^2 + tolerance^2)``."""
        return math.hypot(self.sd, self.tolerance)

    @property
    def series(self) -> tuple[str, ...]:
        """The weekly reporters this statistic reads."""
        if self.statistic == "rate_ratio":
            return ("faithful_practising_share",)
        if self.statistic == "fidelity_of_practice":
            return ("faithful_practising_share", "practising_share")
        if self.statistic == "between_trust_sd":
            return (str(self.reporter),)
        return (self.statistic,)


class Setting(_Strict):
    """The mapping of a case's organisation and programme onto medlead's parameters."""

    preset: str = "professional"
    strategy: str
    weeks: int = Field(ge=1, le=520)
    withdrawal_week: int = Field(ge=0)
    set: dict[str, float | int | str] = Field(default_factory=dict)
    """Further parameter values (the change's own properties, levers, the organisation);
    they override the calibrated value for this case's runs."""
    replications: int = Field(default=1, ge=1, le=1000)
    """Trusts (runs) per parameter set and strategy."""

    @field_validator("set", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        # pydantic would read true as 1.0; no parameter is a boolean, so say so instead.
        if isinstance(value, dict):
            bad = [f"{k}={str(v).lower()}" for k, v in value.items() if isinstance(v, bool)]
            if bad:
                raise ValueError(f"{', '.join(bad)}: a parameter value is a number or a name")
        return value


class Case(_Strict):
    """One case of the library (see the module docstring)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    use: Literal["calibrate", "holdout"]
    summary: str = Field(min_length=20)
    sources: list[Source] = Field(min_length=1)
    setting: Setting
    judgements: list[Judgement] = Field(min_length=1)
    observations: list[Observation] = Field(min_length=1)
    notes: str = ""

    @property
    def strategies(self) -> tuple[str, ...]:
        """The strategies its observations are read from, in first-use order."""
        seen: dict[str, None] = {}
        for obs in self.observations:
            seen[obs.strategy or self.setting.strategy] = None
        return tuple(seen)

    def strategy_of(self, obs: Observation) -> str:
        """The strategy of the run ``obs`` is read from."""
        return obs.strategy or self.setting.strategy


@dataclass(frozen=True)
class _Loaded:
    case: Case
    path: Path


def _problems_of(exc: ValidationError, path: Path) -> list[str]:
    out = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "file"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append(f"{path.name}: {where}: {msg}")
    return out


def case_params(
    case: Case, strategy: str | None = None, values: dict[str, Any] | None = None
) -> Params:
    """The ``Params`` of one of ``case``'s runs.

    The preset, then ``values`` (a calibration particle's parameter values), then the
    case's ``set`` and its strategy, horizon and withdrawal: what the case states about
    itself wins over what is calibrated.

    Raises:
        ParamError: a value the parameters refuse.
    """
    s = case.setting
    merged: dict[str, Any] = dict(PRESET_VALUES[s.preset])
    merged.update(values or {})
    merged.update(s.set)
    merged.update(strategy=strategy or s.strategy, weeks=s.weeks, withdrawal_week=s.withdrawal_week)
    return Params.from_mapping(merged)


def _check_case(case: Case, path: Path) -> list[str]:
    problems = []
    s = case.setting
    if s.preset not in PRESETS:
        known = unknown_name_message(s.preset, list(PRESETS), what="preset")
        problems.append(f"{path.name}: setting.preset: {known}")
        return problems
    for strategy in case.strategies:
        try:
            case_params(case, strategy)
        except ParamError as exc:
            problems.extend(f"{path.name}: setting: {m}" for m in exc.problems)
            break
    names = [o.name for o in case.observations]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(f"{path.name}: observations named twice: {', '.join(dup)}")
    for obs in case.observations:
        if obs.week > s.weeks:
            problems.append(
                f"{path.name}: observation {obs.name}: week {obs.week} is after the "
                f"horizon setting.weeks = {s.weeks}"
            )
        if obs.statistic == "between_trust_sd" and s.replications < 2:
            problems.append(
                f"{path.name}: observation {obs.name}: between_trust_sd needs "
                "setting.replications >= 2"
            )
    if case.id != path.stem:
        problems.append(f"{path.name}: id {case.id!r} must match the file name {path.stem!r}")
    return problems


def load_case(path: str | Path) -> Case:
    """Read and check one case file.

    Raises:
        CaseError: every problem found, one line each (file name first).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseError([f"case file {path} not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise CaseError([f"{path.name}: not valid TOML: {exc}"]) from None
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(_problems_of(exc, path)) from None
    problems = _check_case(case, path)
    if problems:
        raise CaseError(problems)
    return case


@functools.cache
def _shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CASE_DIR.glob("*.toml"))}


def load_cases(names: list[str] | tuple[str, ...] | None = None) -> list[Case]:
    """The shipped cases named (all of them by default), or case files given by path.

    Raises:
        CaseError: an unknown case, or problems in any file, all reported at once.
    """
    shipped = _shipped()
    wanted = list(names) if names else list(shipped)
    problems: list[str] = []
    cases: list[Case] = []
    for name in wanted:
        path = Path(name)
        if name in shipped:
            path = shipped[name]
        elif not (path.suffix == ".toml" and path.exists()):
            problems.append(unknown_name_message(name, list(shipped), what="case"))
            continue
        try:
            cases.append(load_case(path))
        except CaseError as exc:
            problems.extend(exc.problems)
    ids = [c.id for c in cases]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        problems.append(f"cases given twice: {', '.join(dup)}")
    if problems:
        raise CaseError(problems)
    return cases


def reporters_needed(cases: list[Case]) -> tuple[str, ...]:
    """Every weekly reporter the cases' statistics read (the series the runs keep)."""
    seen: dict[str, None] = {}
    for case in cases:
        for obs in case.observations:
            for name in obs.series:
                seen[name] = None
    return tuple(seen)


def observation_value(obs: Observation, series: dict[str, np.ndarray]) -> float:
    """The model statistic of ``obs`` from one parameter set's runs of its strategy.

    Args:
        obs: the observation.
        series: reporter -> array (runs, weeks + 1) of that strategy's runs (the case's
            replications; for a statistic per run the mean over them is returned).

    Returns:
        The statistic; NaN where it is undefined (e.g. nobody practises).
    """
    w = obs.week
    with np.errstate(invalid="ignore", divide="ignore"):
        if obs.statistic == "rate_ratio":
            f = series["faithful_practising_share"]
            e = float(obs.efficacy or 0.0)
            per_run = (1.0 - e * f[:, w]) / (1.0 - e * f[:, 0])
        elif obs.statistic == "fidelity_of_practice":
            practising = series["practising_share"][:, w]
            per_run = np.where(
                practising > 0, series["faithful_practising_share"][:, w] / practising, np.nan
            )
        elif obs.statistic == "between_trust_sd":
            values = series[str(obs.reporter)][:, w]
            return float(np.std(values, ddof=1)) if values.size > 1 else math.nan
        else:
            per_run = series[obs.statistic][:, w]
    return float(np.mean(per_run))
