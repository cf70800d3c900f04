"""``medlead compare``: the strategies on the same replications, with 95% CIs and curves."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from medlead.experiments.cli.app import command, command_line, console, fail, say
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
from medlead.experiments.cli.sweep import run_design, under_posterior


@command()
def compare(
    scenario: ScenarioArg = "headline",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Sweep folder (default: results/<scenario name>)."),
    ] = None,
    replications: Annotated[
        int | None, typer.Option(help="Replications per strategy (default: the scenario's).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Baseline strategy of the paired differences.")
    ] = None,
    structures: Annotated[
        str | None,
        typer.Option(
            help="Cross the structural switches: 'all' (every combination), or "
            "comma-separated NAME (every choice) or NAME=VALUE|VALUE items.",
            show_default=False,
        ),
    ] = None,
    ablations: Annotated[
        bool,
        typer.Option(
            "--ablations/--no-ablations",
            help="Cross every ablation (one mechanism switched off at a time; "
            "experiments/engine/ablations.py) with the strategies.",
        ),
    ] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    runs_per_task: RunsPerTaskOpt = None,
    retry_failed: RetryOpt = False,
    fresh: FreshOpt = False,
    replace_stale: ReplaceStaleOpt = False,
    posterior: PosteriorOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Compare the strategies on the same replications: table with 95% CIs and curves.

    Runs (or resumes) the scenario with every strategy as a factor, prints the mean of
    each outcome with its 95% CI and the paired differences from the baseline, exports
    CSV tables and writes curves.png (means with CI bands) into the sweep folder.

    With --structures or --ablations (or a scenario that crosses them, e.g. `structures`
    or `ablations`), every variant runs every strategy on the same replications; the
    command prints one table of sustained practice per variant and strategy with paired
    differences from the baseline, says which conclusions hold in every variant, and
    writes <kind>.csv, <kind>_conclusions.csv and <kind>.md (kind: structures,
    ablations or variants) instead of curves.

    With --posterior, replication r of every strategy draws its parameters from the
    posterior (draw r, the same for every strategy), so the comparison is made under
    the calibrated uncertainty (default folder: results/<name>-posterior-<hash>).
    """
    from medlead.experiments.analysis.compare import (
        comparison,
        format_comparison,
        plot_curves_ci,
        write_tables,
    )
    from medlead.experiments.analysis.variants import (
        format_variant_table,
        has_variants,
        variant_table,
        write_variant_report,
    )
    from medlead.experiments.engine.designs import strategy_scenario, variant_scenario
    from medlead.experiments.engine.scenario import load_scenario

    original = load_scenario(scenario)
    varied = variant_scenario(original, structures=structures, ablations=ablations)
    sc = strategy_scenario(varied, replications=replications)
    design = under_posterior(sc, posterior)  # the scenario itself without --posterior
    if out is None:
        kind = "-".join(
            k for k, on in (("structures", structures is not None), ("ablations", ablations)) if on
        )
        suffix = "" if sc.hash == original.hash else f"-{sc.hash[:8]}"
        if posterior is not None:
            suffix += f"-posterior-{design.hash[:8]}"
        out = Path("results") / f"{sc.name}{'-' + kind if kind else ''}{suffix}"
    if baseline is not None:
        from medlead.model import STRATEGIES

        if baseline not in STRATEGIES:
            fail(f"--baseline {baseline!r} is not one of {', '.join(STRATEGIES)}")
        run = list(dict.fromkeys(p.params.strategy for p in sc.points))
        if has_variants(sc) and baseline not in run:
            fail(f"--baseline {baseline!r} is not among the strategies run ({', '.join(run)})")
    run_design(
        design,
        out,
        quiet=quiet,
        workers=workers,
        scheduler=scheduler,
        runs_per_task_=runs_per_task,
        retry_failed=retry_failed,
        fresh=fresh,
        replace_stale=replace_stale,
    )
    # The current file decides what is shown (outcomes, baseline do not change results).
    cmp = comparison(out, baseline=baseline or sc.baseline, outcomes=list(sc.spec.outcomes))
    if has_variants(sc) and cmp.baseline is not None:
        vt = variant_table(out, baseline=cmp.baseline)
        console.print(format_variant_table(vt), markup=False, highlight=False, soft_wrap=True)
        files = write_tables(out, cmp)
        files += write_variant_report(out, vt, command=shlex.join(command_line()))
        say("wrote " + ", ".join(str(f) for f in files))
        return
    console.print(format_comparison(cmp), markup=False, highlight=False, soft_wrap=True)
    files = write_tables(out, cmp)
    fig = plot_curves_ci(out)
    say("wrote " + ", ".join(str(f) for f in [*files, *([fig] if fig else [])]))
