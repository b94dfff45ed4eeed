#!/usr/bin/env bash
# Issue 37/38: do the push ramps (--calm_speed 0.3 --pushed_speed 0.8 --calm_accel 9 --pushed_accel 15) cost the G1 as
# built at 64 samples, as they did at 32 in real time? Hybrid 64 / 8, synchronous with plans acting 20 ms after their
# state (compensated), 200 N, unseen seeds 1560-1579: half on each core, the preset then the ramps. Resumable (a
# complete cell is skipped). Results: benchmarks/results/plants/ramps_64/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
PRESET="planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16"
RAMPS="calm_speed=0.3 pushed_speed=0.8 calm_accel=9 pushed_accel=15"
COMMON="--modes hybrid:64:8 --plant as_built --pushes 200 --latency_ms 20 --compensation predict"
run_halves "${OUT:-benchmarks/results/plants/ramps_64}" "$(seq -s ' ' 1560 1579)" \
    "preset_200|--set $PRESET $COMMON" "ramps_200|--set $PRESET $RAMPS $COMMON"
