#!/usr/bin/env bash
# Issue 30, item 2: the T1 with its network (g1mpc/data/t1_default.ckpt, recipes/t1_network.sh) on the unseen
# seeds 100-109, 20 s, 100 and 150 N pushes: the real-time hybrid at 40 / 5 beside the expert that labelled
# its data (CEM 128 / 16). CEM alone at 40 / 5 is t1_causes/unseen_baseline.json. Resumable.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=benchmarks/results/t1_network
SEEDS="100 101 102 103 104 105 106 107 108 109"
mkdir -p "$OUT"
[[ -f $OUT/hybrid40.json ]] || python benchmarks/bench_planning.py --robot t1 --modes hybrid:40:5 --pushes 100 150 \
    --seed_list $SEEDS --duration 20 --out "$OUT/hybrid40.json"
[[ -f $OUT/expert128.json ]] || python benchmarks/bench_planning.py --robot t1 --modes cem:128:16 --pushes 100 150 \
    --seed_list $SEEDS --duration 20 --out "$OUT/expert128.json"
