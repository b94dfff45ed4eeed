"""What keeps a real robot safe under the controller: a ramp into the first plan, clamps on every command,
damping when the state goes stale or the estimate diverges. Pure functions of their arguments."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.messages import MOTOR_ENABLE, LowCommand
from g1mpc.lowlevel.motors import MotorMap


@dataclass(frozen=True)
class SafetyConfig:
    """Attributes:
        ramp_time: s to blend the commanded pose from the measured one to the plan's at the start.
        stale_after: s without ``rt/lowstate`` before the motors go to damping.
        damping_kd: N m s/rad of the damping command (kp 0: the robot sags down slowly instead of falling hard).
        min_height, max_height: m; a pelvis height estimate outside means the estimate diverged (or the robot fell).
        max_speed: m/s; a faster pelvis estimate means the same.
        exit_after: s of damping before the controller exits.
        torque_clamp: clamp each target so the servo torque at the state it answers stays within the motor's limit
            (False: leave the torque limit to the motor drivers, which apply it at their own, newer state).
    """

    ramp_time: float = 1.0
    stale_after: float = 0.05
    damping_kd: float = 4.0
    min_height: float = 0.35
    max_height: float = 1.5
    max_speed: float = 3.0
    exit_after: float = 0.5
    torque_clamp: bool = True

    def __post_init__(self) -> None:
        values = (self.ramp_time, self.stale_after, self.damping_kd, self.min_height, self.max_height, self.max_speed, self.exit_after)
        if not all(math.isfinite(v) and v >= 0 for v in values) or self.stale_after <= 0 or self.min_height >= self.max_height:
            raise ConfigError("safety settings must be finite, >= 0, with --stale_ms > 0 and min height < max height")


def ramp(measured: np.ndarray, target: np.ndarray, t: float, ramp_time: float) -> np.ndarray:
    """(n,) the pose commanded ``t`` s into the run: from ``measured`` (the pose at the start) to ``target``."""
    alpha = 1.0 if ramp_time <= 0 else float(np.clip(t / ramp_time, 0.0, 1.0))
    return (1.0 - alpha) * measured + alpha * target


def clamp_targets(target: np.ndarray, q: np.ndarray, dq: np.ndarray, motors: MotorMap,
                  torque: bool = True) -> tuple[np.ndarray, int, int]:
    """(targets within the joint range and, with ``torque``, such that the servo torque ``kp (target - q) - kd dq``
    stays within the motor's limit, joint clamps, torque clamps); q, dq (n,) measured."""
    in_range = np.clip(target, motors.q_min, motors.q_max)
    if not torque:
        return in_range, int(np.sum(in_range != target)), 0
    kp = np.maximum(motors.kp, 1e-9)
    low = q + (motors.kd * dq - motors.torque_limit) / kp
    high = q + (motors.kd * dq + motors.torque_limit) / kp
    clamped = np.clip(in_range, low, high)
    return clamped, int(np.sum(in_range != target)), int(np.sum(clamped != in_range))


def servo_command(target: np.ndarray, motors: MotorMap, tick: int, mode_machine: int = 0) -> LowCommand:
    """Position servo on every motor with the gains the planner model assumes; ``reserve[0]`` = the state's tick,
    ``mode_machine`` echoed from the state (the robot expects its own)."""
    n = motors.count
    cmd = LowCommand(mode_machine=mode_machine, reserve=(int(tick), 0, 0, 0))
    cmd.q[:n], cmd.kp[:n], cmd.kd[:n], cmd.mode[:n] = target, motors.kp, motors.kd, MOTOR_ENABLE
    return cmd.with_crc()


def damping_command(q: np.ndarray, motors: MotorMap, kd: float, tick: int, mode_machine: int = 0) -> LowCommand:
    """Damping: kp 0, kd ``kd`` on every motor (velocity towards zero), no torque."""
    n = motors.count
    cmd = LowCommand(mode_machine=mode_machine, reserve=(int(tick), 0, 0, 0))
    cmd.q[:n], cmd.kd[:n], cmd.mode[:n] = q[:n], kd, MOTOR_ENABLE
    return cmd.with_crc()


def divergence(qpos: np.ndarray, qvel: np.ndarray, config: SafetyConfig) -> str | None:
    """Why the base estimate cannot be trusted, or None."""
    if not (np.all(np.isfinite(qpos)) and np.all(np.isfinite(qvel))):
        return "non-finite base estimate"
    if not config.min_height <= qpos[2] <= config.max_height:
        return f"pelvis height estimate {qpos[2]:.2f} m outside [{config.min_height:g}, {config.max_height:g}]"
    speed = float(np.linalg.norm(qvel[:3]))
    if speed > config.max_speed:
        return f"pelvis speed estimate {speed:.1f} m/s over {config.max_speed:g}"
    return None
