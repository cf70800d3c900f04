"""The teaching notebooks: public API only, stored without outputs, complete.

Execution is not done here: ``scripts/test.sh`` runs ``pytest --nbmake tests notebooks``,
which executes every notebook (answers included) top to bottom in a fresh kernel; a guard
below checks that the test command still does so. Each notebook ends with a cell that
re-checks the claims of its text against its own results, so executing it also tests
that the text still matches what the model does.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
LESSONS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
ANSWERS = sorted((NB_DIR / "answers").glob("[0-9][0-9]_*_answers.ipynb"))
ALL = LESSONS + ANSWERS
# Packages whose ``__all__`` is the public API; their submodules are private, except
# experiments modules that declare their own ``__all__``.
PUBLIC_PACKAGES = ("medlead.model", "medlead.agents", "medlead.experiments")


def ids(paths):
    return [str(p.relative_to(NB_DIR)) for p in paths]


def code_of(path: Path) -> ast.Module:
    nb = nbformat.read(path, as_version=4)
    src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # IPython magics and shell escapes are not Python; there should be none.
    assert not re.search(r"^\s*[%!]", src, re.M), f"{path.name}: magics or shell escapes"
    return ast.parse(src, filename=str(path))


def public_module(name: str) -> bool:
    """A module a notebook may import from: a public package, or a module with ``__all__``."""
    if any(part.startswith("_") for part in name.split(".")):
        return False
    if name in PUBLIC_PACKAGES:
        return True
    if name.startswith("medlead.experiments."):
        return hasattr(importlib.import_module(name), "__all__")
    return False


def test_there_are_six_lessons_each_with_answers():
    assert len(LESSONS) == 6, ids(LESSONS)
    assert [p.stem + "_answers" for p in LESSONS] == [p.stem for p in ANSWERS]


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_only_public_api(path):
    problems = []
    for node in ast.walk(code_of(path)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("medlead"):
            if not public_module(node.module):
                problems.append(f"line {node.lineno}: import from private module {node.module}")
                continue
            public = set(getattr(importlib.import_module(node.module), "__all__", ()))
            for alias in node.names:
                if alias.name not in public:
                    problems.append(
                        f"line {node.lineno}: {alias.name} is not in {node.module}.__all__"
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("medlead") and not public_module(alias.name):
                    problems.append(f"line {node.lineno}: import of private module {alias.name}")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                problems.append(f"line {node.lineno}: private attribute .{node.attr}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr":
            arg = node.args[1] if len(node.args) > 1 else None
            if isinstance(arg, ast.Constant) and str(arg.value).startswith("_"):
                problems.append(f"line {node.lineno}: getattr of private {arg.value!r}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_public_api_check_catches_violations(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from medlead.model.dynamics import step"),
        nbformat.v4.new_code_cell("from medlead.model import HospitalModel, summarise"),
        nbformat.v4.new_code_cell("import medlead.model.mechanisms\nm._row"),
    ]
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(AssertionError) as err:
        test_only_public_api(bad)
    message = str(err.value)
    for expected in (
        "private module medlead.model.dynamics",
        "summarise is not in",
        "private module medlead.model.mechanisms",
        "private attribute ._row",
    ):
        assert expected in message


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; run python notebooks/strip.py"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_lesson_structure(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in (
        "Learning objectives",
        "## The idea",
        "## Things to notice",
        "## Questions and exercises",
        "## References",
        "### Do the claims above still hold?",
    ):
        assert heading in text, f"{path.name}: missing {heading!r}"
    link = f"answers/{path.stem}_answers.ipynb"
    assert link in text and (NB_DIR / link).is_file(), f"{path.name}: no link to {link}"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_text_is_checked_against_results(path):
    nb = nbformat.read(path, as_version=4)
    calls = [c for c in nb.cells if c.cell_type == "code" and "\ncheck({" in c.source]
    assert calls, f"{path.name}: no cell checks the text's claims against the results"


def test_test_command_executes_the_notebooks():
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "--nbmake" in script and "notebooks" in script
