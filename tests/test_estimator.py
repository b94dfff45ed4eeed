"""The base estimator alone, fed lowstate recorded from the real plant (MuJoCo G1 under the motor drivers'
PD law, pushed at 150 N, sensor noise on): its error against the true pelvis stays within stated bounds."""

import numpy as np
import pytest

from g1mpc.lowlevel.estimator import BaseEstimator
from g1mpc.lowlevel.messages import LowCommand
from g1mpc.lowlevel.motors import MotorMap
from g1mpc.lowlevel.robot_sim import SensorNoise, Sensors, apply_command, motor_drive_model
from g1mpc.robots.g1 import G1
from g1mpc.running.sim import PushConfig, RunResult, SimConfig, Simulation
from g1mpc.tasks.balance import BalanceTask

# Bounds stated in docs/g1.md; measured about 0.007 / 0.005 / 0.008 m/s and 0.3 cm over 5 s at 150 N.
VELOCITY_RMS_BOUND = 0.10  # m/s per axis
HEIGHT_RMS_BOUND = 0.01  # m


def _record(plant, reference, force: float, seconds: float = 5.0):
    """(lowstate messages, true qpos, true qvel) of the plant holding the reference under pushes."""
    motors, model = MotorMap.from_model(plant), motor_drive_model(plant)
    sim = Simulation(model, reference, SimConfig(duration=seconds, pushes=PushConfig(force=force, interval=1.0, seed=3)),
                     frequency=50, fall_test=BalanceTask().fall_test(plant, G1), push_body="pelvis")
    sensors, result = Sensors(model, motors, SensorNoise(), seed=1), RunResult()
    cmd = LowCommand()
    cmd.kp[:motors.count], cmd.kd[:motors.count], cmd.mode[:motors.count] = motors.kp, motors.kd, 1
    states, qpos, qvel = [], [], []
    for tick in range(int(seconds / model.opt.timestep)):
        cmd.q[:motors.count] = reference.ctrl[min(int(sim.data.time * reference.fps), len(reference.ctrl) - 1)]
        sim.step(apply_command(model, motors, cmd), result)
        states.append(sensors.measure(sim.data, tick))
        qpos.append(sim.data.qpos.copy())
        qvel.append(sim.data.qvel.copy())
    assert result.push_times or not force, "the recording must contain pushes"
    return states, np.array(qpos), np.array(qvel)


@pytest.mark.parametrize("force", [0.0, 150.0])
def test_estimator_tracks_the_true_base(plant, reference, force):
    states, qpos, qvel = _record(plant, reference, force)
    estimator = BaseEstimator(plant, ("left_foot", "right_foot"), keyframe="stand")
    est = np.array([np.concatenate(estimator.update(s, 0.002 if i else 0.0)) for i, s in enumerate(states)])
    vel_rms = np.sqrt(np.mean((est[:, plant.nq:plant.nq + 3] - qvel[:, :3]) ** 2, axis=0))
    height_rms = np.sqrt(np.mean((est[:, 2] - qpos[:, 2]) ** 2))
    assert np.all(vel_rms < VELOCITY_RMS_BOUND), vel_rms
    assert height_rms < HEIGHT_RMS_BOUND, height_rms
    # orientation and joints come through from the sensors
    assert np.max(np.abs(est[:, 7:plant.nq] - qpos[:, 7:])) < 0.005
    dots = np.abs(np.sum(est[:, 3:7] * qpos[:, 3:7], axis=1))
    assert np.min(dots) > 0.999


def test_the_lower_foot_anchors_the_height(plant, reference):
    """Standing still, the height comes from the feet: within 1 cm of the truth from the first state on."""
    states, qpos, _ = _record(plant, reference, 0.0, seconds=0.1)
    estimator = BaseEstimator(plant, ("left_foot", "right_foot"), keyframe="stand")
    first_qpos, _ = estimator.update(states[0], 0.0)
    assert abs(first_qpos[2] - qpos[0, 2]) < 0.01


def _velocity_rms(estimator: BaseEstimator, states, qvel, batch: int, skipped: str) -> float:
    """RMS speed error of ``estimator`` fed ``states`` ``batch`` at a time, as a command loop that fell behind sees them:
    the older states of each batch folded in by ``fold_in`` (``skipped='predict'``) or dropped (``'drop'``)."""
    errors = []
    estimator.update(states[0], 0.0)
    for end in range(batch, len(states), batch):
        if skipped == "predict":
            _, v = estimator.fold_in(states[end - batch + 1:end + 1], 0.002)
        else:
            _, v = estimator.update(states[end], 0.002 * batch)
        errors.append(v[:3] - qvel[end, :3])
    return float(np.sqrt(np.mean(np.sum(np.square(errors), axis=1))))


def test_states_that_arrive_together_are_all_folded_in(plant, reference):
    """A command loop that takes three states at once: predicting through the older two keeps the estimate as good as
    updating on every state, where keeping the newest alone (each accelerometer sample stretched over three periods)
    is measurably worse under pushes."""
    states, _, qvel = _record(plant, reference, 150.0)
    feet = ("left_foot", "right_foot")
    every = _velocity_rms(BaseEstimator(plant, feet, keyframe="stand"), states, qvel, 1, "predict")
    folded = _velocity_rms(BaseEstimator(plant, feet, keyframe="stand"), states, qvel, 3, "predict")
    dropped = _velocity_rms(BaseEstimator(plant, feet, keyframe="stand"), states, qvel, 3, "drop")
    assert folded < 1.15 * every, (folded, every)
    assert dropped > 1.15 * folded, (dropped, folded)


def test_the_imu_offset_is_carried_to_the_pelvis(plant, reference):
    """The accelerometer sits 9.5 cm from the pelvis's origin: the filter runs on the IMU's own velocity and gives the
    pelvis's as ``v_imu - w x r``. Under 150 N pushes the pelvis rotates at up to a few rad/s, and an estimator that takes
    the IMU to be at the origin (the offset zeroed) errs clearly more (about 1.8x on this recording)."""
    states, _, qvel = _record(plant, reference, 150.0)
    feet = ("left_foot", "right_foot")
    assert np.linalg.norm(BaseEstimator(plant, feet, keyframe="stand").imu_offset) > 0.05
    at_origin = BaseEstimator(plant, feet, keyframe="stand")
    at_origin.imu_offset[:] = 0.0
    carried = _velocity_rms(BaseEstimator(plant, feet, keyframe="stand"), states, qvel, 1, "predict")
    ignored = _velocity_rms(at_origin, states, qvel, 1, "predict")
    assert carried < 0.75 * ignored, (carried, ignored)


def test_contact_point_velocities_are_the_jacobians(plant):
    """The points' positions and velocities (carried rigidly from each foot's body velocity) equal MuJoCo's point
    Jacobian times qdot, on random joint states."""
    import mujoco

    from g1mpc.lowlevel.messages import LowState

    estimator = BaseEstimator(plant, ("left_foot", "right_foot"), keyframe="stand")
    rng, count = np.random.default_rng(5), estimator.motors.count
    jac = np.zeros((3, plant.nv))
    for _ in range(5):
        quat = rng.normal(size=4)
        state = LowState(quaternion=quat / np.linalg.norm(quat), gyroscope=rng.normal(size=3),
                         q=np.concatenate([rng.uniform(-0.5, 0.5, count), np.zeros(35 - count)]),
                         dq=np.concatenate([rng.normal(size=count), np.zeros(35 - count)]))
        rel, vel = estimator._kinematics(state)
        d = estimator.data
        for i, (body, offset) in enumerate(estimator.points):
            np.testing.assert_allclose(rel[i], d.xpos[body] + d.xmat[body].reshape(3, 3) @ offset, atol=1e-12)
            mujoco.mj_jac(plant, d, jac, None, rel[i], body)
            np.testing.assert_allclose(vel[i], jac @ d.qvel, atol=1e-10)


def test_the_per_axis_filter_is_the_six_state_kalman_filter(plant):
    """Prediction and correction per axis in closed form give what the 6-state filter's matrix equations give."""
    estimator = BaseEstimator(plant, ("left_foot", "right_foot"), keyframe="stand")
    rng, cfg = np.random.default_rng(11), estimator.config
    x, P = rng.normal(size=6), np.diag([1e-4] * 3 + [1e-2] * 3)
    estimator.x, estimator.pp, estimator.pv, estimator.vv = x.copy(), np.full(3, 1e-4), np.zeros(3), np.full(3, 1e-2)
    for _ in range(50):
        dt, accel = rng.uniform(0.001, 0.004), rng.normal(size=3)
        F = np.eye(6)
        F[:3, 3:] = np.eye(3) * dt
        q = (cfg.accel_std * dt) ** 2
        x = F @ x + np.concatenate([0.5 * dt * dt * accel, dt * accel])
        P = F @ P @ F.T + np.diag([q * dt * dt] * 3 + [q] * 3)
        estimator._propagate(accel, dt)
        z, inflate = rng.normal(size=6), rng.uniform(1, 3)
        position_var = np.array([cfg.position_std**2] * 2 + [cfg.height_std**2]) * inflate
        R = np.diag([*position_var, *[cfg.velocity_std**2 * inflate] * 3])
        K = P @ np.linalg.inv(P + R)
        x, P = x + K @ (z - x), (np.eye(6) - K) @ P
        estimator._correct(z, position_var, cfg.velocity_std**2 * inflate)
        np.testing.assert_allclose(estimator.x, x, rtol=1e-9, atol=1e-12)
        blocks = [P[:3, :3], P[:3, 3:], P[3:, 3:]]
        for mine, theirs in zip((estimator.pp, estimator.pv, estimator.vv), blocks):
            np.testing.assert_allclose(mine, np.diag(theirs), rtol=1e-9, atol=1e-15)
        assert np.allclose(blocks[0], np.diag(np.diag(blocks[0])), atol=1e-15)  # the axes stay uncoupled


def test_states_folded_in_over_their_own_intervals_are_the_same_as_one_at_a_time(plant, reference):
    """``fold_in`` with an interval per state predicts through each older state over its own interval, then updates on
    the newest over its own: the same estimate as predicting and updating state by state."""
    states, _, _ = _record(plant, reference, 150.0, seconds=1.2)
    batched, stepwise = (BaseEstimator(plant, ("left_foot", "right_foot"), keyframe="stand") for _ in range(2))
    for estimator in (batched, stepwise):
        estimator.update(states[0], 0.0)
    intervals = [0.003, 0.001, 0.002]
    for start in range(1, len(states) - 3, 3):
        batch = states[start:start + 3]
        qpos, qvel = batched.fold_in(batch, intervals)
        stepwise.predict(batch[0], intervals[0])
        stepwise.predict(batch[1], intervals[1])
        expected_qpos, expected_qvel = stepwise.update(batch[2], intervals[2])
        np.testing.assert_allclose(qpos, expected_qpos, atol=1e-12)
        np.testing.assert_allclose(qvel, expected_qvel, atol=1e-12)
    with pytest.raises(ValueError, match="2 intervals for 3 states"):
        batched.fold_in(states[:3], [0.002, 0.002])
