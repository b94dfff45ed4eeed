# Sourced by the recipes that remake the v5 network for another plant or gain set (g1_as_built_network.sh,
# g1_unitree_gains_network.sh, g1_unitree_gains_warm_network.sh). The v5 recipe (recipes/g1_network_v5.sh): labels
# from the hybrid expert at 128 / 16 around NETWORK, the real-time hybrid as DAgger driver, two collections side by
# side with one rollout thread each (2 cores), 8 s episodes with pushes every 1.5 s from 0 N up to PUSH_MAX:
#   1. each episode on its own generated motion (MOTION_SEED; none is an evaluation motion), shards from FIRST;
#   2. the default clip (MOTION_SEED + 1), shards from FIRST + 5000.
# LABELS is cold (v5's: every labelled update starts afresh and refines the network's knots twice, so a label depends
# on the state alone) or warm (the expert keeps its plan from cycle to cycle, as the real-time hybrid does; COLLECT
# FLAGS set its sampling). Then NETWORK fine-tuned on the labels (its widths and normalisation); the best checkpoint
# is copied atomically to LOGS/candidate_NAME.ckpt. Resumable: collect skips finished shards and train keeps its best
# checkpoints.
# Usage: v5_variant NAME NETWORK MOTION_EPISODES CLIP_EPISODES FIRST MOTION_SEED PUSH_MAX LABELS [COLLECT FLAGS...]
v5_variant() {
  local name=$1 network=$2 motions=$3 clip=$4 first=$5 seed=$6 push_max=$7 labels=$8; shift 8
  local -a label_flags
  case $labels in
    cold) label_flags=(--iterations 2 --anchor_fraction 0 --cold_labels) ;;
    warm) label_flags=() ;;
    *) echo "v5_variant: LABELS must be cold or warm, not '$labels'" >&2; return 2 ;;
  esac
  local data=datasets/g1_$name logs=benchmarks/results/network_$name
  mkdir -p "$data" "$logs"
  local expert=(--preset expert "${label_flags[@]}" --expert_model "$network"
                --dagger_model "$network" --dagger_samples 64 --nthread 1 --episode_duration 8 --push_min 0
                --push_max "$push_max" "$@")
  python -m g1mpc collect --out "$data" --episodes "$motions" --first_episode "$first" --motions --seed "$seed" \
      "${expert[@]}" >> "$logs/collect_motions.log" 2>&1 &
  python -m g1mpc collect --out "$data" --episodes "$clip" --first_episode $((first + 5000)) --seed $((seed + 1)) \
      "${expert[@]}" >> "$logs/collect_clip.log" 2>&1 &
  wait
  python -m g1mpc train --data "$data" --ckpt_dir "runs/${name}_tuned" --init_model "$network" --lr 3e-4 --epochs 100 \
      --patience 15 > "$logs/train_tuned.log" 2>&1
  local best
  best=$(find "runs/${name}_tuned" -name 'model-epoch=*-val_loss=*.ckpt' | sort -t= -k3 -g | head -1)
  cp "$best" "$logs/candidate_$name.ckpt.tmp" && mv "$logs/candidate_$name.ckpt.tmp" "$logs/candidate_$name.ckpt"
  echo "candidate: $logs/candidate_$name.ckpt"
}
