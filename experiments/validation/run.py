"""The whole validation in one call: run (or resume) the runs, analyse, draw, write the report.

What the ``medlead validate`` command calls. The runs go through the sweep engine
(:func:`~medlead.experiments.engine.runner.sweep`) into a run store, so a validation
resumes after a crash (a rerun skips the stored runs), runs on any Dask cluster and
keeps its runs for later reading; the patterns are then judged from the stored table.
It reports only through its return value and the files it writes (the engine draws its
progress bar).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from medlead.experiments.engine.runner import SweepResult, sweep
from medlead.experiments.validation.analyse import analyse
from medlead.experiments.validation.config import FULL, QUICK, ValidationConfig
from medlead.experiments.validation.design import validation_design, validation_runs
from medlead.experiments.validation.judge import PatternResult
from medlead.experiments.validation.report import render_report, write_figures

RESULTS = Path("results")
"""Where the default run stores live (``results/validation``, ``results/validation-quick``)."""


@dataclass(frozen=True)
class ValidationOutcome:
    """What :func:`run_validation` produced."""

    results: list[PatternResult]
    report: Path
    figures: dict[str, Path]
    runs: pd.DataFrame
    seconds: float
    store: Path
    sweep: SweepResult
    """What the engine did this time (runs made, read from the store, cluster)."""


def default_store(cfg: ValidationConfig) -> Path:
    """The run store of ``cfg``: ``results/validation`` (``-quick`` for the quick check),
    with the run sizes or seed that differ from the full (quick) configuration appended,
    e.g. ``results/validation-quick-replications2``, so each configuration resumes its own.
    """
    base = QUICK if cfg.quick else FULL
    name = "validation-quick" if cfg.quick else "validation"
    for key in ("replications", "samples", "seed"):
        if getattr(cfg, key) != getattr(base, key):
            name += f"-{key}{getattr(cfg, key)}"
    if cfg != base and name in ("validation", "validation-quick"):
        name += "-custom"
    return RESULTS / name


def run_validation(
    cfg: ValidationConfig,
    out: Path,
    *,
    store: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    runs_per_task: int | None = None,
    fresh: bool = False,
    replace_stale: bool = False,
    progress: bool = False,
    command: Sequence[str] = ("medlead", "validate"),
    img_dir: Path | None = None,
    runs_csv: Path | None = None,
) -> ValidationOutcome:
    """Run (or resume) every run into ``store``, judge, draw and write the report to ``out``.

    Args:
        cfg: what to run.
        out: the report file.
        store: the run store (default :func:`default_store`); resumed when it holds this
            configuration's runs from the same model version, refused when it holds
            another's (unless ``fresh``).
        workers: local worker processes (default: one per CPU).
        scheduler: address of an existing Dask scheduler instead.
        runs_per_task: runs per Dask task (default: from the runs' expected cost).
        fresh: replace the runs in ``store`` instead of resuming.
        replace_stale: resume ``store`` if it holds this configuration's runs from this
            model version, replace it if it holds another's (instead of refusing).
        progress: show the engine's progress bar (on stderr).
        command: the command line the report and the store's manifest state.
        img_dir: where the figures go (default: ``img/`` beside ``out``).
        runs_csv: also write the runs table the patterns read as CSV.

    Raises:
        StoreError, SweepError, ValidationRunsError: a problem to show, one line each.
    """
    from medlead.experiments.engine.store import model_version

    t0 = time.perf_counter()
    store = Path(store) if store is not None else default_store(cfg)
    design, lhs = validation_design(cfg)
    res = sweep(
        design,
        store,
        workers=workers,
        scheduler=scheduler,
        runs_per_task_=runs_per_task,
        retry_failed=True,  # a rerun tries failed runs again (e.g. a worker that died)
        fresh=fresh,
        replace_stale=replace_stale,
        progress=progress,
        command=list(command),
    )
    runs = validation_runs(store, design)
    results, extra = analyse(runs, cfg, lhs)
    img_dir = img_dir if img_dir is not None else out.parent / "img"
    figures = write_figures(extra, img_dir)
    seconds = time.perf_counter() - t0
    text = render_report(
        results,
        extra,
        cfg,
        command=shlex.join(command),
        version=model_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=seconds,
        n_runs=len(runs),
        figures=figures,
        out=out,
        store=store,
        ran=res.ran,
        cluster=res.cluster,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    if runs_csv is not None:
        runs.to_csv(runs_csv, index=False)
    return ValidationOutcome(results, out, figures, runs, seconds, store, res)
