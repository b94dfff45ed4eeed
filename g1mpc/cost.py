"""The G1 balance-and-tracking cost, written on rollout arrays.

Every rollout backend produces ``qpos (N,H,nq)``, ``qvel (N,H,nv)``,
``ctrl (N,H,nu)`` and ``sensordata (N,H,ns)``; the reference supplies the same
quantities for the planned times. One function, used by all backends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import jax.numpy as jnp

from g1mpc.robot import SensorLayout


@dataclass(frozen=True)
class CostWeights:
    """Weights of the running cost (per planner step; the last step is scaled by ``terminal``).

    Errors are in radians and metres; the defaults make a 0.1 rad error on every
    joint cost about as much as a 2 cm drift of the centre of mass over the feet.
    """

    joints: float = 1.0  # sum of squared joint-angle errors vs the reference
    base_height: float = 100.0  # pelvis height error^2
    base_orientation: float = 50.0  # 1 - <q, q_ref>^2 of the pelvis
    com_over_feet: float = 100.0  # horizontal CoM offset from the feet midpoint, vs the reference's
    # horizontal capture point (CoM + CoM velocity / omega) over the feet, vs the reference's. 1000, not 300:
    # hybrid-16 fell 2 times in 60 pushed runs instead of 12 (benchmarks/results/weights_screen/)
    capture_point: float = 1000.0
    base_velocity: float = 0.1  # pelvis linear velocity^2 (the reference moves slowly)
    base_angular_velocity: float = 0.1  # pelvis angular velocity^2
    feet_position: float = 50.0  # feet positions in the pelvis frame vs the reference
    feet_orientation: float = 10.0  # feet orientation in the pelvis frame vs the reference
    feet_height: float = 100.0  # feet world height vs the reference (keep them on the ground)
    hands_position: float = 5.0  # hands positions in the pelvis frame vs the reference
    hands_orientation: float = 1.0
    joint_velocity: float = 0.01  # joint speeds^2
    control_effort: float = 5.0  # (ctrl - reference ctrl)^2: the prior that keeps few-sample CEM near the reference
    control_smoothness: float = 0.5  # (ctrl_t - ctrl_{t-1})^2
    terminal: float = 5.0  # multiplier on the last step

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class ReferenceWindow(NamedTuple):
    """Reference values at the planned times (H steps)."""

    qpos: jnp.ndarray  # (H, nq)
    ctrl: jnp.ndarray  # (H, nu)
    sensordata: jnp.ndarray  # (H, ns)


def _quat_distance(q, q_ref):
    return 1.0 - jnp.sum(q * q_ref, axis=-1) ** 2


def _sq(x):
    return jnp.sum(x * x, axis=-1)


GRAVITY = 9.81


def _com_offset(sens, layout: SensorLayout, with_velocity: bool = False):
    """Horizontal CoM (or capture point, CoM + v/omega) relative to the feet midpoint."""
    feet_mid = 0.5 * (layout.get(sens, "left_foot_world") + layout.get(sens, "right_foot_world"))
    com = layout.get(sens, "com")
    offset = (com - feet_mid)[..., :2]
    if with_velocity:
        omega = jnp.sqrt(GRAVITY / jnp.maximum(com[..., 2:3] - feet_mid[..., 2:3], 0.1))
        offset = offset + layout.get(sens, "com_velocity")[..., :2] / omega
    return offset


def stage_costs(
    weights: CostWeights,
    layout: SensorLayout,
    qpos: jnp.ndarray,
    qvel: jnp.ndarray,
    ctrl: jnp.ndarray,
    sensordata: jnp.ndarray,
    reference: ReferenceWindow,
    previous_ctrl: jnp.ndarray,
) -> dict[str, jnp.ndarray]:
    """Each weighted term per rollout and step: name -> (..., H)."""
    r_q, r_s = reference.qpos, reference.sensordata
    ctrl_prev = jnp.concatenate([jnp.broadcast_to(previous_ctrl, ctrl[..., :1, :].shape), ctrl[..., :-1, :]], axis=-2)
    g = layout.get
    terms = {
        "joints": weights.joints * _sq(qpos[..., 7:] - r_q[..., 7:]),
        "base_height": weights.base_height * (qpos[..., 2] - r_q[..., 2]) ** 2,
        "base_orientation": weights.base_orientation * _quat_distance(qpos[..., 3:7], r_q[..., 3:7]),
        "com_over_feet": weights.com_over_feet * _sq(_com_offset(sensordata, layout) - _com_offset(r_s, layout)),
        "capture_point": weights.capture_point
        * _sq(_com_offset(sensordata, layout, True) - _com_offset(r_s, layout, True)),
        "base_velocity": weights.base_velocity * _sq(qvel[..., 0:3]),
        "base_angular_velocity": weights.base_angular_velocity * _sq(qvel[..., 3:6]),
        "joint_velocity": weights.joint_velocity * _sq(qvel[..., 6:]),
        "control_effort": weights.control_effort * _sq(ctrl - reference.ctrl),
        "control_smoothness": weights.control_smoothness * _sq(ctrl - ctrl_prev),
    }
    feet_pos = feet_quat = feet_h = hand_pos = hand_quat = 0.0
    for side in ("left", "right"):
        feet_pos += _sq(g(sensordata, f"{side}_foot_pos") - g(r_s, f"{side}_foot_pos"))
        feet_quat += _quat_distance(g(sensordata, f"{side}_foot_quat"), g(r_s, f"{side}_foot_quat"))
        feet_h += (g(sensordata, f"{side}_foot_world")[..., 2] - g(r_s, f"{side}_foot_world")[..., 2]) ** 2
        hand_pos += _sq(g(sensordata, f"{side}_hand_pos") - g(r_s, f"{side}_hand_pos"))
        hand_quat += _quat_distance(g(sensordata, f"{side}_hand_quat"), g(r_s, f"{side}_hand_quat"))
    terms["feet_position"] = weights.feet_position * feet_pos
    terms["feet_orientation"] = weights.feet_orientation * feet_quat
    terms["feet_height"] = weights.feet_height * feet_h
    terms["hands_position"] = weights.hands_position * hand_pos
    terms["hands_orientation"] = weights.hands_orientation * hand_quat
    return terms


def trajectory_cost(
    weights: CostWeights,
    layout: SensorLayout,
    qpos: jnp.ndarray,
    qvel: jnp.ndarray,
    ctrl: jnp.ndarray,
    sensordata: jnp.ndarray,
    reference: ReferenceWindow,
    previous_ctrl: jnp.ndarray,
) -> jnp.ndarray:
    """Total cost per rollout (...,); non-finite rollouts (diverged physics) get 1e6."""
    terms = stage_costs(weights, layout, qpos, qvel, ctrl, sensordata, reference, previous_ctrl)
    per_step = sum(terms.values())
    horizon = per_step.shape[-1]
    step_weight = jnp.ones(horizon).at[-1].set(weights.terminal)
    total = jnp.sum(per_step * step_weight, axis=-1) / horizon
    return jnp.where(jnp.isfinite(total), total, 1e6)
