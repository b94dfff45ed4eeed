#!/usr/bin/env bash
# The G1 network v3: plan-conditioned (g1mpc train --plan_input): it reads the planner's warm start (the
# previous plan, shifted one replan period on) beside the state and the reference ahead, and predicts the
# expert's update of that plan. Data: the v2 dataset (recipes/archive/g1_network.sh; its warm starts are derived from
# each expert's previous label) and DAgger rounds in which the plan-conditioned hybrid drives and the expert
# updates the driver's own plan (--label_from_driver_plan), so the network learns from the plans it will be
# given. Resumable: collect skips finished shards; rerun after an interruption.
# Usage: bash recipes/archive/g1_network_v3.sh DRIVER_CHECKPOINT [MOTION_EPISODES] [CLIP_EPISODES]
# The measured run (driver benchmarks/results/network_v3/candidate_plan_64x64.ckpt) was stopped by SIGTERM at
# 51 / 55 episodes; its network (candidate_v3_mid.ckpt) was trained, as below, when 136 k labels were in.
set -euo pipefail
cd "$(dirname "$0")/../.."
DRIVER=$1; MOTIONS=${2:-150}; CLIP=${3:-150}
DATA=datasets/g1_v3
LOGS=benchmarks/results/network_v3
mkdir -p "$DATA" "$LOGS"
# the v2 shards, as hard links (no copy)
[ -d datasets/g1_v2 ] && for f in datasets/g1_v2/shard-*.npz; do [ -e "$DATA/$(basename "$f")" ] || ln "$f" "$DATA/"; done
# Two DAgger collections side by side, one rollout thread each (2 cores), 8 s episodes, pushes of 0-400 N
# every 1.5 s; the driver is the CPU-preset hybrid (64 samples) with DRIVER, the expert the `expert` preset:
# 1. each episode on its own generated motion (seed 10: none is an evaluation motion), shards from 30000;
# 2. the default clip (seed 11), shards from 40000.
python -m g1mpc collect --out "$DATA" --episodes "$MOTIONS" --first_episode 30000 --episode_duration 8 \
    --push_min 0 --push_max 400 --motions --preset expert --seed 10 --nthread 1 \
    --dagger_model "$DRIVER" --dagger_samples 64 --label_from_driver_plan > "$LOGS/collect_motions.log" 2>&1 &
python -m g1mpc collect --out "$DATA" --episodes "$CLIP" --first_episode 40000 --episode_duration 8 \
    --push_min 0 --push_max 400 --preset expert --seed 11 --nthread 1 \
    --dagger_model "$DRIVER" --dagger_samples 64 --label_from_driver_plan > "$LOGS/collect_clip.log" 2>&1 &
wait
# The plan-conditioned network on everything collected (the 64 x 64 candidate in docs/changelog.md).
python -m g1mpc train --data "$DATA" --ckpt_dir runs/v3 --hidden 64 64 --lr 3e-4 --epochs 60 --patience 10 --plan_input
