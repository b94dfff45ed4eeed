"""The web view's rates held to a share of the planner's time: the governor's rule, per-thread CPU clocks of
real threads, and a real viewer that computes plan traces only while a browser watches."""

import sys
import threading
import time

import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.viewing.web.frame_rate import PlanPacer, RateGovernor, ThreadsCpuClock
from tests.helpers import ROOT


def test_over_budget_the_rates_fall_in_proportion_and_under_it_they_rise_gently():
    rates = RateGovernor(share=0.02, min_factor=0.4, max_rise=1.25)
    # 1 s window, the run used 0.8 s of CPU: a budget of 16 ms; the view used 20 ms -> 0.8 of its rates
    assert rates.update(0.020, 0.8, 1.0) == pytest.approx(0.8)
    assert rates.update(0.008, 0.8, 1.0) == pytest.approx(1.0)  # half the budget: up by at most 1.25, capped at 1
    assert rates.update(0.100, 0.8, 1.0) == pytest.approx(0.4)  # far over: not below the floor
    assert rates.update(0.0, 0.8, 1.0) == pytest.approx(0.5)  # nothing used: rises by 1.25 a window


def test_an_idle_run_leaves_the_view_half_the_wall_clocks_share():
    rates = RateGovernor(share=0.02, idle_floor=0.5)
    # the run used 0.05 s of CPU in a 1 s window (a network-only run): the budget is 2 % of 0.5 s, 10 ms, not 1 ms
    assert rates.update(0.010, 0.05, 1.0) == pytest.approx(1.0)
    assert rates.update(0.020, 0.05, 1.0) == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs", [{"share": 0.0}, {"share": 1.0}, {"min_factor": 0.0}, {"max_rise": 0.9}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ConfigError):
        RateGovernor(**kwargs)


def _pace(pacer: PlanPacer, interval: float, seconds: float, plan_every: float | None) -> list[tuple[str, float]]:
    """The drawing thread's wakes and the planner's plans, (what, when), in the order they happened, over ``seconds``."""
    events: list[tuple[str, float]] = []
    lock, stop = threading.Lock(), threading.Event()

    def draw() -> None:
        while pacer.wait(interval, stop):
            with lock:
                events.append(("wake", time.perf_counter()))

    drawing = threading.Thread(target=draw)
    drawing.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if plan_every is None:
            time.sleep(0.01)
            continue
        time.sleep(plan_every)
        with lock:
            events.append(("plan", time.perf_counter()))
        pacer.planned()
    stop.set()
    pacer.planned()
    drawing.join(timeout=2.0)
    assert not drawing.is_alive()  # the stop ends the wait
    return events


def test_the_view_draws_right_after_plans_at_most_once_an_interval():
    """Plans every 40 ms, drawing at most every 0.1 s: every wake follows a plan made since the wake before, and
    comes right after it (a timer at 0.1 s would wake 20 ms after the last plan at the median)."""
    events = _pace(PlanPacer(), interval=0.1, seconds=2.0, plan_every=0.04)
    wakes = [i for i, (what, _) in enumerate(events) if what == "wake"]
    assert 8 <= len(wakes) <= 21  # 2 s / 0.1 s + 1 at most
    assert all(any(w == "plan" for w, _ in events[a + 1:b]) for a, b in zip([-1, *wakes], wakes))
    after_plan = [events[i][1] - max(t for w, t in events[:i] if w == "plan") for i in wakes]
    assert np.median(after_plan) < 0.01


def test_without_plans_the_view_still_draws_once_an_interval():
    events = _pace(PlanPacer(), interval=0.05, seconds=0.6, plan_every=None)
    assert {w for w, _ in events} == {"wake"} and 3 <= len(events) <= 13  # 0.6 s / 0.05 s + 1 at most


def test_the_clock_counts_the_cpu_of_the_threads_it_watches_and_not_of_others():
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            sum(range(1000))

    busy = threading.Thread(target=spin, daemon=True)
    idle = threading.Thread(target=stop.wait, daemon=True)
    busy.start()
    idle.start()
    try:
        busy_clock, idle_clock = ThreadsCpuClock([busy]), ThreadsCpuClock([idle])
        time.sleep(0.3)
        busy_s, idle_s = busy_clock.lap(), idle_clock.lap()
    finally:
        stop.set()
        busy.join()
        idle.join()
    assert busy_s > 0.02 and idle_s < 0.01 and busy_s > 5 * idle_s
    assert busy_clock.lap() >= 0.0 and len(busy_clock) == 0  # the ended thread dropped out


def test_plan_traces_are_computed_only_while_a_browser_watches(plant, reference):
    """A real viser server and a real websocket client: no traces for plans while nobody watches, then traces."""
    import mujoco

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_viewer_cost import _RemoteClient  # a websocket client that receives what a browser would

    from g1mpc.planning.controller import CycleTiming
    from g1mpc.planning.plan import Plan
    from g1mpc.running.config import RunConfig
    from g1mpc.running.sim import SimConfig, Simulation
    from g1mpc.viewing.web.viewer import WebViewer

    config = RunConfig()
    sim = Simulation(plant, reference, SimConfig(), frequency=50.0,
                     fall_test=config.task.fall_test(plant, config.robot_description), push_body="pelvis")
    feet = [mujoco.mj_name2id(plant, mujoco.mjtObj.mjOBJ_SITE, f.name) for f in config.robot_description.feet]
    viewer = WebViewer(sim, plant, feet, config.task.weight_values(), port=0, log=None)
    plan = Plan(start_time=0.0, state_time=0.0, controls=np.repeat(reference.ctrl[:1], 50, axis=0), dt=0.002,
                knots=np.zeros((4, plant.nu)))
    timing = CycleTiming(total=0.01, nn=0.0, cem=0.01, other=0.0)
    client = None
    try:
        viewer.on_plan(plan, timing, reference.qpos[0], np.zeros(plant.nv), None)
        time.sleep(0.3)
        assert viewer.tracer.latest() is None
        client = _RemoteClient(f"ws://127.0.0.1:{viewer.port}")
        deadline = time.time() + 30
        while viewer._watchers == 0 and time.time() < deadline:
            time.sleep(0.05)
        viewer.on_plan(plan, timing, reference.qpos[0], np.zeros(plant.nv), None)
        while viewer.tracer.latest() is None and time.time() < deadline:
            time.sleep(0.05)
        traces = viewer.tracer.latest()
        assert traces is not None and traces["com"].shape[1] == 3
    finally:
        viewer.close()
        if client is not None:
            client.wait()


def test_plan_traces_match_a_forward_pass_at_every_state(plant, reference):
    """The traces read each state's points from the step that leaves it; a forward pass per state agrees."""
    import mujoco

    from g1mpc.viewing.web.traces import GRAVITY, plan_traces

    rng = np.random.default_rng(0)
    controls = reference.ctrl[:1] + rng.normal(0.0, 0.1, (40, plant.nu))
    qvel = rng.normal(0.0, 0.3, plant.nv)
    feet = [mujoco.mj_name2id(plant, mujoco.mjtObj.mjOBJ_SITE, name) for name in ("left_foot", "right_foot")]
    data = mujoco.MjData(plant)
    traces = plan_traces(plant, data, feet, reference.qpos[0], qvel, controls, plant.opt.timestep / 2)
    assert traces["com"].shape == (21, 3)  # 40 targets at twice the model's rate: 20 steps, 21 states

    check = mujoco.MjData(plant)
    check.qpos[:], check.qvel[:] = reference.qpos[0], qvel
    for k in range(21):
        mujoco.mj_forward(plant, check)
        mujoco.mj_subtreeVel(plant, check)
        com, vel = check.subtree_com[1], check.subtree_linvel[1]
        omega = np.sqrt(GRAVITY / com[2])
        np.testing.assert_allclose(traces["left_foot"][k], check.site_xpos[feet[0]], atol=1e-9)
        np.testing.assert_allclose(traces["com"][k], com, atol=1e-9)
        np.testing.assert_allclose(traces["capture_point"][k][:2], com[:2] + vel[:2] / omega, atol=1e-9)
        if k < 20:
            check.ctrl[:] = controls[2 * k]
            mujoco.mj_step(plant, check)


def test_the_view_benchmarks_take_checkouts_as_labelled_or_bare_directories(tmp_path):
    """Both viewer benchmarks read ``--code_dirs`` one way: ``LABEL=DIR`` or ``DIR`` (labelled as written)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_viewer_cost import code_dirs_of

    (tmp_path / "old" / "g1mpc").mkdir(parents=True)
    dirs = code_dirs_of([f"before={tmp_path / 'old'}", str(ROOT)], needed="g1mpc")
    assert dirs == {"before": (tmp_path / "old").resolve(), str(ROOT): ROOT.resolve()}
    with pytest.raises(ValueError, match=r"'x=.*' is not DIR or LABEL=DIR"):
        code_dirs_of([f"x={tmp_path}"], needed="g1mpc")
