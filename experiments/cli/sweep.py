"""``medlead sweep``: every run of a scenario on Dask into a resumable sweep folder.

:func:`run_design` is the one way the commands that run a design (sweep, compare,
sensitivity) call the engine and say how it went.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from medlead.experiments.cli.app import command, command_line, say
from medlead.experiments.cli.options import (
    FreshOpt,
    PosteriorOpt,
    QuietOpt,
    ReplaceStaleOpt,
    RetryOpt,
    RunsPerTaskOpt,
    ScenarioArg,
    SchedulerOpt,
    WorkersOpt,
)


def say_sweep(res: Any) -> None:
    """One line on stderr: runs made, rate, already stored, failed, cluster, folder."""
    done = (
        f"{res.ran} runs in {res.seconds:.1f} s ({res.rate:.2f} runs/s)"
        if res.ran
        else ("nothing to run")
    )
    say(
        f"{done}; {res.skipped} already stored, {res.failed} failed"
        + (f"; {res.cluster}" if res.cluster else "")
        + f"; results in {res.root}"
    )


def under_posterior(scenario: Any, posterior: Path | None) -> Any:
    """The design of ``scenario`` (a name, file or :class:`Scenario`) with each
    replication's parameters drawn from ``posterior``; ``scenario`` itself without one.
    """
    if posterior is None:
        return scenario
    from medlead.experiments.calibration.apply import posterior_scenario
    from medlead.experiments.engine.scenario import Scenario, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return posterior_scenario(sc, posterior)


def say_posterior(design: Any) -> None:
    """One line on stderr about the posterior the design's parameters were drawn from."""
    record = getattr(design, "inputs", {}).get("posterior")
    if record is None:
        return
    kept = f"; the scenario's own: {', '.join(record['kept'])}" if record["kept"] else ""
    say(
        f"parameters drawn from posterior {record['path']} ({record['particles']} particles, "
        f"{len(record['parameters'])} parameters){kept}"
    )


def run_design(scenario: Any, out: Path, *, quiet: bool, **options: Any) -> None:
    """Run (or resume) a sweep with the progress bar unless ``quiet``, then say how it went."""
    from medlead.experiments.engine.runner import sweep as run_sweep

    res = run_sweep(scenario, out, progress=not quiet, command=command_line(), **options)
    say_posterior(scenario)
    say_sweep(res)


@command()
def sweep(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Sweep folder; rerun on it to resume.")],
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    runs_per_task: RunsPerTaskOpt = None,
    retry_failed: RetryOpt = False,
    fresh: FreshOpt = False,
    replace_stale: ReplaceStaleOpt = False,
    posterior: PosteriorOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run every run of a scenario on Dask into a resumable sweep folder.

    Results stream into Parquet parts with a manifest; rerunning on the same folder
    skips the runs already stored. A folder of another scenario, posterior or model
    version is refused. `medlead report DIR` prints the table.
    """
    run_design(
        under_posterior(scenario, posterior),
        out,
        quiet=quiet,
        workers=workers,
        scheduler=scheduler,
        runs_per_task_=runs_per_task,
        retry_failed=retry_failed,
        fresh=fresh,
        replace_stale=replace_stale,
    )
