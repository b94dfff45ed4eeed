"""Balance while tracking a reference motion: the standing humanoid task.

The cost tracks the reference's joints, base pose, feet and hands, and keeps the centre of mass and the
capture point over the feet as the reference has them; the network sees the state and the reference
ahead; a fall is judged against the reference, so a clip that squats or bends is not a fall.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.motion.reference import DEFAULT_FPS, key_pose_clip
from g1mpc.robots.base import SIDES, FreeBase, Robot
from g1mpc.robots.models import SensorLayout
from g1mpc.tasks.base import FallTest, ReferenceWindow, Task

GRAVITY = 9.81
B = FreeBase


@dataclass(frozen=True)
class CostWeights:
    """Weights of the running cost (per planner step; the last step is scaled by ``terminal``).

    Errors are in radians and metres; the defaults make a 0.1 rad error on every
    joint cost about as much as a 2 cm drift of the centre of mass over the feet.
    """

    joints: float = 1.0  # sum of squared joint-angle errors vs the reference
    base_height: float = 100.0  # root height error^2
    base_orientation: float = 50.0  # 1 - <q, q_ref>^2 of the root
    com_over_feet: float = 100.0  # horizontal CoM offset from the feet midpoint, vs the reference's
    capture_point: float = 1000.0  # horizontal capture point (CoM + CoM velocity / omega) over the feet, vs the reference's
    base_velocity: float = 0.1  # root linear velocity^2 (the reference moves slowly)
    base_angular_velocity: float = 0.1  # root angular velocity^2
    feet_position: float = 50.0  # feet positions in the root frame vs the reference
    feet_orientation: float = 10.0  # feet orientation in the root frame vs the reference
    feet_height: float = 100.0  # feet world height vs the reference (keep them on the ground)
    feet_crossing: float = 0.0  # (min width - the feet's sideways gap in the root frame)^2 where the gap is narrower
    capture_support: float = 0.0  # squared distance of the capture point outside the feet's support region
    flight: float = 0.0  # (the lower foot's height above the reference's)^2: both feet off the floor (a hop, a jump)
    feet_stay: float = 0.0  # feet's world travel beyond the reference's, squared, while the capture point stays over the support
    hands_position: float = 5.0  # hands positions in the root frame vs the reference
    hands_orientation: float = 1.0
    joint_velocity: float = 0.01  # joint speeds^2
    control_effort: float = 5.0  # (ctrl - reference ctrl)^2: the prior that keeps few-sample CEM near the reference
    control_smoothness: float = 0.5  # (ctrl_t - ctrl_{t-1})^2
    terminal: float = 5.0  # multiplier on the last step

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (np.isfinite(value) and value >= 0):
                raise ConfigError(f"cost weight {name} must be a finite number >= 0, got {value}")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _quat_distance(q, q_ref):
    return 1.0 - jnp.sum(q * q_ref, axis=-1) ** 2


def _sq(x):
    return jnp.sum(x * x, axis=-1)


def _com_offset(sens, layout: SensorLayout, with_velocity: bool = False):
    """Horizontal CoM (or capture point, CoM + v/omega) relative to the feet midpoint."""
    feet_mid = 0.5 * (layout.get(sens, "left_foot_world") + layout.get(sens, "right_foot_world"))
    com = layout.get(sens, "com")
    offset = (com - feet_mid)[..., :2]
    if with_velocity:
        omega = jnp.sqrt(GRAVITY / jnp.maximum(com[..., 2:3] - feet_mid[..., 2:3], 0.1))
        offset = offset + layout.get(sens, "com_velocity")[..., :2] / omega
    return offset


def _capture_point_outside_support(sens, layout: SensorLayout, sole: tuple[float, float, float]):
    """How far (m, (...,)) the horizontal capture point lies outside the support region of both feet.

    The region is the band between the feet's centres, widened by the sole's half width ``sole[0]`` beyond
    each foot and spanning from ``sole[2]`` behind to ``sole[1]`` ahead of the feet's line (the direction
    perpendicular to right->left foot): the two soles and the floor between them. Moving one foot towards
    the other does not bring it nearer, unlike the distance to the feet's midpoint.
    """
    half_width, front, back = sole
    left, right = layout.get(sens, "left_foot_world")[..., :2], layout.get(sens, "right_foot_world")[..., :2]
    across = left - right
    width = jnp.sqrt(_sq(across) + 1e-12)
    u = across / width[..., None]
    ahead = jnp.stack([u[..., 1], -u[..., 0]], axis=-1)  # right->left rotated by -90 deg: the feet's forward
    rel = _com_offset(sens, layout, with_velocity=True) + 0.5 * across  # the capture point from the right foot
    along, forward = jnp.sum(rel * u, axis=-1), jnp.sum(rel * ahead, axis=-1)
    out_along = jnp.maximum(jnp.maximum(-half_width - along, along - width - half_width), 0.0)
    out_forward = jnp.maximum(jnp.maximum(-back - forward, forward - front), 0.0)
    return jnp.sqrt(out_along**2 + out_forward**2)


def _feet_travel(sens, reference_sens, layout: SensorLayout):
    """(..., H) squared horizontal travel of both feet in the world since the rollout's first step, beyond the
    reference's own travel over the same steps (a walking clip's footsteps cost nothing)."""
    travel = 0.0
    for side in SIDES:
        feet, ref = layout.get(sens, f"{side}_foot_world")[..., :2], layout.get(reference_sens, f"{side}_foot_world")[..., :2]
        travel = travel + _sq((feet - feet[..., :1, :]) - (ref - ref[..., :1, :]))
    return travel


def _support_held(sens, layout: SensorLayout, sole: tuple[float, float, float], margin: float):
    """(..., H) 1 while the capture point has stayed over the support region (:func:`_capture_point_outside_support`)
    at every step so far, falling linearly to 0 once it has been ``margin`` (m) outside it: where a step is not needed."""
    outside = _capture_point_outside_support(sens, layout, sole)
    outside = jax.lax.cummax(outside, axis=outside.ndim - 1)
    return jnp.clip(1.0 - outside / margin, 0.0, 1.0)


def lowest_point(model: mujoco.MjModel, data: mujoco.MjData, geom: int) -> float:
    """World height of ``geom``'s lowest point in ``data``'s pose: exact for meshes (their vertices) and
    spheres, capsules, boxes and ellipsoids; the bounding box for the rest."""
    rotation, center = data.geom_xmat[geom].reshape(3, 3), data.geom_xpos[geom]
    kind, size, up = model.geom_type[geom], model.geom_size[geom], rotation[2]  # up: the geom's axes' z components
    if kind == mujoco.mjtGeom.mjGEOM_MESH:
        mesh = model.geom_dataid[geom]
        start, count = model.mesh_vertadr[mesh], model.mesh_vertnum[mesh]
        return float(center[2] + (model.mesh_vert[start:start + count] @ up).min())
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return float(center[2] - size[0])
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        return float(center[2] - abs(up[2]) * size[1] - size[0])
    if kind == mujoco.mjtGeom.mjGEOM_BOX:
        return float(center[2] - np.abs(up) @ size)
    if kind == mujoco.mjtGeom.mjGEOM_ELLIPSOID:
        return float(center[2] - np.sqrt(np.sum((up * size) ** 2)))
    box_center, half = model.geom_aabb[geom, :3], model.geom_aabb[geom, 3:]
    return float(center[2] + up @ box_center - np.abs(up) @ half)


def tilt(qpos: np.ndarray) -> float:
    """Angle (rad) between the root's z axis and the world's."""
    _, x, y, _ = qpos[B.QUAT] / np.linalg.norm(qpos[B.QUAT])
    return float(np.arccos(np.clip(1 - 2 * (x * x + y * y), -1, 1)))


@dataclass(frozen=True)
class BalanceTask(Task):
    """Track a reference motion while standing; pushes are the disturbance.

    Attributes:
        weights: cost weights.
        feature_lookahead: seconds ahead at which the network sees the reference.
        fall_height_drop: a root this far (m) below the reference's root has fallen.
        fall_tilt_margin: a root tilted this much (rad) more than the reference's has fallen.
        fall_floor_margin: a body other than the feet touching the floor has fallen, unless the reference
            holds that body within this distance (m) of the floor at that time (a hand that reaches down).
        feet_min_width: the sideways gap (m, left foot minus right foot along the root's y axis) below which
            ``weights.feet_crossing`` applies: a step that crosses one leg over the other costs.
        sole: (half width, front, back) of a sole around its foot frame (m; the G1's by default): the support
            region of ``weights.capture_support`` and ``weights.feet_stay``.
        stay_margin: how far (m) the capture point may leave the support region before ``weights.feet_stay`` lets
            the feet go (it fades linearly over this distance).
    """

    name: ClassVar[str] = "balance"
    weights: CostWeights = CostWeights()
    feature_lookahead: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5)
    fall_height_drop: float = 0.3
    fall_tilt_margin: float = 1.0
    fall_floor_margin: float = 0.03
    feet_min_width: float = 0.12
    sole: tuple[float, float, float] = (0.03, 0.12, 0.05)
    stay_margin: float = 0.03

    def __post_init__(self) -> None:
        if not self.feature_lookahead or min(self.feature_lookahead) < 0:
            raise ConfigError("feature_lookahead needs at least one time >= 0")
        if not (self.fall_height_drop > 0 and self.fall_tilt_margin > 0 and self.feet_min_width >= 0
                and self.fall_floor_margin >= 0):
            raise ConfigError("fall_height_drop and fall_tilt_margin must be > 0, feet_min_width and fall_floor_margin >= 0")
        if len(self.sole) != 3 or not all(np.isfinite(x) and x >= 0 for x in self.sole):
            raise ConfigError("sole must be three finite lengths >= 0 (half width, front, back)")
        if not (np.isfinite(self.stay_margin) and self.stay_margin > 0):
            raise ConfigError(f"stay_margin must be a finite length > 0 (m), got {self.stay_margin}")

    def reference_clip(self, model: mujoco.MjModel, robot: Robot) -> tuple[np.ndarray, float]:
        return key_pose_clip(model, robot, robot.clip, DEFAULT_FPS), DEFAULT_FPS

    def stage_costs(self, layout: SensorLayout, qpos, qvel, ctrl, sensordata, reference: ReferenceWindow,
                    previous_ctrl) -> dict[str, jnp.ndarray]:
        """Each weighted term per rollout and step: name -> (..., H); ``feet_crossing``, ``capture_support``,
        ``flight`` and ``feet_stay`` only where their weights are not 0."""
        w, r_q, r_s, g = self.weights, reference.qpos, reference.sensordata, layout.get
        ctrl_prev = jnp.concatenate([jnp.broadcast_to(previous_ctrl, ctrl[..., :1, :].shape), ctrl[..., :-1, :]], axis=-2)
        terms = {
            "joints": w.joints * _sq(qpos[..., B.JOINTS] - r_q[..., B.JOINTS]),
            "base_height": w.base_height * (qpos[..., B.HEIGHT] - r_q[..., B.HEIGHT]) ** 2,
            "base_orientation": w.base_orientation * _quat_distance(qpos[..., B.QUAT], r_q[..., B.QUAT]),
            "com_over_feet": w.com_over_feet * _sq(_com_offset(sensordata, layout) - _com_offset(r_s, layout)),
            "capture_point": w.capture_point * _sq(_com_offset(sensordata, layout, True) - _com_offset(r_s, layout, True)),
            "base_velocity": w.base_velocity * _sq(qvel[..., B.LINEAR_VELOCITY]),
            "base_angular_velocity": w.base_angular_velocity * _sq(qvel[..., B.ANGULAR_VELOCITY]),
            "joint_velocity": w.joint_velocity * _sq(qvel[..., B.JOINT_VELOCITIES]),
            "control_effort": w.control_effort * _sq(ctrl - reference.ctrl),
            "control_smoothness": w.control_smoothness * _sq(ctrl - ctrl_prev),
        }
        feet_pos = feet_quat = feet_h = hand_pos = hand_quat = 0.0
        lift = {}
        for side in SIDES:
            feet_pos += _sq(g(sensordata, f"{side}_foot_pos") - g(r_s, f"{side}_foot_pos"))
            feet_quat += _quat_distance(g(sensordata, f"{side}_foot_quat"), g(r_s, f"{side}_foot_quat"))
            lift[side] = g(sensordata, f"{side}_foot_world")[..., 2] - g(r_s, f"{side}_foot_world")[..., 2]
            feet_h += lift[side] ** 2
        for side in layout.hands:
            hand_pos += _sq(g(sensordata, f"{side}_hand_pos") - g(r_s, f"{side}_hand_pos"))
            hand_quat += _quat_distance(g(sensordata, f"{side}_hand_quat"), g(r_s, f"{side}_hand_quat"))
        if w.feet_crossing:  # the terms that are off by default cost nothing in the rollouts until switched on
            gap = (g(sensordata, "left_foot_pos") - g(sensordata, "right_foot_pos"))[..., 1]
            terms["feet_crossing"] = w.feet_crossing * jnp.maximum(self.feet_min_width - gap, 0.0) ** 2
        if w.capture_support:
            terms["capture_support"] = w.capture_support * _capture_point_outside_support(sensordata, layout, self.sole) ** 2
        if w.flight:
            terms["flight"] = w.flight * jnp.maximum(jnp.minimum(*lift.values()), 0.0) ** 2
        if w.feet_stay:  # a step costs only while the push can be held in place
            terms["feet_stay"] = (w.feet_stay * _feet_travel(sensordata, r_s, layout)
                                  * _support_held(sensordata, layout, self.sole, self.stay_margin))
        terms["feet_position"] = w.feet_position * feet_pos
        terms["feet_orientation"] = w.feet_orientation * feet_quat
        terms["feet_height"] = w.feet_height * feet_h
        terms["hands_position"] = w.hands_position * hand_pos
        terms["hands_orientation"] = w.hands_orientation * hand_quat
        return terms

    def weight_values(self) -> dict[str, float]:
        return self.weights.as_dict()

    def cost(self, layout, qpos, qvel, ctrl, sensordata, reference, previous_ctrl, cost_scale, step_durations=None):
        """Mean weighted cost per rollout (...,), the last step ×``terminal``; diverged (non-finite) rollouts get 1e6.
        Each term's weight is multiplied by its entry of ``cost_scale`` (W,) (fields of :class:`CostWeights`). With
        ``step_durations`` (H,) a step weighs by its length over the first's (``terminal`` adds its extra to the last
        as to a first-length step), and ``control_smoothness`` (a change per step) by the first's length over its own,
        squared, so it stays a cost on the controls' rate: a schedule costs what equal steps of the first's length
        would over the same horizon where the state holds still within each step."""
        terms = self.stage_costs(layout, qpos, qvel, ctrl, sensordata, reference, previous_ctrl)
        index = {name: i for i, name in enumerate(self.weight_values())}
        horizon = ctrl.shape[-2]
        length = jnp.ones(horizon) if step_durations is None else jnp.asarray(step_durations) / step_durations[0]
        terms["control_smoothness"] = terms["control_smoothness"] / length**2
        per_step = sum(cost_scale[index[name]] * term for name, term in terms.items())
        step_weight = length.at[-1].add(self.weights.terminal * cost_scale[index["terminal"]] - 1.0)
        total = jnp.sum(per_step * step_weight, axis=-1) / jnp.sum(length)
        return jnp.where(jnp.isfinite(total), total, 1e6)

    def features(self, qpos, qvel, reference_ahead):
        """State without the horizontal position, then the reference's height, orientation and joints ahead.

        The reference changes over time, so the state alone is ambiguous: the network sees where it is going.
        """
        ref = reference_ahead[:, B.HORIZONTAL:]
        return jnp.concatenate([qpos[B.HORIZONTAL:], qvel, ref.reshape(-1)]).astype(jnp.float32)

    def feature_size(self, nq: int, nv: int) -> int:
        return (nq - B.HORIZONTAL) + nv + len(self.feature_lookahead) * (nq - B.HORIZONTAL)

    def fall_test(self, model: mujoco.MjModel, robot: Robot) -> FallTest:
        """Fallen: a non-finite state, the root far below or far more tilted than the reference's, or a
        robot body other than the feet touching the world's geoms (the floor) where the reference does not
        hold that body within ``fall_floor_margin`` of the floor."""
        world_geoms = model.geom_bodyid == 0
        feet = {robot.frame_body(model, f) for f in robot.feet}
        height_drop, tilt_margin, floor_margin = self.fall_height_drop, self.fall_tilt_margin, self.fall_floor_margin
        reference_data = mujoco.MjData(model)
        collides = (model.geom_contype != 0) | (model.geom_conaffinity != 0)
        collision_geoms = {b: np.flatnonzero((model.geom_bodyid == b) & collides) for b in range(model.nbody)}

        def reference_clearance(body: int, reference_qpos: np.ndarray) -> float:
            """How high the reference holds ``body``'s lowest point above the floor (z 0) now."""
            reference_data.qpos[:] = reference_qpos
            mujoco.mj_kinematics(model, reference_data)
            return float(min(lowest_point(model, reference_data, g) for g in collision_geoms[body]))

        def fallen(data: mujoco.MjData, reference_qpos: np.ndarray) -> str | None:
            q = data.qpos
            if not np.all(np.isfinite(q)):
                return "non-finite state"
            if q[B.HEIGHT] < reference_qpos[B.HEIGHT] - height_drop:
                return f"{robot.root_body} at {q[B.HEIGHT]:.2f} m, reference {reference_qpos[B.HEIGHT]:.2f} m"
            if tilt(q) > tilt(reference_qpos) + tilt_margin:
                return f"{robot.root_body} tilted {tilt(q):.2f} rad, reference {tilt(reference_qpos):.2f} rad"
            n = data.ncon
            if n:
                g1, g2 = data.contact.geom1[:n], data.contact.geom2[:n]
                for a, b in ((g1, g2), (g2, g1)):
                    for geom in b[world_geoms[a]]:
                        body = int(model.geom_bodyid[geom])
                        if body != 0 and body not in feet and reference_clearance(body, reference_qpos) > floor_margin:
                            return f"{model.body(body).name} touched the floor"
            return None

        return fallen
