"""``medlead report``: a sweep folder's table, CSV exports and Markdown report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medlead.experiments.cli.app import command, console, say


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
    from medlead.experiments.analysis.compare import comparison, format_comparison, write_tables
    from medlead.experiments.analysis.report import write_report
    from medlead.experiments.analysis.variants import (
        has_variants,
        variant_table,
        write_variant_report,
    )

    cmp = comparison(folder, baseline=baseline)
    console.print(format_comparison(cmp), markup=False, highlight=False, soft_wrap=True)
    files = write_tables(folder, cmp, out=csv)
    files.append(write_report(folder, out=markdown))
    if has_variants(cmp.scenario) and cmp.baseline is not None:
        vt = variant_table(folder, baseline=cmp.baseline)
        files += write_variant_report(folder, vt, out=csv)
    say("wrote " + ", ".join(str(f) for f in files))
