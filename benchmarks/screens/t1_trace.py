"""Trace a pushed T1 run (CEM 40 / 5, horizon 0.8 s): every 0.1 s of the 1.2 s after each push, the trunk's
height and tilt, the feet, and the servo errors (target minus angle) of the knees, ankles and hips.

    python benchmarks/screens/t1_trace.py SEED FORCE [DURATION]
"""

import sys

import mujoco
import numpy as np

from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.assembly import assemble
from g1mpc.running.config import RunConfig
from g1mpc.running.sim import PushConfig, SimConfig

JOINTS = ("Left_Knee_Pitch", "Right_Knee_Pitch", "Left_Ankle_Pitch", "Right_Ankle_Pitch", "Left_Hip_Pitch", "Right_Hip_Pitch")


def main() -> None:
    seed, force = int(sys.argv[1]), float(sys.argv[2])
    duration = float(sys.argv[3]) if len(sys.argv) > 3 else 12.0
    config = RunConfig(robot="t1", plan_horizon=0.8, controller=ControllerConfig(num_samples=40, num_elites=5, seed=seed))
    assembly = assemble(config, nthread=2)
    pushes = PushConfig(force=force, seed=seed)
    sim = assembly.simulation(SimConfig(duration=duration, realtime=False, print_every=0, pushes=pushes))
    controller = assembly.controller()
    controller.reset(assembly.reference.ctrl[0])
    model = assembly.plant
    names = [model.actuator(i).name for i in range(model.nu)]
    actuators = [names.index(n) for n in JOINTS]
    qpos_adr = [model.jnt_qposadr[model.actuator_trnid[i, 0]] for i in actuators]
    feet = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, n) for n in ("left_foot_link", "right_foot_link")]
    print("servo errors (rad) in the order", ", ".join(JOINTS))

    def trace(data, _reference) -> bool:
        t = data.time
        if t > pushes.interval - 0.1 and t % pushes.interval < 1.2 and round(t * 50) % 5 == 0:
            tilt = np.degrees(np.arccos(np.clip(data.xmat[1].reshape(3, 3)[2, 2], -1, 1)))
            feet_xyz = " ".join(f"({', '.join(f'{x:.2f}' for x in data.xpos[f])})" for f in feet)
            errors = data.ctrl[actuators] - data.qpos[qpos_adr]
            print(f"t={t:5.2f} trunk z {data.qpos[2]:.3f} m, tilt {tilt:4.1f} deg, velocity {data.qvel[:2].round(2)} m/s; "
                  f"feet {feet_xyz}; servo errors {errors.round(2)}")
        return True

    result = sim.run(controller, on_cycle=trace, log=print)
    print("falls", [round(t, 2) for t in result.falls], "pushes at", [round(t, 2) for t in result.push_times])
    print("push directions (deg)", [round(np.degrees(a)) for _, a in pushes.schedule(duration)])
    assembly.close()


if __name__ == "__main__":
    main()
