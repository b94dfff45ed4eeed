"""A planner step that lengthens over the horizon (``--planner_far_dt``): the schedule, the chained rollouts and the
cost's weighting by step length."""

import mujoco
import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.planning import pipeline as P
from g1mpc.planning.backends.native import NativeRollout
from g1mpc.robots.g1 import G1
from g1mpc.robots.models import PlannerModelConfig, far_planner_model, load_planner_model, step_durations
from g1mpc.tasks.balance import BalanceTask, CostWeights


def test_the_schedule_is_fine_first_then_coarse_over_the_same_horizon():
    assert step_durations(0.5, PlannerModelConfig(timestep=0.02)) == (0.02,) * 25
    mixed = step_durations(0.5, PlannerModelConfig(timestep=0.02, far_timestep=0.04, far_after=0.1))
    assert mixed == (0.02,) * 5 + (0.04,) * 10 and sum(mixed) == pytest.approx(0.5)
    # a far part longer than the horizon leaves the fine steps alone
    assert step_durations(0.08, PlannerModelConfig(timestep=0.02, far_timestep=0.04, far_after=0.2)) == (0.02,) * 4
    with pytest.raises(ConfigError, match="--planner_far_dt"):
        PlannerModelConfig(timestep=0.04, far_timestep=0.02)
    with pytest.raises(ConfigError, match="--planner_far_after"):
        PlannerModelConfig(timestep=0.02, far_timestep=0.04, far_after=0.01)
    spec_times = P.planner_step_times(P.PlanSpec(nq=1, nv=1, nu=1, layout=None, task=None, horizon=0.5, planner_dt=0.02,
                                                 far_dt=0.04, far_after=0.1), 1.0)
    np.testing.assert_allclose(np.asarray(spec_times)[[0, 4, 5, 6, -1]], [1.0, 1.08, 1.1, 1.14, 1.46], atol=1e-6)


def test_the_rollout_steps_the_far_model_on_from_where_the_fine_steps_end(reference):
    config = PlannerModelConfig(timestep=0.02, far_timestep=0.04, far_after=0.06)
    near = load_planner_model(G1, config)
    far = far_planner_model(near, config, G1)
    assert far.opt.timestep == 0.04 and near.opt.timestep == 0.02
    assert far.dof_armature[6:].min() > near.dof_armature[6:].min()  # its own stability floor for the longer step
    rng = np.random.default_rng(2)
    qpos, qvel = reference.qpos[40], np.zeros(near.nv)
    controls = reference.ctrl[40][None, None] + rng.normal(0, 0.05, (3, 3 + 4, near.nu))
    with NativeRollout(near, 2, far, near_steps=3) as rollout:
        q, v, s = rollout(0.0, qpos, qvel, controls)
    for i in range(3):
        d = mujoco.MjData(near)
        d.qpos[:], d.qvel[:] = qpos, qvel
        for k in range(3):
            d.ctrl[:] = controls[i, k]
            mujoco.mj_step(near, d)
        np.testing.assert_allclose(q[i, 2], d.qpos, atol=1e-9)
        state = np.empty(mujoco.mj_stateSize(near, mujoco.mjtState.mjSTATE_FULLPHYSICS))
        mujoco.mj_getState(near, d, state, mujoco.mjtState.mjSTATE_FULLPHYSICS)
        d_far = mujoco.MjData(far)
        mujoco.mj_setState(far, d_far, state, mujoco.mjtState.mjSTATE_FULLPHYSICS)
        for k in range(3, 7):
            d_far.ctrl[:] = controls[i, k]
            mujoco.mj_step(far, d_far)
        np.testing.assert_allclose(q[i, -1], d_far.qpos, atol=1e-9)
        np.testing.assert_allclose(s[i, -1], d_far.sensordata, atol=1e-9)
        assert d_far.time == pytest.approx(0.06 + 0.16)
    # the same model without a far part steps at its own timestep throughout
    with NativeRollout(near, 2) as uniform:
        assert not np.allclose(uniform(0.0, qpos, qvel, controls)[0][:, -1], q[:, -1])


def test_a_step_weighs_by_the_time_it_covers(small_assembly):
    """Equal steps: the lengths change nothing. Fine and coarse steps over a horizon cost a state held still what
    equal fine steps over it cost, whatever the terminal weight, and controls changing at one rate the same
    smoothness."""
    a = small_assembly
    rng = np.random.default_rng(3)
    scale = np.ones(len(BalanceTask().weight_values()))
    first = P.reference_window(a.spec, a.arrays, P.planner_step_times(a.spec, 0.0)[:1])
    prev = np.asarray(a.reference.ctrl[0])
    qpos, qvel = a.reference.qpos[0] + rng.normal(0, 0.02, a.spec.nq), rng.normal(0, 0.1, a.spec.nv)
    sens = np.asarray(first.sensordata)[0] + rng.normal(0, 0.01, a.plant.nsensordata)
    equal, mixed = np.full(10, 0.02), np.array([0.02, 0.02, 0.04, 0.04, 0.04, 0.04])  # both 0.2 s

    def cost(task, durations, ctrl=None, weigh=True):
        """The cost of the state above held over ``durations`` (the reference held too), under ``ctrl`` (H, nu)."""
        held = lambda x: np.repeat(np.asarray(x).reshape(1, -1), len(durations), 0)
        window = type(first)(*(held(x[0]) for x in first))
        ctrl = held(prev) if ctrl is None else ctrl
        return float(task.cost(a.spec.layout, held(qpos), held(qvel), ctrl, held(sens), window, prev, scale,
                               durations if weigh else None))

    noisy = np.repeat(prev[None], 10, 0) + rng.normal(0, 0.02, (10, a.spec.nu))
    assert cost(BalanceTask(), equal, noisy) == pytest.approx(cost(BalanceTask(), equal, noisy, weigh=False), rel=1e-6)
    only = lambda **w: BalanceTask(weights=CostWeights(**{**dict.fromkeys(CostWeights().as_dict(), 0.0), **w}))
    for terminal in (0.0, 1.0, 5.0):
        held = only(joints=1.0, capture_point=1.0, terminal=terminal)
        assert cost(held, mixed) == pytest.approx(cost(held, equal), rel=1e-5) and cost(held, mixed) > 0
    rate = rng.normal(0, 1.0, a.spec.nu)  # rad/s
    ramp = lambda durations: prev + np.cumsum(durations)[:, None] * rate
    smooth = only(control_smoothness=1.0, terminal=1.0)
    assert cost(smooth, mixed, ramp(mixed)) == pytest.approx(cost(smooth, equal, ramp(equal)), rel=1e-5)
    assert cost(smooth, mixed, ramp(mixed)) < 0.5 * cost(smooth, mixed, ramp(mixed), weigh=False)  # coarse steps, unweighed


def test_a_far_model_needs_a_near_step_first_in_both_backends(plant):
    from g1mpc.planning.backends.mjx_backend import make_mjx_rollout

    with pytest.raises(ValueError, match="near_steps >= 1"):
        NativeRollout(plant, nthread=1, far_model=plant, near_steps=0)
    with pytest.raises(ValueError, match="near_steps >= 1"):
        make_mjx_rollout(plant, far_model=plant, near_steps=None)
