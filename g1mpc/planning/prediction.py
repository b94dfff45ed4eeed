"""State prediction for latency compensation: where the robot will be when a new plan reaches it.

A plan computed from the state at ``t`` reaches the motors at ``t + L``. Until then the plant runs the
plans already sent, which the controller knows. Rolling the nominal model forward under those servo
targets gives the state at ``t + L``; the planner plans from it and starts its plan there.
"""

from __future__ import annotations

import mujoco
import numpy as np


def prediction_steps(t: float, start_time: float | None, dt: float) -> int:
    """Plant steps of ``dt`` from a state at ``t`` to a plan starting at ``start_time`` (0: none, or not ahead)."""
    return 0 if start_time is None or start_time <= t + 1e-9 else int(round((start_time - t) / dt))


class StatePredictor:
    """Steps the nominal model, in its own ``MjData``, under known servo targets.

    Args:
        model: the controller's model of the robot at the plant's timestep. Only read (MuJoCo never writes
            a model while stepping), so the simulated plant's own compiled model can be shared.
    """

    def __init__(self, model: mujoco.MjModel):
        self.model = model
        self.data = mujoco.MjData(self.model)
        self.dt = float(self.model.opt.timestep)
        self.floating_base = bool(model.njnt) and model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE  # qvel[:2]: the base's
        self.base_velocities = np.zeros((1, 2))  # (n + 1, 2) qvel[:2] at each step of the last prediction

    def predict(self, time: float, qpos: np.ndarray, qvel: np.ndarray, controls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The state after applying ``controls`` (n, nu), one per plant step, from (time, qpos (nq,), qvel (nv,)).

        Returns:
            qpos (nq,), qvel (nv,) at ``time + n * dt``; ``base_velocities`` keeps qvel[:2] at each step.
        """
        m, d = self.model, self.data
        mujoco.mj_resetData(m, d)
        d.time = time
        d.qpos[:] = qpos
        d.qvel[:] = qvel
        controls = np.asarray(controls, np.float64)
        path = np.empty((len(controls) + 1, 2))
        path[0] = d.qvel[:2]
        for i, ctrl in enumerate(controls):
            d.ctrl[:] = ctrl
            mujoco.mj_step(m, d)
            path[i + 1] = d.qvel[:2]
        self.base_velocities = path
        return d.qpos.copy(), d.qvel.copy()
