#!/usr/bin/env bash
# Latency and its compensation, closed loop: the hybrid (64 / 8 unless said) at 150, 200 and 300 N on seeds
# 400-419 (no tuning used them), 20 s each, one file per configuration, force and chunk of five seeds,
# resumable (a complete file is skipped). Aggregate with benchmarks/latency_table.py.
#   sync0:   the synchronous loop, each plan applied at once
#   sync20, sync40:   --latency_ms 20 / 40 (each plan takes effect that long after its state), no compensation
#   sync20p, sync40p: the same with --compensation predict
#   async, asyncp:    --loop async (wall-clock time: run these on an otherwise idle machine), without and with compensation
#   asyncp40:         asyncp with 40 samples / 5 elites, what --num_samples auto chose on the 2-vCPU machine of the docs
# Usage: [CONFIGS="sync0 sync20 ..."] [CHUNKS="400 405 410 415"] [FORCES="150 200 300"] [OUT=DIR] bash benchmarks/latency_table.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/resumable_runs.sh
OUT=${OUT:-benchmarks/results/latency}
CONFIGS=${CONFIGS:-sync0 sync20 sync20p sync40 sync40p async asyncp}
CHUNKS=${CHUNKS:-400 405 410 415}
FORCES=${FORCES:-150 200 300}
for chunk in $CHUNKS; do
  seeds=$(seq "$chunk" $((chunk + 4)))
  for force in $FORCES; do
    for config in $CONFIGS; do
      modes=hybrid:64:8
      case $config in
        sync0) flags=(--latency_ms 0) ;;
        sync20) flags=(--latency_ms 20) ;;
        sync20p) flags=(--latency_ms 20 --compensation predict) ;;
        sync40) flags=(--latency_ms 40) ;;
        sync40p) flags=(--latency_ms 40 --compensation predict) ;;
        async) flags=(--loop async) ;;
        asyncp) flags=(--loop async --compensation predict) ;;
        asyncp40) flags=(--loop async --compensation predict); modes=hybrid:40:5 ;;
        *) echo "latency_table.sh: unknown configuration '$config'" >&2; exit 2 ;;
      esac
      # shellcheck disable=SC2086  # the seed list is separate words
      run_planning "$OUT" "${config}_${force}N_s${chunk}" --modes "$modes" --pushes "$force" --seed_list $seeds "${flags[@]}"
    done
  done
done
