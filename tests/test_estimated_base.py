"""An in-process run that plans from the estimated base (``--base estimate`` of the benchmarks): the real G1 plant
under its servos, pushed, seen through simulated sensors and the base estimator, as ``deploy`` sees a robot."""

import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.estimated_base import estimated_base
from g1mpc.robots.g1 import G1
from g1mpc.running.sim import PushConfig, RunResult, SimConfig, Simulation
from g1mpc.tasks.balance import BalanceTask


def _simulation(plant, reference, observer=None, sensor_delay=0.0) -> Simulation:
    return Simulation(plant, reference, SimConfig(duration=2.0, pushes=PushConfig(force=150.0, interval=1.0, seed=4)),
                      frequency=50, fall_test=BalanceTask().fall_test(plant, G1), push_body="pelvis",
                      sensor_delay=sensor_delay, observer=observer)


def test_the_controller_sees_the_estimate_not_the_truth(plant, reference):
    sim = _simulation(plant, reference, estimated_base(plant, plant, G1, seed=4))
    first_qpos, _ = sim.observed_state()
    assert abs(first_qpos[2] - sim.data.qpos[2]) < 0.01  # the estimate starts on the feet
    result, errors, identical = RunResult(), [], 0
    for _ in range(int(1.5 / plant.opt.timestep)):
        sim.step(reference.ctrl[0], result)
        qpos, qvel = sim.observed_state()
        errors.append(qvel[:3] - sim.data.qvel[:3])
        identical += int(np.array_equal(qvel, sim.data.qvel))
    assert result.push_times, "the run must contain a push"
    speed_rms = float(np.sqrt(np.mean(np.sum(np.square(errors), axis=1))))
    assert 0.0 < speed_rms < 0.1, speed_rms  # close to the truth through the push, and not the truth itself
    assert identical == 0
    assert np.max(np.abs(qpos[7:] - sim.data.qpos[7:])) < 0.005  # joints from the encoders, with their noise


def test_a_reset_starts_the_estimate_again_where_the_robot_stands(plant, reference):
    sim = _simulation(plant, reference, estimated_base(plant, plant, G1, seed=4))
    result = RunResult()
    for _ in range(200):
        sim.step(reference.ctrl[0], result)
    sim.reset(sim.data.time)
    qpos, qvel = sim.observed_state()
    assert np.allclose(qpos[:2], sim.data.qpos[:2], atol=1e-6)
    assert abs(qpos[2] - sim.data.qpos[2]) < 0.01 and np.linalg.norm(qvel[:3]) < 0.05


def test_an_estimate_and_a_sensor_delay_together_are_refused(plant, reference):
    with pytest.raises(ConfigError, match="sensor delay and an estimated base"):
        _simulation(plant, reference, estimated_base(plant, plant, G1, seed=4), sensor_delay=0.02)


def test_sensors_without_a_checksum_report_the_same_state_and_draw_the_same_noise(plant):
    """In-process readers skip the CRC (half of a measurement's cost): the same readings, noise draws in step,
    only the checksum unset; the robot-sim's states carry a valid one."""
    import mujoco

    from g1mpc.lowlevel.motors import MotorMap
    from g1mpc.lowlevel.robot_sim import SensorNoise, Sensors

    data = mujoco.MjData(plant)
    mujoco.mj_resetDataKeyframe(plant, data, 0)
    mujoco.mj_forward(plant, data)
    with_crc, without = (Sensors(plant, MotorMap.from_model(plant), SensorNoise(), seed=4) for _ in range(2))
    for tick in range(3):
        sent, read = with_crc.measure(data, tick), without.measure(data, tick, crc=False)
        assert sent.crc_ok() and not read.crc_ok()
        for field in ("quaternion", "gyroscope", "accelerometer", "q", "dq", "tau_est"):
            np.testing.assert_array_equal(getattr(sent, field), getattr(read, field))
