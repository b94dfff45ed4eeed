#!/usr/bin/env bash
# The G1 network v2 (measured, not shipped: see docs/changelog.md, "A network from 112 k labels"): expert data on
# generated motions and DAgger data on the default clip, both under 0-400 N pushes, then an architecture
# screen. It started from v1 (tests/data/g1_network_v1.ckpt), the network shipped until v5.
# Resumable: collect skips finished shards and train keeps its best checkpoints; rerun after an interruption.
# Usage: bash recipes/archive/g1_network.sh [EXPERT_EPISODES] [DAGGER1_EPISODES] [DAGGER2_EPISODES]
# The measured v2 stopped (SIGTERM) at 167 / 94 / 35 episodes: the table in docs/changelog.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
EXPERT=${1:-200}; DAGGER=${2:-94}; DAGGER2=${3:-60}
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
wait $!
# 3. DAgger round 2 (beside the rest of the expert collection): a network trained on the data so far
#    (256 x 256, lr 1e-4: the best of the screen in $LOGS/arch_round2_driver.json; kept as
#    $LOGS/driver_round2.ckpt) drives the 64-sample hybrid on the default clip; shards from 20000 on.
if [ ! -f "$LOGS/driver_round2.ckpt" ]; then
  python benchmarks/bench_train_arch.py --data "$DATA" --hidden 64x64 256x256 --lr 3e-4 1e-4 --epochs 40 --patience 8 \
      --ckpt_root runs/arch_round2 --out "$LOGS/arch_round2_driver.json"
  cp "$(ls runs/arch_round2/256x256_lr0.0001/model-*.ckpt | sort -t= -k3 -g | head -1)" "$LOGS/driver_round2.ckpt"
fi
python -m g1mpc collect --out "$DATA" --episodes "$DAGGER2" --first_episode 20000 --episode_duration 8 \
    --push_min 0 --push_max 400 --preset expert --seed 9 --nthread 1 \
    --dagger_model "$LOGS/driver_round2.ckpt" --dagger_samples 64 > "$LOGS/collect_dagger2.log" 2>&1
wait
# 4. The architecture screen on the whole dataset (one episode split for every candidate).
python benchmarks/bench_train_arch.py --data "$DATA" --hidden 64x64 256x256 512x512 256x256x256 --lr 1e-4 \
    --epochs 60 --patience 10 --ckpt_root runs/arch --out "$LOGS/arch.json"
python benchmarks/bench_train_arch.py --data "$DATA" --hidden 32x32 64x64 128x128 --lr 3e-4 \
    --epochs 100 --patience 15 --ckpt_root runs/arch --out "$LOGS/arch.json"
best=$(ls runs/arch/32x32_lr0.0003/model-*.ckpt | sort -t= -k3 -g | head -1)
echo "best candidate: $best; screen it in the closed loop with benchmarks/screens/network_screen.sh v2_32x32=$best"
