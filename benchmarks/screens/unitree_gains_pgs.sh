#!/usr/bin/env bash
# Issue 38: the PGS solver in the planner's rollouts under Unitree's training gains (the G1 as built), against
# Newton, on the tuning seeds 700-709 (two halves, one per core), 150 N, synchronous loop:
#   - preset-like: hybrid 32 / 4 at the gain set's 0.04 s step and ramp (0.05-0.2 m/s), plans acting 20 ms late,
#     compensated (what the two-core default run plans under these gains);
#   - ample time: hybrid 64 / 8 at the 0.02 s step (issue 38's goal cell).
# Resumable: a complete cell is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
S="planner=mppi calm_noise=0.25 anchor_fraction=1.0"
P="--plant as_built --gains unitree --pushes 150"
PRESET="--modes hybrid:32:4 --set $S calm_speed=0.05 pushed_speed=0.2 --latency_ms 20 --compensation predict $P"
AMPLE="--modes hybrid:64:8 --set $S temperature_samples=16 $P"
run_halves "${OUT:-benchmarks/results/planner_solver/unitree_gains}" "$(seq -s ' ' ${FIRST:-700} ${LAST:-709})" \
    "preset_newton|$PRESET --planner_set timestep=0.04 frictionloss=0 solver=newton" \
    "preset_pgs|$PRESET --planner_set timestep=0.04 frictionloss=0 solver=pgs" \
    "ample_newton|$AMPLE --planner_set timestep=0.02 frictionloss=0 solver=newton" \
    "ample_pgs|$AMPLE --planner_set timestep=0.02 frictionloss=0 solver=pgs"
