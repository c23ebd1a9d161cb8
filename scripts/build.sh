#!/usr/bin/env bash
# Configures and builds vigia. Usage: scripts/build.sh [release|asan]
#   release  -> build/        (optimised; what users run)
#   asan     -> build-asan/   (AddressSanitizer + UndefinedBehaviorSanitizer, for tests)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIA_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$dir" --parallel "$(nproc)"
