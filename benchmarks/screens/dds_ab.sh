#!/bin/bash
# Sim-to-sim over DDS (robot-sim and deploy on this machine's cores), two or more arms alternating seed by seed, so
# the host's speed of the minute falls on every arm alike. Resumable: bench_sim2sim skips a seed whose run file exists.
#   bash benchmarks/screens/dds_ab.sh OUT "NAME|FLAGS" "NAME|FLAGS" ... -- SEED...
# Each arm writes OUT/NAME/ (one run file and one table_SEED.json per seed; `bench_sim2sim.py --seeds ALL ...` with
# the arm's flags after writes its whole table). FLAGS are bench_sim2sim.py's (deploy's after `--extra`), led by any
# VAR=value words for the arm's environment; every arm names its setting, whatever the default. FORCE (default 200)
# and CONFIG (dds; ddstruth: the robot-sim's true base) apply to all arms. For example:
#   bash benchmarks/screens/dds_ab.sh benchmarks/results/dds_gap "dds_200_as_built_kd_2850|--extra --servo_plant as_built" \
#       "dds_200_nominal_kd_2850|--extra --servo_plant nominal" -- 2850 2851 2852
#   bash benchmarks/screens/dds_ab.sh OUT "unfrozen|PYTHONPATH=$PWD/benchmarks/screens/gc_unfrozen" "frozen|" -- 2410 2411
set -e
cd "$(dirname "$0")/../.."
usage="usage: bash benchmarks/screens/dds_ab.sh OUT \"NAME|FLAGS\"... -- SEED..."
[ $# -ge 4 ] || { echo "dds_ab.sh: $usage" >&2; exit 2; }
out=$1; shift
arms=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  [[ "$1" == *"|"* ]] || { echo "dds_ab.sh: arm '$1' is not NAME|FLAGS; $usage" >&2; exit 2; }
  arms+=("$1"); shift
done
[ "$1" = "--" ] && shift
[ ${#arms[@]} -ge 1 ] && [ $# -ge 1 ] || { echo "dds_ab.sh: give at least one arm and one seed; $usage" >&2; exit 2; }
for seed in "$@"; do
  for arm in "${arms[@]}"; do
    name=${arm%%|*}
    read -r -a words <<< "${arm#*|}"
    environment=()
    while [ ${#words[@]} -gt 0 ] && [[ "${words[0]}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
      environment+=("${words[0]}"); words=("${words[@]:1}")
    done
    env "${environment[@]}" python benchmarks/bench_sim2sim.py --forces "${FORCE:-200}" --configs "${CONFIG:-dds}" \
        --seeds "$seed" --table "table_$seed.json" --out "$out/$name" "${words[@]}"
  done
done
