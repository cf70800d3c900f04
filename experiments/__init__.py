"""Experiments: CLI, scenarios, sweeps and analysis."""
