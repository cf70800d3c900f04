"""``medlead validate``: do the seed deck's patterns emerge? A verdict per pattern."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from medlead.experiments.cli.app import command, console, fail, say


@command()
def validate(
    quick: Annotated[
        bool,
        typer.Option("--quick", help="A small Trust and a handful of runs (the CI check)."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Report file (default: docs/validation.md; with --quick "
            "results/validation-quick.md). Figures go to img/ beside it.",
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes (default: one per CPU).")
    ] = None,
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
    """Do the seed deck's patterns emerge? Write a verdict per pattern (docs/validation.md).

    Each pattern is tested at the defaults (paired differences over replications under
    common random numbers, 95% CIs, Vargha-Delaney A) and across a Latin hypercube of
    the plausible region (share of points where it holds, Wilson CI).
    """
    from medlead.experiments.validation import config_for, run_validation

    for name, value, least in (
        ("--workers", workers, 1),
        ("--replications", replications, 2),
        ("--samples", samples, 0),
        ("--seed", seed, 0),
    ):
        if value is not None and value < least:
            fail(f"{name} {value}: must be at least {least}")
    cfg = config_for(quick, replications=replications, samples=samples, seed=seed)
    if out is None:
        out = Path("results/validation-quick.md") if quick else Path("docs/validation.md")
    if out.exists() and out.is_dir():
        fail(f"--out {out} is a folder: give a file name such as {out / 'validation.md'}")
    n_workers = workers or os.cpu_count() or 1
    say(f"medlead validate: {cfg.n_runs:,} runs on {n_workers} worker(s), seed {cfg.seed}")
    try:
        res = run_validation(
            cfg,
            out,
            workers=n_workers,
            command=shlex.join(
                ["medlead", "validate"]
                + (["--quick"] if quick else [])
                + ["--out", str(out), "--workers", str(n_workers)]
                + [
                    f"--{k.replace('_', '-')}={val}"
                    for k, val in (
                        ("replications", replications),
                        ("samples", samples),
                        ("seed", seed),
                        ("runs_csv", runs_csv),
                    )
                    if val is not None
                ]
            ),
            progress=lambda done, total: say(f"  {done:,}/{total:,} runs"),
            runs_csv=runs_csv,
        )
    except OSError as exc:
        fail(f"cannot write the report to {out}: {exc.strerror or exc}")
    for r in res.results:
        console.print(
            f"{r.key}  {r.verdict:<6}  {r.title}", markup=False, highlight=False, soft_wrap=True
        )
    say(f"wrote {res.report} ({res.seconds / 60:.1f} min)")
