"""Strip outputs and execution counts from the teaching notebooks before committing.

Notebooks are stored without outputs so the repository stays small and diffs show only
what an author changed; CI re-executes every notebook (``pytest --nbmake notebooks``), so
stored outputs would add nothing but size and stale numbers.

Usage: ``python notebooks/strip.py`` (all notebooks under ``notebooks/``) or
``python notebooks/strip.py PATH ...``; ``--check`` exits 1 if any notebook has outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def has_outputs(nb: nbformat.NotebookNode) -> bool:
    """Whether any code cell carries outputs or an execution count."""
    return any(
        cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
        for cell in nb.cells
    )


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and per-run metadata, in place."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str]) -> int:
    """Strip (or with ``--check`` only inspect) the given notebooks, or all of them."""
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"] or sorted(HERE.rglob("*.ipynb"))
    dirty = []
    for path in paths:
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        if has_outputs(nb):
            dirty.append(path)
            if not check:
                nbformat.write(strip(nb), path)
    for path in dirty:
        print(f"{'has outputs' if check else 'stripped'}: {path}")
    return 1 if check and dirty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
