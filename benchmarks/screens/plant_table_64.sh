#!/usr/bin/env bash
# Issue 38: the plant table's 300 N cells with twice the samples. Hybrid 64 / 8, synchronous, the G1's preset sampling
# (MPPI, calm noise 0.25, every sample around the held plan, temperature following the sample count), 300 N, seeds
# 700-719 as the plant table: 700-709 on core 0, 710-719 on core 1, the as-built G1 then the planner's own. Resumable
# (a complete cell is skipped). Results: benchmarks/results/plants/mppi_rule_64/.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=benchmarks/results/plants/mppi_rule_64
SET=(--modes hybrid:64:8 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 --pushes 300)
half() {  # CORE HALF SEEDS...
  local core=$1 half=$2; shift 2
  taskset -c "$core" bash -c "source benchmarks/resumable_runs.sh;
                              run_planning $OUT as_built_300_$half ${SET[*]} --plant as_built --seed_list $*;
                              run_planning $OUT nominal_300_$half ${SET[*]} --plant nominal --seed_list $*"
}
half 0 a 700 701 702 703 704 705 706 707 708 709 &
half 1 b 710 711 712 713 714 715 716 717 718 719 &
wait
