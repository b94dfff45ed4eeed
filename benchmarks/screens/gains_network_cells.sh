#!/usr/bin/env bash
# Issue 38: networks for Unitree's training gains on the G1 as built, against the shipped one, in the step screen's
# setting where the shipped network falls often enough to show a difference: hybrid 32 / 4, today's preset sampling
# (MPPI, calm noise 0.25, every sample around the held plan), the 0.02 s planner step, synchronous loop, 150 N, tuning
# seeds SEEDS (default 700-709) in two halves, one per core. Each argument is NAME=CHECKPOINT; results go to
# OUT/NAME_{a,b}.json. Resumable: a complete cell is skipped.
# Usage: bash benchmarks/screens/gains_network_cells.sh NAME=CHECKPOINT...
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
S="--modes hybrid:32:4 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 --plant as_built --gains unitree"
S="$S --planner_set timestep=0.02 --pushes 150"
cells=()
for cell in "$@"; do cells+=("${cell%%=*}|$S --model_path ${cell#*=}"); done
run_halves "${OUT:-benchmarks/results/network_unitree_gains/eval32}" "${SEEDS:-$(seq -s ' ' 700 709)}" "${cells[@]}"
