#!/usr/bin/env bash
# Issue 38: Unitree's training gains on the G1 as built with a 0.02 s planner step against the default model's
# 0.04 s; hybrid 64 / 8 at today's preset sampling (MPPI, calm noise 0.25, every sample around the held plan,
# temperature meant for 16 samples), synchronous loop, 150 N, unseen seeds 1500-1519 in two halves, one per core.
# Resumable: a complete cell is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
H="--modes hybrid:64:8 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 --plant as_built"
H="$H --gains unitree --pushes 150"
run_halves "${OUT:-benchmarks/results/plants/unitree_gains}" "$(seq -s ' ' 1500 1519)" \
    "step02_150|$H --planner_set timestep=0.02" "step04_150|$H --planner_set timestep=0.04"
