#!/usr/bin/env bash
# The shipped G1-with-hands network (g1mpc/data/g1_hands_default.ckpt): expert episodes, then training.
# Resumable: collect skips finished shards; rerun the script after an interruption.
# Usage: bash recipes/g1_hands_network.sh [EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
EPISODES=${1:-40}
DATA=datasets/g1_hands
# Expert: CEM, the expert preset (128 samples, 16 elites) on the coarse planner model; 8 s episodes from
# random clip times, pushes of 50-200 N every 1.5 s; episodes that fall are discarded and redrawn.
python -m g1mpc collect --robot g1_hands --out "$DATA" --episodes "$EPISODES" --episode_duration 8 2>&1 | tee -a benchmarks/results/g1_hands_collect.log
python -m g1mpc train --data "$DATA" --ckpt_dir nn_ckpt_g1_hands --hidden 64 64 --lr 3e-4 2>&1 | tee benchmarks/results/g1_hands_train.log
best=$(ls nn_ckpt_g1_hands/model-*.ckpt | sort -t= -k3 -g | head -1)
echo "best checkpoint: $best"
cp "$best" g1mpc/data/g1_hands_default.ckpt.tmp && mv g1mpc/data/g1_hands_default.ckpt.tmp g1mpc/data/g1_hands_default.ckpt
