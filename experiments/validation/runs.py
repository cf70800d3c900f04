"""Every run the validation makes: one simulation's outcomes, the task list, the runner.

The runner here is the validation's own ``ProcessPoolExecutor`` (spawned workers, chunks
of tasks, rows sorted back into a fixed order). It stays for now; a later issue moves it
onto the Dask engine of :mod:`medlead.experiments.engine` so that validation and sweeps
share one runner. Results never depend on the number of workers: each task carries its
own spawn key.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
import pandas as pd

from medlead.experiments.validation.config import (
    DEFAULT_CONDITIONS,
    LHS_CONDITIONS,
    LHS_KEY,
    ValidationConfig,
    condition_params,
    uncertainty_names,
)
from medlead.model import HospitalModel, Params, World

Task = tuple[dict[str, Any], Params, tuple[int, ...]]
"""One run: the tags of its row, its parameters and its spawn key."""


def simulate(params: Params, spawn_key: tuple[int, ...], seed: int) -> dict[str, float]:
    """One run: the outcomes every pattern reads (NaN where undefined).

    Runs to the withdrawal week, takes a snapshot of who is a champion and of the
    commitment of clinical staff, then runs to the horizon.
    """
    model = HospitalModel(params, rng=np.random.SeedSequence(seed, spawn_key=spawn_key))
    w = min(params.withdrawal_week, params.weeks)
    model.run(w)
    clinical = model.organisation.world != int(World.MANAGER)
    champ_w = model.state.champion.copy()
    c_w = model.state.commitment.copy()
    summary = model.run()
    non_champ = clinical & ~champ_w & ~model.state.champion
    hist = model.timeseries().set_index("week")

    def at(col: str, week: int) -> float:
        return float(hist[col].iloc[min(week, len(hist) - 1)])

    gap = hist["engagement_gap"].iloc[1 : w + 1]
    return {
        "sustained": float(summary["sustained_practising_share"]),
        "practising_26": at("practising_share", 26),
        "compliant_26": at("compliant_share", 26),
        "practising_w": at("practising_share", w),
        "peak_compliant": float(summary["peak_compliant_share"]),
        "peak_practising": float(summary["peak_practising_share"]),
        "gap_programme": float(gap.mean()) if gap.notna().any() else math.nan,
        "weeks_to_half": (
            math.nan
            if summary["weeks_to_half_practising"] is None
            else float(summary["weeks_to_half_practising"])
        ),
        "noncham_c_w": float(c_w[non_champ].mean()) if non_champ.any() else math.nan,
        "noncham_c_end": (
            float(model.state.commitment[non_champ].mean()) if non_champ.any() else math.nan
        ),
        "noncham_share": float(non_champ.sum() / max(1, clinical.sum())),
        "mean_c_w": float(c_w[clinical].mean()),
        "mean_c_end": float(model.state.commitment[clinical].mean()),
        "champions_w": float(champ_w.sum()),
        "champions_end": float(model.state.champion.sum()),
        "flipped_end": float(hist["microsystems_flipped_share"].iloc[-1]),
        "committed_end": float(summary["committed_share"]),
    }


def _run_chunk(chunk: Sequence[Task], seed: int) -> list[dict[str, Any]]:
    from threadpoolctl import threadpool_limits

    rows = []
    with threadpool_limits(limits=1):
        for tags, params, key in chunk:
            rows.append({**tags, **simulate(params, key, seed)})
    return rows


def run_tasks(
    tasks: Sequence[Task],
    seed: int,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every task (in ``workers`` processes when > 1); one row per run.

    Results do not depend on ``workers``: each task carries its own spawn key.
    """
    rows: list[dict[str, Any]] = []
    total = len(tasks)
    if workers <= 1:
        for i, t in enumerate(tasks):
            rows.extend(_run_chunk([t], seed))
            if progress and (i + 1) % max(1, total // 20) == 0:
                progress(i + 1, total)
    else:
        size = max(1, min(8, total // (workers * 8)))
        chunks = [tasks[i : i + size] for i in range(0, total, size)]
        done = 0
        # spawn, not fork: the parent may hold threads (Dask, Mesa) that fork would copy
        # mid-lock; each worker imports medlead afresh.
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_run_chunk, c, seed) for c in chunks]
            step = max(1, len(chunks) // 20)
            for k, fut in enumerate(as_completed(futures)):
                part = fut.result()
                rows.extend(part)
                done += len(part)
                if progress and (k + 1) % step == 0:
                    progress(done, total)
    df = pd.DataFrame(rows)
    sort = [c for c in ("block", "point", "condition", "cell", "rep") if c in df]
    return df.sort_values(sort, kind="stable").reset_index(drop=True)


def build_tasks(cfg: ValidationConfig) -> tuple[list[Task], pd.DataFrame]:
    """Every run of the validation, and the Latin hypercube design (one row per point)."""
    from medlead.experiments.engine.samplers import Problem, sample

    tasks: list[Task] = []
    for cond in DEFAULT_CONDITIONS:
        p = condition_params(cond, trust=cfg.trust)
        for r in range(cfg.replications):
            tasks.append(({"block": "defaults", "condition": cond, "rep": r}, p, (r,)))
    for i, ls in enumerate(cfg.cm_leader_share):
        for j, lt in enumerate(cfg.cm_leader_time):
            p = condition_params("prof_persuasion", trust=cfg.trust).replace(
                leader_share=ls, leader_time_pa=lt
            )
            for r in range(cfg.cm_replications):
                tags = {
                    "block": "critical_mass",
                    "condition": "prof_persuasion",
                    "cell": i * len(cfg.cm_leader_time) + j,
                    "leader_share": ls,
                    "leader_time_pa": lt,
                    "rep": r,
                }
                tasks.append((tags, p, (r,)))
    for i, ir in enumerate(cfg.phase_internalisation):
        for j, hl in enumerate(cfg.phase_half_life):
            for cond in ("prof_mandate", "prof_persuasion"):
                p = condition_params(cond, trust=cfg.trust).replace(
                    internalisation_rate=ir, compliance_half_life=hl
                )
                for r in range(cfg.phase_replications):
                    tags = {
                        "block": "phase",
                        "condition": cond,
                        "cell": i * len(cfg.phase_half_life) + j,
                        "internalisation_rate": ir,
                        "compliance_half_life": hl,
                        "rep": r,
                    }
                    tasks.append((tags, p, (r,)))
    problem = Problem.from_params(uncertainty_names())
    X = sample(problem, "lhs", cfg.samples, cfg.seed) if cfg.samples > 0 else np.zeros((0, 0))
    design = []
    for j, row in enumerate(X):
        values = {
            n: (round(float(v)) if n in problem.integer else float(v))
            for n, v in zip(problem.names, row, strict=True)
        }
        design.append({"point": j, **values})
        for cond in LHS_CONDITIONS:
            p = condition_params(cond, values, trust=cfg.trust)
            for r in range(cfg.lhs_replications):
                tags = {"block": "lhs", "condition": cond, "point": j, "rep": r}
                tasks.append((tags, p, (LHS_KEY, j, r)))
    return tasks, pd.DataFrame(design)
