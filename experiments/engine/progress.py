"""The runs' progress bar: the one thing the engine draws on the terminal.

Long work shows its progress (runs done of total, runs per second, time left) on
stderr, so a sweep started from Python or a notebook shows it as well as one started
from the command line. Everything else the engine has to say it returns, and the
command line prints (``docs/CONTRIBUTING.md``, the import rules).
"""

from __future__ import annotations

__all__ = ["progress_bar"]


def progress_bar(total: int, done: int, enabled: bool, description: str = "sweep"):
    """A rich progress bar of runs on stderr: done of total, runs/s, elapsed, ETA.

    Returns ``(progress, task)``; use ``progress`` as a context manager and advance
    ``task``. ``enabled=False`` gives the same objects drawing nothing.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task):  # noqa: D102
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} runs/s" if speed else "- runs/s")

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
    task = progress.add_task(description, total=total, completed=done)
    return progress, task
