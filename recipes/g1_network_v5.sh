#!/usr/bin/env bash
# The G1 network v5: labels without history. As v4 (the real-time hybrid drives, the hybrid with the `expert`
# preset's 128 / 16 around the same network labels), but every labelled update starts afresh
# (`collect --cold_labels`): from the network's knots and the planner's initial sigma, the driver's last control as
# the previous one, two sampling iterations, and no samples around a carried plan (--anchor_fraction 0). Each label
# is then a function of the state alone, which a state-only network can learn; v4's labels also depended on the
# plan the expert carried in, which such a network averages out. Then two networks on these labels, and the
# shipped v5: the mean of v1's weights and its fine-tuned copy's.
# Resumable: collect skips finished shards and train keeps its best checkpoints; rerun after an interruption.
# Usage: bash recipes/g1_network_v5.sh [NETWORK] [MOTION_EPISODES] [CLIP_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
NETWORK=${1:-tests/data/g1_network_v1.ckpt}; MOTIONS=${2:-40}; CLIP=${3:-40}
DATA=datasets/g1_v5
LOGS=benchmarks/results/network_v5
mkdir -p "$DATA" "$LOGS"
EXPERT=(--preset expert --iterations 2 --anchor_fraction 0 --cold_labels --expert_model "$NETWORK"
        --dagger_model "$NETWORK" --dagger_samples 64 --nthread 1 --episode_duration 8 --push_min 0 --push_max 400)
# Two collections side by side, one rollout thread each (2 cores), 8 s episodes, pushes of 0-400 N every 1.5 s:
# 1. each episode on its own generated motion (seed 14: none is an evaluation motion), shards from 70000;
# 2. the default clip (seed 15), shards from 80000.
python -m g1mpc collect --out "$DATA" --episodes "$MOTIONS" --first_episode 70000 --motions --seed 14 "${EXPERT[@]}" \
    > "$LOGS/collect_motions.log" 2>&1 &
python -m g1mpc collect --out "$DATA" --episodes "$CLIP" --first_episode 80000 --seed 15 "${EXPERT[@]}" \
    > "$LOGS/collect_clip.log" 2>&1 &
wait
# Two networks: 64 x 64 from scratch, and the driver's network fine-tuned on these labels (its widths and
# normalisation; the labels are its own knots plus what two cold sampling iterations add).
python -m g1mpc train --data "$DATA" --ckpt_dir runs/v5 --hidden 64 64 --lr 3e-4 --epochs 100 --patience 15 \
    > "$LOGS/train_v5.log" 2>&1
python -m g1mpc train --data "$DATA" --ckpt_dir runs/v5_tuned --init_model "$NETWORK" --lr 3e-4 --epochs 100 --patience 15 \
    > "$LOGS/train_v5_tuned.log" 2>&1
# The shipped v5 (g1mpc/data/g1_default.ckpt): the fine-tuned copy's best checkpoint averaged with its start.
best=$(find runs/v5_tuned -name 'model-epoch=*-val_loss=*.ckpt' | sort -t= -k3 -g | head -1)
cp "$best" "$LOGS/candidate_v5_tuned.ckpt"
python benchmarks/blend_networks.py --base "$NETWORK" --tuned "$LOGS/candidate_v5_tuned.ckpt" --weight 0.5 \
    --out "$LOGS/candidate_v5_blend.ckpt"
echo "screen it with benchmarks/screens/candidate_screen.sh, then benchmarks/screens/network_eval.sh on the unseen seeds (see docs/changelog.md)"
