#!/usr/bin/env bash
# Runs vigia's benchmarks and writes their results (JSON + Markdown) to
# benchmarks/results/. Usage: benchmarks/run.sh [--quick]
#   --quick   smaller inputs, one repetition: a smoke run, not for the record.
# Needs the team data in ../shared/data, gdal-bin (gdal_viewshed), GNU time and, for
# the GRASS column, grass-core (installed here if missing and apt is available).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if ! command -v grass >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends grass-core >/dev/null || true
fi
# GNU time measures the whole commands' peak memory.
if [ ! -x /usr/bin/time ] && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >/dev/null
fi
./scripts/build.sh release >/dev/null
data=${VIGIA_SHARED_DATA:-../shared/data}
work=${VIGIA_BENCH_WORK:-/tmp/vigia-bench}
./build/benchmarks/vigia_bench_viewshed --data "$data" --work "$work" --out benchmarks/results \
  --vigia build/cli/vigia "$@"
./build/benchmarks/vigia_bench_select --data "$data" --out benchmarks/results
./build/benchmarks/vigia_bench_orienteering --data "$data/op" --out benchmarks/results
./build/benchmarks/vigia_bench_threads --vigia build/cli/vigia --data "$data" --work "$work" \
  --out benchmarks/results ${VIGIA_BENCH_BASELINE:+--baseline "$VIGIA_BENCH_BASELINE"} \
  $([ "${1:-}" = --quick ] && echo --quick)
./build/benchmarks/vigia_bench_scale --data "$data" --work "$work" --out benchmarks/results "$@"
echo "benchmarks: results in benchmarks/results/"
