#!/usr/bin/env bash
# GPU (MJX backend) checks, in priority order, each capped so one lease covers all of them.
# Usage: bash benchmarks/gpu_check.sh OUT_DIR   (on a machine where JAX sees a GPU)
set -uo pipefail
out=${1:-benchmarks/results/gpu}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
step() {  # step NAME SECONDS COMMAND...: run with a time cap, keep its log, note how it ended
  local name=$1 cap=$2; shift 2
  local tic=$(date +%s)
  timeout "$cap" "$@" >"$out/$name.log" 2>&1
  echo "[gpu_check] $name: exit $? after $(( $(date +%s) - tic )) s" | tee -a "$out/steps.log"
  grep -v -i "warn\|coplanar\|warp" "$out/$name.log" | tail -n 12
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
python3 -c "import jax, mujoco; print('jax', jax.__version__, jax.devices(), 'mujoco', mujoco.__version__)" | tee -a "$out/gpu.txt"
# 1. JIT vs AOT on the GPU preset (500 samples): artifact build, start -> first control, per-cycle time.
step aot 200 python3 benchmarks/bench_aot.py --backend mjx --cycles 250 --repeats 1 --out "$out/aot_mjx.json"
# 2. Closed loop under 150 N pushes: hybrid and CEM at the GPU preset (about 55 ms a cycle on an H200).
step planning 150 python3 benchmarks/bench_planning.py --backend mjx --modes hybrid:500:20 cem:500:20 \
  --pushes 150 --seeds 1 --duration 4 --out "$out/planning_mjx.json"
# 3. MJX against native MuJoCo on the GPU (the test suite pins JAX to the CPU unless told otherwise).
JAX_PLATFORMS=cuda step test_backends 120 python3 -m pytest -q -p no:cacheprovider --tb=short tests/test_backends.py
# 4. How planning time grows with the sample count.
step scaling 90 python3 benchmarks/bench_planning.py --backend mjx --modes cem:128:16 cem:2048:64 \
  --pushes 0 --seeds 1 --duration 2 --out "$out/scaling_mjx.json"
# 5. Planner-model levers and loop unrolling on MJX (500 samples): rollout time and drift from the plant.
step levers 240 python3 benchmarks/bench_planner_models.py --backend mjx --samples 500 --states 1 --repeats 5 \
  --levers "coarse_feet" "dt 0.02, feet-floor" --unroll 1 4 --out "$out/planner_models_mjx.json"
# 6. The GPU preset on the legacy planner model (today's 55 ms configuration) for comparison with step 2.
step planning_legacy 150 python3 benchmarks/bench_planning.py --backend mjx --modes hybrid:500:20 --planner_model legacy \
  --planner_set contacts=feet --pushes 150 --seeds 1 --duration 4 --out "$out/planning_mjx_legacy.json"
cat "$out/steps.log"
