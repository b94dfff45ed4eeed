#!/bin/bash
# The G1 as built at 200 N in the synchronous loop (deterministic plan times), 16 samples / 2 elites with the G1 preset's
# sampling and planner model. Cells: lat20 and lat34, plans acting 20 ms (an in-process run's) against 34 ms (a DDS
# run's on the slow host) after their state, compensated; lat34_delay4, lat34_delay8, lat34_delay16: lat34 with the
# state seen 4, 8 or 16 ms late besides, which the planner does not know of (as a command path's delay over DDS).
# One half of SEEDS per core. Resumable (run_halves).
#   bash benchmarks/screens/latency_as_built_cells.sh [OUT] [SEEDS]      (CELLS: default "lat20 lat34")
#   CELLS="lat34_delay4 lat34_delay8 lat34_delay16" bash benchmarks/screens/latency_as_built_cells.sh \
#       benchmarks/results/dds_gap/sync_state_delay
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
OUT=${1:-benchmarks/results/dds_gap/sync_latency}
SEEDS=${2:-"2880 2881 2882 2883 2884 2885 2886 2887 2888 2889"}
F="--modes hybrid:16:2 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 calm_speed=0.15 \
pushed_speed=0.3 --planner_set timestep=0.02 frictionloss=0 --pushes 200 --plant as_built --compensation predict"
declare -A CELL=(
  [lat20]="$F --latency_ms 20"
  [lat34]="$F --latency_ms 34"
  [lat34_delay4]="$F --latency_ms 34 --plant_perturb delay_ms=4"
  [lat34_delay8]="$F --latency_ms 34 --plant_perturb delay_ms=8"
  [lat34_delay16]="$F --latency_ms 34 --plant_perturb delay_ms=16"
)
cells=()
pick_cells latency_as_built_cells.sh CELL "_as_built_200" ${CELLS:-lat20 lat34}
run_halves "$OUT" "$SEEDS" "${cells[@]}"
