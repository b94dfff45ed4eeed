#!/usr/bin/env bash
# Issue 37/38: do the push ramps (--calm_speed 0.3 --pushed_speed 0.8 --calm_accel 9 --pushed_accel 15) cost the G1 as
# built at 64 samples, as they did at 32 in real time? Hybrid 64 / 8, synchronous with plans acting 20 ms after their
# state (compensated), 200 N, unseen seeds 1560-1579: half on each core, the preset then the ramps. Resumable (a
# complete cell is skipped). Results: benchmarks/results/plants/ramps_64/.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=benchmarks/results/plants/ramps_64
PRESET=(planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16)
RAMPS=(calm_speed=0.3 pushed_speed=0.8 calm_accel=9 pushed_accel=15)
half() {  # CORE HALF SEEDS...
  local core=$1 half=$2; shift 2
  local common=(--modes hybrid:64:8 --plant as_built --pushes 200 --latency_ms 20 --compensation predict --seed_list "$@")
  taskset -c "$core" bash -c "source benchmarks/resumable_runs.sh; run_planning $OUT preset_200_$half --set ${PRESET[*]} ${common[*]};
                              run_planning $OUT ramps_200_$half --set ${PRESET[*]} ${RAMPS[*]} ${common[*]}"
}
half 0 a 1560 1561 1562 1563 1564 1565 1566 1567 1568 1569 &
half 1 b 1570 1571 1572 1573 1574 1575 1576 1577 1578 1579 &
wait
