#!/usr/bin/env bash
# Issue 38: a G1 network for Unitree's training gains (--gains unitree: hips 100, knees 150, waist yaw 200, the rest
# 40) on the G1 as built. The shipped network learned its knots for the scene's kp 500 servos; under these gains its
# targets sag and the hybrid falls at 150 N (docs/plants.md, "Gains"). The v5 recipe (recipes/g1_network_v5.sh: cold
# labels from the hybrid expert at 128 / 16 around the shipped network, the real-time hybrid as DAgger driver), but
# every episode runs on the as-built G1 under Unitree's gains, and the planner's model has the same gains and a
# 0.02 s step (--planner_dt 0.02: with time to plan it fell less than the default 0.04 s under these gains,
# docs/plants.md). Pushes of 0-250 N: the driver falls above that today.
# Then the shipped network fine-tuned on these labels.
# Resumable: collect skips finished shards and train keeps its best checkpoints; rerun after an interruption.
# Usage: bash recipes/g1_unitree_gains_network.sh [NETWORK] [MOTION_EPISODES] [CLIP_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
NETWORK=${1:-g1mpc/data/g1_default.ckpt}; MOTIONS=${2:-20}; CLIP=${3:-20}
DATA=datasets/g1_unitree_gains
LOGS=benchmarks/results/network_unitree_gains
mkdir -p "$DATA" "$LOGS"
EXPERT=(--preset expert --iterations 2 --anchor_fraction 0 --cold_labels --expert_model "$NETWORK"
        --dagger_model "$NETWORK" --dagger_samples 64 --nthread 1 --episode_duration 8 --push_min 0 --push_max 250
        --plant as_built --gains unitree --planner_dt 0.02)
# Two collections side by side, one rollout thread each (2 cores), 8 s episodes, pushes every 1.5 s:
# 1. each episode on its own generated motion (seed 34: none is an evaluation motion), shards from 100000;
# 2. the default clip (seed 35), shards from 105000.
python -m g1mpc collect --out "$DATA" --episodes "$MOTIONS" --first_episode 100000 --motions --seed 34 "${EXPERT[@]}" \
    >> "$LOGS/collect_motions.log" 2>&1 &
python -m g1mpc collect --out "$DATA" --episodes "$CLIP" --first_episode 105000 --seed 35 "${EXPERT[@]}" \
    >> "$LOGS/collect_clip.log" 2>&1 &
wait
# The shipped network fine-tuned on these labels (its widths and normalisation).
python -m g1mpc train --data "$DATA" --ckpt_dir runs/unitree_gains_tuned --init_model "$NETWORK" --lr 3e-4 --epochs 100 \
    --patience 15 > "$LOGS/train_tuned.log" 2>&1
best=$(find runs/unitree_gains_tuned -name 'model-epoch=*-val_loss=*.ckpt' | sort -t= -k3 -g | head -1)
cp "$best" "$LOGS/candidate_unitree_gains.ckpt.tmp" && mv "$LOGS/candidate_unitree_gains.ckpt.tmp" "$LOGS/candidate_unitree_gains.ckpt"
echo "candidate: $LOGS/candidate_unitree_gains.ckpt (screen it with benchmarks/screens/gains_cells.sh's cells and --model_path)"
