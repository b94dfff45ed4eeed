#!/usr/bin/env bash
# deploy over DDS with the planner in a thread (off) and in its own process (on), interleaved per seed, no pushes:
# plan time, share of 50 Hz and latency. Each run: robot-sim (the planner's own model) + deploy, 15 s, auto samples.
# Usage: bash benchmarks/screens/planner_process_ab.sh OUT_DIR SEED...
set -uo pipefail
out=$1; shift
mkdir -p "$out"
cd "$(dirname "$0")/../.."
for seed in "$@"; do for mode in off on; do
  python -m g1mpc robot-sim --domain 7 --duration 15 --push_force 0 --seed "$seed" --wait 300 --plant nominal \
    --report "$out/robot_${mode}_$seed.json" > /dev/null 2>&1 &
  python -m g1mpc deploy --domain 7 --seed "$seed" --planner_process "$mode" --report "$out/deploy_${mode}_$seed.json" \
    > "$out/deploy_${mode}_$seed.log" 2>&1
  wait
done; done
python - "$out" <<'PY'
import glob, json, sys
import numpy as np
out = sys.argv[1]
rows = {}
for mode in ("off", "on"):
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/deploy_{mode}_*.json"))]
    s = [r["summary"] for r in runs]
    rows[mode] = {"runs": len(s), "seeds": [int(f.rsplit("_", 1)[1][:-5]) for f in sorted(glob.glob(f"{out}/deploy_{mode}_*.json"))],
                  "samples": sorted({r["config"]["controller"]["num_samples"] for r in runs}),
                  "planning_p50_ms": [round(x["planning_p50_ms"], 2) for x in s],
                  "target_share": [round(x["target_share"], 3) for x in s],
                  "latency_p50_ms": [round(x["latency_p50_ms"], 1) for x in s]}
    print(mode, "plan p50 mean %.1f ms, share mean %.3f, latency p50 mean %.1f ms over %d runs" % (
        np.mean(rows[mode]["planning_p50_ms"]), np.mean(rows[mode]["target_share"]), np.mean(rows[mode]["latency_p50_ms"]), len(s)))
json.dump(rows, open(f"{out}/summary.json", "w"), indent=1)
PY
rm -f "$out"/deploy_*.json "$out"/robot_*.json  # per-cycle reports: the summary keeps what the table needs
