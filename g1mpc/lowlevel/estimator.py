"""The floating base from what a G1 measures: the pelvis IMU and the joint encoders.

Orientation and angular velocity are the IMU's. Position and linear velocity come from a linear Kalman
filter on ``[p, v]`` of the IMU itself (world frame; the pelvis's follow from the IMU's offset in the pelvis and
the gyroscope's rate, ``v_pelvis = v_imu - w x r``): the IMU's acceleration (rotated to the world, gravity
removed) predicts, and the leg kinematics, carried over to the IMU, correct, assuming a contact point of the
stance foot (a corner of its sole, or an end of one of its capsules) does not move on a flat floor at height
0. The stance point is, of the points near the floor, the one whose kinematic velocity agrees best with the
IMU's prediction (a foot that slides, lifts or rolls off an edge under a push does not), and the legs are
trusted less the more even that one disagrees:

- velocity: ``v = -(J_point qdot)`` with the base's own translation left out of ``qdot``;
- height: the point's height above the floor when the model stands on its keyframe;
- horizontal position: where the point stood when it became the stance point (an anchor), minus its
  offset from the pelvis.

States that arrive together go through ``fold_in``: ``predict`` (the IMU alone) for all but the newest, which
``update`` folds in with its legs, so every acceleration sample is integrated over its own period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.messages import LowState
from g1mpc.lowlevel.motors import MotorMap, imu_ids
from g1mpc.robots.base import Robot

GRAVITY = np.array([0.0, 0.0, -9.81])
# where a controller's floating base comes from: this estimator, or (diagnostics, from a robot-sim's debug truth) the
# truth for all of it, for the pelvis's linear velocity alone, or for its position alone (the rest estimated)
BASE_SOURCES = ("estimate", "truth", "truth_velocity", "truth_position")
# what an in-process controller plans from (``--base`` of the run commands): the plant's state, or this estimator on
# simulated sensors (g1mpc.lowlevel.estimated_base)
BASE_VIEWS = ("truth", "estimate")
STANCE_RULES = ("prediction", "consensus")


def _sole_points(model: mujoco.MjModel, geom: int) -> list[np.ndarray]:
    """Positions in the body (3,) where a sole geom meets a flat floor: a sphere's centre, a capsule's two end
    centres (MuJoCo's capsule-plane contact); none for other shapes."""
    kind, pos = model.geom_type[geom], model.geom_pos[geom]
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return [pos.copy()]
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        axis = np.empty(9)
        mujoco.mju_quat2Mat(axis, model.geom_quat[geom])
        half = model.geom_size[geom, 1] * axis.reshape(3, 3)[:, 2]
        return [pos - half, pos + half]
    return []


def contact_points(model: mujoco.MjModel, foot_sites: list[int]) -> list[tuple[int, np.ndarray]]:
    """(body, position in the body (3,)) of each point a foot can stand on: the sole's colliding sphere geoms and
    capsule ends where the model has them (the G1's scene: four corners per foot; Unitree's soles: seven capsules
    per foot, fourteen ends), else the foot sites."""
    points = []
    for site in foot_sites:
        body = int(model.site_bodyid[site])
        sole = [q for g in range(model.ngeom) if model.geom_bodyid[g] == body and (model.geom_contype[g] or model.geom_conaffinity[g])
                for q in _sole_points(model, g)]
        points += [(body, q) for q in sole] if sole else [(body, model.site_pos[site].copy())]
    return points


@dataclass(frozen=True)
class EstimatorConfig:
    """Noise levels of the filter (standard deviations) and the stance switch's hysteresis."""

    accel_std: float = 0.5  # m/s^2, process noise on the acceleration
    velocity_std: float = 0.05  # m/s, leg-kinematics velocity
    height_std: float = 0.005  # m, leg-kinematics height
    position_std: float = 0.02  # m, leg-kinematics horizontal position
    contact_band: float = 0.01  # m above the lowest contact point within which a point may be the stance point
    slip_speed: float = 0.1  # m/s of disagreement at which the legs' noise doubles
    # how the legs' measurement is chosen among the low points: "prediction": the point agreeing best with the IMU's
    # prediction, trusted less the more even it disagrees; "consensus": the pelvis velocity the low points agree on
    # (their median), the stance point the one nearest it, the legs trusted less the more the points disagree
    stance: str = "prediction"

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) and v > 0 for v in (self.accel_std, self.velocity_std, self.height_std, self.position_std)):
            raise ConfigError("estimator noise levels must be > 0")
        if self.stance not in STANCE_RULES:
            raise ConfigError(f"estimator stance rule '{self.stance}' is not one of {', '.join(STANCE_RULES)}")


class BaseEstimator:
    """``update(state, dt)`` -> the model's (qpos (nq,), qvel (nv,)) estimated from one ``rt/lowstate``."""

    def __init__(self, model: mujoco.MjModel, feet_sites: tuple[str, ...], config: EstimatorConfig = EstimatorConfig(),
                 keyframe: str | None = None):
        self.model, self.config = model, config
        self.motors = MotorMap.from_model(model)
        self.data = mujoco.MjData(model)
        sites = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, name) for name in feet_sites]
        if not sites or min(sites) < 0:
            raise ConfigError(f"the robot model has no foot sites {feet_sites}")
        self.points = contact_points(model, sites)
        self._point_bodies = np.array([body for body, _ in self.points])  # (C,)
        self._point_offsets = np.array([offset for _, offset in self.points])  # (C, 3) in their bodies
        self._feet = [(int(body), self._point_bodies == body) for body in np.unique(self._point_bodies)]
        imu = imu_ids(model)[0]
        if model.site_bodyid[imu] != 1 or not np.allclose(model.site_quat[imu], [1, 0, 0, 0]):
            raise ConfigError("the base estimator needs the IMU on the floating base, aligned with it")
        self.imu_offset = model.site_pos[imu].copy()  # (3,) the IMU in the pelvis frame
        self.sole_offset = self._sole_offset(keyframe)
        self._body_velocity = np.zeros(6)
        self._leg_position_var = np.array([config.position_std**2] * 2 + [config.height_std**2])  # (3,) x, y, height
        self.reset()

    def _sole_offset(self, keyframe: str | None) -> float:
        """How far the contact points sit above the floor when the robot stands on its keyframe (model geometry)."""
        d = mujoco.MjData(self.model)
        key = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_KEY, keyframe) if keyframe else -1
        if key >= 0:
            mujoco.mj_resetDataKeyframe(self.model, d, key)
        mujoco.mj_forward(self.model, d)
        return float(np.min(self._world_points(d)[:, 2]))

    def _world_points(self, d: mujoco.MjData) -> np.ndarray:
        """(C, 3) the contact points in the world for ``d``'s kinematics."""
        bodies = self._point_bodies
        return d.xpos[bodies] + np.einsum("cij,cj->ci", d.xmat[bodies].reshape(-1, 3, 3), self._point_offsets)

    def reset(self, position_xy: tuple[float, float] = (0.0, 0.0)) -> None:
        """Forget the state; the next update starts the filter at ``position_xy`` from its kinematics."""
        self.x = np.zeros(6)
        # the filter's covariance: the axes never couple (F, Q and R are per axis), so per axis a 2 x 2
        # [[pp, pv], [pv, vv]] of (position, velocity), each (3,)
        self.pp, self.pv, self.vv = np.ones(3), np.zeros(3), np.ones(3)
        self.stance = -1
        self.anchors: np.ndarray | None = None  # (C, 2) where each contact point stands, for the horizontal position
        self._start_xy = np.asarray(position_xy, float)
        self.qpos = np.zeros(self.model.nq)
        self.qvel = np.zeros(self.model.nv)

    def _kinematics(self, state: LowState) -> tuple[np.ndarray, np.ndarray]:
        """(contact points relative to the pelvis, world-aligned (C, 3); their velocities from the joints and the
        pelvis's rotation (C, 3))."""
        m, d, mm = self.model, self.data, self.motors
        d.qpos[:] = 0.0
        d.qpos[3:7] = state.quaternion / np.linalg.norm(state.quaternion)
        d.qpos[mm.qpos_adr] = state.q[:mm.count]
        d.qvel[:] = 0.0
        d.qvel[3:6] = state.gyroscope
        d.qvel[mm.dof_adr] = state.dq[:mm.count]
        mujoco.mj_kinematics(m, d)
        mujoco.mj_comPos(m, d)
        mujoco.mj_comVel(m, d)
        rel = self._world_points(d)
        vel = np.empty_like(rel)
        for body, points in self._feet:  # each point's velocity: its foot's, rigidly carried (rot:lin at the body's origin)
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, body, self._body_velocity, 0)
            w, r = self._body_velocity[:3], rel[points] - d.xpos[body]
            w_cross = np.array([[0.0, w[2], -w[1]], [-w[2], 0.0, w[0]], [w[1], -w[0], 0.0]])  # r @ w_cross = w x r
            vel[points] = self._body_velocity[3:] + r @ w_cross
        return rel, vel

    def update(self, state: LowState, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Fold in one state ``dt`` s after the last; returns (qpos (nq,), qvel (nv,)) estimated."""
        cfg = self.config
        rel, foot_vel = self._kinematics(state)
        rot = self.data.xmat[1].reshape(3, 3)  # the pelvis in the world (the free body is body 1)
        lever = rot @ self.imu_offset  # (3,) the IMU from the pelvis, world frame
        w = rot @ state.gyroscope
        spin = np.array([w[1] * lever[2] - w[2] * lever[1], w[2] * lever[0] - w[0] * lever[2],
                         w[0] * lever[1] - w[1] * lever[0]])  # (3,) w x r: the IMU's velocity relative to the pelvis's
        if self.stance < 0:  # the first state: the lower foot stands on the floor, the robot is still
            self.stance = int(np.argmin(rel[:, 2]))
            self.x[:2] = self._start_xy + lever[:2]
            self.x[2] = self.sole_offset - rel[self.stance, 2] + lever[2]
            self.pp, self.pv, self.vv = np.full(3, 1e-4), np.zeros(3), np.full(3, 1e-2)
        else:
            self._propagate(rot @ state.accelerometer + GRAVITY, dt)
        pelvis_xy, pelvis_velocity = self.x[:2] - lever[:2], self.x[3:] - spin  # as the prediction has them
        velocity, disagreement = self._legs(rel, foot_vel, pelvis_velocity)
        # the feet not trusted now follow the prediction, so a foot that takes over starts from where it is
        self.anchors = pelvis_xy + rel[:, :2] if self.anchors is None else self.anchors
        others = np.arange(len(self.points)) != self.stance
        self.anchors[others] = pelvis_xy + rel[others, :2]
        s = self.stance
        # the legs' pelvis, carried over to the IMU
        measured = np.concatenate([self.anchors[s] - rel[s, :2], [self.sole_offset - rel[s, 2]], velocity + spin])
        measured[:3] += lever
        # sliding or rolling feet: trust the legs less, the IMU more
        inflate = 1.0 + (disagreement / cfg.slip_speed) ** 2
        self._correct(measured, self._leg_position_var * inflate, cfg.velocity_std**2 * inflate)
        qpos, qvel = self.data.qpos.copy(), self.data.qvel.copy()
        qpos[0:3], qvel[0:3] = self.x[:3] - lever, self.x[3:] - spin
        self.qpos, self.qvel = qpos, qvel
        return qpos, qvel

    def fold_in(self, states: list[LowState], dt: float | Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Fold in states that arrived together (oldest first, each ``dt`` s after the one before, or ``dt[i]`` s per
        state (len(states),)): all but the newest by their IMU alone, the newest with its legs; returns (qpos (nq,),
        qvel (nv,)) after the newest."""
        intervals = [dt] * len(states) if np.isscalar(dt) else list(dt)
        if len(intervals) != len(states):
            raise ValueError(f"fold_in: {len(intervals)} intervals for {len(states)} states")
        for older, interval in zip(states[:-1], intervals[:-1], strict=True):
            self.predict(older, interval)
        return self.update(states[-1], intervals[-1])

    def predict(self, state: LowState, dt: float) -> None:
        """Fold in one state ``dt`` s after the last from its IMU alone (no leg kinematics): for states that arrive
        together, all but the newest, so every accelerometer sample is integrated over its own period."""
        if self.stance < 0:
            return
        rot = np.empty(9)
        mujoco.mju_quat2Mat(rot, state.quaternion / np.linalg.norm(state.quaternion))
        self._propagate(rot.reshape(3, 3) @ state.accelerometer + GRAVITY, dt)

    def _propagate(self, accel: np.ndarray, dt: float) -> None:
        """The filter's prediction over ``dt`` s under the world-frame acceleration ``accel`` (3,), gravity removed:
        x <- F x + [dt^2/2 a, dt a], P <- F P F' + Q with F = [[1, dt], [0, 1]] and Q = q diag(dt^2, 1) per axis."""
        self.x[:3] += dt * self.x[3:] + 0.5 * dt * dt * accel
        self.x[3:] += dt * accel
        q = (self.config.accel_std * dt) ** 2
        self.pp = self.pp + 2 * dt * self.pv + dt * dt * (self.vv + q)
        self.pv = self.pv + dt * self.vv
        self.vv = self.vv + q

    def _correct(self, measured: np.ndarray, position_var: np.ndarray | float, velocity_var: float) -> None:
        """The filter's update with a measurement of the whole state ``measured`` (6,) of variances ``position_var``
        and ``velocity_var`` per axis: K = P (P + R)^-1, x <- x + K (z - x), P <- (I - K) P, per axis in closed form."""
        pp, pv, vv = self.pp, self.pv, self.vv
        a, c = pp + position_var, vv + velocity_var  # P + R = [[a, pv], [pv, c]]
        det = a * c - pv * pv
        k_pp, k_pv, k_vp, k_vv = (pp * c - pv * pv) / det, pv * position_var / det, pv * velocity_var / det, (vv * a - pv * pv) / det
        innovation_p, innovation_v = measured[:3] - self.x[:3], measured[3:] - self.x[3:]
        self.x = np.concatenate([self.x[:3] + k_pp * innovation_p + k_pv * innovation_v,
                                 self.x[3:] + k_vp * innovation_p + k_vv * innovation_v])
        self.pp, self.pv, self.vv = (1 - k_pp) * pp - k_pv * pv, (1 - k_pp) * pv - k_pv * vv, (1 - k_vv) * vv - k_vp * pv

    def _legs(self, rel: np.ndarray, foot_vel: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, float]:
        """(the pelvis velocity the legs measure (3,), how far they disagree (m/s)) given the pelvis velocity the IMU
        predicts (3,); sets ``stance``. On the first state the point ``update`` stood on (the lowest) is kept and
        nothing disagrees."""
        if self.anchors is None:
            return -foot_vel[self.stance], 0.0
        low = rel[:, 2].min()
        candidates = np.flatnonzero(rel[:, 2] <= low + self.config.contact_band)
        implied = -foot_vel[candidates]  # the pelvis velocity each low point implies if it stands still
        if self.config.stance == "prediction" or len(candidates) < 3:
            # too few points to agree on (a foot on one corner or edge): the one agreeing best with the prediction
            off = np.linalg.norm(implied - predicted, axis=1)
            best = int(np.argmin(off))
            self.stance = int(candidates[best])
            return implied[best], float(off[best])
        consensus = np.median(implied, axis=0)
        spread = np.linalg.norm(implied - consensus, axis=1)
        self.stance = int(candidates[np.argmin(spread)])
        return consensus, float(np.median(spread))


def foot_sites(robot: Robot) -> tuple[str, ...]:
    """The names of ``robot``'s foot frames that are sites, (left, right): where the estimator's legs measure from."""
    return tuple(f.name for f in robot.feet if f.kind == "site")


def robot_estimator(model: mujoco.MjModel, robot: Robot, config: EstimatorConfig | None = None) -> BaseEstimator:
    """The base estimator of ``robot`` on ``model``: its feet's sites, its standing keyframe."""
    return BaseEstimator(model, foot_sites(robot), config or EstimatorConfig(), keyframe=robot.keyframe)
