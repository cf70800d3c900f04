"""Experiments on the model: designs run into a store, analysed, validated, and the CLI.

The package is laid out by role (``docs/CONTRIBUTING.md`` has the tree and the import
rules a test enforces):

- :mod:`medlead.experiments.engine`: turns a design into stored runs (scenarios,
  samplers, the Dask runner, the Parquet store, run folders); judges nothing;
- :mod:`medlead.experiments.analysis`: reads stored tables and writes statistics,
  figures and reports; never runs a model;
- :mod:`medlead.experiments.validation`: the seed deck's patterns, one module each, and
  the validation report;
- :mod:`medlead.experiments.cli`: the ``medlead`` command, the only place that prints
  to the terminal or exits;
- ``scenarios/``: the named experiments as TOML files.

The names people use most from Python are importable from here directly, e.g.
``from medlead.experiments import load_scenario, sweep, runs_frame``. They are loaded on
first use (PEP 562), so importing this package costs nothing and ``medlead --help``
stays quick.
"""

from __future__ import annotations

import importlib
from typing import Any

PUBLIC: dict[str, str] = {
    "load_scenario": "medlead.experiments.engine.scenario",
    "parse_scenario": "medlead.experiments.engine.scenario",
    "named_scenarios": "medlead.experiments.engine.scenario",
    "Scenario": "medlead.experiments.engine.scenario",
    "ScenarioError": "medlead.experiments.engine.scenario",
    "strategy_scenario": "medlead.experiments.engine.designs",
    "sweep": "medlead.experiments.engine.runner",
    "connect": "medlead.experiments.engine.store",
    "read_manifest": "medlead.experiments.engine.store",
    "runs_frame": "medlead.experiments.engine.store",
    "timeseries_frame": "medlead.experiments.engine.store",
    "comparison": "medlead.experiments.analysis.compare",
    "format_comparison": "medlead.experiments.analysis.compare",
    "write_report": "medlead.experiments.analysis.report",
    "mean_ci": "medlead.experiments.analysis.stats",
    "compare_paired": "medlead.experiments.analysis.effects",
}
"""Public name → the module that defines it."""

__all__ = sorted(PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *PUBLIC])
