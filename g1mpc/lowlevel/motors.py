"""How the G1's motors and IMU map onto the MuJoCo model, and the servo gains the planner model assumes."""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.messages import NUM_MOTORS
from g1mpc.robots.base import Robot
from g1mpc.robots.models import load_plant_model
from g1mpc.robots.plants import NOMINAL

IMU_SITE = "imu_in_pelvis"  # rt/lowstate's IMU is the pelvis IMU on the G1
GYRO_SENSOR = "imu-pelvis-angular-velocity"
ACCELEROMETER_SENSOR = "imu-pelvis-linear-acceleration"


@dataclass(frozen=True)
class MotorMap:
    """Motor ``i`` drives actuator ``i`` (Menagerie keeps the G1's motor order).

    Attributes:
        qpos_adr, dof_adr: (n,) the joint's address in qpos and qvel.
        q_min, q_max: (n,) joint range (rad).
        torque_limit: (n,) the joint's actuator force limit (N m).
        kp, kd: (n,) the position servo of the model: ``kp (target - q) - kd dq``.
    """

    qpos_adr: np.ndarray
    dof_adr: np.ndarray
    q_min: np.ndarray
    q_max: np.ndarray
    torque_limit: np.ndarray
    kp: np.ndarray
    kd: np.ndarray

    @property
    def count(self) -> int:
        return len(self.qpos_adr)

    @classmethod
    def from_model(cls, model: mujoco.MjModel) -> MotorMap:
        """The map of a model whose actuators are position servos on hinge joints, one per motor."""
        if model.nu > NUM_MOTORS:
            raise ConfigError(f"the robot has {model.nu} actuators; rt/lowcmd carries {NUM_MOTORS} motors")
        joints = model.actuator_trnid[:, 0]
        if np.any(model.actuator_trntype != mujoco.mjtTrn.mjTRN_JOINT) or np.any(model.actuator_biastype != mujoco.mjtBias.mjBIAS_AFFINE):
            raise ConfigError("the low-level interface needs position servos on joints (Menagerie's G1)")
        limited = model.jnt_actfrclimited[joints].astype(bool)
        torque = np.where(limited, np.abs(model.jnt_actfrcrange[joints]).max(axis=1), np.inf)
        return cls(qpos_adr=model.jnt_qposadr[joints].copy(), dof_adr=model.jnt_dofadr[joints].copy(),
                   q_min=model.jnt_range[joints, 0].copy(), q_max=model.jnt_range[joints, 1].copy(), torque_limit=torque,
                   kp=model.actuator_gainprm[:, 0].copy(), kd=-model.actuator_biasprm[:, 2].copy())


def commanded_servos(robot: Robot, servo_plant: str, gains: str, nominal_model: mujoco.MjModel) -> MotorMap:
    """The motor map whose servo gains a controller commands to ``robot``: those of its plant variant ``servo_plant``
    under the gain set ``gains`` (``nominal``: ``nominal_model``'s, the planner's own model, already compiled).
    Explicit gain sets give every build the same kp and kd; the model's own gains set kd from a damping ratio on the
    joint's inertia, so a build with the motors' reflected inertia (the G1 as built) asks for more damping where that
    inertia is larger (knees, hips) and less where it is smaller (ankles, arms)."""
    robot.require_plant(servo_plant, "--servo_plant")
    return MotorMap.from_model(nominal_model if servo_plant == NOMINAL else load_plant_model(robot, servo_plant, gains))


def imu_ids(model: mujoco.MjModel) -> tuple[int, int, int]:
    """(IMU site id, gyro sensor data address, accelerometer data address); a clear error if the model lacks them."""
    site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, IMU_SITE)
    gyro = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SENSOR, GYRO_SENSOR)
    acc = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SENSOR, ACCELEROMETER_SENSOR)
    if min(site, gyro, acc) < 0:
        raise ConfigError(f"the robot model has no pelvis IMU ({IMU_SITE}, {GYRO_SENSOR}, {ACCELEROMETER_SENSOR}): "
                          "the low-level interface is for the G1")
    return site, int(model.sensor_adr[gyro]), int(model.sensor_adr[acc])
