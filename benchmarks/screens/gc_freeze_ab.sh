#!/bin/bash
# Sim-to-sim over DDS, the default against the code as it was before the loops froze the heap (gc.freeze a no-op,
# benchmarks/screens/gc_unfrozen), alternating seed by seed; resumable (bench_sim2sim skips finished runs).
#   bash benchmarks/screens/gc_freeze_ab.sh FORCE OUT_PREFIX SEED...
# writes OUT_PREFIX_unfrozen/ and OUT_PREFIX_frozen/, one table_SEED.json per seed in each.
set -e
cd "$(dirname "$0")/../.."
force=$1; out=$2; shift 2
for seed in "$@"; do
  PYTHONPATH="$PWD/benchmarks/screens/gc_unfrozen" python benchmarks/bench_sim2sim.py --forces "$force" --configs dds \
      --seeds "$seed" --table "table_$seed.json" --out "${out}_unfrozen"
  python benchmarks/bench_sim2sim.py --forces "$force" --configs dds --seeds "$seed" --table "table_$seed.json" --out "${out}_frozen"
done
