"""The import rules of docs/CONTRIBUTING.md, checked on every module's source.

Every ``import`` and ``from ... import`` is read from the syntax tree, including the
imports inside functions (the CLI imports lazily, and a lazy import breaks a rule as
much as a top-level one). A rule names, for the modules under a prefix, which medlead
modules they may import; the terminal rule says where printing and exiting may happen.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "model": "medlead.model",
    "agents": "medlead.agents",
    "experiments": "medlead.experiments",
    "workshop": "medlead.workshop",
}


@dataclass(frozen=True)
class Rule:
    """Modules under ``scope`` may import only medlead modules under ``allowed``."""

    scope: str
    allowed: tuple[str, ...]
    why: str
    forbidden_names: tuple[str, ...] = ()
    """Names that may not be imported even from an allowed module."""


ENGINE_READ_API = (
    "medlead.experiments.engine.store",
    "medlead.experiments.engine.scenario",
    "medlead.experiments.engine.samplers",
    "medlead.experiments.engine.ablations",
)

RULES: tuple[Rule, ...] = (
    Rule("medlead.agents", ("medlead.agents",), "agents are views on the model's arrays"),
    Rule(
        "medlead.model",
        ("medlead.model", "medlead.agents"),
        "the model knows no experiments or workshop",
    ),
    Rule(
        "medlead.experiments.engine",
        ("medlead.model", "medlead.agents", "medlead.experiments.engine"),
        "the engine runs designs and judges nothing: no analysis, validation or CLI",
    ),
    Rule(
        "medlead.experiments.analysis",
        ("medlead.model", "medlead.experiments.analysis", *ENGINE_READ_API),
        "analysis reads stored tables (the store's read API and the scenario that "
        "describes them) and never runs a model",
        forbidden_names=("HospitalModel", "step", "build_organisation"),
    ),
    Rule(
        "medlead.experiments.validation",
        (
            "medlead.model",
            "medlead.experiments.engine",
            "medlead.experiments.analysis",
            "medlead.experiments.validation",
        ),
        "validation judges patterns with the engine and the analysis; it never prints",
    ),
    Rule(
        "medlead.experiments.calibration",
        (
            "medlead.model",
            "medlead.experiments.engine",
            "medlead.experiments.analysis",
            "medlead.experiments.calibration",
        ),
        "calibration is designs for the engine plus their own judges; it never prints",
    ),
    Rule(
        "medlead.experiments.cli",
        ("medlead.model", "medlead.experiments"),
        "the command line calls everything in experiments, and starts the workshop only "
        "as a subprocess (so `medlead --help` never loads Solara)",
    ),
    Rule(
        "medlead.workshop",
        (
            "medlead.model",
            "medlead.agents",
            "medlead.workshop",
            "medlead.experiments.engine",
            "medlead.experiments.analysis",
        ),
        "the workshop knows no CLI and no validation",
    ),
)

FACADE = "medlead.experiments"
"""The package ``__init__``: lazy re-exports only (checked separately)."""

TERMINAL_SCOPES = ("medlead.experiments.cli",)
TERMINAL_EXCEPTIONS = ("medlead.experiments.engine.progress",)
"""Outside the CLI only the runs' progress bar draws on the terminal."""
TERMINAL_MODULES = ("typer", "rich", "click", "tqdm")


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    parts[0] = PACKAGES[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(root: Path) -> dict[str, Path]:
    found = {}
    for top in PACKAGES:
        for path in sorted((root / top).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def imports(tree: ast.AST) -> list[tuple[int, str, tuple[str, ...], int]]:
    """(line, module, names, level) for every import in ``tree``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, (), 0) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            out.append((node.lineno, node.module or "", names, node.level))
    return out


def terminal_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """``print(...)``, ``sys.exit(...)`` and ``exit(...)`` calls in ``tree``."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in ("print", "exit", "quit"):
            out.append((node.lineno, f"{f.id}()"))
        elif (
            isinstance(f, ast.Attribute)
            and f.attr == "exit"
            and isinstance(f.value, ast.Name)
            and f.value.id in ("sys", "os")
        ):
            out.append((node.lineno, f"{f.value.id}.exit()"))
    return out


def violations(root: Path) -> list[str]:
    """Every broken import rule in the packages under ``root``, one line each."""
    problems = []
    for name, path in sources(root).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root)
        rule = max(
            (r for r in RULES if under(name, r.scope)), key=lambda r: len(r.scope), default=None
        )
        in_experiments = under(name, "medlead.experiments")
        terminal_ok = any(under(name, s) for s in TERMINAL_SCOPES) or name in TERMINAL_EXCEPTIONS
        for line, mod, names, level in imports(tree):
            if level:
                problems.append(f"{where}:{line}: relative import (import through medlead.)")
                continue
            top = mod.split(".")[0]
            if top in PACKAGES:
                problems.append(f"{where}:{line}: import {mod} (import through medlead.)")
                continue
            if in_experiments and not terminal_ok and top in TERMINAL_MODULES:
                problems.append(
                    f"{where}:{line}: imports {mod}; only the CLI draws on the terminal"
                )
            if not under(mod, "medlead") or name == FACADE:
                continue
            if rule is not None and not any(under(mod, a) for a in rule.allowed):
                problems.append(f"{where}:{line}: {name} imports {mod}: {rule.why}")
            if rule is not None:
                bad = sorted(set(names) & set(rule.forbidden_names))
                if bad:
                    problems.append(f"{where}:{line}: {name} imports {', '.join(bad)}: {rule.why}")
        if in_experiments and not terminal_ok:
            for line, call in terminal_calls(tree):
                problems.append(
                    f"{where}:{line}: {call} outside the CLI (return it; the CLI prints and exits)"
                )
    return problems


def test_the_code_keeps_the_import_rules():
    assert violations(ROOT) == []


def test_every_module_falls_under_a_rule():
    uncovered = [
        n for n in sources(ROOT) if n != FACADE and not any(under(n, r.scope) for r in RULES)
    ]
    assert uncovered == []


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        (
            "experiments/engine/planted.py",
            "from medlead.experiments.analysis import figures\n",
            "the engine runs designs and judges nothing",
        ),
        (
            "experiments/engine/planted.py",
            "def f():\n    from medlead.experiments.cli import say\n",
            "imports medlead.experiments.cli",
        ),
        (
            "experiments/analysis/planted.py",
            "from medlead.experiments.engine.runner import sweep\n",
            "never runs a model",
        ),
        (
            "experiments/analysis/planted.py",
            "from medlead.model import HospitalModel\n",
            "imports HospitalModel",
        ),
        (
            "model/planted.py",
            "import medlead.experiments.engine.store\n",
            "the model knows no experiments",
        ),
        (
            "workshop/planted.py",
            "from medlead.experiments.cli import app\n",
            "the workshop knows no CLI",
        ),
        ("experiments/validation/planted.py", "print('done')\n", "print() outside the CLI"),
        ("experiments/engine/planted.py", "import sys\nsys.exit(2)\n", "sys.exit() outside"),
        (
            "experiments/analysis/planted.py",
            "from rich.console import Console\n",
            "only the CLI draws on the terminal",
        ),
        ("experiments/engine/planted.py", "from . import store\n", "relative import"),
        ("agents/planted.py", "from model import Params\n", "import through medlead."),
    ],
)
def test_a_planted_forbidden_import_is_reported(tmp_path, where, source, expected):
    planted = tmp_path / where
    planted.parent.mkdir(parents=True)
    planted.write_text(source)
    found = violations(tmp_path)
    assert len(found) == 1 and expected in found[0], found
    assert found[0].startswith(where)


def test_allowed_imports_are_not_reported(tmp_path):
    for where, source in {
        "experiments/analysis/ok.py": "from medlead.experiments.engine.store import runs_frame\n",
        "experiments/cli/ok.py": "from medlead.experiments.engine.runner import sweep\n"
        "print('fine')\n",
        "experiments/engine/progress.py": "from rich.progress import Progress\n",
        "model/ok.py": "from medlead.agents import Doctor\n",
    }.items():
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_text(source)
    assert violations(tmp_path) == []


def test_the_facade_exports_the_defining_modules_objects():
    facade = importlib.import_module(FACADE)
    for name, module in facade.PUBLIC.items():
        assert getattr(facade, name) is getattr(importlib.import_module(module), name), name
    with pytest.raises(AttributeError):
        _ = facade.no_such_name
