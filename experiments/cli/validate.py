"""``medlead validate``: do the seed deck's patterns emerge? A verdict per pattern."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medlead.experiments.cli.app import command, console, fail, say
from medlead.experiments.cli.options import (
    FreshOpt,
    QuietOpt,
    ReplaceStaleOpt,
    RunsPerTaskOpt,
    SchedulerOpt,
    WorkersOpt,
    where_runs,
)
from medlead.experiments.cli.sweep import say_sweep


@command()
def validate(
    quick: Annotated[
        bool,
        typer.Option(
            "--quick/--no-quick", help="A small Trust and a handful of runs (the CI check)."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Report file (default: results/validate/validation.md; with --quick "
            "results/validate/validation-quick.md). Figures go to img/ beside it. The "
            "committed docs/validation.md is written by `scripts/experiments.sh "
            "validation` (--out docs/validation.md).",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Run store (a sweep folder; rerun on it to resume). Default: "
            "results/validation, or results/validation-quick with --quick (with "
            "-replicationsN, -samplesN, -seedN appended when those are given).",
        ),
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    runs_per_task: RunsPerTaskOpt = None,
    fresh: FreshOpt = False,
    replace_stale: ReplaceStaleOpt = False,
    quiet: QuietOpt = False,
    replications: Annotated[
        int | None, typer.Option(help="Replications per condition at the defaults.")
    ] = None,
    samples: Annotated[
        int | None, typer.Option(help="Latin hypercube points over the plausible region.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (an integer >= 0).")] = None,
    runs_csv: Annotated[
        Path | None, typer.Option("--runs-csv", help="Also write every run's outcomes as CSV.")
    ] = None,
) -> None:
    """Do the seed deck's patterns emerge? Write a verdict per pattern (a Markdown report).

    Each pattern is tested at the defaults (paired differences over replications under
    common random numbers, 95% CIs, Vargha-Delaney A) and across a Latin hypercube of
    the plausible region (share of points where it holds, Wilson CI). The runs go
    through the sweep engine into a run store; a rerun resumes from it.
    """
    from medlead.experiments.validation import config_for, default_store, run_validation

    for name, value, least in (
        ("--workers", workers, 1),
        ("--runs-per-task", runs_per_task, 1),
        ("--replications", replications, 2),
        ("--samples", samples, 0),
        ("--seed", seed, 0),
    ):
        if value is not None and value < least:
            fail(f"{name} {value}: must be at least {least}")
    if workers is not None and scheduler is not None:
        fail("give --workers or --scheduler, not both")
    cfg = config_for(quick, replications=replications, samples=samples, seed=seed)
    if out is None:
        # Never the tracked docs/validation.md unless asked: a default run leaves git clean.
        name = "validation-quick.md" if quick else "validation.md"
        out = Path("results") / "validate" / name
    if out.exists() and out.is_dir():
        fail(f"--out {out} is a folder: give a file name such as {out / 'validation.md'}")
    store = store if store is not None else default_store(cfg)
    where = where_runs(workers, scheduler)
    say(f"medlead validate: {cfg.n_runs:,} runs on {where}, seed {cfg.seed}, store {store}")
    try:
        res = run_validation(
            cfg,
            out,
            store=store,
            workers=workers,
            scheduler=scheduler,
            runs_per_task=runs_per_task,
            fresh=fresh,
            replace_stale=replace_stale,
            progress=not quiet,
            command=[
                "medlead",
                "validate",
                *(["--quick"] if quick else []),
                *(["--fresh"] if fresh else []),
                *(["--replace-stale"] if replace_stale else []),
                *[
                    f"--{k.replace('_', '-')}={val}"
                    for k, val in (
                        ("workers", workers),
                        ("scheduler", scheduler),
                        ("runs_per_task", runs_per_task),
                        ("replications", replications),
                        ("samples", samples),
                        ("seed", seed),
                        ("store", store),
                        ("out", out),
                        ("runs_csv", runs_csv),
                    )
                    if val is not None
                ],
            ],
            runs_csv=runs_csv,
        )
    except OSError as exc:
        fail(f"cannot write the report to {out}: {exc.strerror or exc}")
    say_sweep(res.sweep)
    for r in res.results:
        console.print(
            f"{r.key}  {r.verdict:<6}  {r.title}", markup=False, highlight=False, soft_wrap=True
        )
    say(f"wrote {res.report} ({res.seconds / 60:.1f} min)")
