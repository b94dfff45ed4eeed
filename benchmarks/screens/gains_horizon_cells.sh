#!/usr/bin/env bash
# Issue 38: a longer horizon under Unitree's training gains on the G1 as built. The network is trained for the 0.5 s
# horizon, so the longer horizon runs as CEM alone (no network); the same at 0.5 s separates what the horizon buys from
# what dropping the network costs. 64 / 8, today's preset sampling (MPPI, calm noise 0.25, every sample around the
# held plan, temperature meant for 16 samples), the 0.02 s planner step, synchronous loop, 150 N; tuning seeds
# SEEDS (default 710-719) in two halves, one per core. Resumable: a complete cell is skipped.
# Usage: bash benchmarks/screens/gains_horizon_cells.sh [CELL...]   (cells: hybrid05 cem05 cem08; default all)
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
SEEDS=${SEEDS:-$(seq -s ' ' 710 719)}
S="--set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 --plant as_built --gains unitree"
S="$S --planner_set timestep=0.02 --pushes 150"
declare -A CELL=(
  [hybrid05]="--modes hybrid:64:8 $S"
  [cem05]="--modes cem:64:8 $S"
  [cem08]="--modes cem:64:8 $S --plan_horizon 0.8 --num_knots 6"
)
names=("$@"); [ ${#names[@]} -eq 0 ] && names=(hybrid05 cem05 cem08)
cells=()
pick_cells gains_horizon_cells.sh CELL "_${SEEDS%% *}" "${names[@]}"
run_halves "${OUT:-benchmarks/results/plants/unitree_gains/horizon}" "$SEEDS" "${cells[@]}"
