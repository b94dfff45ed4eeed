"""JIT vs AOT, each in fresh processes: process start -> first control, and per-cycle planning time.

Usage (prints a table, writes JSON):
    python benchmarks/bench_aot.py --cycles 500 --repeats 3 --out benchmarks/results/aot.json
The AOT artifact is built once beforehand (not timed); then JIT and AOT processes alternate, each round
followed by an "import floor" process that only imports the libraries the AOT path needs (JAX, MuJoCo,
and on the CPU SciPy's LAPACK): how far AOT start-up is above what importing them costs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from g1mpc.running.config import preset
from g1mpc.running.reporting import write_json_atomic

CHILD = r"""
import sys, time, json
start = float(sys.argv[1]); kind = sys.argv[2]; pre = sys.argv[3]; cycles = int(sys.argv[4])
backend, samples, elites = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
from g1mpc.running.config import RunConfig, named_planner_model
from g1mpc.common.paths import DEFAULT_CHECKPOINT
from g1mpc.planning.controller import ControllerConfig
# the configuration run_policy_aot.py builds for these flags (same digest: the artifact loads)
config = RunConfig(controller=ControllerConfig(mode="hybrid", backend=backend, num_samples=samples, num_elites=elites),
                   planner_model=named_planner_model(None, backend))
if kind == "aot":
    from g1mpc.precompiled.aot import prepare_precompiled
    assembly, params, _ = prepare_precompiled(config, DEFAULT_CHECKPOINT, pre, log=lambda s: None)
else:
    from g1mpc.running.assembly import assemble
    from g1mpc.network.torch_mlp import load_network
    assembly = assemble(config)
    params = load_network(DEFAULT_CHECKPOINT, assembly.network_spec())
from g1mpc.running.sim import SimConfig
ctl = assembly.controller(params)
sim = assembly.simulation(SimConfig(duration=cycles / config.frequency, realtime=False, print_every=0))
ctl.reset(assembly.reference.ctrl[0])
ctl.plan(sim.data.time, sim.data.qpos.copy(), sim.data.qvel.copy())
first = time.time() - start
ctl.reset(assembly.reference.ctrl[0])
r = sim.run(ctl, log=None)
t = [c.total * 1e3 for c in r.cycles]
print("RESULT" + json.dumps({"first_control_s": first, "cycles": len(t), "p50": float(sorted(t)[len(t)//2]),
      "p95": float(sorted(t)[int(len(t)*0.95)]), "max": max(t), "falls": len(r.falls),
      "jax_devices": [str(d) for d in __import__("jax").devices()]}))
assembly.close()
"""


# The libraries the AOT path cannot do without: JAX, MuJoCo, and SciPy's LAPACK, which JAX loads for
# every exported function called on the CPU. A fresh process importing just these is the floor of start-up.
FLOOR = r"""
import sys, time, json
start = float(sys.argv[1])
import jax, mujoco, numpy
if jax.default_backend() == "cpu":
    import scipy.linalg
print("RESULT" + json.dumps({"first_control_s": time.time() - start}))
"""


def import_floor() -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", FLOOR, str(start)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.split("RESULT")[1])["first_control_s"]


def child(kind: str, pre: str, cycles: int, sizes: list[str]) -> dict:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(start), kind, pre, str(cycles), *sizes], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.split("RESULT")[1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cycles", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--backend", choices=("mujoco", "mjx"), default="mujoco", help="rollouts of both paths")
    p.add_argument("--num_samples", type=int, default=None, help="samples per iteration (default: the backend's preset)")
    p.add_argument("--num_elites", type=int, default=None, help="CEM elites (default: the backend's preset)")
    p.add_argument("--out", default="benchmarks/results/aot.json")
    args = p.parse_args()
    sizes = preset("gpu" if args.backend == "mjx" else "cpu")
    samples, elites = args.num_samples or sizes["num_samples"], args.num_elites or sizes["num_elites"]
    extra = ["--backend", args.backend, "--num_samples", str(samples), "--num_elites", str(elites)]
    pre = str(Path(tempfile.mkdtemp()) / "precompiled")
    tic = time.time()
    subprocess.run([sys.executable, "run_policy_aot.py", "--precompiled_dir", pre, "--duration", "0.1", "--quiet", "--headless", *extra],
                   check=True, capture_output=True)
    build_s = time.time() - tic
    runs = {"jit": [], "aot": []}
    floors = []
    for _ in range(args.repeats):
        for kind in ("jit", "aot"):
            runs[kind].append(child(kind, pre, args.cycles, [args.backend, str(samples), str(elites)]))
        floors.append(import_floor())
    print(f"{'path':>4} {'start->first control':>21} {'cycle p50':>10} {'p95':>8} {'max':>8} {'cycles':>7}")
    summary = {}
    for kind, rs in runs.items():
        first = float(np.median([r["first_control_s"] for r in rs]))
        s = {k: float(np.median([r[k] for r in rs])) for k in ("p50", "p95", "max")}
        summary[kind] = {"first_control_s": first, **s, "cycles": rs[0]["cycles"], "runs": rs}
        print(f"{kind:>4} {first:>19.2f} s {s['p50']:>8.2f}ms {s['p95']:>6.2f}ms {s['max']:>6.2f}ms {rs[0]['cycles']:>7}")
    ratio = summary["jit"]["first_control_s"] / summary["aot"]["first_control_s"]
    floor = float(np.median(floors))
    print(f"AOT start -> first control is {ratio:.1f}x faster than JIT (artifact build: {build_s:.1f} s)")
    print("import floor (fresh process importing jax, mujoco, and scipy.linalg where JAX runs on the CPU): "
          f"{floor:.2f} s; AOT spends {summary['aot']['first_control_s'] - floor:.2f} s above it; "
          f"JIT/floor = {summary['jit']['first_control_s'] / floor:.1f}x")
    write_json_atomic(args.out, {"summary": summary, "start_speedup": ratio, "build_s": build_s, "import_floor_s": floor,
                                 "import_floor_runs": floors, "jax_devices": runs["aot"][0]["jax_devices"], "args": vars(args)})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
