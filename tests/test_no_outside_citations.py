"""Nothing in the repository cites a file outside it.

The project once cited a design document that is not in the repository; every source
must be the literature or the project's own docs (``docs/odd.md``, ``docs/data.md``,
...). This test reads every tracked text file (``git ls-files``; binary files, those
with a NUL byte, are skipped) and fails naming each file and line that still does.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Spelled in two parts so that this file does not cite it.
OUTSIDE = ("DESIGN" + ".md",)


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_tracked_file_cites_a_file_outside_the_repository():
    hits = []
    for path in tracked_files():
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):  # deleted but not yet committed
            continue
        if b"\0" in data:
            continue
        text = data.decode("utf-8", errors="replace")
        for i, line in enumerate(text.splitlines(), 1):
            for name in OUTSIDE:
                if name in line:
                    hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()[:120]}")
    assert not hits, "files citing a document that is not in the repository:\n" + "\n".join(hits)
