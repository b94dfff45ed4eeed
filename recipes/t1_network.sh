#!/usr/bin/env bash
# The Booster T1's network (g1mpc/data/t1_default.ckpt): expert episodes, a first network, one DAgger round
# (that network's hybrid drives, the expert labels the states it visits), then the network shipped.
# Resumable: collect skips finished shards; rerun the script after an interruption.
# Usage: bash recipes/t1_network.sh [EXPERT_EPISODES] [DAGGER_EPISODES]
set -euo pipefail
cd "$(dirname "$0")/.."
EXPERT=${1:-40}
DAGGER=${2:-20}
DATA=datasets/t1
LOGS=benchmarks/results/t1_network
mkdir -p "$LOGS"
best() { ls "$1"/model-*.ckpt | sort -t= -k3 -g | head -1; }
# Expert: CEM, the expert preset (128 samples, 16 elites); 8 s episodes from random clip times, pushes of
# 50-200 N; episodes that fall are discarded and redrawn.
python -m g1mpc collect --robot t1 --out "$DATA" --episodes "$EXPERT" --episode_duration 8 2>&1 | tee -a "$LOGS/collect_round0.log"
python -m g1mpc train --data "$DATA" --ckpt_dir nn_ckpt_t1_round0 --hidden 64 64 --lr 3e-4 2>&1 | tee "$LOGS/train_round0.log"
round0=$(best nn_ckpt_t1_round0)
python -m g1mpc collect --robot t1 --out "$DATA" --episodes "$DAGGER" --first_episode "$EXPERT" --episode_duration 8 \
    --dagger_model "$round0" 2>&1 | tee -a "$LOGS/collect_round1.log"
python -m g1mpc train --data "$DATA" --ckpt_dir nn_ckpt_t1 --hidden 64 64 --lr 3e-4 2>&1 | tee "$LOGS/train_round1.log"
shipped=$(best nn_ckpt_t1)
echo "shipped: $shipped"
cp "$shipped" g1mpc/data/t1_default.ckpt.tmp && mv g1mpc/data/t1_default.ckpt.tmp g1mpc/data/t1_default.ckpt
