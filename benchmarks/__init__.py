"""medlead benchmarks: run ``python -m benchmarks.run`` (see docs/performance.md)."""
