"""Issue 38 screen: levers that might let the kp-500 network and planner run Unitree's soft servos.

Applies one or more levers in this process only (nothing in the package changes), then runs
``benchmarks/bench_planning.py`` with the remaining arguments:

  hold_offset:   the reference's servo targets get the reference pose's holding torque over the gain set's kp,
                 less its share over the model's kp 500 (the torque measured after 2 s holding the clip's first
                 frame on the planner's own G1), so a kp-500 plan asks the soft servos for the same holding torque;
  wide_range:    under a gain set, servo targets may lie beyond the joint's range by its torque limit over kp
                 (the motors take any target; the scene clips targets to the joint range, which caps a kp-40
                 ankle roll at about 10 N m of its 50);
  noise_by_kp:   the sampling noise of each actuator times (500 / kp) ** GAINS_NOISE_POWER (default 1);
  torque_effort: the cost's control effort and smoothness in torque units, (kp / 500) ** 2 per actuator;
  knots_in_range: every sampled plan's knots clipped to the servo targets' range at the knot times (the controls are
                 clipped anyway, so beyond the range a plan costs the same wherever it lies, and the plan the
                 hybrid keeps can drift there: under Unitree's gains its leg knots spread 0.21-0.23 rad, up to 2.7).

    python benchmarks/screens/gains_levers.py --levers hold_offset -- --modes hybrid:32:4 --set planner=mppi \\
        calm_noise=0.25 anchor_fraction=1.0 --plant as_built --gains unitree --pushes 150 \\
        --seed_list 700 701 702 703 704 --out benchmarks/results/plants/unitree_gains/levers/h150_a.json
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

import jax.numpy as jnp
import mujoco
import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCHMARKS))

from g1mpc.planning import pipeline  # noqa: E402
from g1mpc.robots import base, models  # noqa: E402
from g1mpc.robots.g1 import G1  # noqa: E402
from g1mpc.robots.plants import MODEL_GAINS  # noqa: E402
from g1mpc.running import assembly  # noqa: E402
from g1mpc.tasks import balance  # noqa: E402

MODEL_KP = 500.0  # the scene's servos, which the network and the planner's defaults were made for
HOLD_SECONDS = 2.0


def hold_offset(gains: str) -> None:
    build = assembly.build_reference

    def build_reference(model, robot, qpos, fps):
        reference = build(model, robot, qpos, fps)
        nominal = models.load_plant_model(robot)
        data = mujoco.MjData(nominal)
        data.qpos[:], data.ctrl[:] = qpos[0], reference.ctrl[0]
        for _ in range(int(round(HOLD_SECONDS / nominal.opt.timestep))):
            mujoco.mj_step(nominal, data)
        kp = model.actuator_gainprm[:, 0]
        reference.ctrl[:] = reference.ctrl + data.actuator_force * (1.0 / kp - 1.0 / nominal.actuator_gainprm[:, 0])
        return reference

    assembly.build_reference = build_reference


def wide_range(gains: str) -> None:
    set_gains = models.set_servo_gains

    def set_servo_gains(model, robot, gains):
        set_gains(model, robot, gains)
        if gains == MODEL_GAINS:
            return
        for i in range(model.nu):
            joint = model.actuator_trnid[i, 0]
            margin = model.jnt_actfrcrange[joint, 1] / model.actuator_gainprm[i, 0]
            model.actuator_ctrlrange[i] = model.jnt_range[joint] + np.array([-margin, margin])

    models.set_servo_gains = set_servo_gains


def noise_by_kp(gains: str) -> None:
    power = float(os.environ.get("GAINS_NOISE_POWER", "1"))
    noise_scale, gain_set = base.Robot.noise_scale, G1.gain_sets[gains]

    def scaled(self, names):
        return tuple(v * (MODEL_KP / gain_set.of(n)[0]) ** power for v, n in zip(noise_scale(self, names), names, strict=True))

    base.Robot.noise_scale = scaled


def torque_effort(gains: str) -> None:
    nominal, gain_set = models.load_plant_model(G1), G1.gain_sets[gains]
    scale = jnp.asarray([(gain_set.of(nominal.actuator(i).name)[0] / MODEL_KP) ** 2 for i in range(nominal.nu)])
    stage_costs = balance.BalanceTask.stage_costs

    def in_torque_units(self, layout, qpos, qvel, ctrl, sensordata, reference, previous_ctrl):
        terms = stage_costs(self, layout, qpos, qvel, ctrl, sensordata, reference, previous_ctrl)
        before = jnp.concatenate([jnp.broadcast_to(previous_ctrl, ctrl[..., :1, :].shape), ctrl[..., :-1, :]], axis=-2)
        terms["control_effort"] = self.weights.control_effort * jnp.sum(scale * (ctrl - reference.ctrl) ** 2, axis=-1)
        terms["control_smoothness"] = self.weights.control_smoothness * jnp.sum(scale * (ctrl - before) ** 2, axis=-1)
        return terms

    balance.BalanceTask.stage_costs = in_torque_units


def knots_in_range(gains: str) -> None:
    propose = pipeline.propose

    def in_range(spec, planner, state, key, t0, qvel, arrays, anchor=None, held=0.0):
        knots, _, pushed = propose(spec, planner, state, key, t0, qvel, arrays, anchor, held)
        ref = pipeline._frame_blend(spec, arrays, t0 + spec.knot_times, arrays.ref_ctrl)  # (K, nu)
        knots = jnp.clip(knots, arrays.ctrl_low - ref, arrays.ctrl_high - ref)
        controls = pipeline.knots_to_controls(spec, arrays, knots, pipeline.planner_step_times(spec, 0.0), t0)
        return knots, controls, pushed

    pipeline.propose = in_range


# name -> patch, each given bench_planning's --gains (hold_offset, wide_range and knots_in_range apply whatever it is)
LEVERS = {"hold_offset": hold_offset, "wide_range": wide_range, "noise_by_kp": noise_by_kp, "torque_effort": torque_effort,
          "knots_in_range": knots_in_range}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levers", nargs="+", choices=LEVERS, required=True)
    parser.add_argument("bench_args", nargs=argparse.REMAINDER, help="-- then bench_planning.py's arguments")
    args = parser.parse_args()
    bench_args = args.bench_args[1:] if args.bench_args[:1] == ["--"] else args.bench_args
    gains = bench_args[bench_args.index("--gains") + 1] if "--gains" in bench_args else MODEL_GAINS
    if gains == MODEL_GAINS and {"noise_by_kp", "torque_effort"} & set(args.levers):
        parser.error("noise_by_kp and torque_effort scale by a gain set's kp: give bench_planning's --gains")
    for lever in args.levers:
        LEVERS[lever](gains)
    print(f"[gains_levers] {', '.join(args.levers)}", flush=True)
    sys.argv = ["bench_planning.py", *bench_args]
    runpy.run_path(str(BENCHMARKS / "bench_planning.py"), run_name="__main__")


if __name__ == "__main__":
    main()
