#!/usr/bin/env bash
# Re-run every named experiment offline and refresh the committed reports.
#
# Usage: scripts/experiments.sh [NAME ...]   (default: all, in the order below)
# Each sweep runs (or resumes) into results/<name>/ with 2 local workers; its report,
# tables and figures are then written to docs/results/<name>/ (committed). `validation`
# rewrites docs/validation.md (the only command that does: `medlead validate` alone writes
# results/validate/); `artefacts` rewrites docs/artefacts.md. A model change
# makes old result folders stale; --replace-stale reruns them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="$root/.venv/bin"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 SOLARA_TELEMETRY_MIXPANEL_ENABLE=false
all=(headline structures ablations bureaucracy critical_mass engagement_gap resonance
     high_performers trust_variation validation sensitivity artefacts)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")

publish() {  # results/<name> -> docs/results/<name>
    local name="$1" dest="docs/results/$1"
    mkdir -p "$dest"
    "$bin/medlead" report "results/$name" --csv "$dest" --markdown "$dest/report.md" > /dev/null
    rm -f "$dest/runs.csv"  # every run's row stays in results/<name>; too big to commit
}

for name in "${names[@]}"; do
    echo "[experiments] $name ($(date -u +%H:%M:%S))"
    case "$name" in
        headline|structures|ablations)
            "$bin/medlead" compare "$name" --out "results/$name" --workers 2 --replace-stale --quiet
            publish "$name" ;;
        sensitivity)
            "$bin/medlead" sensitivity sensitivity --out results/sensitivity --workers 2 \
                --replace-stale --quiet
            # its report is complete; `medlead report` over 15,872 points would take long
            rm -rf docs/results/sensitivity && mkdir -p docs/results/sensitivity
            cp -r results/sensitivity/report.md results/sensitivity/sensitivity_*.csv \
                results/sensitivity/figures docs/results/sensitivity/ ;;
        validation)
            "$bin/medlead" validate --workers 2 --replace-stale --out docs/validation.md ;;
        artefacts)
            "$bin/python" -m benchmarks.artefacts --write > /dev/null ;;
        *)
            "$bin/medlead" sweep "$name" --out "results/$name" --workers 2 --replace-stale --quiet
            publish "$name" ;;
    esac
done
echo "[experiments] done ($(date -u +%H:%M:%S))"
