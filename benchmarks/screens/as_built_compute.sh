#!/usr/bin/env bash
# Issue 38: is the as-built G1's 300 N gap a compute gap? The plant table's 64 / 8 cell (as built 4/20, its own G1
# 0/20, benchmarks/results/plants/mppi_rule_64/) and twice its compute per plan, spent on samples or on the planner's
# step. Cells: s64 (64 / 8 at the 0.04 s step), s128 (128 / 16 at 0.04 s), dt02_64 (64 / 8 at 0.02 s), dt02_32
# (32 / 4 at 0.02 s: the compute of s64), dt02_64_arm04 (dt02_64 with the 0.04 s step's armature floor, 0.4).
# Hybrid, synchronous, the G1's preset sampling (MPPI, calm noise 0.25, every sample around the held plan, the
# temperature following the sample count), 300 N. SEEDS (default: the tuning seeds 700-709) are split in halves, one
# per core; CELLS picks cells (default: s128 dt02_64), PLANT the plant (default: as_built), OUT the folder (default:
# benchmarks/results/plants/compute_300/). Resumable (a complete cell is skipped).
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
pick_cells as_built_compute.sh CELL "_${PLANT}_300" ${CELLS:-s128 dt02_64}
run_halves "${OUT:-benchmarks/results/plants/compute_300}" "${SEEDS:-$(seq -s ' ' 700 709)}" "${cells[@]}"
