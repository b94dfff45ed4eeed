#!/usr/bin/env bash
# Sideways-push screen: benchmarks/screens/push_screen.sh with 300 N pushes to the left or right only (world +-y, the
# failure mode of the 300 N runs) and 10 s runs (pushes at 2, 4, 6, 8 s), into
# benchmarks/results/sideways_screen. Same SEEDS (default: the tuning seeds 200-219) and MODE variables.
# Usage: bash benchmarks/screens/sideways_screen.sh NAME="BENCH_PLANNING FLAGS" [...]
#   e.g. bash benchmarks/screens/sideways_screen.sh base= sigma02="--set sigma_start=0.2"
set -euo pipefail
cd "$(dirname "$0")/../.."
PUSHES=300 DIRECTIONS="90 270" DURATION=10 OUT=benchmarks/results/sideways_screen exec bash benchmarks/screens/push_screen.sh "$@"
