#!/usr/bin/env bash
# Issue 14's must-show rows that depend on the network, for candidate networks, on the unseen seeds 300-319 and
# motions 300-309 (none of which chose any setting or network), with the current defaults; resumable:
#   NAME_pushes.json   the CPU-preset hybrid (64 / 8), 150, 200 and 300 N in any direction, seeds 300-319, 20 s
#   NAME_motions.json  the same hybrid on generated motions 300-309, no pushes, 20 s
#   NAME_nn.json       the network alone, 0, 150, 200 and 300 N, seeds 300-309, 20 s
# The CEM-only and expert rows do not use the network: see benchmarks/results/noise_eval/.
# Usage: [OUT=DIR] bash benchmarks/screens/network_eval.sh NAME=CHECKPOINT [...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
OUT=${OUT:-benchmarks/results/network_eval}
for pair in "$@"; do
  name=${pair%%=*}; checkpoint=${pair#*=}
  [ -f "$checkpoint" ] || { echo "network_eval.sh: $checkpoint: no such checkpoint" >&2; exit 2; }
  # shellcheck disable=SC2046  # the seed lists are separate words
  run_planning "$OUT" "${name}_pushes" --modes hybrid:64:8 --pushes 150 200 300 --seed_list $(seq 300 319) --model_path "$checkpoint"
  # shellcheck disable=SC2046
  run_planning "$OUT" "${name}_motions" --modes hybrid:64:8 --pushes 0 --motions --seed_list $(seq 300 309) --model_path "$checkpoint"
  # shellcheck disable=SC2046
  run_planning "$OUT" "${name}_nn" --modes nn --pushes 0 150 200 300 --seed_list $(seq 300 309) --model_path "$checkpoint"
done
