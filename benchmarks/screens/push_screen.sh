#!/usr/bin/env bash
# Pushed-run screen of one controller with other settings: one bench_planning.py file per setting, resumable.
# Usage: [SEEDS="..."] [MODE=hybrid:64:8] [PUSHES="300"] [DIRECTIONS="90 270"] [DURATION=20] [OUT=DIR] \
#        bash benchmarks/screens/push_screen.sh NAME="BENCH_PLANNING FLAGS" [...]      (an empty setting: the defaults)
#   e.g. OUT=benchmarks/results/sigma_screen bash benchmarks/screens/push_screen.sh sigma02="--set sigma_start=0.2"
# Defaults: the CPU-preset hybrid (64 / 8, shipped network), the tuning seeds 200-219, 300 N pushes in any
# direction, 20 s runs, into benchmarks/results/push_screen.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
SEEDS=${SEEDS:-$(seq 200 219)}
MODE=${MODE:-hybrid:64:8}
PUSHES=${PUSHES:-300}
DIRECTIONS=${DIRECTIONS:-}
OUT=${OUT:-benchmarks/results/push_screen}
export DURATION=${DURATION:-20}
for pair in "$@"; do
  name=${pair%%=*}; flags=${pair#*=}
  # shellcheck disable=SC2086  # the seeds, pushes, directions and flags are separate words
  run_planning "$OUT" "$name" --modes "$MODE" --pushes $PUSHES --seed_list $SEEDS \
      ${DIRECTIONS:+--push_directions $DIRECTIONS} $flags
done
