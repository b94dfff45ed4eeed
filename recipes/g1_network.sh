#!/usr/bin/env bash
# The shipped G1 network (g1mpc/data/g1_default.ckpt), version 2: expert data on generated motions and
# DAgger data on the default clip, both under 0-400 N pushes, then training.
# Resumable: collect skips finished shards and train keeps its best checkpoints; rerun after an interruption.
# Usage: bash recipes/g1_network.sh [EXPERT_EPISODES] [DAGGER_EPISODES] [HIDDEN...]
set -euo pipefail
cd "$(dirname "$0")/.."
EXPERT=${1:-200}; DAGGER=${2:-150}; shift $(( $# < 2 ? $# : 2 )); HIDDEN=${*:-256 256}
DATA=datasets/g1_v2
LOGS=benchmarks/results/network_v2
mkdir -p "$LOGS"
# The two collections run side by side, one rollout thread each (2 cores), into one directory:
# 1. the expert (CEM, the expert preset: 128 samples / 16 elites, coarse planner model) drives, each
#    episode on its own generated motion (motion seeds 7*100003 + 101*episode: none is an evaluation seed),
#    8 s from a random clip time, pushed every 1.5 s with a force drawn from 0-400 N per episode;
# 2. DAgger: the real-time hybrid (64 samples) with the previous network (tests/data/g1_network_v1.ckpt)
#    drives on the default clip under the same pushes and the expert labels every state it visits
#    (the last 0.5 s before a fall are dropped); shards from episode 10000 on.
python -m g1mpc collect --out "$DATA" --episodes "$EXPERT" --episode_duration 8 --push_min 0 --push_max 400 \
    --motions --preset expert --seed 7 --nthread 1 > "$LOGS/collect_expert.log" 2>&1 &
python -m g1mpc collect --out "$DATA" --episodes "$DAGGER" --first_episode 10000 --episode_duration 8 \
    --push_min 0 --push_max 400 --preset expert --seed 8 --nthread 1 \
    --dagger_model tests/data/g1_network_v1.ckpt --dagger_samples 64 > "$LOGS/collect_dagger.log" 2>&1 &
wait
# shellcheck disable=SC2086
python -m g1mpc train --data "$DATA" --ckpt_dir nn_ckpt_v2 --hidden $HIDDEN 2>&1 | tee "$LOGS/train.log"
best=$(ls nn_ckpt_v2/model-*.ckpt | sort -t= -k3 -g | head -1)
echo "best checkpoint: $best"
cp "$best" g1mpc/data/g1_default.ckpt.tmp && mv g1mpc/data/g1_default.ckpt.tmp g1mpc/data/g1_default.ckpt
