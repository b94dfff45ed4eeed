#!/bin/bash
# Over DDS, 200 N: deploy with the plant's joint friction in its planner model against none, seed by seed.
# Run from a tree whose G1 preset keeps the plant's friction (before 379020f), so the first arm is the default then:
#   cd TREE && OUT=benchmarks/results/planner_frictionloss bash /path/to/frictionloss_dds_ab.sh 2700 2701 ... 2709
# Each seed writes OUT/dds_200_{friction,nofl}/table_S.json; `bench_sim2sim.py --seeds ALL ...` after writes the table.
set -e
OUT=${OUT:-benchmarks/results/planner_frictionloss}
for S in "$@"; do
  python benchmarks/bench_sim2sim.py --forces 200 --configs dds --seeds "$S" --table "table_$S.json" --out "$OUT/dds_200_friction"
  python benchmarks/bench_sim2sim.py --forces 200 --configs dds --seeds "$S" --table "table_$S.json" --out "$OUT/dds_200_nofl" \
      --extra --planner_frictionloss 0
done
