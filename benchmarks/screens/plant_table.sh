#!/usr/bin/env bash
# Issue 38: the controller on a plant it did not plan with. Hybrid 32 samples / 4 elites, the synchronous loop
# (no deadline: ample time per plan), 20 s, pushes every 2 s in any direction, unseen seeds (700-719; nothing
# was tuned on them). Each cell is its own JSON under benchmarks/results/plants/; a complete cell is skipped,
# so the script resumes where it stopped. Cells in order of what they answer:
#   table:  the planner's own plant and the as-built G1 at 150 and 300 N (20 seeds each)
#   gains:  the gains a G1 runs (--gains motor) on the as-built G1
#   parts:  each part of the build alone at 300 N (which difference costs what)
#   perturb: each perturbation factor alone at 300 N, on the planner's own plant
#   planner: the planner's model made from the as-built G1 (--planner_plant as_built)
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
OUT=benchmarks/results/plants
SEEDS20=$(seq 700 719)
SEEDS10=$(seq 700 709)
H="--modes hybrid:32:4"
run_planning $OUT nominal_300 $H --pushes 300 --seed_list $SEEDS20 --plant nominal
run_planning $OUT as_built_300 $H --pushes 300 --seed_list $SEEDS20 --plant as_built
for part in armature friction soles linkage; do
  run_planning $OUT part_${part}_300 $H --pushes 300 --seed_list $SEEDS10 --plant as_built_$part
done
run_planning $OUT nominal_150 $H --pushes 150 --seed_list $SEEDS20 --plant nominal
run_planning $OUT as_built_150 $H --pushes 150 --seed_list $SEEDS20 --plant as_built
run_planning $OUT as_built_motor_gains_150 $H --pushes 150 --seed_list $SEEDS20 --plant as_built --gains motor
for factor in mass=1.15 friction=0.5 armature=2.5 frictionloss=3 kp=0.6 delay_ms=20; do
  run_planning $OUT perturb_${factor%%=*}_300 $H --pushes 300 --seed_list $SEEDS10 --plant nominal --plant_perturb $factor
done
run_planning $OUT as_built_0 $H --pushes 0 --seed_list $(seq 700 704) --plant as_built
run_planning $OUT as_built_motor_gains_0 $H --pushes 0 --seed_list $(seq 700 704) --plant as_built --gains motor
