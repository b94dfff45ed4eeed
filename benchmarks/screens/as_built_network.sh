#!/usr/bin/env bash
# Issue 38: the network fine-tuned on as-built data (recipes/g1_as_built_network.sh) on the as-built G1.
# Hybrid 32 / 4, synchronous loop, 20 s, pushes every 2 s in any direction, as benchmarks/screens/plant_table.sh.
#   screen: which planner model goes with it, on tuning seeds 740-745 (300 N); beside it, the shipped network with
#           more samples and the as-built planner model (what sampling alone buys, and at what cost per plan);
#   table:  the chosen pairing on the table's unseen seeds 700-719 (as built at 150 and 300 N; the planner's own G1
#           at 300 N, so a gain on one robot is not a loss on the other).
# Resumable: a complete cell is skipped. Usage: bash benchmarks/screens/as_built_network.sh [CHECKPOINT] [PLANNER_PLANT]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
NET=${1:-benchmarks/results/network_as_built/candidate_as_built.ckpt}
PLANNER=${2:-}
OUT=benchmarks/results/network_as_built/eval
H="--modes hybrid:32:4 --model_path $NET"
TUNE="--seed_list $(seq 740 745)"
run_planning $OUT screen_planner_nominal_300 $H --pushes 300 $TUNE --plant as_built
run_planning $OUT screen_planner_as_built_300 $H --pushes 300 $TUNE --plant as_built --planner_plant as_built
run_planning $OUT screen_shipped_300 --modes hybrid:32:4 --pushes 300 $TUNE --plant as_built
run_planning $OUT screen_shipped64_planner_as_built_300 --modes hybrid:64:8 --pushes 300 $TUNE --plant as_built --planner_plant as_built
run_planning $OUT screen_shipped128_planner_as_built_300 --modes hybrid:128:16 --pushes 300 $TUNE --plant as_built --planner_plant as_built
[ -n "$PLANNER" ] || { echo "screens done; rerun with the planner plant chosen (nominal or as_built) for the table"; exit 0; }
SEEDS20="--seed_list $(seq 700 719)"
run_planning $OUT as_built_300_planner_$PLANNER $H --pushes 300 $SEEDS20 --plant as_built --planner_plant $PLANNER
run_planning $OUT as_built_150_planner_$PLANNER $H --pushes 150 $SEEDS20 --plant as_built --planner_plant $PLANNER
run_planning $OUT nominal_300_planner_$PLANNER $H --pushes 300 $SEEDS20 --plant nominal --planner_plant $PLANNER
