#!/usr/bin/env bash
# Issue 38: is the as-built G1's 300 N gap a compute gap? The plant table's 64 / 8 cell (as built 4/20, its own G1
# 0/20, benchmarks/results/plants/mppi_rule_64/) with twice the compute per plan, spent two ways: 128 / 16 samples at
# the 0.04 s planner step, or 64 / 8 at a 0.02 s step (and the 64 / 8 cell itself, s64, for new seeds). Hybrid, synchronous, the G1's preset sampling (MPPI, calm
# noise 0.25, every sample around the held plan, the temperature following the sample count), 300 N, the as-built G1.
# SEEDS (default: the tuning seeds 700-709) are split in halves, one per core; CELLS picks cells (default: both, as
# built), PLANT the plant. Resumable (a complete cell is skipped). Results: OUT (benchmarks/results/plants/compute_300/).
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
PLANT=${PLANT:-as_built}
SET="--set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 --pushes 300 --plant $PLANT"
declare -A CELL=(
  [s64]="--modes hybrid:64:8 $SET"
  [s128]="--modes hybrid:128:16 $SET"
  [dt02_64]="--modes hybrid:64:8 $SET --planner_set timestep=0.02"
  [dt02_32]="--modes hybrid:32:4 $SET --planner_set timestep=0.02"
  [dt02_64_arm04]="--modes hybrid:64:8 $SET --planner_set timestep=0.02 min_armature=0.4"
)
cells=()
for name in ${CELLS:-s128 dt02_64}; do
  [ -n "${CELL[$name]:-}" ] || { echo "as_built_compute.sh: unknown cell '$name' (cells: ${!CELL[*]})" >&2; exit 2; }
  cells+=("${name}_${PLANT}_300|${CELL[$name]}")
done
run_halves "${OUT:-benchmarks/results/plants/compute_300}" "${SEEDS:-$(seq -s ' ' 700 709)}" "${cells[@]}"
