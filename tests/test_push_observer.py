"""The push observer: the base acceleration a latency prediction missed, from real G1 physics under a push."""

import mujoco
import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import ControllerConfig
from g1mpc.planning.prediction import StatePredictor
from g1mpc.planning.push_observer import PushObserver, PushObserverConfig, corrected_state, missed_acceleration

STEPS = 10  # one 20 ms cycle of 2 ms plant steps


def _truth(plant, qpos, qvel, ctrl, force, steps=STEPS):
    """The plant's state after ``steps`` under ``ctrl`` with a horizontal ``force`` (2,) N on the pelvis."""
    data = mujoco.MjData(plant)
    data.qpos[:], data.qvel[:], data.ctrl[:] = qpos, qvel, ctrl
    data.xfrc_applied[1, :2] = force
    for _ in range(steps):
        mujoco.mj_step(plant, data)
    return data.qpos.copy(), data.qvel.copy()


def test_the_missed_acceleration_is_measured_less_predicted_velocity_over_the_interval():
    np.testing.assert_allclose(missed_acceleration([0.3, -0.1], [0.1, 0.1], 0.02), [10.0, -10.0])
    qpos, qvel = corrected_state(np.zeros(7), np.zeros(6), np.array([10.0, -4.0]), 0.02)
    np.testing.assert_allclose(qvel[:3], [0.2, -0.08, 0.0])
    np.testing.assert_allclose(qpos[:3], [0.002, -0.0008, 0.0])
    qpos, qvel = corrected_state(np.zeros(7), np.zeros(6), np.array([10.0, -4.0]), 0.02, lead=0.03)
    np.testing.assert_allclose(qvel[:3], [0.5, -0.2, 0.0])  # the velocity the push gives by 30 ms past the start
    np.testing.assert_allclose(qpos[:3], [0.002, -0.0008, 0.0])  # the position only where the push has had it


@pytest.mark.parametrize("push_n", [0.0, 300.0])
def test_a_prediction_corrected_by_the_observer_lands_near_the_pushed_robot(plant, reference, push_n):
    """A 300 N push on the standing G1 over two 20 ms cycles: the prediction the observer corrects after the
    first cycle is at least three times nearer the pushed base velocity than the model's own; standing, the
    observer estimates nothing and the prediction is the model's."""
    predictor, observer = StatePredictor(plant), PushObserver(PushObserverConfig(deadband=3.0))
    dt, ctrl = predictor.dt, reference.ctrl[0]
    controls = np.repeat(ctrl[None], STEPS, axis=0)
    force = np.array([push_n * 0.6, push_n * 0.8])
    qpos0, qvel0 = reference.qpos[0].copy(), np.zeros(plant.nv)
    predictor.predict(0.0, qpos0, qvel0, controls)
    observer.remember(0.0, dt, predictor.base_velocities)
    qpos1, qvel1 = _truth(plant, qpos0, qvel0, ctrl, force)
    t1 = STEPS * dt
    missed = observer.update(t1, qvel1[:2])
    q_model, v_model = predictor.predict(t1, qpos1, qvel1, controls)
    q_fixed, v_fixed = corrected_state(q_model, v_model, missed, STEPS * dt)
    _, v_true = _truth(plant, qpos1, qvel1, ctrl, force)
    if push_n == 0:
        np.testing.assert_array_equal(missed, [0.0, 0.0])
        np.testing.assert_array_equal(v_fixed, v_model)
        return
    assert np.dot(missed, force) > 0  # along the push
    model_error = np.linalg.norm(v_model[:2] - v_true[:2])
    assert model_error > 0.1  # the push matters over one cycle
    assert np.linalg.norm(v_fixed[:2] - v_true[:2]) < model_error / 3


def test_the_observer_estimates_from_the_prediction_through_the_state_or_just_past_its_end():
    observer = PushObserver(PushObserverConfig(deadband=3.0))
    np.testing.assert_array_equal(observer.update(0.02, [1.0, 0.0]), [0.0, 0.0])  # nothing predicted yet
    path = np.zeros((11, 2))
    observer.remember(0.0, 0.002, path)
    np.testing.assert_allclose(observer.update(0.02, [0.2, 0.0]), [10.0, 0.0])
    np.testing.assert_allclose(observer.update(0.01, [0.2, 0.0]), [20.0, 0.0])  # halfway along the path
    # past its end (a plan expected sooner than a period ahead, a late planner): its last velocity, over the whole interval
    path[-1] = [0.1, 0.0]
    observer.remember(0.0, 0.002, path)
    np.testing.assert_allclose(observer.update(0.03, [0.2, 0.0]), [0.1 / 0.03, 0.0])  # 3.3 m/s^2, out of the deadband
    np.testing.assert_allclose(observer.update(0.04, [0.3, 0.0]), [5.0, 0.0])  # as long again as the path spans
    np.testing.assert_array_equal(observer.update(0.042, [0.3, 0.0]), [0.0, 0.0])  # further: nothing
    np.testing.assert_array_equal(observer.update(0.02, [0.05, 0.0]), [0.0, 0.0])  # 2.5 m/s^2: in the deadband
    np.testing.assert_allclose(observer.update(0.002, [1.0, 0.0]), [30.0, 0.0])  # 500 m/s^2 held to the limit


def test_bad_observer_settings_are_refused():
    with pytest.raises(ConfigError, match="--push_deadband"):
        ControllerConfig(push_deadband=-1.0)
    with pytest.raises(ConfigError, match="--push_observer"):
        ControllerConfig(push_observer="maybe")
    with pytest.raises(ConfigError, match="--push_lead"):
        ControllerConfig(push_lead=-0.01)
