#!/usr/bin/env bash
# Build (or refresh) medlead's environment: .venv with Python 3.12 and the pinned packages.
#
# Usage: scripts/setup.sh [--browser] [--force]
#   --browser  also install Debian's chromium (for the browser tests); implied when CI=true
#   --force    reinstall the packages even if nothing changed since the last run
#
# Idempotent: a second run with the same pyproject.toml and constraints.txt only checks
# the stamp in .venv and returns within a second.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

want_browser=0
force=0
[ "${CI:-}" = "true" ] && want_browser=1
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown option '$arg' (known: --browser, --force)" >&2; exit 2 ;;
    esac
done

export SOLARA_TELEMETRY_MIXPANEL_ENABLE=false
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[setup] %s\n' "$*"; }

is_py312() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; }

# --- 1. a Python 3.12 interpreter -------------------------------------------------------
# Mesa >= 3.4 needs Python >= 3.12 (.python-version says 3.12). Prefer pyenv's build, read
# straight from its versions folder so it works without pyenv's shims on PATH.
find_python() {
    local cand
    for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12; do
        if is_py312 "$cand"; then echo "$cand"; return 0; fi
    done
    for cand in "$(command -v python3.12 || true)" "$(command -v python3 || true)"; do
        if [ -n "$cand" ] && is_py312 "$cand"; then echo "$cand"; return 0; fi
    done
    return 1
}

venv=".venv"
if is_py312 "$venv/bin/python"; then
    :
else
    if [ -e "$venv" ]; then
        log "$venv exists but is not a Python 3.12 environment: rebuilding it"
        rm -rf "$venv"
    fi
    if ! py="$(find_python)"; then
        echo "setup.sh: no Python 3.12 found. medlead needs Python 3.12 (Mesa >= 3.4)." >&2
        echo "  Install it, e.g. 'pyenv install 3.12' or your OS package 'python3.12'," >&2
        echo "  so that 'python3.12' is on PATH, then run scripts/setup.sh again." >&2
        exit 1
    fi
    log "creating $venv with $py ($("$py" --version 2>&1))"
    "$py" -m venv "$venv"
fi
vpy="$root/$venv/bin/python"

# --- 2. the pinned packages -------------------------------------------------------------
# The stamp records what the last successful install was made from; unchanged inputs skip pip.
stamp="$venv/.medlead-setup"
want_stamp="$( { "$vpy" --version; cat pyproject.toml constraints.txt; } 2>&1 | sha256sum | cut -d' ' -f1)"
if [ "$force" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
    log "installing medlead and its pinned dependencies (constraints.txt); log in $venv/pip.log"
    # pip's output goes to a log (this machine's pip config adds noisy warnings); shown on failure.
    if ! { "$vpy" -m pip install --upgrade -c constraints.txt pip \
            && "$vpy" -m pip install -c constraints.txt -e '.[dev]' \
            && "$vpy" -m pip check; } >"$venv/pip.log" 2>&1; then
        grep -v "^WARNING: Location 'file:" "$venv/pip.log" | tail -n 40 >&2
        echo "setup.sh: installing the packages failed (full log: $venv/pip.log)" >&2
        exit 1
    fi
    echo "$want_stamp" > "$stamp"
else
    log "$venv is up to date (pyproject.toml and constraints.txt unchanged)"
fi

# --- 3. chromium for the browser tests (CI=true or --browser) ---------------------------
# Playwright's own browser download does not work here; Debian's chromium does.
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "setup.sh: chromium is missing and installing it needs root" >&2; exit 1; }
        sudo="sudo"
    fi
    log "installing Debian's chromium for the browser tests"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium >/dev/null
fi

log "ready: $("$vpy" --version), $venv at $root/$venv"
