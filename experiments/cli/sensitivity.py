"""``medlead sensitivity``: run a scenario's sampled design, then its global indices."""

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
    ScenarioArg,
    SchedulerOpt,
    WorkersOpt,
)
from medlead.experiments.cli.sweep import run_design


@command()
def sensitivity(
    scenario: ScenarioArg = "sensitivity",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Sweep folder (default: results/<scenario name>)."),
    ] = None,
    outcome: Annotated[
        str, typer.Option(help="Summary key to analyse.")
    ] = "sustained_practising_share",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    runs_per_task: RunsPerTaskOpt = None,
    fresh: FreshOpt = False,
    replace_stale: ReplaceStaleOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Global sensitivity analysis: run a scenario's sampled design, then its indices.

    Sobol (first-order and total indices with bootstrap 95% CIs and a convergence
    check) or Morris (mu*), per combination of the grid factors; replications per sample
    are averaged first. Writes sensitivity_<grid>.csv, figures and report.md.
    """
    from medlead.experiments.analysis.report import sensitivity_tables, write_report
    from medlead.experiments.engine.scenario import load_scenario
    from medlead.model import SUMMARY_KEYS

    if outcome not in SUMMARY_KEYS:
        from medlead.model.params import unknown_name_message

        fail(f"--outcome: {unknown_name_message(outcome, list(SUMMARY_KEYS), 'outcome')}")
    sc = load_scenario(scenario)
    if sc.spec.sample is None:
        fail(f"{scenario}: the scenario has no sample section to analyse")
    out = out if out is not None else Path("results") / sc.name
    run_design(
        sc,
        out,
        quiet=quiet,
        workers=workers,
        scheduler=scheduler,
        runs_per_task_=runs_per_task,
        fresh=fresh,
        replace_stale=replace_stale,
    )
    from medlead.model.labels import display

    written = []
    for label, df in sensitivity_tables(out, outcome).items():
        head = f"\n{sc.name}: {display(outcome)} [{outcome}], {label}"
        console.print(head, markup=False, highlight=False)
        console.print(df.to_string(index=False, float_format="%.3f"), markup=False)
        safe = "".join(c if c.isalnum() else "_" for c in label)
        path = out / f"sensitivity_{safe}.csv"
        df.to_csv(path, index=False, float_format="%.6g")
        written.append(path)
    written.append(write_report(out))
    say("wrote " + ", ".join(str(f) for f in written))
