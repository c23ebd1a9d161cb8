#!/usr/bin/env bash
# Packs the QGIS plugin (qgis_plugin/vigia) into a zip for QGIS "Plugins > Manage and
# Install Plugins > Install from ZIP" (docs/qgis.md).
#
# Usage: scripts/build_qgis_plugin.sh [OUT.zip] [VIGIA_EXECUTABLE]
#   OUT.zip           where the zip goes (default build/vigia-qgis-plugin.zip)
#   VIGIA_EXECUTABLE  optional: a vigia binary to ship as vigia/bin/vigia, which the
#                     plugin runs when no setting or VIGIA_EXECUTABLE names another one
#                     (it is linked against the system's GDAL, GEOS...: ship it only to
#                     machines with the same libraries, e.g. the same Debian release)
#
# The zip holds one folder, vigia/, as QGIS expects; Python caches are left out. The
# source tree is not modified: the files are staged in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/vigia-qgis-plugin.zip}
exe=${2:-}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
if [ -n "$exe" ] && [ ! -x "$exe" ]; then
  echo "build_qgis_plugin.sh: $exe is not an executable file" >&2
  exit 2
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$root/qgis_plugin/vigia" "$stage/vigia"
find "$stage/vigia" \( -name __pycache__ -o -name '*.pyc' \) -prune -exec rm -rf {} +
if [ -n "$exe" ]; then
  mkdir -p "$stage/vigia/bin"
  cp "$exe" "$stage/vigia/bin/vigia"
  chmod 755 "$stage/vigia/bin/vigia"
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"
python3 - "$stage" "$out" <<'EOF'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(os.path.join(stage, "vigia")):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            z.write(path, os.path.relpath(path, stage))  # keeps the Unix mode bits
EOF
echo "$out"
