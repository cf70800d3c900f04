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

# The main job: one line to change when the headline job changes.
main_job=(python -c 'import json; from medlead.model import HospitalModel, Params; print(json.dumps(HospitalModel(Params(), rng=0).run(), indent=2))')

echo "[main] ${main_job[*]} $*"
exec "${main_job[@]}" "$@"
