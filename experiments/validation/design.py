"""The validation's runs as one engine design, and its runs table read back from the store.

Every run of the validation is a replication of a point of one
:class:`~medlead.experiments.engine.design.Design`, run by the sweep engine into a run
store (resumable, on any Dask cluster). The blocks and their seeds:

* ``defaults``: each condition, ``replications`` times; replication ``r`` seeded
  ``SeedSequence(seed, spawn_key=(r,))`` (common random numbers across conditions);
* ``critical_mass``: each leader share × leader time cell under persuasion, seeded
  ``(r,)``;
* ``phase``: each internalisation rate × compliance half-life cell, mandate and
  persuasion, seeded ``(r,)``;
* ``lhs``: each Latin hypercube point ``j`` and condition, seeded ``(LHS_KEY, j, r)``
  (the point's spawn prefix is ``(LHS_KEY, j)``), independent of the other blocks.

The patterns judge from :func:`validation_runs`: one row per run with the block's tags
(``point`` is the Latin hypercube point), the replication and the outcome columns of
:mod:`~medlead.experiments.validation.outcomes`, in a fixed order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from medlead.experiments.engine.design import Design, DesignPoint
from medlead.experiments.engine.store import runs_frame
from medlead.experiments.validation.config import (
    DEFAULT_CONDITIONS,
    LHS_CONDITIONS,
    LHS_KEY,
    ValidationConfig,
    condition_params,
    uncertainty_names,
)
from medlead.experiments.validation.outcomes import OUTCOME_COLUMNS, OUTCOMES_REF
from medlead.model import ParamError, Params

__all__ = ["COLUMNS", "ValidationRunsError", "validation_design", "validation_runs"]

COLUMNS: dict[str, str] = {
    "block": "string",
    "condition": "string",
    "cell": "int64",
    "leader_share": "double",
    "leader_time_pa": "double",
    "internalisation_rate": "double",
    "compliance_half_life": "double",
    "lhs_point": "int64",
}
"""The tags of a validation run as factor columns of the store (null where a block has
none); ``lhs_point`` is the Latin hypercube point (``point`` in :func:`validation_runs`,
since the store's ``point`` is the design's)."""
SORT = ("block", "point", "condition", "cell", "rep")
"""The order of the runs table the patterns read."""


class ValidationRunsError(ParamError):
    """Some validation runs failed or are missing, so no pattern can be judged (exit 2)."""


def _points(cfg: ValidationConfig) -> list[tuple[dict[str, Any], Params, int, tuple[int, ...]]]:
    """Every point as (tags, params, replications, spawn prefix), block by block."""
    out: list[tuple[dict[str, Any], Params, int, tuple[int, ...]]] = []
    for cond in DEFAULT_CONDITIONS:
        p = condition_params(cond, trust=cfg.trust)
        out.append(({"block": "defaults", "condition": cond}, p, cfg.replications, ()))
    for i, ls in enumerate(cfg.cm_leader_share):
        for j, lt in enumerate(cfg.cm_leader_time):
            p = condition_params("prof_persuasion", trust=cfg.trust).replace(
                leader_share=ls, leader_time_pa=lt
            )
            tags = {
                "block": "critical_mass",
                "condition": "prof_persuasion",
                "cell": i * len(cfg.cm_leader_time) + j,
                "leader_share": ls,
                "leader_time_pa": lt,
            }
            out.append((tags, p, cfg.cm_replications, ()))
    for i, ir in enumerate(cfg.phase_internalisation):
        for j, hl in enumerate(cfg.phase_half_life):
            for cond in ("prof_mandate", "prof_persuasion"):
                p = condition_params(cond, trust=cfg.trust).replace(
                    internalisation_rate=ir, compliance_half_life=hl
                )
                tags = {
                    "block": "phase",
                    "condition": cond,
                    "cell": i * len(cfg.phase_half_life) + j,
                    "internalisation_rate": ir,
                    "compliance_half_life": hl,
                }
                out.append((tags, p, cfg.phase_replications, ()))
    for j, values in enumerate(_lhs_values(cfg)):
        for cond in LHS_CONDITIONS:
            p = condition_params(cond, values, trust=cfg.trust)
            tags = {"block": "lhs", "condition": cond, "lhs_point": j}
            out.append((tags, p, cfg.lhs_replications, (LHS_KEY, j)))
    return out


def _lhs_values(cfg: ValidationConfig) -> list[dict[str, Any]]:
    """The sampled values of each Latin hypercube point (integers rounded)."""
    from medlead.experiments.engine.samplers import Problem, sample

    problem = Problem.from_params(uncertainty_names())
    X = sample(problem, "lhs", cfg.samples, cfg.seed) if cfg.samples > 0 else np.zeros((0, 0))
    return [
        {
            n: (round(float(v)) if n in problem.integer else float(v))
            for n, v in zip(problem.names, row, strict=True)
        }
        for row in X
    ]


def lhs_design(cfg: ValidationConfig) -> pd.DataFrame:
    """The Latin hypercube: one row per point, ``point`` then its sampled values."""
    return pd.DataFrame([{"point": j, **v} for j, v in enumerate(_lhs_values(cfg))])


def config_text(cfg: ValidationConfig) -> str:
    """The configuration as TOML (what the store's manifest shows of the design)."""
    return tomli_w.dumps(dataclasses.asdict(cfg))


def validation_design(cfg: ValidationConfig) -> tuple[Design, pd.DataFrame]:
    """Every run of the validation as one design, and the Latin hypercube (one row per
    point).
    """
    points = [
        DesignPoint(index=i, factors=tags, params=p, replications=reps, spawn_prefix=prefix)
        for i, (tags, p, reps, prefix) in enumerate(_points(cfg))
    ]
    name = "validation-quick" if cfg.quick else "validation"
    design = Design.build(
        name=name,
        kind="validation",
        seed=cfg.seed,
        points=points,
        columns=COLUMNS,
        outcome=OUTCOMES_REF,
        text=config_text(cfg),
        source=f"medlead.experiments.validation ({'QUICK' if cfg.quick else 'FULL'} config)",
    )
    return design, lhs_design(cfg)


def validation_runs(root: str | Path, design: Design) -> pd.DataFrame:
    """The runs table the patterns judge from, read from the store at ``root``.

    One row per run of ``design``: its block's tags (``point`` for the Latin hypercube
    point), ``rep`` and the outcome columns; sorted by block, point, condition, cell and
    replication.

    Raises:
        ValidationRunsError: a run of the design is not stored, or failed.
    """
    df = runs_frame(root)
    ok = df[df["status"] == "ok"]
    stored = dict(
        zip(
            zip(ok["point"].tolist(), ok["rep"].tolist(), strict=True),
            ok[list(OUTCOME_COLUMNS)].to_dict("records"),
            strict=True,
        )
    )
    failed = df[df["status"] != "ok"]
    missing = design.n_runs - len(stored)
    if missing:
        problems = [f"{missing:,} of {design.n_runs:,} validation runs are missing or failed"]
        if len(failed):
            first = failed.iloc[0]
            problems.append(
                f"{len(failed):,} failed, e.g. {first['run_id']}: {first['error']} (the store "
                f"{root} keeps them; rerun to try them again)"
            )
        raise ValidationRunsError(problems)
    rows = []
    for point in design.points:
        tags = {("point" if k == "lhs_point" else k): v for k, v in point.factors.items()}
        for rep in range(design.reps(point)):
            rows.append({**tags, "rep": rep, **stored[(point.index, rep)]})
    runs = pd.DataFrame(rows)
    if "point" not in runs:  # no Latin hypercube (samples = 0): the patterns still ask
        runs["point"] = np.nan
    sort = [c for c in SORT if c in runs]
    return runs.sort_values(sort, kind="stable").reset_index(drop=True)
