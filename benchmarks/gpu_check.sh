#!/usr/bin/env bash
# GPU (MJX backend) checks, in priority order, each capped so one lease covers them.
# Usage: bash benchmarks/gpu_check.sh OUT_DIR [STEP ...]   (on a machine where JAX sees a GPU; no STEP: all of them)
# Steps: test_backends planning planning_mppi scaling aot levers planning_legacy
set -uo pipefail
out=${1:-benchmarks/results/gpu}
shift || true
wanted=" ${*:-test_backends planning planning_mppi scaling aot levers planning_legacy} "
mkdir -p "$out"
export PYTHONUNBUFFERED=1
step() {  # step NAME SECONDS COMMAND...: run with a time cap when NAME is wanted, keep its log, note how it ended
  local name=$1 cap=$2; shift 2
  [[ $wanted == *" $name "* ]] || return 0
  local tic=$(date +%s)
  timeout "$cap" "$@" >"$out/$name.log" 2>&1
  echo "[gpu_check] $name: exit $? after $(( $(date +%s) - tic )) s" | tee -a "$out/steps.log"
  grep -v -i "warn\|coplanar\|warp" "$out/$name.log" | tail -n 12
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
python3 -c "import jax, mujoco; print('jax', jax.__version__, jax.devices(), 'mujoco', mujoco.__version__)" | tee -a "$out/gpu.txt"
# 1. MJX against native MuJoCo on the GPU (the test suite pins JAX to the CPU unless told otherwise).
JAX_PLATFORMS=cuda step test_backends 150 python3 -m pytest -q -p no:cacheprovider --tb=short tests/test_backends.py
# 2. Closed loop under 150 N pushes at the GPU preset (500 samples / 20 elites): the hybrid with CEM, with MPPI and
#    the calm-noise schedule (the CPU preset's planner), and CEM alone.
step planning 180 python3 benchmarks/bench_planning.py --backend mjx --modes hybrid:500:20 cem:500:20 \
  --pushes 150 --seeds 1 --duration 4 --out "$out/planning_mjx.json"
step planning_mppi 120 python3 benchmarks/bench_planning.py --backend mjx --modes hybrid:500:20 \
  --set planner=mppi calm_noise=0.25 --pushes 150 --seeds 1 --duration 4 --out "$out/planning_mjx_mppi.json"
# 3. How planning time grows with the sample count.
step scaling 100 python3 benchmarks/bench_planning.py --backend mjx --modes cem:64:8 cem:128:16 cem:2048:64 \
  --pushes 0 --seeds 1 --duration 2 --out "$out/scaling_mjx.json"
# 4. JIT vs AOT on the GPU preset (500 samples): artifact build, start -> first control, per-cycle time.
step aot 200 python3 benchmarks/bench_aot.py --backend mjx --cycles 250 --repeats 1 --out "$out/aot_mjx.json"
# 5. Planner-model levers and loop unrolling on MJX (500 samples): rollout time and drift from the plant.
step levers 240 python3 benchmarks/bench_planner_models.py --backend mjx --samples 500 --states 1 --repeats 5 \
  --levers "coarse_feet" "dt 0.02, feet-floor" --unroll 1 4 --out "$out/planner_models_mjx.json"
# 6. The GPU preset on the legacy planner model (the 55 ms configuration of 2026-11) for comparison with step 2.
step planning_legacy 150 python3 benchmarks/bench_planning.py --backend mjx --modes hybrid:500:20 --planner_model legacy \
  --planner_set contacts=feet --pushes 150 --seeds 1 --duration 4 --out "$out/planning_mjx_legacy.json"
[[ -f "$out/steps.log" ]] && cat "$out/steps.log"
