"""A design: the runs the runner executes, whatever declared them.

A scenario file (:mod:`.scenario`) is one way to declare a design; the validation
(:mod:`medlead.experiments.validation`) builds its own from its configuration. Both come
to the runner as a :class:`Design`: points (each a ``Params`` with the values of its
factor columns, how many replications it gets and the prefix of its runs' spawn keys),
the root seed, the weekly series to keep, and optionally an :class:`Outcome` that adds
columns to the runs table from each finished run.

Seeds are spawned in one place, :func:`run_seed`: replication ``r`` of a point is
``SeedSequence(seed, spawn_key=(*point.spawn_prefix, r))``. The prefix is empty for
every point of a scenario, so replication ``r`` of every point meets the same hospital
and draws (common random numbers); a design may give a block of points its own prefix
to draw independent hospitals (the validation's Latin hypercube does).

A point may also give each of its replications its own ``Params``
(:attr:`DesignPoint.rep_params`; e.g. one draw of a calibration's posterior per
replication): the seeds stay as above, only the parameters change, and the design's
hash covers them. What else a design was made from (e.g. the posterior file) is kept in
:attr:`Design.inputs` and recorded in the manifest.

An outcome is named by reference (``"package.module:NAME"``) and imported where the
runs are made, so the engine needs no import of whoever defines it; the source of its
module counts in the design's hash, so a folder made with an edited outcome function is
not resumed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medlead.model import REPORTERS, SUMMARY_KEYS, ParamError, Params

if TYPE_CHECKING:
    from medlead.model.batch import RunResult

__all__ = [
    "COLUMN_TYPES",
    "PREFIXED_SEED_SCHEME",
    "RESERVED_COLUMNS",
    "SEED_SCHEME",
    "Design",
    "DesignError",
    "DesignPoint",
    "Outcome",
    "as_design",
    "no_snapshots",
    "outcome_version",
    "resolve_outcome",
    "run_seed",
]

SEED_SCHEME = "SeedSequence(seed, spawn_key=(rep,)) passed as rng to HospitalModel"
"""How a replication's seed is derived from the root seed (recorded in every manifest)."""
PREFIXED_SEED_SCHEME = (
    "SeedSequence(seed, spawn_key=(*spawn_prefix, rep)) passed as rng to HospitalModel; "
    "spawn_prefix is the point's (empty unless the design gives one)"
)
"""The scheme recorded for a design whose points carry spawn-key prefixes."""

COLUMN_TYPES: tuple[str, ...] = ("string", "int64", "double", "bool")
"""Arrow type aliases a factor column may have (``pyarrow.type_for_alias``)."""
RESERVED_COLUMNS: frozenset[str] = frozenset(
    {
        "run_id",
        "point",
        "rep",
        "org_seed",
        "status",
        "error",
        "seconds",
        "cpu_seconds",
        "finished",
        "week",
        *SUMMARY_KEYS,
    }
)
"""Names the runner writes itself: neither a factor nor an outcome column may take one."""


class DesignError(ParamError):
    """A design the runner cannot execute (exit code 2); one short line per problem."""


def run_seed(root_seed: int, rep: int, prefix: Sequence[int] = ()) -> np.random.SeedSequence:
    """The seed of replication ``rep`` of a point whose spawn-key prefix is ``prefix``.

    The one place seeds are spawned: ``SeedSequence(root_seed, spawn_key=(*prefix, rep))``.
    """
    return np.random.SeedSequence(root_seed, spawn_key=(*(int(k) for k in prefix), int(rep)))


# ------------------------------------------------------------------------- outcomes
def no_snapshots(params: Params) -> tuple[int, ...]:
    """An outcome that reads only the weekly history and the final state."""
    return ()


@dataclass(frozen=True)
class Outcome:
    """Extra columns of the runs table, computed from each finished run on the worker.

    Attributes:
        columns: the column names (each a float).
        compute: maps a :class:`~medlead.model.batch.RunResult` to ``{column: value}``.
        snapshot_weeks: the weeks whose states ``compute`` reads from
            ``result.snapshots`` (a function of the run's parameters).
    """

    columns: tuple[str, ...]
    compute: Callable[[RunResult], Mapping[str, float]]
    snapshot_weeks: Callable[[Params], Sequence[int]] = no_snapshots


@functools.cache
def resolve_outcome(ref: str) -> Outcome:
    """The :class:`Outcome` named ``"package.module:NAME"`` (imported once per process).

    Raises:
        DesignError: the module or name does not exist, or is not an ``Outcome``.
    """
    module, sep, name = ref.partition(":")
    if not sep or not module or not name:
        raise DesignError([f"outcome {ref!r}: give it as 'package.module:NAME'"])
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise DesignError([f"outcome {ref!r} cannot be imported: {exc}"]) from None
    if not isinstance(obj, Outcome):
        raise DesignError([f"outcome {ref!r} is a {type(obj).__name__}, not an Outcome"])
    return obj


@functools.cache
def outcome_version(ref: str) -> str:
    """A hash of the source of the module defining outcome ``ref`` (its code version)."""
    resolve_outcome(ref)
    module = importlib.import_module(ref.partition(":")[0])
    source = inspect.getsourcefile(module)
    data = Path(source).read_bytes() if source else repr(module).encode()
    return hashlib.sha256(data).hexdigest()[:12]


# ------------------------------------------------------------------------- design
@dataclass(frozen=True)
class DesignPoint:
    """One point of a design: its index, factor values and fully resolved parameters."""

    index: int
    factors: dict[str, Any]
    params: Params
    replications: int | None = None
    """Replications of this point (``None``: the design's)."""
    spawn_prefix: tuple[int, ...] = ()
    """Spawn-key prefix of this point's runs (see :func:`run_seed`)."""
    rep_params: tuple[Params, ...] | None = None
    """The parameters of each replication (``None``: ``params`` for every one). They
    must agree with ``params`` on the point's factor columns; equal ones are stacked."""

    def params_of(self, rep: int) -> Params:
        """The parameters of replication ``rep``."""
        return self.params if self.rep_params is None else self.rep_params[rep]


@dataclass(frozen=True)
class Design:
    """Everything the runner and the store need to know about a set of runs.

    Build one with :meth:`build` (which checks it and computes its hash), or from a
    scenario with :attr:`Scenario.design <medlead.experiments.engine.scenario.Scenario.design>`.
    """

    name: str
    seed: int
    points: tuple[DesignPoint, ...]
    replications: int
    """Replications of a point that does not say."""
    columns: dict[str, str]
    """The factor columns of the runs table and their arrow types (:data:`COLUMN_TYPES`)."""
    rows: tuple[dict[str, Any], ...]
    """Per point (in order), the values of its factor columns (missing: null)."""
    timeseries: tuple[str, ...]
    """Weekly reporters stored per run."""
    hash: str
    text: str
    """A readable statement of the design (a scenario's TOML), kept in the manifest."""
    source: str
    kind: str = "scenario"
    """What declared it: ``scenario`` (a scenario file) or e.g. ``validation``."""
    outcome: str | None = None
    """Reference of the :class:`Outcome` adding columns, ``"package.module:NAME"``."""
    inputs: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Other inputs the design was made from, by name (e.g. ``posterior``: its path,
    content hash and draws), recorded in the manifest under ``inputs``. Not hashed: what
    they change in the runs is in the points' parameters, which are."""

    @classmethod
    def build(
        cls,
        *,
        name: str,
        kind: str,
        seed: int,
        points: Sequence[DesignPoint],
        columns: Mapping[str, str],
        replications: int = 1,
        timeseries: Sequence[str] = (),
        outcome: str | None = None,
        text: str = "",
        source: str = "",
    ) -> Design:
        """A checked design whose hash covers every point's parameters, replications and
        spawn prefix, the columns, the series kept and the outcome's code.

        Each point's ``factors`` are its column values.

        Raises:
            DesignError: every problem found, one line each.
        """
        design = cls(
            name=name,
            seed=seed,
            points=tuple(points),
            replications=replications,
            columns=dict(columns),
            rows=tuple(dict(p.factors) for p in points),
            timeseries=tuple(timeseries),
            hash="",
            text=text,
            source=source or name,
            kind=kind,
            outcome=outcome,
        )
        design.check()
        content = {
            "kind": kind,
            "name": name,
            "seed": seed,
            "columns": design.columns,
            "timeseries": list(design.timeseries),
            "outcome": outcome,
            "outcome_version": outcome_version(outcome) if outcome else None,
            "points": [
                {
                    "factors": row,
                    "params": p.params.to_dict(),
                    "replications": design.reps(p),
                    "spawn_prefix": list(p.spawn_prefix),
                    **({"rep_params": _params_digests(p.rep_params)} if p.rep_params else {}),
                }
                for p, row in zip(design.points, design.rows, strict=True)
            ],
        }
        blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return dataclasses.replace(design, hash=hashlib.sha256(blob.encode()).hexdigest())

    def with_rep_params(
        self, rep_params: Sequence[Sequence[Params]], *, inputs: Mapping[str, Any] | None = None
    ) -> Design:
        """The design with the parameters of every replication of every point given.

        ``rep_params[i]`` holds one ``Params`` per replication of point ``i``. Seeds,
        points, columns and rows stay as they are; the hash becomes one over this
        design's hash and every replication's parameters, so a folder of this design is
        resumed only with the same parameters. ``inputs`` is merged into :attr:`inputs`.

        Raises:
            DesignError: a point given the wrong number of parameter sets, or sets that
                disagree with its factor columns.
        """
        if len(rep_params) != len(self.points):
            raise DesignError(
                [
                    f"design {self.name!r}: {len(rep_params)} parameter lists for "
                    f"{len(self.points)} points"
                ]
            )
        points = tuple(
            dataclasses.replace(p, rep_params=tuple(ps))
            for p, ps in zip(self.points, rep_params, strict=True)
        )
        design = dataclasses.replace(
            self, points=points, inputs={**self.inputs, **dict(inputs or {})}
        )
        design.check()
        content = {
            "design": self.hash,
            "rep_params": [_params_digests(p.rep_params or ()) for p in points],
        }
        blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return dataclasses.replace(design, hash=hashlib.sha256(blob.encode()).hexdigest())

    def check(self) -> None:
        """Raise :class:`DesignError` listing what the runner could not execute or store."""
        problems: list[str] = []
        if self.seed < 0:
            problems.append(f"seed {self.seed}: must be an integer >= 0")
        if not self.points:
            problems.append("the design has no points")
        bad_index = [p.index for i, p in enumerate(self.points) if p.index != i]
        if bad_index:
            problems.append(f"points must be numbered 0, 1, ... in order (got {bad_index[:3]})")
        if any(self.reps(p) < 1 for p in self.points):
            problems.append("every point needs at least one replication")
        problems += _rep_params_problems(self)
        for name, kind in self.columns.items():
            if name in RESERVED_COLUMNS:
                problems.append(f"factor column {name!r} is a name the runner writes")
            if kind not in COLUMN_TYPES:
                problems.append(f"factor column {name!r}: type {kind!r} is not in {COLUMN_TYPES}")
        extra = {k for row in self.rows for k in row} - set(self.columns)
        if extra:
            problems.append(f"points give values for undeclared columns {sorted(extra)}")
        for name in self.timeseries:
            if name not in REPORTERS or name == "week":
                problems.append(f"timeseries: {name!r} is not a weekly reporter")
        if self.outcome is not None:
            try:
                cols = resolve_outcome(self.outcome).columns
            except DesignError as exc:
                problems.extend(exc.problems)
            else:
                clash = sorted((set(cols) & RESERVED_COLUMNS) | (set(cols) & set(self.columns)))
                if clash:
                    problems.append(f"outcome columns {clash} clash with other columns")
        if problems:
            raise DesignError([f"design {self.name!r}: {m}" for m in problems])

    def reps(self, point: DesignPoint) -> int:
        """Replications of ``point``."""
        return self.replications if point.replications is None else point.replications

    @property
    def n_runs(self) -> int:
        """Runs in the design: the sum of every point's replications."""
        return sum(self.reps(p) for p in self.points)

    @property
    def max_replications(self) -> int:
        """Most replications of any point."""
        return max(self.reps(p) for p in self.points)

    @property
    def factor_names(self) -> list[str]:
        """The factor columns, in order."""
        return list(self.columns)

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        """Columns the outcome adds (none without one)."""
        return resolve_outcome(self.outcome).columns if self.outcome else ()

    @property
    def seed_scheme(self) -> str:
        """How run seeds derive from the root seed, as recorded in the manifest."""
        return PREFIXED_SEED_SCHEME if any(p.spawn_prefix for p in self.points) else SEED_SCHEME

    def seed_of(self, point: int, rep: int) -> np.random.SeedSequence:
        """The seed of replication ``rep`` of point ``point``."""
        return run_seed(self.seed, rep, self.points[point].spawn_prefix)

    def params_of(self, point: int, rep: int) -> Params:
        """The parameters of replication ``rep`` of point ``point``."""
        return self.points[point].params_of(rep)


def _params_digests(params: Sequence[Params]) -> list[str]:
    """A short hash of each parameter set (each distinct set serialised once)."""
    seen: dict[Params, str] = {}
    out = []
    for p in params:
        if p not in seen:
            blob = json.dumps(p.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
            seen[p] = hashlib.sha256(blob.encode()).hexdigest()[:16]
        out.append(seen[p])
    return out


def _rep_params_problems(design: Design) -> list[str]:
    """Points whose per-replication parameters do not fit them (count, factor values)."""
    problems: list[str] = []
    names = set(Params.names())
    for p in design.points:
        if p.rep_params is None:
            continue
        if len(p.rep_params) != design.reps(p):
            problems.append(
                f"point {p.index}: {len(p.rep_params)} parameter sets for "
                f"{design.reps(p)} replications"
            )
            continue
        if not all(isinstance(x, Params) for x in p.rep_params):
            problems.append(f"point {p.index}: rep_params must all be Params")
            continue
        fixed = [f for f in p.factors if f in names]
        for rep, x in enumerate(p.rep_params):
            bad = [f for f in fixed if getattr(x, f) != getattr(p.params, f)]
            if bad:
                problems.append(
                    f"point {p.index}, replication {rep}: parameters disagree with the "
                    f"point's factors {bad}"
                )
                break
    return problems


def as_design(design: Any) -> Design:
    """``design`` itself, or the design of a scenario (:attr:`Scenario.design`)."""
    return design if isinstance(design, Design) else design.design
