#!/usr/bin/env bash
# Issue 38: the controller with Unitree's training gains (--gains unitree) on the as-built G1, today's preset
# (MPPI, calm noise 0.25, every sample around the held plan), hybrid 32 / 4, synchronous loop: 0 N on seeds
# 700-704 (core 0) and 150 N on seeds 700-709 (core 1), side by side. Resumable: a complete cell is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-benchmarks/results/plants/unitree_gains}
H="--modes hybrid:32:4 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 --plant as_built --gains unitree"
taskset -c 0 bash -c "source benchmarks/resumable_runs.sh; run_planning $OUT as_built_0 $H --pushes 0 --seed_list 700 701 702 703 704" &
taskset -c 1 bash -c "source benchmarks/resumable_runs.sh; run_planning $OUT as_built_150 $H --pushes 150 --seed_list $(seq -s ' ' 700 709)"
wait
