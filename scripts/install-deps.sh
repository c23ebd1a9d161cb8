#!/usr/bin/env bash
# Installs what vigia needs to build and test, from Debian 12 packages only.
# Idempotent: does nothing (and needs no network) when everything is there.
set -euo pipefail

packages=(
  cmake ninja-build g++ git pkg-config
  libgdal-dev gdal-bin          # raster/vector IO, PROJ; gdal_viewshed as a benchmark peer
  libgeos-dev                   # geometry
  libeigen3-dev                 # linear algebra
  catch2                        # tests (2.13)
  libcli11-dev                  # command line
  nlohmann-json3-dev            # JSON
  libtomlplusplus-dev           # scenario files
  libgeographiclib-dev          # geodesics (Karney)
  libglpk-dev                   # integer programming (exact selection, to measure gaps)
  libcairo2-dev fonts-dejavu-core  # PNG charts and quick-look maps
  nettle-dev                    # SHA-256 of scenario files (provenance)
  python3-qgis qgis-providers   # the QGIS test: plan.qgs opened and rendered headless
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "vigia: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "vigia: run as root (or install with sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
