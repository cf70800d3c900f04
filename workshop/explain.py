"""The explain panel: what to notice, what to try next and the idea behind it.

The texts live in ``workshop/explain/`` as Markdown, one file per preset
(``<preset>.md``) and one per strategy (``strategy-<strategy>.md``), so facilitators can
edit them without touching code; ``tests/test_workshop_explain.py`` checks that every
workshop preset and every strategy has one with the three parts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

EXPLAIN_DIR = Path(__file__).parent / "explain"


@cache
def explain_text(name: str) -> str:
    """The Markdown of one explain file (``name`` without ``.md``)."""
    path = EXPLAIN_DIR / f"{name}.md"
    if not path.exists():
        return f"_No explanation written yet for {name}._"
    return path.read_text(encoding="utf-8")


def explain(preset: str, strategy: str) -> str:
    """The explain panel for a preset and a strategy."""
    return explain_text(preset) + "\n\n" + explain_text(f"strategy-{strategy}")


__all__ = ["EXPLAIN_DIR", "explain", "explain_text"]
