"""The ``medlead`` command line: one thin module per command (parse, call, print).

This package is the only place in medlead that prints to the terminal or exits (the
engine's progress bar aside); every command parses its options, calls the engine or the
analysis, and prints what they return. Heavy imports happen inside the commands, so
``medlead --help`` stays quick. Adding a command: a new module here whose function is
decorated with :func:`~medlead.experiments.cli.app.command`, and one import below (the
order of the imports is the order of ``medlead --help``).
"""

import importlib

from medlead.experiments.cli.app import (
    CliError,
    app,
    command,
    console,
    err_console,
    fail,
    main,
    say,
)

COMMANDS: tuple[str, ...] = (
    "run",
    "params",
    "scenarios",
    "sweep",
    "compare",
    "report",
    "sensitivity",
    "validate",
    "calibrate",
    "workshop",
)
"""The command modules, in the order ``medlead --help`` lists them."""

for _name in COMMANDS:
    importlib.import_module(f"medlead.experiments.cli.{_name}")

__all__ = [
    "COMMANDS",
    "CliError",
    "app",
    "command",
    "console",
    "err_console",
    "fail",
    "main",
    "say",
]
