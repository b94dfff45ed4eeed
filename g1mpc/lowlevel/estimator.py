"""The floating base from what a G1 measures: the pelvis IMU and the joint encoders.

Orientation and angular velocity are the IMU's. Position and linear velocity come from a linear Kalman
filter on ``[p, v]`` (world frame): the IMU's acceleration (rotated to the world, gravity removed) predicts,
and the leg kinematics correct, assuming the stance foot (the lower one) does not move on a flat floor at
height 0:

- velocity: ``v = -(J_foot qdot)`` with the base's own translation left out of ``qdot``;
- height: the foot sole's height above the foot's site, taken from the model standing on its keyframe;
- horizontal position: the stance foot's position when it became the stance foot (an anchor), minus
  the foot's offset from the pelvis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mujoco
import numpy as np

from g1mpc.errors import ConfigError
from g1mpc.lowlevel.messages import LowState
from g1mpc.lowlevel.motors import MotorMap

GRAVITY = np.array([0.0, 0.0, -9.81])


@dataclass(frozen=True)
class EstimatorConfig:
    """Noise levels of the filter (standard deviations) and the stance switch's hysteresis."""

    accel_std: float = 0.5  # m/s^2, process noise on the acceleration
    velocity_std: float = 0.05  # m/s, leg-kinematics velocity
    height_std: float = 0.005  # m, leg-kinematics height
    position_std: float = 0.02  # m, leg-kinematics horizontal position
    stance_hysteresis: float = 0.01  # m a foot must be lower than the stance foot to take over

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) and v > 0 for v in (self.accel_std, self.velocity_std, self.height_std, self.position_std)):
            raise ConfigError("estimator noise levels must be > 0")


class BaseEstimator:
    """``update(state, dt)`` -> the model's (qpos (nq,), qvel (nv,)) estimated from one ``rt/lowstate``."""

    def __init__(self, model: mujoco.MjModel, feet_sites: tuple[str, ...], config: EstimatorConfig = EstimatorConfig(),
                 keyframe: str | None = None):
        self.model, self.config = model, config
        self.motors = MotorMap.from_model(model)
        self.data = mujoco.MjData(model)
        self.feet = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, name) for name in feet_sites]
        if min(self.feet) < 0:
            raise ConfigError(f"the robot model has no foot sites {feet_sites}")
        self.sole_offset = self._sole_offset(keyframe)
        self._jac = np.zeros((3, model.nv))
        self.reset()

    def _sole_offset(self, keyframe: str | None) -> float:
        """How far the foot sites sit above the floor when the robot stands on its keyframe (model geometry)."""
        d = mujoco.MjData(self.model)
        key = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_KEY, keyframe) if keyframe else -1
        if key >= 0:
            mujoco.mj_resetDataKeyframe(self.model, d, key)
        mujoco.mj_forward(self.model, d)
        return float(np.mean([d.site_xpos[f][2] for f in self.feet]))

    def reset(self, position_xy: tuple[float, float] = (0.0, 0.0)) -> None:
        """Forget the state; the next update starts the filter at ``position_xy`` from its kinematics."""
        self.x = np.zeros(6)
        self.P = np.eye(6)
        self.stance = -1
        self.anchor = np.zeros(2)
        self._start_xy = np.asarray(position_xy, float)
        self.qpos = np.zeros(self.model.nq)
        self.qvel = np.zeros(self.model.nv)

    def _kinematics(self, state: LowState) -> tuple[np.ndarray, np.ndarray]:
        """(feet positions relative to the pelvis, world-aligned (F, 3); feet velocities from joint motion (F, 3))."""
        m, d, mm = self.model, self.data, self.motors
        d.qpos[:] = 0.0
        d.qpos[3:7] = state.quaternion / np.linalg.norm(state.quaternion)
        d.qpos[mm.qpos_adr] = state.q[:mm.count]
        d.qvel[:] = 0.0
        d.qvel[3:6] = state.gyroscope
        d.qvel[mm.dof_adr] = state.dq[:mm.count]
        mujoco.mj_kinematics(m, d)
        mujoco.mj_comPos(m, d)
        rel = np.array([d.site_xpos[f] for f in self.feet])
        vel = np.empty_like(rel)
        for i, f in enumerate(self.feet):
            mujoco.mj_jacSite(m, d, self._jac, None, f)
            vel[i] = self._jac @ d.qvel
        return rel, vel

    def update(self, state: LowState, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Fold in one state ``dt`` s after the last; returns (qpos (nq,), qvel (nv,)) estimated."""
        cfg = self.config
        rel, foot_vel = self._kinematics(state)
        lower = int(np.argmin(rel[:, 2]))
        first = self.stance < 0
        if first:
            self.stance = lower
            self.x[:2] = self._start_xy
            self.x[2] = self.sole_offset - rel[lower, 2]
            self.anchor = self.x[:2] + rel[lower, :2]
            self.P = np.diag([1e-4, 1e-4, 1e-4, 1e-2, 1e-2, 1e-2])
        elif lower != self.stance and rel[lower, 2] < rel[self.stance, 2] - cfg.stance_hysteresis:
            self.stance = lower
            self.anchor = self.x[:2] + rel[lower, :2]
        rot = self.data.xmat[1].reshape(3, 3)  # the pelvis in the world (the free body is body 1)
        if not first:
            accel = rot @ state.accelerometer + GRAVITY
            F = np.eye(6)
            F[:3, 3:] = np.eye(3) * dt
            self.x = F @ self.x + np.concatenate([0.5 * dt * dt * accel, dt * accel])
            q_acc = (cfg.accel_std * dt) ** 2
            Q = np.zeros((6, 6))
            Q[3:, 3:] = np.eye(3) * q_acc
            Q[:3, :3] = np.eye(3) * q_acc * dt * dt
            self.P = F @ self.P @ F.T + Q
        s = self.stance
        measured = np.concatenate([self.anchor - rel[s, :2], [self.sole_offset - rel[s, 2]], -foot_vel[s]])
        R = np.diag([cfg.position_std**2] * 2 + [cfg.height_std**2] + [cfg.velocity_std**2] * 3)
        gain = self.P @ np.linalg.inv(self.P + R)
        self.x = self.x + gain @ (measured - self.x)
        self.P = (np.eye(6) - gain) @ self.P
        qpos, qvel = self.data.qpos.copy(), self.data.qvel.copy()
        qpos[0:3], qvel[0:3] = self.x[:3], self.x[3:]
        self.qpos, self.qvel = qpos, qvel
        return qpos, qvel
