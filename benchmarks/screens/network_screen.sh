#!/usr/bin/env bash
# Closed-loop screen of candidate networks on the tuning seeds 200-209 (never the evaluation seeds 300-319):
# the CPU-preset hybrid (64 / 8) under 300 N pushes, one file per checkpoint, resumable.
# Usage: bash benchmarks/screens/network_screen.sh NAME=CHECKPOINT [NAME=CHECKPOINT ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
for pair in "$@"; do
  name=${pair%%=*}; checkpoint=${pair#*=}
  run_planning benchmarks/results/network_v2/screen "$name" --modes hybrid:64:8 --pushes 300 \
      --seed_list $(seq 200 209) --model_path "$checkpoint"
done
