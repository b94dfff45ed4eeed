#!/usr/bin/env bash
# Issue 30, item 5: the G1 and the G1 with hands on the T1's table (unseen seeds 100-109, 20 s, 100 and 150 N,
# the synchronous loop): the hybrid on its shipped network beside CEM alone at the same sample count
# (the G1 at the 40 / 5 that --num_samples auto picks here, the G1 with hands at its 32 / 4 preset). Resumable.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=benchmarks/results/robots_table
SEEDS="100 101 102 103 104 105 106 107 108 109"
mkdir -p "$OUT"
[[ -f $OUT/g1.json ]] || python benchmarks/bench_planning.py --robot g1 --modes hybrid:40:5 cem:40:5 --pushes 100 150 \
    --seed_list $SEEDS --duration 20 --out "$OUT/g1.json"
[[ -f $OUT/g1_hands.json ]] || python benchmarks/bench_planning.py --robot g1_hands --modes hybrid:32:4 cem:32:4 --pushes 100 150 \
    --seed_list $SEEDS --duration 20 --out "$OUT/g1_hands.json"
