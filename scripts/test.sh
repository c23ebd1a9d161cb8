#!/usr/bin/env bash
# Quick start, command two (and what CI runs): installs the dependencies, builds the
# Release and the sanitizer (ASan + UBSan) builds, and runs the whole test suite of
# each with ctest. Tests read the team data from ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
for kind in release asan; do
  ./scripts/build.sh "$kind"
  dir=build; [ "$kind" = asan ] && dir=build-asan
  echo "== ctest ($kind)"
  ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)"
done
