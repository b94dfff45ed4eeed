"""Where the AOT path's start-up goes: each loading step timed alone, then the loader as it runs.

Usage (prints a table, writes JSON):
    python benchmarks/profile_aot_load.py --out benchmarks/results/aot_load_profile.json
Builds the default configuration in a temporary --precompiled_dir first (not timed), then in fresh
processes times: the floor imports, this package's imports, the manifest, the network, the model (load,
hash, copy for the planner), the six stages alone, and the whole loader (stages beside the model thread).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.reporting import write_json_atomic

CHILD = r"""
import sys, time, json
t = [time.perf_counter()]
import jax, mujoco, scipy.linalg
t.append(time.perf_counter())
from g1mpc.precompiled import aot, compile_cache, manifest as M
from g1mpc.running.config import RunConfig
from g1mpc.planning.controller import ControllerConfig
from g1mpc.common.paths import DEFAULT_CHECKPOINT
t.append(time.perf_counter())
root = sys.argv[1]
config = RunConfig(controller=ControllerConfig(mode="hybrid"))
compile_cache.enable(root)
expected = M.expected_manifest(config, DEFAULT_CHECKPOINT); key = M.build_key(expected)
d = aot.build_dir(root, key); m = M.read_manifest(d, expected)
t.append(time.perf_counter())
params = aot.load_network_params(d, m)
t.append(time.perf_counter())
if sys.argv[2] == "steps":
    import copy
    plant = aot._load_checked_model(d, m)
    t.append(time.perf_counter())
    copy.deepcopy(plant)
    t.append(time.perf_counter())
    aot.load_stages(d, m, "mujoco")
    t.append(time.perf_counter())
    names = ["floor_imports", "package_imports", "manifest", "network", "model_load_and_hash", "model_copy", "stages_alone"]
else:
    assembly, _ = aot.load_build(d, expected, config, None)
    t.append(time.perf_counter())
    names = ["floor_imports", "package_imports", "manifest", "network", "loader_stages_beside_model"]
print("RESULT" + json.dumps(dict(zip(names, (b - a for a, b in zip(t, t[1:]))))))
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default="benchmarks/results/aot_load_profile.json")
    args = p.parse_args()
    pre = str(Path(tempfile.mkdtemp()) / "precompiled")
    c = ControllerConfig()  # the configuration the child processes load (the sizes are fixed: no --num_samples auto)
    subprocess.run([sys.executable, "run_policy_aot.py", "--precompiled_dir", pre, "--duration", "0.1", "--quiet", "--headless",
                    "--num_samples", str(c.num_samples), "--num_elites", str(c.num_elites)], check=True, capture_output=True)
    runs: dict[str, list[dict]] = {"steps": [], "loader": []}
    for _ in range(args.repeats):
        for kind in runs:
            out = subprocess.run([sys.executable, "-c", CHILD, pre, kind], capture_output=True, text=True, check=True)
            runs[kind].append(json.loads(out.stdout.split("RESULT")[1]))
    medians = {kind: {k: float(np.median([r[k] for r in rs])) for k in rs[0]} for kind, rs in runs.items()}
    print(f"{'step':>28} {'median s':>9}")
    for kind, steps in medians.items():
        for name, value in steps.items():
            print(f"{kind + ': ' + name:>40} {value:>9.3f}")
    write_json_atomic(args.out, {"medians": medians, "runs": runs, "args": vars(args)})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
