#!/usr/bin/env bash
# Closed-loop table of the planner-model levers (issue 16): the real-time hybrid at the sample count that
# gives each planner model about the same plan time per cycle on 2 cores (about 14 ms), 10 seeds x 20 s
# at 150, 200 and 300 N. Seeds 200-209 were not used to choose any setting. Resumable: a lever whose JSON
# is complete is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
run() {  # name samples elites planner_model [FIELD=VALUE ...]
  local name=$1 n=$2 e=$3 model=$4; shift 4
  run_planning benchmarks/results/planner_models "$name" --modes "hybrid:$n:$e" --pushes 150 200 300 \
    --seed_list $(seq 200 209) --planner_model "$model" ${1:+--planner_set "$@"}
}
# Each lever spells out its planner model (timestep, contacts, iterations) over the legacy model.
run legacy_n32 32 4 legacy
run dt002_feet_it2_ls5_n40 40 5 legacy contacts=feet iterations=2 ls_iterations=5
run dt004_all_n56 56 7 legacy timestep=0.04
run dt004_floor_n60 60 7 legacy timestep=0.04 contacts=floor
run dt004_feet_n64 64 8 legacy timestep=0.04 contacts=feet
