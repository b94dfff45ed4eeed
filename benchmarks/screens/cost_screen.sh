#!/usr/bin/env bash
# Cost-weight screen of the CPU-preset hybrid (64 / 8, shipped network) under 300 N pushes, one file per
# setting, resumable. Seeds: the tuning seeds 200-209 unless SEEDS names others.
# Usage: [SEEDS="210 ... 219"] bash benchmarks/screens/cost_screen.sh NAME="FIELD=VALUE [FIELD=VALUE ...]" [...]
#   e.g. bash benchmarks/screens/cost_screen.sh cp3000="capture_point=3000"
#        SEEDS="$(seq 210 219)" bash benchmarks/screens/cost_screen.sh base_seeds210=   (an empty setting: the defaults)
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
SEEDS=${SEEDS:-$(seq 200 209)}
for pair in "$@"; do
  name=${pair%%=*}; weights=${pair#*=}
  # shellcheck disable=SC2086  # the seeds and the weights are separate words
  run_planning benchmarks/results/cost_screen "$name" --modes hybrid:64:8 --pushes 300 \
      --seed_list $SEEDS ${weights:+--weights $weights}
done
