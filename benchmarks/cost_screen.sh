#!/usr/bin/env bash
# Cost-weight screen of the CPU-preset hybrid (64 / 8, shipped network) under 300 N pushes on the tuning
# seeds 200-209 (never the evaluation seeds 300-319), one file per setting, resumable.
# Usage: bash benchmarks/cost_screen.sh NAME="FIELD=VALUE [FIELD=VALUE ...]" [...]
#   e.g. bash benchmarks/cost_screen.sh cp3000="capture_point=3000"
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/resumable_runs.sh
for pair in "$@"; do
  name=${pair%%=*}; weights=${pair#*=}
  # shellcheck disable=SC2086  # the weights are separate words
  run_planning benchmarks/results/cost_screen "$name" --modes hybrid:64:8 --pushes 300 \
      --seed_list $(seq 200 209) --weights $weights
done
