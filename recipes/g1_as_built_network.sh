#!/usr/bin/env bash
# Issue 38: a G1 network for the robot as built. The v5 recipe (recipes/g1_network_v5.sh: cold labels from the
# hybrid expert at 128 / 16 around the shipped network, the real-time hybrid as DAgger driver), but every episode
# runs on the as-built G1 (--plant as_built: motor armature, joint friction, Unitree's sole capsules, ankle linkage)
# and the expert plans with a model of it (--planner_plant as_built). Then the shipped network fine-tuned on
# these labels. Resumable: collect skips finished shards and train keeps its best checkpoints; rerun after an
# interruption.
# Usage: bash recipes/g1_as_built_network.sh [NETWORK] [MOTION_EPISODES] [CLIP_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
NETWORK=${1:-g1mpc/data/g1_default.ckpt}; MOTIONS=${2:-20}; CLIP=${3:-20}
DATA=datasets/g1_as_built
LOGS=benchmarks/results/network_as_built
mkdir -p "$DATA" "$LOGS"
EXPERT=(--preset expert --iterations 2 --anchor_fraction 0 --cold_labels --expert_model "$NETWORK"
        --dagger_model "$NETWORK" --dagger_samples 64 --nthread 1 --episode_duration 8 --push_min 0 --push_max 400
        --plant as_built --planner_plant as_built)
# Two collections side by side, one rollout thread each (2 cores), 8 s episodes, pushes of 0-400 N every 1.5 s:
# 1. each episode on its own generated motion (seed 24: none is an evaluation motion), shards from 90000;
# 2. the default clip (seed 25), shards from 95000.
python -m g1mpc collect --out "$DATA" --episodes "$MOTIONS" --first_episode 90000 --motions --seed 24 "${EXPERT[@]}" \
    >> "$LOGS/collect_motions.log" 2>&1 &
python -m g1mpc collect --out "$DATA" --episodes "$CLIP" --first_episode 95000 --seed 25 "${EXPERT[@]}" \
    >> "$LOGS/collect_clip.log" 2>&1 &
wait
# The shipped network fine-tuned on these labels (its widths and normalisation).
python -m g1mpc train --data "$DATA" --ckpt_dir runs/as_built_tuned --init_model "$NETWORK" --lr 3e-4 --epochs 100 \
    --patience 15 > "$LOGS/train_tuned.log" 2>&1
best=$(find runs/as_built_tuned -name 'model-epoch=*-val_loss=*.ckpt' | sort -t= -k3 -g | head -1)
cp "$best" "$LOGS/candidate_as_built.ckpt.tmp" && mv "$LOGS/candidate_as_built.ckpt.tmp" "$LOGS/candidate_as_built.ckpt"
echo "candidate: $LOGS/candidate_as_built.ckpt (evaluate with benchmarks/screens/plant_table.sh's cells)"
