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


# ------------------------------------------------------- parameters and names in the docs
MODEL_DIR = Path(__file__).resolve().parents[1] / "model"


def _attributes_read_in_model() -> set[str]:
    import ast

    names: set[str] = set()
    for path in MODEL_DIR.glob("*.py"):
        if path.name == "params.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
    return names


def test_every_parameter_is_read_by_the_model():
    """A parameter whose doc describes a term the model never reads is a doc without an
    equation: every field of Params must be read somewhere in model/ (outside params.py)."""
    from medlead.model import Params

    read = _attributes_read_in_model()
    unused = [name for name in Params.names() if name not in read]
    assert not unused, f"parameters no model code reads: {unused}"


def _known_names() -> set[str]:
    import dataclasses

    from medlead.model import REPORTERS, SUMMARY_KEYS, Params, dynamics, hospital, outputs
    from medlead.model.params import PRESETS, STRATEGIES, STRUCTURES, TARGET_RULES
    from medlead.model.state import Constants, State

    known = set(Params.names()) | set(REPORTERS) | set(SUMMARY_KEYS) | set(PRESETS)
    known |= set(STRATEGIES) | set(TARGET_RULES)
    known |= {c for choices in STRUCTURES.values() for c in choices}
    known |= {f.name for f in dataclasses.fields(State)} | {
        f.name for f in dataclasses.fields(Constants)
    }
    for module in (mechanisms, dynamics, hospital, outputs):
        known |= {n for n, _ in inspect.getmembers(module, callable)}
    known |= {n for n, _ in inspect.getmembers(hospital.HospitalModel)}
    from medlead.model import Organisation

    known |= {f.name for f in dataclasses.fields(Organisation)}
    return known


def _is_symbol(token: str) -> bool:
    """Math notation with a subscript (``e_i``, ``h_c``, ``perf_m``), not a name."""
    head, _, tail = token.partition("_")
    return len(head) <= 2 or len(tail) == 1


def test_odd_names_only_what_exists():
    """Every `snake_case` name in docs/odd.md is a parameter, a state variable, a
    reporter, a function or a choice that exists (a renamed or removed term fails)."""
    import re

    odd = (DOCS / "odd.md").read_text()
    names = set(re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)[`*( ]", odd))
    unknown = sorted(n for n in names - _known_names() if not _is_symbol(n))
    assert not unknown, f"docs/odd.md names what the code does not have: {unknown}"


def test_parameter_docs_name_only_existing_parameters():
    """Where a parameter's doc names another parameter (snake_case), that one exists."""
    import re

    from medlead.model import Params

    known = _known_names()
    bad = []
    for name, spec in Params.specs().items():
        for token in re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", spec.doc):
            if token not in known and not _is_symbol(token):
                bad.append(f"{name}: {token}")
    assert not bad, f"parameter docs name unknown terms: {bad}"
