"""The asynchronous loop, as on a robot: the plant steps in wall-clock time while the planner plans.

The plant runs in its own thread, one physics step per ``dt`` of wall-clock time. At every step it
applies the newest plan that has reached it, evaluated at the current time (:class:`~g1mpc.planning.plan.PlanSchedule`);
when a new plan is late, the last one keeps running. After every step it publishes a snapshot of its
state; at the end of each replan period it judges falls and calls the viewer and recorder hooks. The
planner (the calling thread) starts a plan once per replan period, from the newest snapshot: at the
period's start when it keeps up, at once from a state at most one step old when its last plan ran late.

A plan's latency is the simulated time from the state it was planned from to its first plant step. With
``compensation="predict"`` the planner plans from the state predicted at the time its plan will reach the
plant and starts the plan there: the 90th percentile of the recent arrival delays (state to publication,
in the plant's simulated time; not the latencies, which a plan that starts ahead only makes longer), in
whole plant steps.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from g1mpc.common.collector import collector_frozen
from g1mpc.planning.plan import FirstApplications, PlanSchedule, hold_plan
from g1mpc.running.sample_count import AdaptiveSampleCount, CalmFloor, calm_sample_count, sample_count_rules
from g1mpc.running.sim import (
    CycleRecord,
    RunResult,
    Simulation,
    _rolling_line,
    finite_or_held,
    follow_clip,
    joint_rms,
    replan,
    samples_per_plan,
)

Log = Callable[[str], None]
GIL_SWITCH_INTERVAL = 2e-4  # s: how long the planner may hold the GIL while the plant waits for its step
LATENCY_QUANTILE = 90
LATENCY_WINDOW = 50


@dataclass(frozen=True)
class Snapshot:
    """The plant's state after a step, with what the planner needs beside it (push flag, resets, last targets)."""

    time: float
    qpos: np.ndarray
    qvel: np.ndarray
    pushing: bool  # pushed since the planner took the previous snapshot (see Mailbox)
    resets: int  # how many fall resets happened before it (the planner resets when this grows)
    ctrl: np.ndarray  # the servo targets applied last


class Mailbox:
    """The newest snapshot, and a stop flag, shared by the plant and the planner.

    A push is remembered until the planner takes a snapshot: the snapshot it gets says whether the robot was
    pushed since its previous one, however many plant steps a slow plan let pass in between."""

    def __init__(self):
        self._cond = threading.Condition()
        self._snapshot: Snapshot | None = None
        self._pushed_since_taken = False
        self.stopped = False

    def newest_time(self) -> float:
        """The plant's simulated time as of its last step."""
        with self._cond:
            return -np.inf if self._snapshot is None else self._snapshot.time

    def put(self, snapshot: Snapshot) -> None:
        with self._cond:
            self._snapshot = snapshot
            self._pushed_since_taken |= snapshot.pushing
            self._cond.notify_all()

    def at_least(self, t: float, timeout: float = 0.1) -> Snapshot | None:
        """The newest snapshot, once one of time >= ``t`` exists, waiting up to ``timeout`` s; None if stopped or none came."""
        ready = lambda: self._snapshot is not None and self._snapshot.time >= t - 1e-9
        with self._cond:
            self._cond.wait_for(lambda: self.stopped or ready(), timeout)
            if self.stopped or not ready():
                return None
            taken = replace(self._snapshot, pushing=self._pushed_since_taken)
            self._pushed_since_taken = False
            return taken

    def stop(self) -> None:
        with self._cond:
            self.stopped = True
            self._cond.notify_all()


class _Plant(threading.Thread):
    """Steps the simulation in wall-clock time under the newest plan (see the module docstring)."""

    def __init__(self, sim: Simulation, schedule: PlanSchedule, result: RunResult, mailbox: Mailbox,
                 pending: FirstApplications, on_cycle, log: Log | None):
        super().__init__(name="g1mpc-plant", daemon=True)
        self.sim, self.schedule, self.result, self.mailbox, self.pending = sim, schedule, result, mailbox, pending
        self.on_cycle, self.log = on_cycle, log
        self.error: BaseException | None = None
        self.resets = 0

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # re-raised by the planner thread
            self.error = exc
        finally:
            self.mailbox.stop()

    def _run(self) -> None:
        sim, d, cfg, result = self.sim, self.sim.data, self.sim.config, self.result
        dt, period = sim.model.opt.timestep, sim.period
        t_end = d.time + cfg.duration
        wall_anchor, sim_anchor = time.perf_counter(), d.time
        ctrl = self.schedule.current(d.time).control_at(d.time)
        self._publish(ctrl, pushing=False)
        while not self.mailbox.stopped and d.time < t_end - 1e-9:
            cycle_end_time = d.time + sim.steps_per_cycle * dt
            for _ in range(sim.steps_per_cycle):
                due = wall_anchor + (d.time - sim_anchor)
                lag = time.perf_counter() - due
                if lag < 0:
                    time.sleep(-lag)
                elif lag > period:  # the plant fell behind wall-clock time (a slow hook): count it, carry on from now
                    result.plant_overruns += 1
                    wall_anchor += lag
                plan = self.schedule.current(d.time)
                ctrl = plan.control_at(d.time)
                record = self.pending.applying(plan, d.time)
                if record is not None:  # a plan's record keeps the first servo targets it applied
                    record.ctrl = [float(x) for x in ctrl]
                self._publish(ctrl, sim.step(ctrl, result))
            ref, fell = sim.judge(result, cycle_end_time, self.log)
            if self.on_cycle is not None and self.on_cycle(d, ref) is False:
                break
            requested = sim.take_reset_request()
            if fell or requested:
                if fell and not cfg.reset_on_fall:
                    break
                sim.reset(d.time)
                self.resets += 1
                self.schedule.reset(hold_plan(d.ctrl.copy(), d.time, dt))
                self.pending.clear()
                self._publish(ctrl, pushing=False)
        result.sim_time = d.time

    def _publish(self, ctrl: np.ndarray, pushing: bool) -> None:
        d = self.sim.data
        self.mailbox.put(Snapshot(d.time, *self.sim.observed_state(), pushing, self.resets, np.array(ctrl, copy=True)))


def expected_delay(delays: deque, default: float, dt: float) -> float:
    """How far ahead to plan: a high percentile of the recent arrival delays, in whole plant steps."""
    value = float(np.percentile(delays, LATENCY_QUANTILE)) if delays else default
    return float(np.ceil(value / dt - 1e-6) * dt)


def plan_and_publish(controller, snap: Snapshot, compensate: bool, delays: deque, period: float, schedule: PlanSchedule,
                     pending: FirstApplications, result: RunResult, ref_qpos: np.ndarray, log: Log | None,
                     samples: AdaptiveSampleCount | None = None, calm_samples: float = 1.0,
                     calm_floor: CalmFloor | None = None) -> CycleRecord:
    """One planning cycle of an asynchronous loop: plan from ``snap`` (ahead by the expected delay when
    ``compensate``), hold the last targets if the plan is not finite, publish it at once, record the cycle;
    set the sample count of the next plan from this plan's time (with ``samples``) and, below a ``calm_samples``
    of 1, from how pushed its state counted, while calm no fewer than ``calm_floor`` says
    (:func:`~g1mpc.running.sample_count.calm_sample_count`)."""
    dt = schedule.current(snap.time).dt
    start = snap.time + expected_delay(delays, period, dt) if compensate else None
    plan, timing = replan(controller, snap.time, snap.qpos, snap.qvel, start, schedule.controls, dt)
    plan = finite_or_held(plan, snap.ctrl, controller, result, dt, log)
    record = CycleRecord(snap.time, timing.total, timing.nn, timing.cem, timing.other, joint_rms(snap.qpos, ref_qpos),
                         float(snap.qpos[2]), snap.pushing, samples=samples_per_plan(controller))
    if calm_floor is not None and record.samples is not None:
        calm_floor.observe(timing.total, record.samples)
    if record.samples is not None and (samples is not None or calm_samples < 1):
        full = samples.observe(timing.total, timing.rollout, record.samples) if samples is not None else controller.config.num_samples
        count = calm_sample_count(full, calm_samples, getattr(controller, "pushed", 1.0),
                                  max(controller.config.fewest_active_samples, calm_floor.least() if calm_floor else 0))
        if count != record.samples:
            controller.set_active_samples(count)
            result.sample_changes.append((snap.time, count))
    pending.expect(plan, record)
    schedule.publish(plan, arrival=-np.inf)
    result.cycles.append(record)
    return record


def run_async(sim: Simulation, controller, on_cycle=None, log: Log | None = print) -> RunResult:
    """Run ``controller`` against ``sim``'s plant in the asynchronous loop; returns the run's result.

    Ctrl-C (or SIGTERM through the command line) stops both threads and keeps the cycles run so far.
    """
    cfg, dt = sim.config, sim.model.opt.timestep
    result = RunResult(target_frequency=sim.frequency, loop="async", plant=sim.plant_info)
    schedule = PlanSchedule(sim.initial_plan())
    mailbox, pending = Mailbox(), FirstApplications()
    plant = _Plant(sim, schedule, result, mailbox, pending, on_cycle, log)
    delays: deque[float] = deque(maxlen=LATENCY_WINDOW)  # state to publication of the latest plans, for compensation
    window: list[CycleRecord] = []
    samples, calm_share, calm_floor = sample_count_rules(controller, sim.period, cfg.adapt_samples, cfg.calm_samples, log,
                                                         cfg.calm_floor)
    next_report = sim.data.time + cfg.print_every if cfg.print_every > 0 else np.inf
    with collector_frozen(result.collector):
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        wall_start = time.perf_counter()
        plant.start()
        resets, last_time, clips_seen = 0, -np.inf, sim.clip_changes
        try:
            while True:
                snap = mailbox.at_least(last_time + sim.period - dt / 2)
                if snap is None:
                    if mailbox.stopped:
                        break
                    continue
                last_time = snap.time
                if snap.resets != resets:
                    resets = snap.resets
                    controller.reset(snap.ctrl)
                    clips_seen = follow_clip(controller, sim, clips_seen)
                record = plan_and_publish(controller, snap, cfg.compensation == "predict", delays, sim.period, schedule, pending,
                                          result, sim.reference_qpos(snap.time), log, samples, calm_share, calm_floor)
                delays.append(mailbox.newest_time() + dt - snap.time)  # the plant applies it from its next step on
                window.append(record)
                if snap.time >= next_report and log:
                    log(_rolling_line(window, sim.period, snap.time) + _latency_note(window))
                    window = []
                    next_report += cfg.print_every
        except KeyboardInterrupt:
            result.interrupted = True
            if log:
                log("[interrupted] Ctrl-C: finishing with the cycles run so far")
        finally:
            mailbox.stop()
            plant.join()
            sys.setswitchinterval(switch_interval)
    if plant.error is not None:
        raise plant.error
    result.wall_time = time.perf_counter() - wall_start
    return result


def _latency_note(window: list[CycleRecord]) -> str:
    seen = [r.latency for r in window if r.latency is not None]
    note = f"  latency p50 {np.percentile(seen, 50) * 1e3:.1f} ms" if seen else ""
    return note + (f"  samples {window[-1].samples}" if window and window[-1].samples is not None else "")
