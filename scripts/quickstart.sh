#!/usr/bin/env bash
# Quick start, command one: installs the dependencies, builds Release and runs
# `vigia plan` on the bundled sample scenario (SRTM tile S33W071, central Andes,
# Chile-Argentina border): a complete mission package in out/sample_plan/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release >/dev/null
./build/cli/vigia plan data/sample_scenario.toml --overwrite
echo "vigia: open out/sample_plan/report.md, out/sample_plan/plan.qgs in QGIS or plan.kmz in Google Earth; the binary is ./build/cli/vigia"
