#!/usr/bin/env bash
# Issue 38: under Unitree's training gains the plan the hybrid keeps wanders far from the reference (the warm labels of
# recipes/g1_unitree_gains_warm_network.sh: leg targets spread 0.22 rad against the cold labels' 0.08). Fewer samples
# around the held plan and more around the network's knots pull it back: anchor_fraction 0.5 and 0, against today's
# 1.0 (gains_network_cells.sh's shipped row). Hybrid 32 / 4, MPPI, calm noise 0.25, the 0.02 s planner step,
# synchronous, 150 N, tuning seeds SEEDS (default 700-709) in two halves, one per core. Resumable.
# Usage: bash benchmarks/screens/gains_anchor_cells.sh [ANCHOR...]   (default: 0.5 0)
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
S="--modes hybrid:32:4 --plant as_built --gains unitree --planner_set timestep=0.02 --pushes 150"
anchors=("$@"); [ ${#anchors[@]} -eq 0 ] && anchors=(0.5 0)
cells=()
for anchor in "${anchors[@]}"; do
  cells+=("anchor${anchor/./}|$S --set planner=mppi calm_noise=0.25 anchor_fraction=$anchor")
done
run_halves "${OUT:-benchmarks/results/plants/unitree_gains/anchor}" "${SEEDS:-$(seq -s ' ' 700 709)}" "${cells[@]}"
