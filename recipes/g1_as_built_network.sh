#!/usr/bin/env bash
# Issue 38: a G1 network for the robot as built. The v5 recipe (recipes/v5_variant.sh), but every episode runs on
# the as-built G1 (--plant as_built: motor armature, joint friction, Unitree's sole capsules, ankle linkage) and the
# expert plans with a model of it (--planner_plant as_built); pushes of 0-400 N; shards from 90000 (motion seed 24)
# and 95000 (the default clip, seed 25). Evaluate the candidate with benchmarks/screens/plant_table.sh's cells.
# Resumable: rerun after an interruption.
# Usage: bash recipes/g1_as_built_network.sh [NETWORK] [MOTION_EPISODES] [CLIP_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
source recipes/v5_variant.sh
v5_variant as_built "${1:-g1mpc/data/g1_default.ckpt}" "${2:-20}" "${3:-20}" 90000 24 400 cold \
    --plant as_built --planner_plant as_built
