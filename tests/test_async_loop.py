"""The asynchronous loop: the plant in wall-clock time in its own thread, plans applied when they arrive."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from g1mpc.running.loop import run_loop
from g1mpc.running.sim import PushConfig, SimConfig
from tests.helpers import ctrl_c_reaches_it

ROOT = Path(__file__).resolve().parents[1]


class SlowOnce:
    """A real controller whose plan at ``slow_at`` takes ``delay`` s longer; keeps every plan it publishes."""

    def __init__(self, controller, slow_at: float, delay: float):
        self.controller, self.slow_at, self.delay, self.plans = controller, slow_at, delay, []

    def replan(self, t, qpos, qvel, start_time=None, applied=None):
        plan, timing = self.controller.replan(t, qpos, qvel, start_time=start_time, applied=applied)
        if abs(t - self.slow_at) < 0.011 and not any(abs(p.state_time - self.slow_at) < 0.011 for p in self.plans):
            time.sleep(self.delay)
        self.plans.append(plan)
        return plan, timing

    def reset(self, *args):
        self.controller.reset(*args)


def test_plans_are_applied_on_arrival_and_a_late_plan_is_held_then_replaced(small_assembly):
    a = small_assembly
    controller = SlowOnce(a.controller(), slow_at=0.3, delay=0.1)
    applied = []  # (time of the last plant step of a period, servo targets then)

    def on_cycle(data, ref):
        applied.append((data.time - a.plant.opt.timestep, data.ctrl.copy()))

    sim = a.simulation(SimConfig(duration=0.8, print_every=0, loop="async"))
    controller.controller.warmup(0.0, sim.data.qpos.copy(), sim.data.qvel.copy(), 1)
    initial = sim.initial_plan()  # what runs until the first plan arrives
    result = run_loop(sim, controller, on_cycle=on_cycle, log=None)
    assert result.loop == "async" and not result.interrupted and not result.falls
    assert result.sim_time == pytest.approx(0.8, abs=1e-9)
    assert 0.4 < result.wall_time < 3.0  # wall-clock pace (the warm JAX stages take a few ms per plan)
    # every applied target is a published plan evaluated at that time, and plans are used in their order
    used = []
    for t, ctrl in applied:
        plans = [initial, *controller.plans]
        matches = [i - 1 for i, p in enumerate(plans) if p.start_time <= t + 1e-9 and np.array_equal(p.control_at(t), ctrl)]
        assert matches, f"the targets at t={t:.3f} come from no published plan"
        used.append(max(matches))
    assert used == sorted(used)
    slow = next(i for i, p in enumerate(controller.plans) if abs(p.state_time - 0.3) < 0.011)
    # while the slow plan was computed (0.1 s), the plant ran the plan before it, further and further along its spline
    held = [(t, i) for (t, _), i in zip(applied, used) if i == slow - 1 and t > controller.plans[slow - 1].start_time + 0.04]
    assert held, "the previous plan was not kept running while the next one was late"
    assert all(controller.plans[slow - 1].index_at(t) > a.spec.steps_per_replan for t, _ in held)
    late = result.cycles[slow].latency
    assert late is not None and late >= 0.09  # the late plan was applied when it arrived, about 0.1 s after its state
    assert any(i > slow for i in used)  # and plans after it took over
    summary = result.summary()
    assert summary["latency_p50_ms"] is not None and summary["latency_p95_ms"] >= summary["latency_p50_ms"]


def test_compensated_async_plans_start_ahead_of_their_state(small_assembly):
    controller = SlowOnce(small_assembly.controller(), slow_at=-1.0, delay=0.0)
    sim = small_assembly.simulation(SimConfig(duration=0.4, print_every=0, loop="async", compensation="predict"))
    result = run_loop(sim, controller, log=None)
    assert not result.falls
    ahead = [p.start_time - p.state_time for p in controller.plans]
    assert min(ahead) >= small_assembly.spec.plant_dt - 1e-9  # each plan starts at its expected arrival, in plant steps
    assert all(abs(x / 0.002 - round(x / 0.002)) < 1e-6 for x in ahead)


class SlowAlways(SlowOnce):
    """A real controller every plan of which takes ``delay`` s longer."""

    def replan(self, t, qpos, qvel, start_time=None, applied=None):
        plan, timing = self.controller.replan(t, qpos, qvel, start_time=start_time, applied=applied)
        time.sleep(self.delay)
        return plan, timing


def test_a_plan_slower_than_a_push_still_records_it(small_assembly):
    # each plan takes longer than a push lasts (0.15 s against 0.05 s), as on a slow machine beside a browser: the
    # first state the planner takes after (or during) a push carries it, so every push shows in the cycle records,
    # and every record that says pushed follows a push by at most a push and a plan
    controller = SlowAlways(small_assembly.controller(), slow_at=-1.0, delay=0.15)
    pushes = PushConfig(force=20.0, interval=0.4, duration=0.05, seed=1)
    sim = small_assembly.simulation(SimConfig(duration=1.5, print_every=0, loop="async", pushes=pushes))
    controller.controller.warmup(0.0, sim.data.qpos.copy(), sim.data.qvel.copy(), 1)  # compiled before the clock runs
    result = run_loop(sim, controller, log=None)
    window = pushes.duration + 0.15 + 0.08  # a push, a slow plan, and the plan's own time on a slow machine
    assert len(result.push_times) == 3
    pushed = [c.sim_time for c in result.cycles if c.pushing]
    for t_push in result.push_times:
        assert any(t_push < t <= t_push + window for t in pushed), (result.push_times, pushed)
    for t in pushed:
        assert any(t_push < t <= t_push + window for t_push in result.push_times), (result.push_times, pushed)
    assert len(pushed) < len(result.cycles) / 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_async_run_stops_cleanly_on_a_signal_and_keeps_its_report(tmp_path, sig):
    report = tmp_path / "run.json"
    proc = subprocess.Popen(
        [sys.executable, "run_policy.py", "--cem_only", "--headless", "--loop", "async", "--duration", "60",
         "--num_samples", "4", "--num_elites", "2", "--plan_horizon", "0.1", "--reset_on_fall", "--report", str(report)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_reaches_it,
    )
    deadline = time.time() + 120
    for line in proc.stdout:  # wait until the loop is running (first rolling line)
        if line.startswith("t=") or time.time() > deadline:
            break
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    summary = json.loads(report.read_text())["summary"]
    assert summary["interrupted"] is True and summary["loop"] == "async"
    assert 0 < summary["cycles"] < 3000 and summary["latency_p50_ms"] is not None
