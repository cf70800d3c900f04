"""The ``medlead`` Typer app, its shared error handling and its terminal output.

Every command module registers itself on :data:`app` with :func:`command`, which wraps it
in the shared error handling: a user problem (:class:`~medlead.model.ParamError`, which
includes :class:`~medlead.experiments.engine.config.ConfigError`, or :class:`CliError`)
prints one short line per problem on stderr and exits with code 2, never a traceback.
Results go to stdout (:data:`console`), everything else to stderr (:func:`say`).

Help is Click's plain formatter (``rich_markup_mode=None``): it rewraps every paragraph
to the terminal's width (``COLUMNS``, or the terminal's size; at least 50), shows
on/off options as ``--flag / --no-flag`` and every default that is a value, where
Typer's rich panels kept the docstrings' line breaks and showed ``<bool>`` for flags
(``tests/test_cli.py`` renders every command's help at 80 and 120 columns).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console

__all__ = [
    "EXIT_USAGE",
    "CliError",
    "app",
    "command",
    "command_line",
    "console",
    "err_console",
    "fail",
    "main",
    "say",
]


EXIT_USAGE = 2

app = typer.Typer(
    name="medlead",
    help="medlead: agent-based simulation of how improvement spreads through a hospital "
    "(mandate versus clinician-owned persuasion).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # Click caps help at 80 columns unless told otherwise: wrap to the terminal instead.
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 1000},
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


def command_line() -> list[str]:
    """The current command line as recorded in outputs, the program shown as ``medlead``."""
    return ["medlead", *sys.argv[1:]]


def main() -> None:
    """Console-script entry point (``medlead``): every command registered, then run."""
    import medlead.experiments.cli  # noqa: F401  (registers the commands)

    app()
