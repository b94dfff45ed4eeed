"""Fewer samples than compiled: the planner's mixture over a prefix, the masked update, the rule that picks the
count from the planning times, and a real asynchronous run that steps down when its plans cannot fit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.planning.planners import PLANNERS, PlannerState
from g1mpc.running.sample_count import (
    FEWEST_CALM_SAMPLES,
    AdaptiveSampleCount,
    CalmFloor,
    SampleCountRule,
    calm_sample_count,
    sample_count_bounds,
    sample_count_rules,
)
from g1mpc.running.sim import PushConfig, SimConfig

K, NU = 4, 3


def _cem(n=24):
    return PLANNERS["cem"](num_samples=n, sigma_start=0.5, explore_fraction=0.4, anchor_fraction=0.8, num_elites=3, sigma_min=0.01)


def test_all_samples_active_is_the_plain_layout_and_a_prefix_keeps_the_mixture():
    cem = _cem()
    state = PlannerState(jnp.full((K, NU), 1.0), jnp.full((K, NU), 0.1))
    anchor, key = jnp.full((K, NU), -1.0), jax.random.PRNGKey(3)
    plain = cem.sample(state, key, anchor)
    np.testing.assert_array_equal(plain, cem.sample(state, key, anchor, 1.0, cem.num_samples))
    noise = np.asarray(jax.random.normal(key, (cem.num_samples - 1, K, NU))).copy()
    noise[0] = 0.0
    for active in (8, 13, 24):
        knots = np.asarray(cem.sample(state, key, anchor, 1.0, active))
        rest = active - 1
        n_anchor, n_explore = max(1, round(0.8 * rest)), round(0.4 * rest)
        index = np.arange(cem.num_samples - 1)[:, None, None]
        expected = np.where(index < n_anchor, -1.0, 1.0) + np.where(index < n_explore, 0.5, 0.1) * noise
        np.testing.assert_allclose(knots[0], 1.0)
        np.testing.assert_allclose(knots[1], -1.0)  # the anchor itself
        np.testing.assert_allclose(knots[1:active], expected[:rest], atol=1e-5)


def test_samples_not_rolled_out_never_reach_the_update(small_assembly):
    """A real controller rolling out 4 of its 8 samples: the other four cost +inf and only 4 rollouts ran."""
    controller = small_assembly.controller()
    rows = []
    rollout = controller.rollout
    controller.rollout = lambda t, q, v, controls: rows.append(len(controls)) or rollout(t, q, v, controls)
    sim = small_assembly.simulation(SimConfig(duration=0.1, print_every=0))
    qpos, qvel = sim.data.qpos.copy(), sim.data.qvel.copy()
    controller.plan(0.0, qpos, qvel)
    assert np.isfinite(controller.last_costs).all() and rows == [8]
    controller.set_active_samples(4)
    assert controller.active_samples == 4
    _, timing = controller.plan(0.02, qpos, qvel)
    costs = np.asarray(controller.last_costs)
    assert rows == [8, 4] and np.isfinite(costs[:4]).all() and np.isinf(costs[4:]).all()
    assert 0 < timing.rollout <= timing.cem
    assert np.isfinite(controller.mean).all() and np.isfinite(controller.sigma).all()
    with pytest.raises(ConfigError, match="between"):
        controller.set_active_samples(1)
    controller.set_active_samples(None)
    assert controller.active_samples == 8


def test_mppi_and_predictive_sampling_ignore_infinite_costs():
    knots = jnp.stack([jnp.full((K, NU), float(i)) for i in range(4)])
    costs = jnp.array([3.0, 1.0, jnp.inf, jnp.inf])
    state = PlannerState(jnp.zeros((K, NU)), jnp.ones((K, NU)))
    common = dict(num_samples=4, sigma_start=0.5, explore_fraction=0.4, anchor_fraction=0.8)
    mppi = PLANNERS["mppi"](**common, temperature=0.1).update(state, knots, costs)
    assert np.isfinite(mppi.mean).all() and float(mppi.mean[0, 0]) < 1.0 + 1e-6
    assert float(PLANNERS["ps"](**common).update(state, knots, costs).mean[0, 0]) == 1.0


def _feed(rule, times):
    return [rule.observe(plan, rollout) for plan, rollout in times]


def test_the_rule_steps_down_to_a_count_whose_predicted_time_fits_and_not_below_the_floor():
    rule = AdaptiveSampleCount(cap=40, floor=20, step=5, period=0.02)  # budget 17 ms
    # 24 ms plans, 20 of them rollouts: 0.5 ms per sample, so 25 samples take 16.5 ms
    counts = _feed(rule, [(0.024, 0.020)] * 5)
    assert counts[:4] == [40] * 4 and counts[-1] == 25  # judged on five plans
    rule2 = AdaptiveSampleCount(cap=40, floor=20, step=5, period=0.02)
    assert _feed(rule2, [(0.060, 0.055)] * 5)[-1] == 20  # nothing fits: the floor, never below
    assert _feed(rule2, [(0.060, 0.030)] * 20)[-1] == 20


def test_the_rule_follows_the_typical_plan_not_the_slowest():
    rule = AdaptiveSampleCount(cap=16, floor=8, step=2, period=0.02)
    times = [(0.012, 0.008), (0.012, 0.008), (0.030, 0.008)] * 4  # every third plan late (a busy machine): the median fits
    assert _feed(rule, times)[-1] == 16


def test_the_rule_steps_up_when_a_window_would_fit_and_backs_off_after_a_failed_try():
    rule = AdaptiveSampleCount(cap=16, floor=4, step=2, period=0.02, rule=SampleCountRule(judge=3, window=5))
    rule.active = 8
    assert _feed(rule, [(0.012, 0.008)] * 5)[-1] == 10  # 12 + 8 * 2/8 = 14 ms <= 17 ms
    assert _feed(rule, [(0.019, 0.010)] * 3)[-1] == 8   # the larger count overran: back down
    assert _feed(rule, [(0.012, 0.008)] * 5)[-1] == 8   # the next try waits twice as long
    assert _feed(rule, [(0.012, 0.008)] * 5)[-1] == 10
    rule.active = 16
    assert _feed(rule, [(0.005, 0.004)] * 50)[-1] == 16  # never above the cap


def test_a_calm_state_rolls_out_its_share_and_any_push_the_whole_count():
    assert calm_sample_count(16, 0.5, pushed=0.0, least=2) == 8
    assert calm_sample_count(16, 0.5, pushed=0.01, least=2) == 16  # pushed at all: every sample
    assert calm_sample_count(16, 1.0, pushed=0.0, least=2) == 16  # share 1: off
    assert calm_sample_count(16, 0.1, pushed=0.0, least=4) == 4  # never below the floor (the elites' need, or 8)
    assert calm_sample_count(8, 0.5, pushed=0.0, least=FEWEST_CALM_SAMPLES) == 8
    assert calm_sample_count(4, 0.5, pushed=0.0, least=6) == 4  # never above the count


def test_calm_plans_keep_eight_samples_while_plans_of_eight_fit_the_period():
    """The floor of eight holds from the start and while three in four of the last plans that rolled out eight or more
    fit the period; once they do not (a machine too slow for eight), calm plans may halve the count, and the floor
    returns when such plans fit again (docs/realtime.md, "Never fewer than eight while calm")."""
    floor = CalmFloor(FEWEST_CALM_SAMPLES, period=0.02, window=5, min_plans=3)
    assert floor.least() == FEWEST_CALM_SAMPLES == 8
    for seconds in (0.015, 0.016, 0.018):
        floor.observe(seconds, rolled_out=8)
    assert floor.least() == 8  # three in four within 20 ms
    for seconds in (0.023, 0.024):
        floor.observe(seconds, rolled_out=8)
    assert floor.least() == 0  # 15, 16, 18, 23, 24 ms: the upper quartile is over the period
    floor.observe(0.005, rolled_out=4)  # a plan of fewer samples says nothing about eight
    assert floor.least() == 0 and len(floor.times) == 5
    for _ in range(5):
        floor.observe(0.012, rolled_out=8)
    assert floor.least() == 8 and len(floor.times) == 5
    assert CalmFloor(0, period=0.02).least() == 0  # no floor
    with pytest.raises(ConfigError, match="calm_floor"):
        SimConfig(calm_floor=-1)


def test_the_rule_judges_a_calm_plan_as_if_it_had_rolled_out_the_rules_count():
    """Calm plans of 8 samples in a rule at 16: 10 ms of which 6 ms rollouts fits a 17 ms budget at 16 (16 ms),
    12 ms of which 8 ms rollouts does not (20 ms), though it would fit as measured."""
    fits = AdaptiveSampleCount(cap=16, floor=8, step=2, period=0.02)
    assert [fits.observe(0.010, 0.006, rolled_out=8) for _ in range(5)][-1] == 16
    overruns = AdaptiveSampleCount(cap=16, floor=8, step=2, period=0.02)
    assert [overruns.observe(0.012, 0.008, rolled_out=8) for _ in range(5)][-1] < 16


def test_bounds_and_validation():
    assert sample_count_bounds(40, 5) == (20, 5)
    assert sample_count_bounds(16, 2) == (8, 2)
    assert sample_count_bounds(8, 2) == (4, 2)
    with pytest.raises(ConfigError):
        AdaptiveSampleCount(cap=8, floor=10, step=2, period=0.02)
    with pytest.raises(ConfigError):
        SampleCountRule(target_share=1.5)
    for share in (0.0, 1.5):
        with pytest.raises(ConfigError, match="--calm_samples"):
            SimConfig(calm_samples=share)


def test_an_async_run_whose_plans_cannot_fit_steps_down_to_the_floor_and_says_so(small_assembly):
    """At 1000 Hz (1 ms per plan, 0.85 ms budget) no count fits even on a fast machine (at 250 Hz, 6 samples fit on
    CI's): the run rolls out the floor's 4 of 8 samples."""
    from g1mpc.running.loop import run_loop
    from g1mpc.running.sim import Simulation

    a = small_assembly
    sim = Simulation(a.plant, a.reference, SimConfig(duration=0.6, print_every=0, loop="async", adapt_samples=True), frequency=1000.0,
                     fall_test=a.config.task.fall_test(a.plant, a.robot), push_body=a.robot.root_body)
    controller = a.controller()
    result = run_loop(sim, controller, log=None)
    counts = [c.samples for c in result.cycles]
    assert counts[0] == 8 and counts[-1] == 4 and min(counts) == 4
    assert result.sample_changes and result.sample_changes[-1][1] == 4
    summary = result.summary()
    assert sum(summary["samples_by_cycles"].values()) == len(result.cycles)


def test_every_plan_records_the_samples_it_rolled_out_also_at_a_fixed_count(small_assembly):
    """Without the rule (async or synchronous) each cycle records the compiled count, so a report of a fixed-size
    run says what ran as an adaptive one does."""
    from g1mpc.running.loop import run_loop

    a = small_assembly
    for loop in ("async", "sync"):
        result = run_loop(a.simulation(SimConfig(duration=0.2, print_every=0, loop=loop, adapt_samples=False)),
                          a.controller(), log=None)
        assert {c.samples for c in result.cycles} == {a.config.controller.num_samples}, loop
        assert result.summary()["samples_by_cycles"] == {str(a.config.controller.num_samples): len(result.cycles)}
        assert not result.sample_changes


def test_an_async_run_with_calm_samples_rolls_out_half_after_a_calm_plan_and_all_after_a_pushed_one(small_assembly):
    """A real run with a 250 N push at 0.5 s: after every plan whose state counted calm the next rolls out 4 of the 8
    compiled samples, after every other one all 8; both happen, and the report's changes say when (without the floor of
    eight calm samples, as where the sizing found no count that fits; with it they stay 8, below)."""
    from g1mpc.running.loop import run_loop

    a = small_assembly
    config = SimConfig(duration=1.0, print_every=0, loop="async", calm_samples=0.5, calm_floor=0,
                       pushes=PushConfig(force=250.0, interval=0.5, duration=0.1, seed=1))
    sim, controller = a.simulation(config), a.controller()
    controller.warmup(0.0, sim.data.qpos.copy(), sim.data.qvel.copy())  # compiled before the clock runs
    pushed, replan = [], controller.replan

    def replan_and_record(*args, **kwargs):
        out = replan(*args, **kwargs)
        pushed.append(controller.pushed)
        return out

    controller.replan = replan_and_record
    result = run_loop(sim, controller, log=None)
    counts = [c.samples for c in result.cycles]
    assert len(counts) == len(pushed) > 10 and counts[0] == 8
    assert counts[1:] == [4 if p == 0 else 8 for p in pushed[:-1]]
    assert {4, 8} <= set(counts) and {n for _, n in result.sample_changes} == {4, 8}


def test_a_machine_sized_to_eight_samples_keeps_all_eight_while_calm(small_assembly):
    """With the floor a run gets by default (a given count, or a sized one that fits), calm plans never roll out fewer
    than eight: the same run with 8 compiled samples rolls out 8 in every plan, calm or pushed, and changes nothing."""
    from g1mpc.running.loop import run_loop

    config = SimConfig(duration=0.6, print_every=0, loop="async", calm_samples=0.5,
                       pushes=PushConfig(force=250.0, interval=0.3, duration=0.1, seed=1))
    sim, controller = small_assembly.simulation(config), small_assembly.controller()
    controller.warmup(0.0, sim.data.qpos.copy(), sim.data.qvel.copy())
    result = run_loop(sim, controller, log=None)
    assert len(result.cycles) > 5 and {c.samples for c in result.cycles} == {8} and not result.sample_changes


def test_the_loops_announce_the_rules_they_apply_and_leave_a_count_that_cannot_change_alone(small_assembly):
    """Both rules on the native backend, each said once; on MJX (its rollouts inside the compiled stage, where fewer
    active samples save nothing) neither applies and nothing is said."""
    from dataclasses import replace

    controller, said = small_assembly.controller(), []
    samples, share, floor = sample_count_rules(controller, 0.02, adapt=True, calm_share=0.5, log=said.append)
    assert samples is not None and samples.cap == 8 and share == 0.5
    assert floor.fewest == 0 and floor.period == 0.02  # no --calm_floor given: no floor
    assert len(said) == 2 and "--adapt_samples" in said[0] and "--calm_samples" in said[1]
    controller.config = replace(controller.config, backend="mjx")  # what the check reads of an MJX controller
    said.clear()
    assert sample_count_rules(controller, 0.02, adapt=True, calm_share=0.5, log=said.append)[:2] == (None, 1.0)
    assert not said
