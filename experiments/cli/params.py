"""``medlead params``: every parameter with its range, unit, role, doc and citation."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from medlead.experiments.cli.app import command, console


@command()
def params(
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown/--no-markdown", help="Print the Markdown tables of docs/params.md."
        ),
    ] = False,
) -> None:
    """List every parameter: default, ranges, unit, role, key flag, doc and citation."""
    from medlead.experiments.analysis.paramdoc import COLUMNS, param_rows, params_markdown
    from medlead.model.labels import label

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
        head.append(f" ({label(row['name']).title})", style="italic")
        head.append(f" = {row['default']}   allowed {row['allowed']}   plausible ")
        head.append(f"{row['plausible']}   {row['unit']}   {row['role']}")
        if row["key"]:
            head.append("   key", style="bold")
        console.print(head)
        body = Text("    " + row["doc"])
        body.append(f" [{row['citation']}]", style="dim")
        console.print(body)
