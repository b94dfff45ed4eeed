"""The noise schedule: narrow sampling while the base moves as the reference's, full spread when pushed."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import ControllerConfig, make_planner
from g1mpc.planning.noise_schedule import NoiseSchedule, base_acceleration, relative_base_speed, relative_joint_speed
from g1mpc.planning.planners import PlannerState


def test_gain_ramps_from_calm_to_one_between_the_two_speeds():
    schedule = NoiseSchedule(calm=0.25, calm_speed=0.1, pushed_speed=0.3)
    gains = [float(schedule.gain(schedule.pushed(jnp.float32(v)))) for v in (0.0, 0.1, 0.2, 0.3, 2.0)]
    np.testing.assert_allclose(gains, [0.25, 0.25, 0.625, 1.0, 1.0], rtol=1e-6)
    assert schedule.active and not NoiseSchedule(calm=1.0, calm_speed=0.1, pushed_speed=0.3).active
    pushed = [float(schedule.pushed(jnp.float32(v))) for v in (0.0, 0.1, 0.2, 0.3, 2.0)]
    np.testing.assert_allclose(pushed, [0.0, 0.0, 0.5, 1.0, 1.0], rtol=1e-6)


def test_with_a_joint_ramp_the_larger_of_the_two_ramps_counts():
    schedule = NoiseSchedule(calm=0.25, calm_speed=0.1, pushed_speed=0.3, calm_joint_speed=0.5, pushed_joint_speed=1.0)
    cases = [(0.0, 0.0), (0.0, 0.75), (0.2, 0.75), (0.25, 0.6), (0.0, 3.0)]
    pushed = [float(schedule.pushed(jnp.float32(v), jnp.float32(w))) for v, w in cases]
    np.testing.assert_allclose(pushed, [0.0, 0.5, 0.5, 0.75, 1.0], rtol=1e-6)
    assert float(schedule.pushed(jnp.float32(0.0))) == 0.0  # no joint speed given: the base's ramp alone
    base_only = NoiseSchedule(calm=0.25, calm_speed=0.1, pushed_speed=0.3)
    assert float(base_only.pushed(jnp.float32(0.0), jnp.float32(3.0))) == 0.0  # no joint ramp configured: ignored


def test_relative_joint_speed_is_the_rms_of_the_joints_speed_minus_the_reference_s():
    speed = relative_joint_speed(jnp.array([1.0, -1.0, 0.5]), jnp.zeros(3), jnp.array([0.02, 0.0, 0.01]), 0.02)
    np.testing.assert_allclose(float(speed), np.sqrt(1.0 / 3.0), rtol=1e-5)  # (0, -1, 0) after the reference's (1, 0, 0.5)


def test_relative_speed_is_the_base_velocity_minus_the_reference_s():
    speed = relative_base_speed(jnp.array([0.5, 0.0, 9.0, 1.0]), jnp.array([0.0, 0.0]), jnp.array([0.004, 0.0]), 0.02)
    np.testing.assert_allclose(float(speed), 0.3, rtol=1e-5)  # (0.5, 0) - (0.2, 0); the vertical velocity is ignored


def test_the_acceleration_ramp_counts_a_hard_push_from_its_first_cycle_and_is_off_by_default():
    schedule = NoiseSchedule(calm=0.25, calm_speed=0.3, pushed_speed=0.8, calm_accel=9.0, pushed_accel=15.0)
    levels = [schedule.pushed_by_acceleration(a) for a in (0.0, 9.0, 12.0, 15.0, 40.0)]
    assert levels == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])
    assert NoiseSchedule(calm=0.25, calm_speed=0.3, pushed_speed=0.8).pushed_by_acceleration(40.0) == 0.0


def test_base_acceleration_is_the_horizontal_velocity_change_over_the_interval():
    assert base_acceleration(np.array([0.3, 0.4, 5.0]), np.array([0.0, 0.0, -5.0]), 0.02) == pytest.approx(25.0)
    assert base_acceleration(np.array([1.0, 0.0]), None, 0.02) == 0.0  # no earlier state
    assert base_acceleration(np.array([1.0, 0.0]), np.zeros(2), 0.0) == 0.0  # no time between them


@pytest.mark.parametrize("field, value", [("calm_noise", 0.0), ("calm_noise", 1.5), ("calm_speed", 0.5),
                                          ("calm_speed", -0.1), ("pushed_speed", float("nan")),
                                          ("pushed_joint_speed", 0.2), ("pushed_joint_speed", float("nan")),
                                          ("push_hold", -1.0), ("push_hold", float("inf")),
                                          ("calm_temperature", 0.0), ("calm_temperature", float("nan")),
                                          ("temperature_samples", -1), ("pushed_accel", -1.0),
                                          ("calm_accel", float("nan"))])
def test_bad_schedule_settings_are_refused(field, value):
    with pytest.raises(ConfigError, match=field):
        ControllerConfig(**{field: value})


def test_the_propose_stage_samples_narrow_at_rest_and_wide_when_the_base_is_pushed(small_assembly):
    from g1mpc.planning import pipeline as P

    a = small_assembly
    config = ControllerConfig(num_samples=8, num_elites=2, calm_noise=0.25, calm_speed=0.1, pushed_speed=0.3)
    planner = make_planner(config, tuple(np.ones(a.spec.nu)))
    state = PlannerState(jnp.zeros((a.spec.num_knots, a.spec.nu)), jnp.full((a.spec.num_knots, a.spec.nu), 0.1))
    key = jax.random.PRNGKey(3)

    def spread(base_velocity):
        qvel = jnp.zeros(a.spec.nv).at[:2].set(jnp.asarray(base_velocity))
        knots, _, _ = P.propose(a.spec, planner, state, key, 0.0, qvel, a.arrays)
        return np.asarray(knots[1:])

    at_rest, pushed, halfway = spread([0.0, 0.0]), spread([0.0, -1.0]), spread([0.2, 0.0])
    assert np.abs(pushed).max() > 0.05
    np.testing.assert_allclose(at_rest, 0.25 * pushed, atol=1e-6)  # the same noise, a quarter of the spread
    np.testing.assert_allclose(halfway, 0.625 * pushed, atol=1e-6)
    unscheduled = make_planner(ControllerConfig(num_samples=8, num_elites=2), tuple(np.ones(a.spec.nu)))
    knots, _, _ = P.propose(a.spec, unscheduled, state, key, 0.0, jnp.zeros(a.spec.nv), a.arrays)
    np.testing.assert_allclose(np.asarray(knots[1:]), pushed, atol=1e-6)  # calm 1: the full spread at rest too


def test_the_propose_stage_centres_more_samples_on_the_held_plan_as_the_base_is_pushed(small_assembly):
    """calm_anchor_fraction 0.5 (anchor_fraction 1.0): at rest half of samples 1..8 centre on the held plan (the
    anchor), pushed all eight; the schedule's speeds decide, as for the noise."""
    from g1mpc.planning import pipeline as P

    a = small_assembly
    config = ControllerConfig(num_samples=9, num_elites=2, anchor_fraction=1.0, calm_anchor_fraction=0.5, calm_speed=0.1,
                              pushed_speed=0.3)
    planner = make_planner(config, tuple(np.ones(a.spec.nu)))
    state = PlannerState(jnp.zeros((a.spec.num_knots, a.spec.nu)), jnp.full((a.spec.num_knots, a.spec.nu), 1e-3))
    held = jnp.full((a.spec.num_knots, a.spec.nu), -0.5)

    def around_held(base_velocity):
        qvel = jnp.zeros(a.spec.nv).at[:2].set(jnp.asarray(base_velocity))
        knots, _, _ = P.propose(a.spec, planner, state, jax.random.PRNGKey(4), 0.0, qvel, a.arrays, anchor=held)
        return int((np.asarray(knots[1:]).mean(axis=(1, 2)) < -0.25).sum())

    assert (around_held([0.0, 0.0]), around_held([0.2, 0.0]), around_held([0.0, -1.0])) == (4, 6, 8)


def test_the_propose_stage_widens_the_samples_for_joints_that_still_move_after_the_base_has_slowed(small_assembly):
    """A joint ramp (0.5 -> 1.0 rad/s RMS): a still base with joints moving about 2 rad/s RMS faster than the
    reference's samples the full spread; without the ramp, the same state samples the calm spread."""
    from g1mpc.planning import pipeline as P

    a = small_assembly
    state = PlannerState(jnp.zeros((a.spec.num_knots, a.spec.nu)), jnp.full((a.spec.num_knots, a.spec.nu), 0.1))
    stepping = jnp.zeros(a.spec.nv).at[6:].set(2.0)  # the base still, every joint at 2 rad/s

    def spread(**ramp):
        config = ControllerConfig(num_samples=8, num_elites=2, calm_noise=0.25, calm_speed=0.1, pushed_speed=0.3, **ramp)
        planner = make_planner(config, tuple(np.ones(a.spec.nu)))
        knots, _, _ = P.propose(a.spec, planner, state, jax.random.PRNGKey(3), 0.0, stepping, a.arrays)
        return np.asarray(knots[1:])

    with_joints, base_only = spread(calm_joint_speed=0.5, pushed_joint_speed=1.0), spread()
    assert np.abs(with_joints).max() > 0.05
    np.testing.assert_allclose(base_only, 0.25 * with_joints, atol=1e-6)


def test_a_pushed_state_fades_over_the_hold_and_at_once_without_one():
    held = NoiseSchedule(calm=0.25, calm_speed=0.1, pushed_speed=0.3, hold=0.5)
    assert [held.fade(1.0, t) for t in (0.0, 0.1, 0.25, 0.5, 2.0)] == pytest.approx([1.0, 0.8, 0.5, 0.0, 0.0])
    assert held.fade(0.4, 0.1) == pytest.approx(0.2) and held.fade(1.0, -0.1) == 1.0  # a plan started earlier: no rise
    assert NoiseSchedule(calm=0.25, calm_speed=0.1, pushed_speed=0.3).fade(1.0, 0.0) == 0.0


def test_the_propose_stage_keeps_a_held_push_wide_after_the_base_has_slowed(small_assembly):
    """A base at rest samples the calm spread, unless an earlier push still counts (``held``): then the larger
    of the two; the stage returns the level it used, for the next plan to fade."""
    from g1mpc.planning import pipeline as P

    a = small_assembly
    config = ControllerConfig(num_samples=8, num_elites=2, calm_noise=0.25, calm_speed=0.1, pushed_speed=0.3, push_hold=1.0)
    planner = make_planner(config, tuple(np.ones(a.spec.nu)))
    state = PlannerState(jnp.zeros((a.spec.num_knots, a.spec.nu)), jnp.full((a.spec.num_knots, a.spec.nu), 0.1))

    def propose(base_speed, held):
        qvel = jnp.zeros(a.spec.nv).at[0].set(base_speed)
        knots, _, pushed = P.propose(a.spec, planner, state, jax.random.PRNGKey(3), 0.0, qvel, a.arrays, held=held)
        return np.asarray(knots[1:]), float(pushed)

    (calm, p_calm), (holding, p_holding), (pushed, p_pushed) = propose(0.0, 0.0), propose(0.0, 0.5), propose(1.0, 0.5)
    assert (p_calm, p_holding, p_pushed) == pytest.approx((0.0, 0.5, 1.0))
    np.testing.assert_allclose(calm, 0.25 * pushed, atol=1e-6)
    np.testing.assert_allclose(holding, 0.625 * pushed, atol=1e-6)  # 0.25 + 0.75 x 0.5


def test_the_controller_carries_a_push_into_later_plans_until_it_has_faded(small_assembly):
    """Real stages and rollouts: one plan from a pushed state (base at 1 m/s), then plans from rest; with a
    0.1 s hold the level falls by the replan period's share of it per plan, without one it is calm at once."""
    from dataclasses import replace

    from g1mpc.planning.controller import Controller
    from g1mpc.planning.stages import declare_stages, jit_stages

    a = small_assembly
    qpos, rest = a.reference.qpos[0], np.zeros(a.spec.nv)
    levels = {}
    for hold in (0.0, 0.1):
        config = replace(a.config.controller, mode="cem", num_samples=8, num_elites=2, calm_noise=0.25, push_hold=hold)
        planner = make_planner(config, tuple(np.ones(a.spec.nu)))
        stages = jit_stages(declare_stages(a.spec, planner, a.arrays, a.plant.nsensordata))
        controller = Controller(a.spec, config, stages, a.arrays, planner.init(a.spec.num_knots, a.spec.nu),
                                rollout=a.rollout)
        period = a.spec.replan_period
        controller.plan(0.0, qpos, np.r_[1.0, np.zeros(a.spec.nv - 1)])
        levels[hold] = [controller.pushed]
        for i in range(1, 4):
            controller.plan(i * period, qpos, rest)
            levels[hold].append(controller.pushed)
    assert levels[0.0] == pytest.approx([1.0, 0.0, 0.0, 0.0])
    fall = period / 0.1
    assert levels[0.1] == pytest.approx([1.0, 1 - fall, max(0.0, 1 - 2 * fall), max(0.0, 1 - 3 * fall)], abs=1e-6)


def test_the_controller_counts_a_hard_acceleration_between_two_states_as_pushed(small_assembly):
    """Real stages and rollouts, the base's speed kept below the speed ramp: between plans one period apart the base
    accelerates at 5, 0 and 15 m/s^2; with a ramp from 9 to 15 m/s^2 only the last counts as pushed, without one none."""
    from dataclasses import replace

    from g1mpc.planning.controller import Controller
    from g1mpc.planning.stages import declare_stages, jit_stages

    a = small_assembly
    qpos, period = a.reference.qpos[0], a.spec.replan_period
    speeds = np.cumsum([0.0, 5.0, 0.0, 15.0]) * period  # m/s, all below calm_speed
    levels = {}
    for ramp in ({}, {"calm_accel": 9.0, "pushed_accel": 15.0}):
        config = replace(a.config.controller, mode="cem", num_samples=8, num_elites=2, calm_noise=0.25,
                         calm_speed=1.0, pushed_speed=2.0, **ramp)
        planner = make_planner(config, tuple(np.ones(a.spec.nu)))
        stages = jit_stages(declare_stages(a.spec, planner, a.arrays, a.plant.nsensordata))
        controller = Controller(a.spec, config, stages, a.arrays, planner.init(a.spec.num_knots, a.spec.nu),
                                rollout=a.rollout)
        levels[bool(ramp)] = []
        for i, speed in enumerate(speeds):
            controller.plan(i * period, qpos, np.r_[speed, np.zeros(a.spec.nv - 1)])
            levels[bool(ramp)].append(controller.pushed)
    assert levels[True] == pytest.approx([0.0, 0.0, 0.0, 1.0])
    assert levels[False] == pytest.approx([0.0, 0.0, 0.0, 0.0])


def test_the_score_stage_weighs_samples_with_the_calm_temperature_in_the_state_propose_found(small_assembly):
    """Through the real propose and score stages with rollouts of the small model: with --calm_temperature the
    update of a calm state (propose's pushed level 0) follows the lowest-cost samples more closely than the same
    samples and costs scored as pushed; without it the pushed level changes nothing."""
    from g1mpc.planning.stages import declare_stages

    a = small_assembly
    state = PlannerState(jnp.zeros((a.spec.num_knots, a.spec.nu)), jnp.full((a.spec.num_knots, a.spec.nu), 0.1))

    def refined(calm_temperature, pushed):
        config = ControllerConfig(num_samples=8, num_elites=2, planner="mppi", temperature=1.0,
                                  calm_temperature=calm_temperature, calm_noise=0.5)
        planner = make_planner(config, tuple(np.ones(a.spec.nu)))
        stages = declare_stages(a.spec, planner, a.arrays, a.plant.nsensordata)
        qpos, qvel = np.asarray(a.reference.qpos[0], np.float32), np.zeros(a.spec.nv, np.float32)
        knots, controls, level = stages.propose.fn(state.mean, state.sigma, state.mean, 0, 0, np.float32(0), qvel,
                                                   np.float32(0), a.arrays)
        assert float(level) == 0.0  # at rest: calm
        q, v, s = a.rollout(0.0, qpos, qvel, np.asarray(controls))
        mean, _, costs = stages.score.fn(state.mean, state.sigma, knots, controls, q, v, s, np.float32(0),
                                         np.zeros(a.spec.nu, np.float32), np.float32(pushed), a.arrays)
        best = np.asarray(knots)[int(np.argmin(costs))]
        return float(np.linalg.norm(np.asarray(mean) - best))

    assert refined(0.01, 0.0) < 0.5 * refined(0.01, 1.0)
    np.testing.assert_allclose(refined(None, 0.0), refined(None, 1.0), rtol=1e-6)


def test_the_score_stage_scales_the_temperature_by_the_samples_rolled_out_this_cycle(small_assembly):
    """Through the real propose and score stages: temperature 1.0 meant for 4 samples weighs 8 rolled-out samples as
    temperature 0.5 does; stepped down at run time to 4 of the 8 compiled, as temperature 1.0 does."""
    from g1mpc.planning import pipeline as P
    from g1mpc.planning.stages import declare_stages

    a = small_assembly
    state = PlannerState(jnp.zeros((a.spec.num_knots, a.spec.nu)), jnp.full((a.spec.num_knots, a.spec.nu), 0.1))

    def refined(temperature, temperature_samples, active):
        config = ControllerConfig(num_samples=8, num_elites=2, planner="mppi", temperature=temperature,
                                  temperature_samples=temperature_samples)
        planner = make_planner(config, tuple(np.ones(a.spec.nu)))
        arrays = P.with_active_samples(a.arrays, active)
        stages = declare_stages(a.spec, planner, arrays, a.plant.nsensordata)
        qpos, qvel = np.asarray(a.reference.qpos[0], np.float32), np.zeros(a.spec.nv, np.float32)
        knots, controls, _ = stages.propose.fn(state.mean, state.sigma, state.mean, 0, 0, np.float32(0), qvel,
                                               np.float32(0), arrays)
        q, v, s = a.rollout(0.0, qpos, qvel, np.asarray(controls))
        mean, _, _ = stages.score.fn(state.mean, state.sigma, knots, controls, q, v, s, np.float32(0),
                                     np.zeros(a.spec.nu, np.float32), np.float32(1), arrays)
        return np.asarray(mean)

    scaled_all = refined(1.0, 4, None)
    np.testing.assert_allclose(scaled_all, refined(0.5, 0, None), rtol=1e-5, atol=1e-7)
    assert not np.allclose(scaled_all, refined(1.0, 0, None), rtol=1e-4)
    np.testing.assert_allclose(refined(1.0, 4, 4), refined(1.0, 0, 4), rtol=1e-5, atol=1e-7)


def test_the_run_header_says_which_temperature_the_samples_get(small_assembly):
    """The header names the temperature at the sample count that runs, where the rule changes it."""
    from dataclasses import replace

    from g1mpc.running.session import header_lines

    def header(**settings):
        config = replace(small_assembly.config, controller=ControllerConfig(num_samples=8, num_elites=2, planner="mppi",
                                                                            **settings))
        return "\n".join(header_lines(replace(small_assembly, config=config)))

    assert "temperature 0.1 at 4 samples, 0.05 at 8" in header(temperature_samples=4)
    assert "temperature 0.1," in header(temperature_samples=8) and "temperature 0.1," in header()
    ramped = header(calm_noise=0.25, calm_speed=0.3, pushed_speed=0.8, calm_accel=9.0, pushed_accel=15.0)
    assert "below 0.3 m/s base speed (to x1 at 0.8), base acceleration pushed from 9 to 15 m/s^2" in ramped
    assert "acceleration" not in header(calm_noise=0.25)
