#!/usr/bin/env bash
# Regenerate constraints.txt from .venv after a dependency was added to pyproject.toml.
#
# Usage: scripts/lock.sh [--upgrade]
#   (default)  keep every pinned version; only newly added packages get the newest release
#   --upgrade  re-resolve everything to the newest releases allowed by pyproject.toml
# Commit constraints.txt afterwards; scripts/setup.sh installs exactly these versions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
vpy=.venv/bin/python
if [ "${1:-}" = "--upgrade" ]; then
    pip_args=(--upgrade --upgrade-strategy eager -e '.[dev]')
else
    pip_args=(-c constraints.txt -e '.[dev]')
fi
"$vpy" -m pip install "${pip_args[@]}" >.venv/pip.log 2>&1 \
    || { tail -n 40 .venv/pip.log >&2; echo "[lock] pip install failed (.venv/pip.log)" >&2; exit 1; }
"$vpy" -m pip check
header="$(grep '^#' constraints.txt || true)"
{
    printf '%s\n' "$header"
    "$vpy" -m pip freeze --all --exclude-editable | grep -viE '^(medlead)([=@ ]|$)'
} > constraints.txt.new
mv constraints.txt.new constraints.txt
# The stamp must follow the new constraints, or the next setup would reinstall for nothing.
bash scripts/setup.sh >/dev/null
echo "[lock] constraints.txt: $(grep -vc '^#' constraints.txt) pinned packages"
