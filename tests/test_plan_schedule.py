"""Plans with time: the schedule the plant reads, and plans that arrive late (pure, no physics)."""

import numpy as np

from g1mpc.planning.plan import Plan, PlanSchedule, hold_plan

DT = 0.002


def _plan(start: float, value: float, steps: int = 50, state_time: float | None = None) -> Plan:
    controls = value + np.arange(steps)[:, None] * np.ones((1, 3))  # row k holds value + k: the step is readable
    return Plan(start, start if state_time is None else state_time, controls.astype(float), DT, np.zeros((4, 3)))


def test_a_plan_is_evaluated_at_the_current_time_and_held_past_its_end():
    plan = _plan(1.0, 100.0)
    assert plan.control_at(1.0)[0] == 100.0
    assert plan.control_at(1.0 + 7 * DT)[0] == 107.0  # the step it is at, not its first sample
    assert plan.control_at(5.0)[0] == 149.0  # past its horizon: its last target
    assert plan.control_at(0.5)[0] == 100.0  # before its start: its first


def test_the_newest_arrived_plan_runs_and_a_late_one_leaves_the_previous_running():
    schedule = PlanSchedule(hold_plan(np.zeros(3), 0.0, DT))
    first, second = _plan(0.0, 100.0), _plan(0.02, 200.0)
    schedule.publish(first, arrival=0.0)
    schedule.publish(second, arrival=0.05)  # computed from the state at 0.02, reaches the plant at 0.05
    assert schedule.current(0.03) is first  # the second is late: the first keeps running on its spline
    assert schedule.current(0.03).control_at(0.03)[0] == 115.0
    assert schedule.current(0.05) is second  # then it replaces it, evaluated 15 steps in
    assert schedule.current(0.05).control_at(0.05)[0] == 215.0


def test_a_plan_that_starts_ahead_waits_for_its_start():
    schedule = PlanSchedule(hold_plan(np.zeros(3), 0.0, DT))
    now, ahead = _plan(0.0, 100.0), _plan(0.04, 300.0, state_time=0.02)  # planned at 0.02 for 0.04
    schedule.publish(now, arrival=0.0)
    schedule.publish(ahead, arrival=0.025)
    assert schedule.current(0.03) is now
    assert schedule.current(0.04) is ahead and ahead.control_at(0.04)[0] == 300.0


def test_future_controls_follow_the_published_plans():
    schedule = PlanSchedule(hold_plan(np.full(3, 7.0), 0.0, DT))
    schedule.publish(_plan(0.0, 100.0), arrival=0.004)
    future = schedule.controls(0.0, 4, DT)
    np.testing.assert_array_equal(future[:, 0], [7.0, 7.0, 102.0, 103.0])


def test_reset_forgets_every_plan():
    schedule = PlanSchedule(hold_plan(np.zeros(3), 0.0, DT))
    schedule.publish(_plan(0.0, 100.0), arrival=0.0)
    schedule.reset(hold_plan(np.full(3, 5.0), 1.0, DT))
    assert schedule.current(2.0).control_at(2.0)[0] == 5.0


def test_a_plans_record_gets_its_latency_at_its_first_step_only():
    from types import SimpleNamespace

    from g1mpc.planning.plan import FirstApplications

    pending, plan = FirstApplications(), _plan(0.04, 100.0, state_time=0.02)
    record = SimpleNamespace(latency=None)
    pending.expect(plan, record)
    assert pending.applying(plan, 0.046) is record and abs(record.latency - 0.026) < 1e-12
    assert pending.applying(plan, 0.048) is None and abs(record.latency - 0.026) < 1e-12  # later steps change nothing
    other = _plan(0.06, 200.0)
    pending.expect(other, SimpleNamespace(latency=None))
    pending.clear()  # a fall reset: the plan was never applied
    assert pending.applying(other, 0.06) is None
