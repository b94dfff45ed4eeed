#!/usr/bin/env bash
# Sideways-push screen: the CPU-preset hybrid (64 / 8, shipped network) under 300 N pushes to the left or
# right only (world +-y, the failure mode of the 300 N runs), 10 s runs (4 pushes), one file per setting,
# resumable. Seeds: the tuning seeds 200-219 unless SEEDS names others. MODE overrides the controller
# (e.g. MODE=cem:128:16 for the expert).
# Usage: [SEEDS="..."] [MODE=...] bash benchmarks/sideways_screen.sh NAME="BENCH_PLANNING FLAGS" [...]
#   e.g. bash benchmarks/sideways_screen.sh base= cp3000="--weights capture_point=3000"
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/resumable_runs.sh
SEEDS=${SEEDS:-$(seq 200 219)}
MODE=${MODE:-hybrid:64:8}
export DURATION=10
for pair in "$@"; do
  name=${pair%%=*}; flags=${pair#*=}
  # shellcheck disable=SC2086  # the seeds and the flags are separate words
  run_planning benchmarks/results/sideways_screen "$name" --modes "$MODE" --pushes 300 --push_directions 90 270 \
      --seed_list $SEEDS $flags
done
