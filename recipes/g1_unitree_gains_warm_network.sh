#!/usr/bin/env bash
# Issue 38: the Unitree-gains network again (recipes/g1_unitree_gains_network.sh: the G1 as built, Unitree's training
# gains, a 0.02 s planner step), but with warm labels: the expert is the real-time hybrid's sampling at 128 / 16 (MPPI,
# calm noise 0.25, every sample around the plan it keeps from cycle to cycle, one iteration) instead of the cold
# update v5 imitates. Under these gains the network fine-tuned on cold labels fell more than the shipped one
# (docs/plants.md), and the hybrid that keeps its plan is the controller that holds. Shards from 110000 (motion seed
# 36) and 115000 (the default clip, seed 37). Screen the candidate with benchmarks/screens/gains_network_cells.sh.
# Resumable: rerun after an interruption.
# Usage: bash recipes/g1_unitree_gains_warm_network.sh [NETWORK] [MOTION_EPISODES] [CLIP_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
source recipes/v5_variant.sh
v5_variant unitree_gains_warm "${1:-g1mpc/data/g1_default.ckpt}" "${2:-20}" "${3:-20}" 110000 36 250 warm \
    --plant as_built --gains unitree --planner_dt 0.02 --planner mppi --calm_noise 0.25 --anchor_fraction 1.0 \
    --temperature_samples 16
