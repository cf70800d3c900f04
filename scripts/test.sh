#!/usr/bin/env bash
# THE test command: set up the environment, lint, then run the test suite.
#
# Usage: scripts/test.sh [--slow] [PYTEST ARGS...]
#   --slow        include tests marked `slow` (left out by default)
#   PYTEST ARGS   passed to both pytest calls, e.g. -k params, -x, tests/test_params.py
#                 (without arguments the notebooks in notebooks/ run too, via nbmake)
# Environment: PYTEST_WORKERS=N (default 2; 0 = no xdist), CI=true (as in .ci/run: also
# installs chromium and makes browser tests fail rather than skip without it).
#
# Two pytest calls: the browser tests run on their own, one at a time, because each
# starts a server on a fixed port; the rest run in parallel with pytest-xdist.
# Exits non-zero if ruff or any test fails.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

marks="not slow"
args=()
for arg in "$@"; do
    case "$arg" in
        --slow) marks="" ;;
        *) args+=("$arg") ;;
    esac
done

bash scripts/setup.sh || { echo "[test] setup failed" >&2; exit 1; }

export SOLARA_TELEMETRY_MIXPANEL_ENABLE=false
# One BLAS thread per process: xdist workers would otherwise fight over two cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
bin="$root/.venv/bin"
status=0

# pytest exits 5 when a selection holds no test: not a failure for the browser-only call.
run_pytest() {
    local rc=0
    "$bin/python" -m pytest "$@" "${args[@]}" || rc=$?
    if [ "$rc" = 5 ]; then
        echo "[test] (no tests in this selection)"
        rc=0
    fi
    return "$rc"
}

echo "[test] ruff check ."
"$bin/ruff" check . || status=1

join() { [ -n "$1" ] && echo "($1) and $2" || echo "$2"; }

echo "[test] pytest: browser tests, serially"
run_pytest -m "$(join "$marks" browser)" -n 0 || status=1

workers="${PYTEST_WORKERS:-2}"
xdist=()
[ "$workers" != 0 ] && xdist=(-n "$workers")
# With no arguments the teaching notebooks run too (executed top to bottom by nbmake).
paths=()
if [ "${#args[@]}" = 0 ] && compgen -G "notebooks/*.ipynb" >/dev/null; then
    paths=(--nbmake tests notebooks)
fi
echo "[test] pytest: all other tests${paths:+ and the notebooks}${xdist:+ (${xdist[*]})}"
"$bin/python" -m pytest -m "$(join "$marks" "not browser")" "${xdist[@]}" "${paths[@]}" "${args[@]}" \
    || status=1

if [ "$status" = 0 ]; then echo "[test] OK"; else echo "[test] FAILED" >&2; fi
exit "$status"
