"""What the robot does with its feet after a push: one pushed run, traced every few cycles.

Prints (and writes as JSON) the pelvis and both feet in the world at each traced cycle, with the pushes'
directions, so a fall can be read as a step: which foot lifted, where it went, whether it crossed the other.

    python benchmarks/fall_trace.py --seed 301 --push 300 --duration 9 --out benchmarks/results/fall_trace/hybrid_301.json
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import mujoco
import numpy as np
from field_overrides import overrides

from g1mpc.common.paths import default_checkpoint
from g1mpc.network.torch_mlp import load_network
from g1mpc.planning.controller import ControllerConfig
from g1mpc.robots.base import SIDES
from g1mpc.running.assembly import assemble
from g1mpc.running.config import RunConfig
from g1mpc.running.reporting import write_json_atomic
from g1mpc.running.sim import PushConfig, SimConfig
from g1mpc.tasks.balance import BalanceTask, CostWeights


class _Tracing:
    """Wraps a controller: records (time, qpos) at every replan, then plans as it would."""

    def __init__(self, controller):
        self.controller, self.states = controller, []

    def reset(self, *args):
        self.controller.reset(*args)

    def plan(self, t, qpos, qvel):
        self.states.append((float(t), np.array(qpos)))
        return self.controller.plan(t, qpos, qvel)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--mode", choices=("hybrid", "cem"), default="hybrid")
    p.add_argument("--num_samples", type=int, default=ControllerConfig.num_samples)
    p.add_argument("--num_elites", type=int, default=ControllerConfig.num_elites)
    p.add_argument("--push", type=float, default=300.0, help="push force (N), every 2 s for 0.1 s")
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--push_directions", type=float, nargs="+", default=[], metavar="DEG",
                   help="world-frame angles each push's direction is drawn from (default: any)")
    p.add_argument("--weights", nargs="*", default=[], metavar="FIELD=VALUE", help="CostWeights overrides")
    p.add_argument("--every", type=int, default=5, help="trace every N-th cycle")
    p.add_argument("--out", help="JSON to write")
    args = p.parse_args()
    weights = CostWeights(**overrides(CostWeights, args.weights, "--weights"))
    config = RunConfig(task=BalanceTask(weights=weights), controller=ControllerConfig(
        mode=args.mode, num_samples=args.num_samples, num_elites=args.num_elites, seed=args.seed))
    assembly = assemble(config)
    params = load_network(default_checkpoint("g1"), assembly.network_spec()) if args.mode == "hybrid" else None
    controller = assembly.controller(params)
    controller.config = replace(controller.config, seed=args.seed)
    tracing = _Tracing(controller)
    pushes = PushConfig(force=args.push, seed=args.seed, directions=tuple(args.push_directions))
    sim = assembly.simulation(SimConfig(duration=args.duration, realtime=False, print_every=0.0, pushes=pushes))
    sim.reset(0.0)
    result = sim.run(tracing, log=None)
    model, data = assembly.plant, mujoco.MjData(assembly.plant)

    def position(frame) -> list[float]:
        if frame.kind == "site":
            return data.site_xpos[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, frame.name)].tolist()
        return data.xpos[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, frame.name)].tolist()

    push_list = [{"t": t, "angle_deg": float(np.degrees(angle))} for t, angle in pushes.schedule(args.duration)]
    trace = []
    for t, qpos in tracing.states[:: args.every]:
        data.qpos[:] = qpos
        mujoco.mj_kinematics(model, data)
        feet = {f"{side}_foot": position(frame) for side, frame in zip(SIDES, assembly.robot.feet, strict=True)}
        trace.append({"t": t, "pelvis": qpos[:3].tolist(), **feet})
    print("pushes: " + ", ".join(f"{p['t']:.0f} s at {p['angle_deg']:.0f} deg" for p in push_list))
    print(f"fell at: {result.falls or 'no fall'}")
    print(f"{'t':>6} | {'pelvis x y z':>22} | {'left foot x y z':>22} | {'right foot x y z':>22} | gap (m)")
    for row in trace:
        fmt = lambda v: " ".join(f"{x:+.3f}" for x in v)
        gap = row["left_foot"][1] - row["right_foot"][1]
        print(f"{row['t']:6.2f} | {fmt(row['pelvis'])} | {fmt(row['left_foot'])} | {fmt(row['right_foot'])} | {gap:+.3f}")
    if args.out:
        write_json_atomic(args.out, {"args": vars(args), "falls": result.falls, "pushes": push_list, "trace": trace})
    assembly.close()


if __name__ == "__main__":
    main()
