"""``medlead run``: one simulation, its summary table, and optionally a run folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from medlead.experiments.cli.app import command, command_line, console, err_console, say

PROGRESS_AGENT_WEEKS = 400_000
"""Show a progress bar when staff × weeks is at least this (about a second or more)."""


@command()
def run(
    preset: Annotated[
        str | None,
        typer.Option(
            help="Preset to start from: professional, machine, kp_like, set_up_to_fail, "
            "large (default: professional)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML file of parameters (and optionally seed, preset)."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", "-s", help="Override a parameter: name=value (repeatable).", show_default=False
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Root seed (an integer >= 0; default: drawn at random and printed)."),
    ] = None,
    weeks: Annotated[
        int | None,
        typer.Option(help="Weeks to simulate (sets `weeks`; default: the preset's, 156)."),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help="none, mandate, persuasion or hybrid (sets `strategy`; default: the "
            "preset's, persuasion in professional)."
        ),
    ] = None,
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="posterior.parquet of `medlead calibrate`: draw the parameters from it "
            "(one particle, drawn with the run's seed); values set with --config, --set, "
            "--weeks or --strategy win.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write a run folder here.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force/--no-force", help="Overwrite the files of a non-empty --out.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet/--no-quiet", "-q", help="No progress bar and no table.")
    ] = False,
) -> None:
    """Run one simulation and print its summary; with --out, write a run folder.

    Parameters come from the preset, then --config, then --set, then --weeks and
    --strategy; every problem is reported at once. `medlead params` lists them all.
    With --posterior, a particle drawn from a calibration's posterior replaces the
    preset's values of its parameters (the run folder records which).
    """
    from medlead.experiments.engine.config import resolve_run_config
    from medlead.experiments.engine.runfolder import RunFolder, utc_now, write_run_folder

    started = utc_now()
    cfg = resolve_run_config(
        preset=preset,
        config=config,
        set_items=set_ or [],
        seed=seed,
        options={"weeks": weeks, "strategy": strategy},
    )
    from medlead.model.seeds import seed_streams

    seed, _ = seed_streams(cfg.seed)  # drawn here if none was given
    extra: dict[str, Any] = {}
    if posterior is not None:  # before the folder: a bad posterior leaves nothing behind
        from medlead.experiments.calibration.apply import posterior_run

        cfg, extra["posterior"] = posterior_run(cfg, int(seed), posterior)
    folder = RunFolder(out, force=force) if out is not None else None
    try:
        # The vectorised core without Mesa agents (a stack of one run: the same bits as
        # HospitalModel, tests/test_batch.py), so `medlead run` never imports Mesa.
        import numpy as np

        from medlead.model.batch import Stack

        params = cfg.params
        t0 = time.perf_counter()
        stack = Stack(params, [np.random.SeedSequence(seed)])
        staff = stack.orgs[0].n
        origin = "given" if cfg.seed is not None else "drawn: rerun with --seed to repeat"
        setting = (
            f"preset {cfg.preset}, strategy {params.strategy}"
            f"{'' if _strategy_set(cfg, strategy) else ' (the preset default)'}, "
            f"seed {seed} ({origin})"
        )
        if not quiet:
            drawn = f", posterior particle {extra['posterior']['particle']}" if extra else ""
            say(f"medlead run: {setting}, {staff:,} staff, {params.weeks} weeks{drawn}")
        show_bar = (
            not quiet and err_console.is_terminal and staff * params.weeks >= PROGRESS_AGENT_WEEKS
        )
        result = _run_stack(stack, params.weeks, show_bar)
        summary = result.summary
        run_seconds = time.perf_counter() - t0
        if folder is not None:
            from medlead.experiments.analysis import figures  # matplotlib: only for a folder

            write_run_folder(
                folder,
                timeseries=result.timeseries(),
                summary=summary,
                config=cfg,
                seed=int(seed),
                staff=staff,
                command=command_line(),
                started=started,
                run_seconds=run_seconds,
                plot_curves=figures.plot_curves,
                extra=extra,
            )
    except BaseException:
        if folder is not None:
            folder.abort()
        raise
    if quiet:
        return
    _print_summary(
        summary,
        params.weeks,
        f"summary after week {params.weeks}: strategy {params.strategy}, seed {seed} "
        f"({run_seconds:.2f} s)",
    )
    if folder is not None:
        say(f"wrote run folder {folder.out}")


def _run_stack(stack: Any, weeks: int, show_bar: bool) -> Any:
    """Run the one-run stack to the horizon (with a week bar on long runs)."""
    if not show_bar:
        return stack.run()[0]
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("week"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("run", total=weeks)
        return stack.run(progress=lambda w: bar.update(task, advance=1))[0]


def _strategy_set(cfg: Any, strategy: str | None) -> bool:
    """Whether the strategy was chosen (--strategy, --set, --config) rather than defaulted."""
    return strategy is not None or "strategy" in cfg.explicit


def _print_summary(summary: dict[str, float | None], weeks: int, title: str) -> None:
    """The summary as a table of outputs by their labels, each value with its unit.

    The 'sustained' keys read week 156, or the horizon when the run is shorter; their
    titles say which week they read. The summary.json key is a fourth column when the
    terminal is wide enough (110 columns) to hold it without wrapping the others.
    """
    from rich.table import Table

    from medlead.model.labels import fmt_number, label

    table = Table(title=title, title_justify="left")
    table.add_column("output")
    table.add_column("value", justify="right")
    table.add_column("unit")
    keys = console.width >= 110
    if keys:
        table.add_column("key", style="dim", no_wrap=True)
    for key, value in summary.items():
        lab = label(key, weeks)
        table.add_row(lab.title, fmt_number(value), lab.unit, *([key] if keys else []))
    console.print(table)
