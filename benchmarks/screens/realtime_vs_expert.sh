#!/usr/bin/env bash
# The real-time CPU preset against its expert (issue 14's tables): pushes on the default clip and generated
# motions without pushes. Seeds 300-319 and motions 300-309 were not used to choose any setting.
# Usage: bash benchmarks/screens/realtime_vs_expert.sh SAMPLES ELITES   (resumable: complete JSON files are skipped)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:?samples}; E=${2:?elites}
source benchmarks/resumable_runs.sh
run() { run_planning benchmarks/results/realtime_vs_expert "$@"; }  # name bench_planning flags...
run "hybrid_n${N}_pushes" --modes "hybrid:$N:$E" --pushes 150 200 300 --seed_list $(seq 300 319)
run "motions_hybrid_n${N}" --modes "hybrid:$N:$E" --pushes 0 --seed_list $(seq 300 309) --motions
run "cem_n${N}_pushes" --modes "cem:$N:$E" --pushes 150 200 300 --seed_list $(seq 300 309)
run "nn_pushes" --modes nn --pushes 150 200 300 --seed_list $(seq 300 309)
run "expert_cem128_pushes" --modes cem:128:16 --pushes 300 --seed_list $(seq 300 309)
run "motions_expert_cem128" --modes cem:128:16 --pushes 0 --seed_list $(seq 300 309) --motions
# Before: the previous CPU preset (16 samples, 2 elites, legacy planner model) on the same seeds.
run "before_hybrid_n16_legacy_pushes" --modes hybrid:16:2 --planner_model legacy --pushes 150 200 300 --seed_list $(seq 300 309)
