#!/usr/bin/env bash
# Issue 38's plant table again with today's sampling (MPPI with the calm-noise schedule, the G1's real-time
# default since 2026-12-04), the same 32 samples / 4 elites, synchronous loop, seeds 700-719 as the table
# before it (plant_table.sh). Resumable: a complete cell is skipped. CORE=0|1 pins it; CELLS picks cells
# (PLANT_FORCE names; empty: none), PLANNER_FORCES="300" adds the as-built planner model at 300 N. OUT moves the
# results; SET_EXTRA adds fields to --set (anchor_fraction=1.0: the G1 preset since 2026-12-05).
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
OUT=${OUT:-benchmarks/results/plants/mppi}
SEEDS20=${SEEDS:-$(seq -s " " 700 719)}  # SEEDS overrides the seeds
H="--modes hybrid:32:4 --set planner=mppi calm_noise=0.25 ${SET_EXTRA:-}"
for cell in ${CELLS-as_built_300 as_built_150 nominal_300 nominal_150}; do
  plant=${cell%_*}; force=${cell##*_}
  taskset -c "${CORE:-0}" bash -c "source benchmarks/resumable_runs.sh; run_planning $OUT $cell $H --pushes $force --seed_list $SEEDS20 --plant $plant"
done
# the planner's model made from the as-built G1 (it models Unitree's soles), on the as-built plant
for force in ${PLANNER_FORCES-}; do
  taskset -c "${CORE:-0}" bash -c "source benchmarks/resumable_runs.sh; run_planning $OUT planner_as_built_$force $H --pushes $force --seed_list $SEEDS20 --plant as_built --planner_plant as_built"
done
