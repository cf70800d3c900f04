"""Scenario files: what a sweep runs, declared in TOML and validated before anything runs.

A scenario names a base (a preset plus parameter values), factors that vary across
design points (a full grid, or a list read row by row), how many replications each point
gets, the horizon and withdrawal week, the root seed, and which outcomes and weekly
series are kept. ``docs/experiments.md`` documents every key with an example.

Validation happens in two layers, and every problem is reported at once, one line each:

* the file's *structure* with pydantic (unknown keys are forbidden and answered with the
  closest valid key; wrong types name the key);
* parameter *values* through ``Params`` itself (the one validation shared with ``medlead
  run`` and the workshop), for the base and for every design point.

Replication ``r`` of every point is seeded with ``SeedSequence(seed, spawn_key=(r,))``,
so all points share the same hospitals and draws for the same replication (common
random numbers across strategies), whatever the number of workers or the order of runs.

Two keys are shorthand for factors, expanded before anything else is checked:
``structures`` crosses the structural switches (``Params`` fields of role ``structure``,
e.g. ``structures = "all"`` for every combination of every switch) and ``ablations``
adds the ``ablation`` factor (``ablations = "all"``: every entry of
:data:`medlead.experiments.engine.ablations.ABLATIONS`). Both come first in the factor order
(they vary slowest), so a scenario's own factors, e.g. the strategy, vary within each
variant on the same replications.

Why one long module: the schema, its checks and the expansion into points read the same
fields, and every problem must be collected in one pass; split, each half would have to
know the other's field names.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medlead.experiments.engine.ablations import ABLATION_NAMES, ablation
from medlead.experiments.engine.design import SEED_SCHEME, Design, DesignPoint
from medlead.experiments.engine.samplers import DEFAULT_GROUPS, Problem, sample
from medlead.model import REPORTERS, SUMMARY_KEYS, ParamError, Params
from medlead.model.params import PRESETS, STRUCTURES, unknown_name_message

__all__ = [
    "ABLATION_FACTOR",
    "DEFAULT_OUTCOMES",
    "DEFAULT_SEED",
    "DEFAULT_TIMESERIES",
    "SCENARIO_DIR",
    "SEED_SCHEME",
    "PSEUDO_FACTORS",
    "DesignPoint",
    "SampleSpec",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "load_scenario",
    "named_scenarios",
    "parse_scenario",
    "factor_column_type",
    "parse_structures",
    "resolve_scenario",
    "sample_matrix",
    "sample_problem",
]

SCENARIO_DIR = Path(__file__).parent.parent / "scenarios"
"""The named experiments: ``experiments/scenarios/*.toml`` (package data)."""
"""Where the named experiments' scenario files live (shipped with the package)."""

DEFAULT_SEED = 20261125
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "sustained_practising_share",
    "sustained_faithful_share",
    "peak_practising_share",
    "peak_compliant_share",
    "committed_share",
    "microsystems_improved_share",
    "engagement_gap",
)
DEFAULT_TIMESERIES: tuple[str, ...] = (
    "practising_share",
    "faithful_practising_share",
    "committed_share",
    "compliant_share",
    "microsystems_improved_share",
)
PRESET_FACTOR = "preset"
"""A factor that is not a parameter: vary the preset the point starts from."""
ABLATION_FACTOR = "ablation"
"""A factor that is not a parameter: the ablation applied last to the point's values."""
PSEUDO_FACTORS: tuple[str, ...] = (PRESET_FACTOR, ABLATION_FACTOR)
"""Factor names that are not parameters (their result columns hold the names given)."""


class ScenarioError(ParamError):
    """A problem with a scenario file (exit code 2); ``problems`` has one line each."""


Scalar = bool | int | float | str


class SampleSpec(BaseModel):
    """A sampled design over Params' plausible ranges (``[sample]`` in a scenario file)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    method: Literal["lhs", "sobol", "morris"] = Field(
        description="lhs: Latin hypercube; sobol: Saltelli design for Sobol indices "
        "(n·(D+2) points); morris: n Morris trajectories (n·(D+1) points)"
    )
    n: int = Field(ge=2, le=100_000, description="sample size (base samples or trajectories)")
    parameters: list[str] | None = Field(
        None, description="parameters to sample (default: every one with a plausible range)"
    )
    group_products: bool = Field(
        True,
        description="analyse parameters identifiable only as a product as one group each "
        "(samplers.DEFAULT_GROUPS: conversation_effect x credibility_mean x resonance; "
        "stigma x leader_identification x time_identification)",
    )


class ScenarioFile(BaseModel):
    """The structure of a scenario file (values are checked by :func:`resolve_scenario`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(None, description="short name; defaults to the file name")
    description: str = Field("", description="one line saying what the scenario asks")
    preset: str = Field("professional", description="the preset every point starts from")
    seed: int = Field(DEFAULT_SEED, ge=0, description="root seed (an integer >= 0)")
    replications: int = Field(ge=1, le=100_000, description="replications per design point")
    weeks: int | None = Field(None, description="horizon in weeks (Params.weeks)")
    withdrawal_week: int | None = Field(None, description="week the intervention stops")
    design: Literal["grid", "list"] = Field(
        "grid", description="grid: every combination of factor values; list: row by row"
    )
    params: dict[str, Scalar] = Field(default_factory=dict, description="base parameters")
    factors: dict[str, list[Scalar]] = Field(default_factory=dict, description="what varies")
    outcomes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES), description="summary keys to tabulate"
    )
    timeseries: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TIMESERIES),
        description="weekly reporters stored per run (for curves)",
    )
    baseline: str | None = Field(
        None, description="strategy the comparison's paired differences are taken against"
    )
    sample: SampleSpec | None = Field(
        None, description="a sampled design (crossed with the factors' grid)"
    )
    structures: str | list[str] | None = Field(
        None,
        description="structural switches to cross as factors: 'all', or items NAME (every "
        "choice) or NAME=VALUE|VALUE, as a list or one comma-separated string",
    )
    ablations: str | list[str] | None = Field(
        None, description="'all' or a list of ablation names: the levels of the ablation factor"
    )

    @field_validator("factors")
    @classmethod
    def _no_empty_factor(cls, v: dict[str, list[Scalar]]) -> dict[str, list[Scalar]]:
        empty = [k for k, vals in v.items() if len(vals) == 0]
        if empty:
            raise ValueError(
                "; ".join(f"factor {k!r} is empty: give at least one value" for k in empty)
            )
        return v


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the file's content, its text, and its resolved design points."""

    spec: ScenarioFile
    """The design as run: ``structures`` and ``ablations`` expanded into ``factors``."""
    name: str
    text: str
    points: tuple[DesignPoint, ...]
    source: str
    file_spec: ScenarioFile | None = None
    """The file's content as written (before ``structures``/``ablations`` expand)."""

    @property
    def source_spec(self) -> ScenarioFile:
        """The file's content as written (``spec`` when nothing was expanded)."""
        return self.file_spec if self.file_spec is not None else self.spec

    @property
    def replications(self) -> int:
        """Replications per design point."""
        return self.spec.replications

    @property
    def seed(self) -> int:
        """The root seed."""
        return self.spec.seed

    @property
    def factor_names(self) -> list[str]:
        """Names of the factors, in file order, then sampled parameters (result columns)."""
        return list(self.spec.factors) + list(self.sampled)

    @property
    def sampled(self) -> tuple[str, ...]:
        """Parameters drawn by the ``[sample]`` design (empty without one)."""
        return sample_problem(self.spec).names if self.spec.sample else ()

    @property
    def sample_size(self) -> int:
        """Rows of the sampled design per grid combination (1 without a sample)."""
        return len(sample_matrix(self.spec)) if self.spec.sample else 1

    @property
    def n_runs(self) -> int:
        """Points times replications."""
        return len(self.points) * self.replications

    @property
    def hash(self) -> str:
        """SHA-256 of the scenario's canonical content (comments and layout do not count).

        Everything that changes results or what is stored counts; what only changes how
        they are shown (description, outcomes tabulated, baseline) does not.
        """
        # The expanded design counts (structures and ablations are factors by now), so
        # a file that spells the same design either way has the same hash.
        content = self.spec.model_dump(
            exclude={"description", "outcomes", "baseline", "structures", "ablations"}
        )
        content["name"] = self.name
        blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def weeks(self) -> int:
        """Longest horizon over the points."""
        return max(p.params.weeks for p in self.points)

    @functools.cached_property
    def design(self) -> Design:
        """The scenario as the runner executes it: every point ``replications`` times,
        replication ``r`` seeded ``SeedSequence(seed, spawn_key=(r,))`` (no prefix).
        """
        names = self.factor_names
        rows = tuple(
            {f: (p.factors[f] if f in PSEUDO_FACTORS else getattr(p.params, f)) for f in names}
            for p in self.points
        )
        return Design(
            name=self.name,
            seed=self.seed,
            points=self.points,
            replications=self.replications,
            columns={f: factor_column_type(f) for f in names},
            rows=rows,
            timeseries=tuple(self.spec.timeseries),
            hash=self.hash,
            text=self.text,
            source=self.source,
            kind="scenario",
        )

    @property
    def baseline(self) -> str | None:
        """Strategy for paired differences: the file's, else ``none`` when it is run."""
        strategies = {p.params.strategy for p in self.points}
        if self.spec.baseline is not None:
            return self.spec.baseline
        return "none" if "none" in strategies and len(strategies) > 1 else None


def factor_column_type(name: str) -> str:
    """Arrow type of a factor column (strings for choices, presets and ablations)."""
    if name in PSEUDO_FACTORS:
        return "string"
    spec = Params.specs()[name]
    if spec.choices is not None:
        return "string"
    return "int64" if spec.integer else "double"


def named_scenarios() -> dict[str, Path]:
    """The named experiments shipped in ``experiments/scenarios/``, by name."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario from a file path or the name of a shipped scenario.

    Raises:
        ScenarioError: a missing file, a TOML syntax error, or every structure and value
            problem, one short line each.
    """
    path = Path(source)
    if not path.is_file():
        named = named_scenarios()
        if str(source) in named:
            path = named[str(source)]
        elif path.suffix == ".toml" or "/" in str(source):
            raise ScenarioError([f"scenario file {str(source)!r} does not exist"])
        else:
            raise ScenarioError([unknown_name_message(str(source), list(named), "scenario")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"cannot read scenario file {str(path)!r}: {exc}"]) from None
    return parse_scenario(text, name=path.stem, source=str(path))


def parse_scenario(text: str, *, name: str = "scenario", source: str = "<text>") -> Scenario:
    """Validate scenario ``text`` (TOML); ``name`` is used when the file sets none."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{source}: TOML syntax error: {exc}"]) from None
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError([f"{source}: {m}" for m in _structure_problems(exc)]) from None
    return resolve_scenario(spec, text=text, name=name, source=source)


def parse_structures(value: str | list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The structural switches to cross, from ``structures`` (a file key or ``--structures``).

    ``value`` is a list of items or one comma-separated string of them; an item is
    ``all`` (every switch, every choice), ``NAME`` (every choice of that switch) or
    ``NAME=VALUE`` / ``NAME=VALUE|VALUE`` (only those choices; one value fixes the
    switch, still shown as a factor). Named items override ``all``. Returns the switches
    in :data:`~medlead.model.params.STRUCTURES` order with their values, and the problems.
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [i.strip() for i in items if i.strip()]
    problems: list[str] = []
    chosen: dict[str, list[str]] = {}
    if "all" in items:
        chosen = {n: list(c) for n, c in STRUCTURES.items()}
    for item in items:
        if item == "all":
            continue
        name, sep, vals = (x.strip() for x in item.partition("="))
        if name not in STRUCTURES:
            problems.append(
                "structures: " + unknown_name_message(name, list(STRUCTURES), "structural switch")
            )
            continue
        if not sep:
            chosen[name] = list(STRUCTURES[name])
            continue
        values = list(dict.fromkeys(v.strip() for v in vals.split("|") if v.strip()))
        bad = [v for v in values if v not in STRUCTURES[name]]
        if not values or bad:
            problems.append(
                f"structures: {name}={vals!r}: each value must be one of "
                + ", ".join(STRUCTURES[name])
            )
            continue
        chosen[name] = values
    if not items:
        problems.append("structures is empty: give 'all' or switch names")
    return {n: chosen[n] for n in STRUCTURES if n in chosen}, problems


def _expand(spec: ScenarioFile) -> tuple[ScenarioFile, list[str]]:
    """``spec`` with ``structures`` and ``ablations`` turned into factors (first in order)."""
    if spec.structures is None and spec.ablations is None:
        return spec, []
    problems: list[str] = []
    extra: dict[str, list[Scalar]] = {}
    if spec.structures is not None:
        switches, problems = parse_structures(spec.structures)
        for n in switches:
            if n in spec.factors or n in spec.params:
                problems.append(f"{n} is crossed by structures and also in [factors] or [params]")
        extra.update(switches)
    if spec.ablations is not None:
        if ABLATION_FACTOR in spec.factors:
            problems.append("ablations is set and 'ablation' is also a factor: give one of them")
        if spec.ablations == "all":
            extra[ABLATION_FACTOR] = list(ABLATION_NAMES)
        elif isinstance(spec.ablations, str):
            problems.append("ablations must be 'all' or a list of ablation names")
        elif not spec.ablations:
            problems.append("ablations is empty: give 'all' or ablation names")
        else:
            extra[ABLATION_FACTOR] = list(spec.ablations)
    if spec.design == "list":
        problems.append("structures and ablations are crossed with the grid: use design = 'grid'")
    factors = {**extra, **{k: v for k, v in spec.factors.items() if k not in extra}}
    return spec.model_copy(update={"factors": factors, "structures": None, "ablations": None}), (
        problems
    )


def resolve_scenario(
    spec: ScenarioFile, *, text: str | None = None, name: str = "scenario", source: str = "<text>"
) -> Scenario:
    """Check every value through ``Params`` and expand the design into points.

    Every problem is collected before any is raised, so a user sees them all at once:
    first the file's keys (:func:`_key_problems`), then each value through ``Params``
    (:func:`_value_problems`), then every point of the design (:func:`_points`).
    """
    file_spec = spec
    spec, problems = _expand(spec)
    problems += _key_problems(spec)
    base_values = _base_values(spec)
    problems += _value_problems(spec, base_values)
    if problems:
        raise ScenarioError([f"{source}: {m}" for m in dict.fromkeys(problems)])
    points, problems = _points(spec, base_values)
    if problems:
        raise ScenarioError([f"{source}: {m}" for m in problems])
    if text is None:
        text = tomli_w.dumps(file_spec.model_dump(exclude_none=True))
    return Scenario(
        spec=spec,
        name=spec.name or name,
        text=text,
        points=tuple(points),
        source=source,
        file_spec=file_spec if file_spec is not spec else None,
    )


def _key_problems(spec: ScenarioFile) -> list[str]:
    """Unknown, repeated or contradictory names in the (expanded) scenario file."""
    problems: list[str] = []
    names = Params.names()
    if spec.preset not in PRESETS:
        problems.append(unknown_name_message(spec.preset, list(PRESETS), what="preset"))
    for key in ("weeks", "withdrawal_week"):
        if getattr(spec, key) is not None and key in spec.params:
            problems.append(f"{key} is set twice: at the top level and in [params]")
        if key in spec.factors and getattr(spec, key) is not None:
            problems.append(f"{key} is set at the top level and also a factor")
    for key in spec.params:
        if key in spec.factors:
            problems.append(f"{key} is both in [params] and a factor")
    for key, values in spec.factors.items():
        if key == PRESET_FACTOR:
            if "preset" in spec.model_fields_set:
                problems.append("preset is set at the top level and also a factor")
            for v in values:
                if v not in PRESETS:
                    problems.append(
                        f"[factors] {unknown_name_message(str(v), list(PRESETS), 'preset')}"
                    )
        elif key == ABLATION_FACTOR:
            for v in values:
                if v not in ABLATION_NAMES:
                    msg = unknown_name_message(str(v), list(ABLATION_NAMES), "ablation")
                    problems.append(f"ablations: {msg}")
                    continue
                sampled = set((spec.sample.parameters or []) if spec.sample else [])
                for k in ablation(str(v)).params:
                    if k in spec.factors or k in sampled:
                        problems.append(
                            f"ablation {v!r} sets {k}, which is also a factor or sampled"
                        )
        elif key not in names:
            problems.append(f"[factors] {unknown_name_message(key, names + list(PSEUDO_FACTORS))}")
        if len(set(map(repr, values))) != len(values):
            problems.append(f"factor {key!r} repeats a value")
    if spec.design == "list":
        lengths = {k: len(v) for k, v in spec.factors.items()}
        if len(set(lengths.values())) > 1:
            sizes = ", ".join(f"{k}={n}" for k, n in lengths.items())
            problems.append(f"design = 'list' needs factors of equal length (got {sizes})")
    for key, valid, what in (
        ("outcomes", SUMMARY_KEYS, "outcome"),
        ("timeseries", [r for r in REPORTERS if r != "week"], "weekly reporter"),
    ):
        for item in getattr(spec, key):
            if item not in valid:
                problems.append(f"{key}: {unknown_name_message(item, list(valid), what)}")
    if spec.sample is not None:
        specs = Params.specs()
        for p in spec.sample.parameters or []:
            if p not in specs:
                problems.append(f"[sample] {unknown_name_message(p, names)}")
            elif specs[p].plausible is None and specs[p].choices is None:
                problems.append(f"[sample] {p} has no plausible range to sample")
            elif p in spec.factors or p in spec.params:
                problems.append(f"[sample] {p} is also in [factors] or [params]")
    if spec.baseline is not None:
        strategies = spec.factors.get("strategy") or [spec.params.get("strategy")]
        if spec.baseline not in strategies:
            problems.append(f"baseline {spec.baseline!r} is not among the strategies run")
    return problems


def _base_values(spec: ScenarioFile) -> dict[str, Any]:
    """The values every point shares: ``[params]`` and the top-level week keys."""
    base_values = dict(spec.params)
    for key in ("weeks", "withdrawal_week"):
        if getattr(spec, key) is not None:
            base_values[key] = getattr(spec, key)
    return base_values


def _value_problems(spec: ScenarioFile, base_values: dict[str, Any]) -> list[str]:
    """Shared values and each factor value checked through ``Params``, each once."""
    problems: list[str] = []
    names = Params.names()
    base = None
    if spec.preset in PRESETS:
        try:
            base = Params.from_mapping(base_values, base=Params.preset(spec.preset))
        except ParamError as exc:
            problems.extend(f"[params] {m}" for m in exc.problems)
            base = Params.preset(spec.preset)
    if base is not None:
        # Each factor value on its own first, so a bad value is reported once, not per point.
        for key, values in spec.factors.items():
            if key in PSEUDO_FACTORS or key not in names:
                continue
            for v in values:
                try:
                    Params.from_mapping({key: v}, base=base)
                except ParamError as exc:
                    problems.extend(f"[factors] {m}" for m in exc.problems)
    return problems


def _points(spec: ScenarioFile, base_values: dict[str, Any]) -> tuple[list[DesignPoint], list[str]]:
    """Every point of the design with its ``Params``, and the problems of those that fail."""
    problems: list[str] = []
    points: list[DesignPoint] = []
    bases: dict[str, Params | None] = {}  # base values over each preset, validated once
    design = _design(spec)
    n_rows = len(sample_matrix(spec)) if spec.sample is not None else 1
    for i, combo in enumerate(design):
        preset = combo.get(PRESET_FACTOR, spec.preset)
        values = {k: v for k, v in combo.items() if k not in PSEUDO_FACTORS}
        if ABLATION_FACTOR in combo:
            values.update(ablation(str(combo[ABLATION_FACTOR])).params)
        if preset not in bases:
            try:
                bases[preset] = Params.from_mapping(base_values, base=Params.preset(preset))
            except ParamError:
                bases[preset] = None  # valid only with the point's values: check them together
        try:
            start = bases[preset]
            if start is None:
                params = Params.from_mapping({**base_values, **values}, base=Params.preset(preset))
            else:
                params = Params.from_mapping(values, base=start)
        except ParamError as exc:
            shown = {k: v for k, v in combo.items() if k in spec.factors}
            where = ", ".join(f"{k}={v!r}" for k, v in shown.items())
            if len(shown) < len(combo):  # a sampled row: name it, not its many values
                where = ", ".join(x for x in (where, f"sample row {i % n_rows}") if x)
            problems.extend(f"point {i} ({where}): {m}" for m in exc.problems)
            continue
        points.append(DesignPoint(index=i, factors=dict(combo), params=params))
    return points, problems


def sample_problem(spec: ScenarioFile) -> Problem:
    """The sensitivity problem of a scenario's ``[sample]`` design."""
    assert spec.sample is not None
    groups = DEFAULT_GROUPS if spec.sample.group_products else None
    names = spec.sample.parameters
    if names is None:  # every plausible range the file does not fix or vary otherwise
        fixed = {*spec.factors, *spec.params, "weeks", "withdrawal_week"}
        names = [n for n in Problem.from_params().names if n not in fixed]
    return Problem.from_params(names, groups=groups)


def sample_matrix(spec: ScenarioFile) -> np.ndarray:
    """The sampled design's rows (deterministic in the scenario's seed)."""
    assert spec.sample is not None
    return sample(sample_problem(spec), spec.sample.method, spec.sample.n, spec.seed % 2**32)


def _design(spec: ScenarioFile) -> list[dict[str, Any]]:
    """Factor combinations in a fixed order (the first factor varies slowest).

    With a ``[sample]`` design every grid combination is crossed with every sample row
    (rows vary fastest), so point ``g * sample_size + row`` is row ``row`` of the design
    under grid combination ``g``.
    """
    keys = list(spec.factors)
    if not keys:
        grid: list[dict[str, Any]] = [{}]
    else:
        if spec.design == "list":
            rows = zip(*spec.factors.values(), strict=True)
        else:
            rows = itertools.product(*spec.factors.values())
        grid = [dict(zip(keys, row, strict=True)) for row in rows]
    if spec.sample is None:
        return grid
    problem = sample_problem(spec)
    draws = [problem.values(row) for row in sample_matrix(spec)]
    return [{**g, **d} for g in grid for d in draws]


_UNION_MEMBERS = ("bool", "int", "float", "str")


def _structure_problems(exc: ValidationError) -> list[str]:
    """One short line per pydantic error, with the closest valid key for unknown keys."""
    fields = list(ScenarioFile.model_fields)
    out: list[str] = []
    seen: set[str] = set()
    for err in exc.errors():
        parts = [str(x) for x in err["loc"]]
        if parts and parts[-1] in _UNION_MEMBERS and parts[0] in ("params", "factors"):
            loc = ".".join(parts[:-1])  # one line for all members of the value union
            if loc not in seen:
                seen.add(loc)
                out.append(f"{loc}: must be a number or a string (got {err.get('input')!r})")
            continue
        loc = ".".join(parts)
        if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
            out.append(unknown_name_message(str(err["loc"][0]), fields, what="key"))
        elif err["type"] == "missing":
            out.append(f"{loc} is missing: {ScenarioFile.model_fields[loc].description}")
        elif err["type"] == "value_error":
            out.append(str(err["ctx"]["error"]))
        else:
            value = err.get("input")
            shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
            out.append(f"{loc}: {err['msg'].lower()}{shown}")
    return out
