#!/bin/bash
# Over DDS (the docs' two commands: the as-built robot-sim and deploy on this machine's cores), deploy commanding the
# servo damping of the G1 as built (--servo_plant as_built) against the planner model's (nominal, the default), seed by
# seed; each arm names its setting, whatever the default. Resumable: a seed's run is skipped where its file exists.
#   OUT=benchmarks/results/dds_gap FORCE=200 bash benchmarks/screens/servo_plant_dds_ab.sh 2850 2851 ... 2859
# Each arm writes OUT/dds_FORCE_{as_built_kd,nominal_kd}_FIRST/; `bench_sim2sim.py --seeds ALL ...` after writes the table.
set -e
OUT=${OUT:-benchmarks/results/dds_gap}
FORCE=${FORCE:-200}
TAG=${TAG:-$1}
for S in "$@"; do
  python benchmarks/bench_sim2sim.py --forces "$FORCE" --configs dds --seeds "$S" --table "table_$S.json" \
      --out "$OUT/dds_${FORCE}_as_built_kd_$TAG" --extra --servo_plant as_built
  python benchmarks/bench_sim2sim.py --forces "$FORCE" --configs dds --seeds "$S" --table "table_$S.json" \
      --out "$OUT/dds_${FORCE}_nominal_kd_$TAG" --extra --servo_plant nominal
done
