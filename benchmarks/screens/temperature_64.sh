#!/usr/bin/env bash
# Issue 37's standing cell: does a lower MPPI temperature at 64 samples stand more quietly at 150 N (the preset's rule
# gives 0.1 x 16/64 = 0.025; temperature_samples=8 gives 0.0125), and what does it cost at 400 N?
# 64 / 8, synchronous, the preset's sampling as shipped (PGS, 0.02 s step), tuning seeds (default 2200-2204).
# One entry per core; resumable (bench_vs_policy.py skips seeds a cell already has).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-benchmarks/results/standing_temp}
SEEDS=${SEEDS:-2200-2204}
FORCES=${FORCES:-150 400}
BASE="hybrid:64:8,planner=mppi,calm_noise=0.25,anchor_fraction=1.0,calm_speed=0.15,pushed_speed=0.3,planner.timestep=0.02,planner.frictionloss=0,planner.solver=pgs"
taskset -c 0 python benchmarks/bench_vs_policy.py --entries "$BASE,temperature_samples=${LOW:-8}@nominal" --forces $FORCES --seeds "$SEEDS" --out "$OUT" &
taskset -c 1 python benchmarks/bench_vs_policy.py --entries "$BASE,temperature_samples=16@nominal" --forces $FORCES --seeds "$SEEDS" --out "$OUT" &
wait
