#!/usr/bin/env bash
# Which expert survives 300 N pushes (issue 14, item 3)? CEM at 2x, 4x the real-time samples and with a
# longer horizon, on the tuning seeds 200-209, 20 s each, --no_realtime. Resumable.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
run() { run_planning benchmarks/results/expert_screen "$@"; }
run cem128_h05 --modes cem:128:16 --pushes 300 --seed_list $(seq 200 209)
run cem256_h05 --modes cem:256:32 --pushes 300 --seed_list $(seq 200 209)
run cem128_h08 --modes cem:128:16 --plan_horizon 0.8 --pushes 300 --seed_list $(seq 200 209)
# a longer horizon with the 0.5 s knot spacing (6 knots), in two halves run side by side
run cem128_h08_k6_a --modes cem:128:16 --plan_horizon 0.8 --num_knots 6 --pushes 300 --seed_list $(seq 200 204)
run cem128_h08_k6_b --modes cem:128:16 --plan_horizon 0.8 --num_knots 6 --pushes 300 --seed_list $(seq 205 209)
