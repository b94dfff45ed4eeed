"""The safety functions of the low-level controller: ramp, clamps, damping, divergence."""

import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.motors import MotorMap, commanded_servos
from g1mpc.lowlevel.robot_sim import is_damping
from g1mpc.lowlevel.safety import SafetyConfig, clamp_targets, damping_command, divergence, ramp, servo_command


@pytest.fixture(scope="module")
def motors(plant):
    return MotorMap.from_model(plant)


def test_ramp_goes_from_the_measured_pose_to_the_plan():
    measured, target = np.zeros(3), np.ones(3)
    np.testing.assert_allclose(ramp(measured, target, 0.0, 1.0), 0.0)
    np.testing.assert_allclose(ramp(measured, target, 0.25, 1.0), 0.25)
    np.testing.assert_allclose(ramp(measured, target, 3.0, 1.0), 1.0)
    np.testing.assert_allclose(ramp(measured, target, 0.0, 0.0), 1.0)


def test_clamps_keep_targets_in_range_and_the_servo_torque_within_limits(motors, reference):
    q = reference.ctrl[0].copy()
    dq = np.zeros_like(q)
    dq[0] = 2.0
    target = q.copy()
    target[3] = motors.q_max[3] + 0.5  # beyond the knee's range
    target[0] = q[0] + 1.0  # 500 N m/rad x 1 rad: far over the hip's 88 N m
    clamped, joint, torque = clamp_targets(target, q, dq, motors)
    assert clamped[3] <= motors.q_max[3] and joint == 1
    servo = motors.kp * (clamped - q) - motors.kd * dq
    assert np.all(np.abs(servo) <= motors.torque_limit + 1e-6)
    assert np.isclose(servo[0], motors.torque_limit[0]) and torque >= 1
    unchanged, joint, torque = clamp_targets(q, q, np.zeros_like(q), motors)
    np.testing.assert_array_equal(unchanged, q)
    assert joint == torque == 0
    # without the torque clamp (--torque_clamp off) only the joint range binds: the hip's target stays where it was
    ranged, joint, torque = clamp_targets(target, q, dq, motors, torque=False)
    assert ranged[3] <= motors.q_max[3] and joint == 1 and torque == 0
    assert ranged[0] == target[0]


def test_commands_carry_the_model_gains_the_tick_and_a_valid_crc(motors, reference):
    cmd = servo_command(reference.ctrl[0], motors, tick=42, mode_machine=5)
    assert cmd.crc_ok() and cmd.reserve[0] == 42 and cmd.mode_machine == 5
    np.testing.assert_array_equal(cmd.kp[:motors.count], motors.kp)
    assert np.all(cmd.mode[:motors.count] == 1) and np.all(cmd.mode[motors.count:] == 0)
    assert not is_damping(cmd, motors.count)
    damp = damping_command(reference.ctrl[0], motors, kd=4.0, tick=43)
    assert damp.crc_ok() and is_damping(damp, motors.count)
    assert np.all(damp.kp == 0) and np.all(damp.kd[:motors.count] == 4.0)


def test_deploy_can_command_the_servo_damping_of_the_robot_as_built(plant):
    """Under the model's gains (kd from a damping ratio on each joint's inertia) the G1 as built, whose motors'
    reflected inertia differs from the planner model's, asks for another kd; under an explicit gain set every build
    gets the same gains; an unknown plant is refused naming the flag."""
    from g1mpc.robots.g1 import G1
    from g1mpc.robots.models import load_plant_model

    nominal, as_built = MotorMap.from_model(plant), MotorMap.from_model(load_plant_model(G1, "as_built"))
    built = commanded_servos(G1, "as_built", "model", plant)
    np.testing.assert_array_equal(built.kd, as_built.kd)
    np.testing.assert_array_equal(built.kp, nominal.kp)
    knee = 3  # left knee: a larger reflected inertia, more damping for the same ratio
    assert built.kd[knee] > 1.1 * nominal.kd[knee]
    np.testing.assert_array_equal(commanded_servos(G1, "nominal", "model", plant).kd, nominal.kd)
    for gains in ("unitree", "motor"):
        nominal_gains = load_plant_model(G1, gains=gains)
        np.testing.assert_array_equal(commanded_servos(G1, "as_built", gains, nominal_gains).kd, MotorMap.from_model(nominal_gains).kd)
    with pytest.raises(ConfigError, match="--servo_plant"):
        commanded_servos(G1, "no_such_build", "model", plant)


def test_divergence_names_its_reason():
    config = SafetyConfig()
    qpos, qvel = np.zeros(36), np.zeros(35)
    qpos[2] = 0.79
    assert divergence(qpos, qvel, config) is None
    qpos[2] = 0.2
    assert "height" in divergence(qpos, qvel, config)
    qpos[2], qvel[0] = 0.79, 5.0
    assert "speed" in divergence(qpos, qvel, config)
    qvel[0] = np.nan
    assert "non-finite" in divergence(qpos, qvel, config)


def test_safety_settings_are_validated():
    with pytest.raises(ConfigError):
        SafetyConfig(stale_after=0.0)
    with pytest.raises(ConfigError):
        SafetyConfig(min_height=2.0)
