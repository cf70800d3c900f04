"""The whole validation in one call: run, analyse, draw, write the report.

What the ``medlead validate`` command calls; it only reports through its return value
and the files it writes (progress goes to the caller's callback).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from medlead.experiments.validation.analyse import analyse
from medlead.experiments.validation.config import ValidationConfig
from medlead.experiments.validation.judge import PatternResult
from medlead.experiments.validation.report import render_report, write_figures
from medlead.experiments.validation.runs import build_tasks, run_tasks


@dataclass(frozen=True)
class ValidationOutcome:
    """What :func:`run_validation` produced."""

    results: list[PatternResult]
    report: Path
    figures: dict[str, Path]
    runs: pd.DataFrame
    seconds: float


def run_validation(
    cfg: ValidationConfig,
    out: Path,
    *,
    workers: int = 1,
    command: str = "medlead validate",
    img_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    runs_csv: Path | None = None,
) -> ValidationOutcome:
    """Run everything, analyse, draw the figures and write the report to ``out``."""
    from medlead.experiments.engine.store import model_version

    t0 = time.perf_counter()
    tasks, design = build_tasks(cfg)
    runs = run_tasks(tasks, cfg.seed, workers=workers, progress=progress)
    results, extra = analyse(runs, cfg, design)
    img_dir = img_dir if img_dir is not None else out.parent / "img"
    figures = write_figures(extra, img_dir)
    seconds = time.perf_counter() - t0
    text = render_report(
        results,
        extra,
        cfg,
        command=command,
        version=model_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=seconds,
        n_runs=len(runs),
        figures=figures,
        out=out,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    if runs_csv is not None:
        runs.to_csv(runs_csv, index=False)
    return ValidationOutcome(results, out, figures, runs, seconds)
