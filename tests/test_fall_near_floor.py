"""The fall test follows the reference: a body touching the floor is a fall unless the reference holds
that body within ``fall_floor_margin`` of the floor at that time (a hand that reaches down to the floor)."""

import mujoco
import numpy as np

from g1mpc.robots.g1 import G1
from g1mpc.tasks.balance import BalanceTask, lowest_point


def _joint(model, name: str) -> int:
    return int(model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)])


def _reaching_down(model) -> np.ndarray:
    """The G1 bent forward 80 degrees at the pelvis, its right arm down, the right hand 1 mm into the floor."""
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_KEY, "stand"))
    q = data.qpos.copy()
    q[3:7] = [np.cos(0.7), 0.0, np.sin(0.7), 0.0]
    q[_joint(model, "right_shoulder_pitch_joint")] = -0.5
    data.qpos[:] = q
    mujoco.mj_kinematics(model, data)
    hand = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "right_wrist_yaw_link")
    geoms = [g for g in np.flatnonzero(model.geom_bodyid == hand) if model.geom_contype[g] or model.geom_conaffinity[g]]
    q[2] -= min(lowest_point(model, data, g) for g in geoms) + 0.001
    return q


def _judge(model, qpos: np.ndarray, reference_qpos: np.ndarray) -> str | None:
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_forward(model, data)
    assert data.ncon > 0
    return BalanceTask().fall_test(model, G1)(data, reference_qpos)


def test_a_hand_on_the_floor_where_the_reference_reaches_down_is_not_a_fall(plant):
    pose = _reaching_down(plant)
    assert _judge(plant, pose, pose) is None


def test_a_hand_on_the_floor_where_the_reference_holds_it_up_is_a_fall(plant):
    pose = _reaching_down(plant)
    arm_up = pose.copy()
    arm_up[_joint(plant, "right_shoulder_pitch_joint")] = 1.0  # the same stance, the hand half a metre up
    why = _judge(plant, pose, arm_up)
    assert why is not None and "touched the floor" in why and "right" in why


def test_standing_clearances_keep_the_legs_judged(plant):
    """Standing, the knee links sit above the margin: a knee on the floor under a standing reference is a fall."""
    data = mujoco.MjData(plant)
    mujoco.mj_resetDataKeyframe(plant, data, mujoco.mj_name2id(plant, mujoco.mjtObj.mjOBJ_KEY, "stand"))
    mujoco.mj_kinematics(plant, data)
    knee = mujoco.mj_name2id(plant, mujoco.mjtObj.mjOBJ_BODY, "left_knee_link")
    geoms = [g for g in np.flatnonzero(plant.geom_bodyid == knee) if plant.geom_contype[g] or plant.geom_conaffinity[g]]
    assert min(lowest_point(plant, data, g) for g in geoms) > BalanceTask().fall_floor_margin
