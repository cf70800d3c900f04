"""The ``medlead`` command line (Typer).

One Typer ``app``; every command is registered with :func:`command`, which wraps it in
the shared error handling: a user problem (:class:`~medlead.model.ParamError`, which
includes :class:`~medlead.experiments.config.ConfigError`, or :class:`CliError`) prints
one short line per problem on stderr and exits with code 2, never a traceback.

Adding a command (e.g. in the sweeps work)::

    @command()
    def sweep(scenario: Path, out: Path = typer.Option(..., "--out")) -> None:
        \"\"\"Run a scenario file's sweep.\"\"\"
        from medlead.experiments.sweep import run_sweep   # import lazily: fast --help
        run_sweep(...)  # raise ParamError / ConfigError / CliError for user mistakes

Heavy imports happen inside commands so ``medlead --help`` stays quick.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

__all__ = ["CliError", "app", "command", "console", "err_console", "fail", "main", "say"]

EXIT_USAGE = 2
PROGRESS_AGENT_WEEKS = 400_000
"""Show a progress bar when staff × weeks is at least this (about a second or more)."""

app = typer.Typer(
    name="medlead",
    help="medlead: agent-based simulation of how improvement spreads through a hospital "
    "(mandate versus clinician-owned persuasion).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
err_console = Console(stderr=True)


class CliError(Exception):
    """A usage problem detected by a command (exit code 2); one message per problem."""

    def __init__(self, *problems: str):
        self.problems = [p for p in problems if p]
        super().__init__("; ".join(self.problems))


def fail(*problems: str) -> None:
    """Stop the command with exit code 2 and these one-line messages."""
    raise CliError(*problems)


def say(message: str) -> None:
    """An informational line on stderr (keeps stdout for results), never wrapped."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def _report(problems: list[str]) -> None:
    for problem in problems:
        # Plain write (no rich markup) so messages with brackets print verbatim.
        err_console.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user problems raised by ``fn`` into stderr lines and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            # ParamError is imported here, not at module level: importing medlead.model
            # loads Mesa (~1.5 s), which `medlead --help` should not pay for.
            from medlead.model.params import ParamError

            if not isinstance(exc, (ParamError, CliError)):
                raise
            _report(exc.problems or [str(exc)])
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            say("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command on :data:`app` with the shared error handling.

    Takes the same arguments as ``typer.Typer.command``.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        return app.command(*args, **kwargs)(handle_errors(fn))

    return decorate


# ------------------------------------------------------------------------------ run
def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{value:,.0f}"
    return f"{value:.3f}"


@command()
def run(
    preset: Annotated[
        str | None,
        typer.Option(help="Preset to start from: professional, machine, kp_like, ..."),
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
    seed: Annotated[int | None, typer.Option(help="Root seed (an integer >= 0).")] = None,
    weeks: Annotated[int | None, typer.Option(help="Weeks to simulate (sets `weeks`).")] = None,
    strategy: Annotated[
        str | None,
        typer.Option(help="none, mandate, persuasion or hybrid (sets `strategy`)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write a run folder here.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the files of a non-empty --out.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no table.")
    ] = False,
) -> None:
    """Run one simulation and print its summary; with --out, write a run folder.

    Parameters come from the preset, then --config, then --set, then --weeks and
    --strategy; every problem is reported at once. `medlead params` lists them all.
    """
    from medlead.experiments.config import resolve_run_config
    from medlead.experiments.runfolder import RunFolder, utc_now, write_run_folder

    started = utc_now()
    cfg = resolve_run_config(
        preset=preset,
        config=config,
        set_items=set_ or [],
        seed=seed,
        options={"weeks": weeks, "strategy": strategy},
    )
    folder = RunFolder(out, force=force) if out is not None else None
    try:
        from medlead.model import HospitalModel

        params = cfg.params
        t0 = time.perf_counter()
        model = HospitalModel(params, rng=cfg.seed)
        staff = len(model.staff)
        if not quiet:
            say(
                f"medlead run: preset {cfg.preset}, strategy {params.strategy}, "
                f"seed {model.seed}, {staff:,} staff, {params.weeks} weeks"
            )
        show_bar = (
            not quiet and err_console.is_terminal and staff * params.weeks >= PROGRESS_AGENT_WEEKS
        )
        summary = _run_model(model, params.weeks, show_bar)
        run_seconds = time.perf_counter() - t0
        if folder is not None:
            write_run_folder(
                folder,
                timeseries=model.timeseries(),
                summary=summary,
                config=cfg,
                seed=int(model.seed),
                staff=staff,
                command=_command_line(),
                started=started,
                run_seconds=run_seconds,
            )
    except BaseException:
        if folder is not None:
            folder.abort()
        raise
    if quiet:
        return
    _print_summary(summary, f"summary after week {model.week} ({run_seconds:.2f} s)")
    if folder is not None:
        say(f"wrote run folder {folder.out}")


def _run_model(model: Any, weeks: int, show_bar: bool) -> dict[str, float | None]:
    if not show_bar:
        return model.run(weeks)
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
        return model.run(weeks, progress=lambda w: bar.update(task, advance=1))


def _print_summary(summary: dict[str, float | None], title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("summary key")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(key, _fmt(value))
    console.print(table)


def _command_line() -> list[str]:
    return ["medlead", *sys.argv[1:]]


# --------------------------------------------------------------------------- params
@command()
def params(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the Markdown tables of docs/params.md.")
    ] = False,
) -> None:
    """List every parameter: default, ranges, unit, role, key flag, doc and citation."""
    from medlead.experiments.paramdoc import COLUMNS, param_rows, params_markdown

    if markdown:
        sys.stdout.write(params_markdown())
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title="medlead parameters (docs/params.md has the same as Markdown)",
        title_justify="left",
        expand=True,
    )
    shown = [c for c in COLUMNS if c not in ("doc", "citation")]
    limits = {"default": 15, "allowed": 18, "unit": 12}
    for col in shown:
        table.add_column(col, no_wrap=col not in limits, max_width=limits.get(col))
    table.add_column("doc [citation]", ratio=1, min_width=30)
    group = None
    for row in param_rows():
        if row["group"] != group:
            group = row["group"]
            table.add_section()
            table.add_row(Text(group, style="bold"))
        doc = Text(row["doc"])
        doc.append(f" [{row['citation']}]", style="dim")
        table.add_row(*[row[c] for c in shown], doc)
    if console.width >= 150:
        console.print(table)
        return
    # Narrow terminal: one block per parameter instead of a table squeezed to nothing.
    group = None
    for row in param_rows():
        if row["group"] != group:
            group = row["group"]
            console.print(Text(f"\n{group}", style="bold underline"))
        head = Text(row["name"], style="bold")
        head.append(f" = {row['default']}   allowed {row['allowed']}   plausible ")
        head.append(f"{row['plausible']}   {row['unit']}   {row['role']}")
        if row["key"]:
            head.append("   key", style="bold")
        console.print(head)
        body = Text("    " + row["doc"])
        body.append(f" [{row['citation']}]", style="dim")
        console.print(body)


# ------------------------------------------------------------------------ scenarios
def scenarios_dir() -> Path:
    """Where the named experiments' scenario files live (package data)."""
    import medlead.experiments

    return Path(medlead.experiments.__file__).parent / "scenarios"


@command()
def scenarios() -> None:
    """List the named experiments (scenario files), one line each."""
    import tomllib

    folder = scenarios_dir()
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        console.print(
            f"no scenario files in {folder}", markup=False, highlight=False, soft_wrap=True
        )
        return
    width = max(len(f.stem) for f in files)
    for f in files:
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
            desc = data.get("description", "")
            desc = desc if isinstance(desc, str) else str(desc)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            desc = f"(unreadable: {exc})"
        line = " ".join(desc.split())
        console.print(
            f"{f.stem:<{width}}  {line}".rstrip(), markup=False, highlight=False, soft_wrap=True
        )


# --------------------------------------------------------------------------- sweeps
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
    bool, typer.Option("--retry-failed", help="Run again the runs recorded as failed.")
]
FreshOpt = Annotated[
    bool,
    typer.Option(
        "--fresh", help="Replace the results in --out (e.g. of an older model) instead of resuming."
    ),
]
ReplaceStaleOpt = Annotated[
    bool,
    typer.Option(
        "--replace-stale",
        help="Resume --out if it holds this scenario and model; replace it if not.",
    ),
]


def _say_sweep(res: Any) -> None:
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


def _sweep(scenario: Any, out: Path, *, quiet: bool, **options: Any) -> None:
    """Run (or resume) a sweep with the progress bar unless ``quiet``, then say how it went."""
    from medlead.experiments.sweep import sweep as run_sweep

    res = run_sweep(scenario, out, progress=not quiet, command=_command_line(), **options)
    _say_sweep(res)


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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run every run of a scenario on Dask into a resumable sweep folder.

    Results stream into Parquet parts with a manifest; rerunning on the same folder
    skips the runs already stored. A folder of another scenario or model version is
    refused. `medlead report DIR` prints the table.
    """
    _sweep(
        scenario,
        out,
        quiet=quiet,
        workers=workers,
        scheduler=scheduler,
        runs_per_task_=runs_per_task,
        retry_failed=retry_failed,
        fresh=fresh,
        replace_stale=replace_stale,
    )


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
            "--ablations",
            help="Cross every ablation (one mechanism switched off at a time; "
            "experiments/ablations.py) with the strategies.",
        ),
    ] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    runs_per_task: RunsPerTaskOpt = None,
    retry_failed: RetryOpt = False,
    fresh: FreshOpt = False,
    replace_stale: ReplaceStaleOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
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
    """
    from medlead.experiments.compare import (
        comparison,
        format_comparison,
        plot_curves_ci,
        strategy_scenario,
        variant_scenario,
        write_tables,
    )
    from medlead.experiments.scenario import load_scenario
    from medlead.experiments.variants import (
        format_variant_table,
        has_variants,
        variant_table,
        write_variant_report,
    )

    original = load_scenario(scenario)
    varied = variant_scenario(original, structures=structures, ablations=ablations)
    sc = strategy_scenario(varied, replications=replications)
    if out is None:
        kind = "-".join(
            k for k, on in (("structures", structures is not None), ("ablations", ablations)) if on
        )
        suffix = "" if sc.hash == original.hash else f"-{sc.hash[:8]}"
        out = Path("results") / f"{sc.name}{'-' + kind if kind else ''}{suffix}"
    if baseline is not None:
        from medlead.model import STRATEGIES

        if baseline not in STRATEGIES:
            fail(f"--baseline {baseline!r} is not one of {', '.join(STRATEGIES)}")
        run = list(dict.fromkeys(p.params.strategy for p in sc.points))
        if has_variants(sc) and baseline not in run:
            fail(f"--baseline {baseline!r} is not among the strategies run ({', '.join(run)})")
    _sweep(
        sc,
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
        files += write_variant_report(out, vt, command=shlex.join(_command_line()))
        say("wrote " + ", ".join(str(f) for f in files))
        return
    console.print(format_comparison(cmp), markup=False, highlight=False, soft_wrap=True)
    files = write_tables(out, cmp)
    fig = plot_curves_ci(out)
    say("wrote " + ", ".join(str(f) for f in [*files, *([fig] if fig else [])]))


@command()
def report(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.")],
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="Folder for runs.csv, table.csv, paired.csv (default: DIR)."),
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Baseline strategy of the paired differences.")
    ] = None,
    markdown: Annotated[
        Path | None,
        typer.Option("--markdown", help="Markdown report path (default: DIR/report.md)."),
    ] = None,
) -> None:
    """Print a sweep folder's table (DuckDB), export CSV and write a Markdown report.

    The report embeds the figures (curves with CI bands; a phase diagram for two numeric
    factors; the spread across generated Trusts; sensitivity indices for sampled
    designs) and the tables (means with 95% CIs; paired effects with Vargha-Delaney A
    and Hedges' g; replications needed for +/-0.02 intervals). A folder that crosses
    structural switches or ablations also gets the variant table (<kind>.csv,
    <kind>_conclusions.csv, <kind>.md; see `medlead compare --help`).
    """
    from medlead.experiments.analysis import write_report
    from medlead.experiments.compare import comparison, format_comparison, write_tables
    from medlead.experiments.variants import has_variants, variant_table, write_variant_report

    cmp = comparison(folder, baseline=baseline)
    console.print(format_comparison(cmp), markup=False, highlight=False, soft_wrap=True)
    files = write_tables(folder, cmp, out=csv)
    files.append(write_report(folder, out=markdown))
    if has_variants(cmp.scenario) and cmp.baseline is not None:
        vt = variant_table(folder, baseline=cmp.baseline)
        files += write_variant_report(folder, vt, out=csv)
    say("wrote " + ", ".join(str(f) for f in files))


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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Global sensitivity analysis: run a scenario's sampled design, then its indices.

    Sobol (first-order and total indices with bootstrap 95% CIs and a convergence
    check) or Morris (mu*), per combination of the grid factors; replications per sample
    are averaged first. Writes sensitivity_<grid>.csv, figures and report.md.
    """
    from medlead.experiments.analysis import sensitivity_tables, write_report
    from medlead.experiments.scenario import load_scenario
    from medlead.model import SUMMARY_KEYS

    if outcome not in SUMMARY_KEYS:
        from medlead.model.params import unknown_name_message

        fail(f"--outcome: {unknown_name_message(outcome, list(SUMMARY_KEYS), 'outcome')}")
    sc = load_scenario(scenario)
    if sc.spec.sample is None:
        fail(f"{scenario}: the scenario has no sample section to analyse")
    out = out if out is not None else Path("results") / sc.name
    _sweep(
        sc,
        out,
        quiet=quiet,
        workers=workers,
        scheduler=scheduler,
        runs_per_task_=runs_per_task,
        fresh=fresh,
        replace_stale=replace_stale,
    )
    written = []
    for label, df in sensitivity_tables(out, outcome).items():
        console.print(f"\n{sc.name}: {outcome}, {label}", markup=False, highlight=False)
        console.print(df.to_string(index=False, float_format="%.3f"), markup=False)
        safe = "".join(c if c.isalnum() else "_" for c in label)
        path = out / f"sensitivity_{safe}.csv"
        df.to_csv(path, index=False, float_format="%.6g")
        written.append(path)
    written.append(write_report(out))
    say("wrote " + ", ".join(str(f) for f in written))


# ------------------------------------------------------------------------- validate
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
    from medlead.experiments.validate import config_for, run_validation

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


# ------------------------------------------------------------------------- workshop
WORKSHOP_MODULE = "medlead.workshop.app"


def _workshop_available() -> bool:
    """Whether ``medlead.workshop.app`` exists, without importing the workshop package."""
    spec = importlib.util.find_spec("medlead.workshop")
    if spec is None or not spec.submodule_search_locations:
        return False
    return any(
        (Path(loc) / "app.py").is_file() or (Path(loc) / "app" / "__init__.py").is_file()
        for loc in spec.submodule_search_locations
    )


@command()
def workshop(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to bind (0.0.0.0 to serve the room's network).")
    ] = "127.0.0.1",
) -> None:
    """Start the workshop app (Solara) and print its address; Ctrl+C stops it."""
    if not 1 <= port <= 65535:
        fail(f"--port {port}: must be between 1 and 65535")
    if not _workshop_available():
        fail(f"the workshop app ({WORKSHOP_MODULE}) is not installed in this version of medlead")
    if importlib.util.find_spec("solara") is None:
        fail("solara is not installed: pip install solara (see docs/CONTRIBUTING.md)")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        fail(f"cannot serve on {host}:{port} ({exc.strerror or exc})")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        WORKSHOP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
    ]
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"medlead workshop: http://{shown}:{port}  (Ctrl+C to stop)", markup=False, highlight=False
    )
    say(shlex.join(cmd))
    proc = subprocess.Popen(cmd, env=env)

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # SIGTERM (e.g. from a process manager) stops the server too, not only Ctrl+C.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code != 0:
        raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
