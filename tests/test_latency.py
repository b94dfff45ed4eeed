"""Latency in the deterministic loop, and planning that compensates for it (real physics, small planner)."""

import numpy as np
import pytest

from g1mpc.running.sim import SimConfig


class Recording:
    """Wraps a real controller: keeps every plan it hands to the loop, and the state it planned from."""

    def __init__(self, controller):
        self.controller, self.plans, self.states = controller, [], []

    def replan(self, t, qpos, qvel, start_time=None, applied=None):
        plan, timing = self.controller.replan(t, qpos, qvel, start_time=start_time, applied=applied)
        self.plans.append(plan)
        self.states.append((t, qpos.copy(), qvel.copy()))
        return plan, timing

    def reset(self, *args):
        self.controller.reset(*args)


def _run(assembly, latency, compensation="none", duration=0.3):
    recording = Recording(assembly.controller())
    sim = assembly.simulation(SimConfig(duration=duration, realtime=False, print_every=0, latency=latency,
                                        compensation=compensation))
    return sim.run(recording, log=None), recording


def test_without_latency_each_plan_acts_at_once(small_assembly):
    result, rec = _run(small_assembly, 0.0)
    for cycle, plan in zip(result.cycles, rec.plans):
        assert cycle.latency == 0.0
        np.testing.assert_array_equal(cycle.ctrl, plan.controls[0])


@pytest.mark.parametrize("latency_ms", [20, 30])
def test_a_plan_takes_effect_latency_after_its_state_and_the_previous_runs_meanwhile(small_assembly, latency_ms):
    latency = latency_ms / 1e3
    result, rec = _run(small_assembly, latency)
    steps, dt = small_assembly.spec.steps_per_replan, small_assembly.spec.plant_dt
    applied = [c.latency for c in result.cycles if c.latency is not None]
    assert applied and all(abs(x - latency) < 1e-9 for x in applied)
    for k, cycle in enumerate(result.cycles[2:], start=2):
        t = k * steps * dt  # the cycle's first plant step
        newest = max(j for j, p in enumerate(rec.plans) if p.state_time + latency <= t + 1e-9)
        # the newest plan that has arrived, evaluated at the current time on its own spline
        np.testing.assert_allclose(cycle.ctrl, rec.plans[newest].control_at(t), atol=0, rtol=0)
        assert newest < k  # never the plan of the state just measured


def test_compensated_plans_start_at_their_arrival_from_the_state_the_plant_reaches(small_assembly):
    """No pushes: the predicted state at t + L is the state the plant really reaches (same model, same controls)."""
    latency = 0.02
    result, rec = _run(small_assembly, latency, compensation="predict", duration=0.2)
    assert all(abs(p.start_time - p.state_time - latency) < 1e-9 for p in rec.plans)
    for cycle in result.cycles[:-1]:
        assert cycle.latency is not None and abs(cycle.latency - latency) < 1e-9
    predictor = small_assembly.controller().predictor
    # plan k+1 was planned from the state at t_{k+1}; the prediction it used for t_{k+2} is checked
    # against the measured state at t_{k+2}, which the loop handed to plan k+2
    from g1mpc.planning.plan import PlanSchedule, hold_plan

    schedule = PlanSchedule(hold_plan(small_assembly.reference.ctrl[0], 0.0, predictor.dt))
    steps = small_assembly.spec.steps_per_replan
    for plan in rec.plans:
        schedule.publish(plan, arrival=plan.start_time)
    for k in range(1, len(rec.states) - 1):
        t, qpos, qvel = rec.states[k]
        q_pred, v_pred = predictor.predict(t, qpos, qvel, schedule.controls(t, steps, predictor.dt))
        t_next, q_true, v_true = rec.states[k + 1]
        assert abs(t_next - t - steps * predictor.dt) < 1e-9
        np.testing.assert_allclose(q_pred, q_true, atol=1e-6)
        np.testing.assert_allclose(v_pred, v_true, atol=1e-4)
