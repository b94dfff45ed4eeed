#!/bin/bash
# The G1 as built at 200 N in the synchronous loop (deterministic plan times), 16 samples / 2 elites with the G1 preset's
# sampling and planner model, plans acting 20 ms (an in-process run's) against 34 ms (a DDS run's on the slow host) after
# their state, compensated; one half of SEEDS per core. Resumable (run_halves).
#   bash benchmarks/screens/latency_as_built_cells.sh [OUT] [SEEDS]
source benchmarks/resumable_runs.sh
OUT=${1:-benchmarks/results/dds_gap/sync_latency}
SEEDS=${2:-"2880 2881 2882 2883 2884 2885 2886 2887 2888 2889"}
F="--modes hybrid:16:2 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 calm_speed=0.15 \
pushed_speed=0.3 --planner_set timestep=0.02 frictionloss=0 --pushes 200 --plant as_built --compensation predict"
run_halves "$OUT" "$SEEDS" "lat20_as_built_200|$F --latency_ms 20" "lat34_as_built_200|$F --latency_ms 34"
