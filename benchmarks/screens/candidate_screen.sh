#!/usr/bin/env bash
# Closed-loop screen of candidate networks on tuning seeds and motions only (200-219; never the evaluation
# seeds 300-319 or motions 300-309), with the current defaults, one file per check and checkpoint, resumable:
#   pushes:   the CPU-preset hybrid (64 / 8), 300 N in any direction, seeds 200-219, 20 s   NAME_300N.json
#   sideways: the same, 300 N to the left or right only, 10 s                              NAME_sideways.json
#   motions:  the same hybrid on generated motions 200-209, no pushes, 20 s                 NAME_motions.json
#   nn:       the network alone, no pushes and 150 N, seeds 200-209, 20 s                  NAME_nn.json
# SEEDS replaces the 20 push seeds (tuning seeds only, e.g. "$(seq 220 259)").
# Usage: [CHECKS="pushes sideways motions nn"] [OUT=DIR] [SEEDS=...] bash benchmarks/screens/candidate_screen.sh NAME=CHECKPOINT [...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
CHECKS=${CHECKS:-pushes sideways motions nn}
OUT=${OUT:-benchmarks/results/network_v4/screen}
push_seeds=${SEEDS:-$(seq 200 219)}; tuning10=$(seq 200 209)
for pair in "$@"; do
  name=${pair%%=*}; checkpoint=${pair#*=}
  [ -f "$checkpoint" ] || { echo "candidate_screen.sh: $checkpoint: no such checkpoint" >&2; exit 2; }
  for check in $CHECKS; do
    # shellcheck disable=SC2086  # the seed lists are separate words
    case $check in
      pushes) run_planning "$OUT" "${name}_300N" --modes hybrid:64:8 --pushes 300 --seed_list $push_seeds --model_path "$checkpoint" ;;
      sideways) DURATION=10 run_planning "$OUT" "${name}_sideways" --modes hybrid:64:8 --pushes 300 --push_directions 90 270 \
                    --seed_list $push_seeds --model_path "$checkpoint" ;;
      motions) run_planning "$OUT" "${name}_motions" --modes hybrid:64:8 --pushes 0 --motions --seed_list $tuning10 \
                   --model_path "$checkpoint" ;;
      nn) run_planning "$OUT" "${name}_nn" --modes nn --pushes 0 150 --seed_list $tuning10 --model_path "$checkpoint" ;;
      *) echo "candidate_screen.sh: unknown check '$check' (pushes, sideways, motions, nn)" >&2; exit 2 ;;
    esac
  done
done
