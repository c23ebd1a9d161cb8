#!/usr/bin/env bash
# Runs `vigia plan` on a scenario and checks the package in real QGIS.
# Usage: run_check.sh VIGIA SCENARIO OUT_DIR [SCREENSHOT.png]
set -euo pipefail
# The screenshot goes beside the package, not into it: vigia's --overwrite replaces
# only a folder holding nothing but what it wrote.
vigia=$1 scenario=$2 out=$3 shot=${4:-$3.qgis_render.png}
"$vigia" plan "$scenario" --out "$out" --overwrite --time-limit 60 -q
exec /usr/bin/python3 "$(dirname "$0")/check_plan.py" "$out" "$shot"
