#!/usr/bin/env bash
# Issue 38: the plant table's 300 N cells with twice the samples. Hybrid 64 / 8, synchronous, the G1's preset sampling
# (MPPI, calm noise 0.25, every sample around the held plan, temperature following the sample count), 300 N, seeds
# 700-719 as the plant table: 700-709 on core 0, 710-719 on core 1, the as-built G1 then the planner's own. Resumable
# (a complete cell is skipped). Results: benchmarks/results/plants/mppi_rule_64/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source benchmarks/resumable_runs.sh
SET="--modes hybrid:64:8 --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 temperature_samples=16 --pushes 300"
run_halves "${OUT:-benchmarks/results/plants/mppi_rule_64}" "$(seq -s ' ' 700 719)" \
    "as_built_300|$SET --plant as_built" "nominal_300|$SET --plant nominal"
