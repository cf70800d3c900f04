"""``medlead calibrate``: fit medlead to measured change programmes; predict held-out ones."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from medlead.experiments.cli.app import command, fail, say
from medlead.experiments.cli.options import QuietOpt, SchedulerOpt, WorkersOpt, where_runs


@command()
def calibrate(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for posterior.parquet, generations.csv, predictive.csv, "
            "headline.csv, report.md and img/.",
        ),
    ],
    cases: Annotated[
        list[str] | None,
        typer.Option(
            "--cases",
            metavar="CASE",
            help="A case to use (a shipped id or a case file); repeat for more. Default: "
            "every shipped case (experiments/cases/; see docs/cases.md).",
        ),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick/--no-quick", help="A tiny population and two generations (the CI check)."
        ),
    ] = False,
    population: Annotated[
        int | None, typer.Option(help="Particles per generation (default 1000; quick 24).")
    ] = None,
    generations: Annotated[
        int | None, typer.Option("--generations", help="Most generations (default 20).")
    ] = None,
    min_acceptance: Annotated[
        float | None,
        typer.Option("--min-acceptance", help="Stop below this acceptance (default 0.05)."),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option("--draws", help="Parameter sets drawn for the predictions (default 200)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Root seed (an integer >= 0; default 16).")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Run store (rerun on it to resume). Default: results/calibration, or "
            "results/calibration-quick with --quick.",
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Report file (default: OUT/report.md).")
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fresh: Annotated[
        bool, typer.Option("--fresh/--no-fresh", help="Delete the runs in --store and start again.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Fit the uncertainties and structural switches to the calibrating cases (ABC).

    Adaptive population Monte Carlo ABC over the plausible ranges; every run goes
    through the engine into a run store, so a killed calibration resumes and the
    posterior does not depend on the number of workers. Then the held-out cases and
    the headline (none / mandate / persuasion / hybrid) are predicted under the
    posterior, beside the prior.
    """
    from medlead.experiments.calibration.run import FULL, QUICK, default_store
    from medlead.experiments.calibration.run import calibrate as run_calibration

    if workers is not None and scheduler is not None:
        fail("give --workers or --scheduler, not both")
    if workers is not None and workers < 1:
        fail(f"--workers {workers}: must be at least 1")
    cfg = QUICK if quick else FULL
    changes = {
        k: v
        for k, v in (
            ("cases", tuple(cases) if cases else None),
            ("population", population),
            ("max_generations", generations),
            ("min_acceptance", min_acceptance),
            ("predictive_draws", draws),
            ("seed", seed),
        )
        if v is not None
    }
    cfg = dataclasses.replace(cfg, **changes)
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file: give a folder")
    store = store if store is not None else default_store(cfg)
    where = where_runs(workers, scheduler)
    say(
        f"medlead calibrate: {cfg.population} particles a generation, at most "
        f"{cfg.max_generations} generations, on {where}; seed {cfg.seed}, store {store}"
    )

    def line(g) -> None:
        say(
            f"generation {g.generation}: {g.simulated} particles, tolerance {g.epsilon:.3f}, "
            f"acceptance {g.acceptance:.3f}, ESS {g.ess:.0f}"
        )

    argv = ["medlead", "calibrate", "--out", str(out)]
    argv += [f"--cases={c}" for c in cases or []]
    argv += ["--quick"] if quick else []
    argv += [
        f"--{k}={v}"
        for k, v in (
            ("population", population),
            ("generations", generations),
            ("min-acceptance", min_acceptance),
            ("draws", draws),
            ("seed", seed),
            ("store", store),
            ("report", report),
        )
        if v is not None
    ]
    try:
        res = run_calibration(
            cfg,
            out,
            store=store,
            workers=workers,
            scheduler=scheduler,
            fresh=fresh,
            progress=not quiet,
            command=argv,
            on_generation=line,
            report=report,
        )
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    say(
        f"posterior: {len(res.posterior)} particles in {out / 'posterior.parquet'}; "
        f"{res.runs:,} runs ({res.ran:,} made now) in {res.seconds / 60:.1f} min"
    )
    p = res.predictive[res.predictive["source"] == "posterior"]
    for _, r in p.iterrows():
        say(
            f"  {r['use']:<9} {r['case']}.{r['observation']}: observed {r['observed']:.3f}, "
            f"predicted {r['median']:.3f} [{r['lo95']:.3f}, {r['hi95']:.3f}]"
            f", p = {r['p']:.3f}{'' if r['consistent'] else '  (not consistent)'}"
        )
    say(f"wrote {report or out / 'report.md'}")
