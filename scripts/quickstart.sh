#!/usr/bin/env bash
# Quick start, command one: installs the dependencies, builds Release and runs vigia
# on the bundled sample (SRTM tile S33W071, central Andes, Chile-Argentina border).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh release >/dev/null
out=out/quickstart
mkdir -p "$out"
./build/cli/vigia info data/S33W071_srtm3.tif | tee "$out/info.txt"
./build/cli/vigia info --json data/S33W071_srtm3.tif > "$out/info.json"
# What a drone 1 500 m above the Andes near the border sees within 25 km.
./build/cli/vigia viewshed data/S33W071_srtm3.tif "$out/viewshed.tif" --observer -70.1,-32.65 \
  --altitude 1500 --max-distance 25000 --rise "$out/rise.tif"
echo
echo "vigia: outputs are in $(pwd)/$out (info.txt, info.json, viewshed.tif, rise.tif); the binary is ./build/cli/vigia"
