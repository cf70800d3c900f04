"""The ODD description stays in step with the code."""

import inspect
from pathlib import Path

from medlead.model import mechanisms

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_odd_names_every_mechanism_function():
    odd = (DOCS / "odd.md").read_text()
    functions = [
        name
        for name, fn in inspect.getmembers(mechanisms, inspect.isfunction)
        if fn.__module__ == mechanisms.__name__ and not name.startswith("_")
    ]
    missing = [f for f in functions if f"`{f}`" not in odd and f"{f}`" not in odd]
    assert not missing, f"docs/odd.md does not describe: {missing}"


def test_odd_has_every_section():
    odd = (DOCS / "odd.md").read_text()
    for section in (
        "Purpose and patterns",
        "Entities, state variables and scales",
        "Process overview and scheduling",
        "Design concepts",
        "Initialisation",
        "Input data",
        "Submodels",
    ):
        assert section in odd
