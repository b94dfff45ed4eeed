"""Open-loop baseline: hold a robot's keyframe servo targets (no planner) and print the root height.

Usage (prints a log; redirect it into benchmarks/results/):
    python benchmarks/hold_keyframe.py --robot t1 --duration 5 > benchmarks/results/t1_hold_keyframe.log
"""

from __future__ import annotations

import argparse

import mujoco

from g1mpc.registry import ROBOTS


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--robot", choices=tuple(ROBOTS), default="t1")
    p.add_argument("--duration", type=float, default=5.0)
    args = p.parse_args()
    robot = ROBOTS[args.robot]
    model = mujoco.MjModel.from_xml_path(str(robot.xml_path()))
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_KEY, robot.keyframe))
    print(f"{args.robot} holding keyframe '{robot.keyframe}' ctrl open loop; servo kp {model.actuator_gainprm[0, 0]:g}")
    steps = round(args.duration / model.opt.timestep)
    every = round(0.5 / model.opt.timestep)
    for i in range(1, steps + 1):
        mujoco.mj_step(model, data)
        if i % every == 0:
            print(f"t={data.time:4.1f} s  {robot.root_body} height {data.qpos[2]:.3f} m")


if __name__ == "__main__":
    main()
