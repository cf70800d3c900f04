"""Options shared by the commands that run a design (sweep, compare, sensitivity)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "FreshOpt",
    "PosteriorOpt",
    "QuietOpt",
    "ReplaceStaleOpt",
    "RetryOpt",
    "RunsPerTaskOpt",
    "ScenarioArg",
    "SchedulerOpt",
    "WorkersOpt",
    "where_runs",
]


ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Scenario file (TOML), or the name of a shipped one (see `medlead scenarios`)."
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(help="Local Dask worker processes on 127.0.0.1 (default: one per CPU)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Use an existing Dask cluster instead, e.g. tcp://HOST:8786."),
]
RunsPerTaskOpt = Annotated[
    int | None,
    typer.Option("--runs-per-task", help="Runs per Dask task (default: from the run cost)."),
]
RetryOpt = Annotated[
    bool,
    typer.Option("--retry-failed/--no-retry-failed", help="Run again the runs recorded as failed."),
]
FreshOpt = Annotated[
    bool,
    typer.Option(
        "--fresh/--no-fresh",
        help="Replace the results in --out (e.g. of an older model) instead of resuming.",
    ),
]
ReplaceStaleOpt = Annotated[
    bool,
    typer.Option(
        "--replace-stale/--no-replace-stale",
        help="Resume --out if it holds this scenario and model; replace it if not.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet/--no-quiet", "-q", help="No progress bar.")]
PosteriorOpt = Annotated[
    Path | None,
    typer.Option(
        "--posterior",
        help="posterior.parquet of `medlead calibrate`: replication r of every point draws "
        "its parameters from it (draw r, the same for every point); the scenario's own "
        "values and each point's factors win.",
        show_default=False,
    ),
]


def where_runs(workers: int | None, scheduler: str | None) -> str:
    """Where a command's runs are made, for its opening line."""
    if scheduler:
        return f"the Dask cluster at {scheduler}"
    return f"{workers} local worker(s)" if workers else "local workers (one per CPU)"
