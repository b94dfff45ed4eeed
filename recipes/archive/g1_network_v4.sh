#!/usr/bin/env bash
# The G1 network v4: expert iteration. The expert is the hybrid itself with twice the real-time
# samples (`collect --expert_model`: the `expert` preset's 128 samples / 16 elites sampled around the network,
# the default noise), the driver the real-time hybrid (64 / 8) with the same network (DAgger), so every label
# is what more sampling around the network makes of a state the real-time controller visits. Then networks on
# these labels alone and on everything collected so far (datasets/g1_v3 linked in).
# Resumable: collect skips finished shards and train keeps its best checkpoints; rerun after an interruption.
# Usage: bash recipes/archive/g1_network_v4.sh [NETWORK] [MOTION_EPISODES] [CLIP_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/../.."
NETWORK=${1:-tests/data/g1_network_v1.ckpt}; MOTIONS=${2:-65}; CLIP=${3:-65}
DATA=datasets/g1_v4
LOGS=benchmarks/results/network_v4
mkdir -p "$DATA" "$LOGS"
# Two collections side by side, one rollout thread each (2 cores), 8 s episodes, pushes of 0-400 N every 1.5 s:
# 1. each episode on its own generated motion (seed 12: none is an evaluation motion), shards from 50000;
# 2. the default clip (seed 13), shards from 60000.
python -m g1mpc collect --out "$DATA" --episodes "$MOTIONS" --first_episode 50000 --episode_duration 8 \
    --push_min 0 --push_max 400 --motions --preset expert --seed 12 --nthread 1 \
    --expert_model "$NETWORK" --dagger_model "$NETWORK" --dagger_samples 64 > "$LOGS/collect_motions.log" 2>&1 &
python -m g1mpc collect --out "$DATA" --episodes "$CLIP" --first_episode 60000 --episode_duration 8 \
    --push_min 0 --push_max 400 --preset expert --seed 13 --nthread 1 \
    --expert_model "$NETWORK" --dagger_model "$NETWORK" --dagger_samples 64 > "$LOGS/collect_clip.log" 2>&1 &
wait
# Everything so far in one directory, as hard links (no copy): v2 and v3 (CEM-expert labels) and v4.
ALL=datasets/g1_all
mkdir -p "$ALL"
for f in datasets/g1_v3/shard-*.npz "$DATA"/shard-*.npz; do [ -e "$f" ] && { [ -e "$ALL/$(basename "$f")" ] || ln "$f" "$ALL/"; }; done
# 64 x 64 (v1's width and learning rate) on the hybrid-expert labels alone, and on everything.
python -m g1mpc train --data "$DATA" --ckpt_dir runs/v4 --hidden 64 64 --lr 3e-4 --epochs 100 --patience 15 \
    > "$LOGS/train_v4.log" 2>&1
python -m g1mpc train --data "$ALL" --ckpt_dir runs/v4_all --hidden 64 64 --lr 3e-4 --epochs 100 --patience 15 \
    > "$LOGS/train_v4_all.log" 2>&1
echo "screen the best checkpoints of runs/v4 and runs/v4_all with benchmarks/screens/push_screen.sh (see docs/changelog.md)"
