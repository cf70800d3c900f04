#!/usr/bin/env bash
# THE main-job command: set up the environment, then run medlead's main job.
#
# Usage: scripts/main.sh [ARGS...]   (ARGS are appended to the main job's command)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export SOLARA_TELEMETRY_MIXPANEL_ENABLE=false
export PATH="$root/.venv/bin:$PATH"

# The main job: the one line to change when the headline job changes (issue 5: `medlead compare`).
main_job=(medlead compare headline --out results/headline --replace-stale)

echo "[main] ${main_job[*]} $*"
exec "${main_job[@]}" "$@"
