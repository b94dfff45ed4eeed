"""Closed-loop simulation: replan at a target frequency, step the plant, push, detect falls."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args

import mujoco
import numpy as np

from g1mpc.common.collector import CollectorPauses
from g1mpc.common.errors import ConfigError
from g1mpc.motion.reference import Reference
from g1mpc.planning.plan import FirstApplications, Plan, PlanSchedule, hold_plan
from g1mpc.robots.base import FreeBase
from g1mpc.robots.perturbation import PerturbationRanges
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.sample_count import FEWEST_CALM_SAMPLES, check_calm_floor, check_calm_share
from g1mpc.tasks.base import FallTest


class StateObserver(Protocol):
    """What the controller sees the plant through instead of its true state: sensors and an estimator, as a
    robot's controller sees it (``g1mpc.lowlevel.estimated_base``)."""

    def reset(self, data: mujoco.MjData) -> None:
        """Start again from the plant's state ``data`` (a robot at rest)."""

    def observe(self, data: mujoco.MjData) -> None:
        """Take in the plant's state after one more plant step."""

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """(qpos (nq,), qvel (nv,)) as observed now."""


@dataclass(frozen=True)
class PushConfig:
    """Horizontal pushes on the root body: ``force`` newtons for ``duration`` s every ``interval`` s.

    Attributes:
        directions: world-frame angles (deg; 0 is +x, 90 is +y, the robot's left at the start) that each
            push's direction is drawn from, uniformly; empty: any direction on the circle.
    """

    force: float = 0.0
    interval: float = 2.0
    duration: float = 0.1
    seed: int = 0
    directions: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (self.force >= 0 and self.interval > 0 and 0 < self.duration < self.interval):
            raise ConfigError("--push_force must be >= 0 and 0 < --push_duration < --push_interval")
        if not all(np.isfinite(a) for a in self.directions):
            raise ConfigError("--push_directions must be finite angles in degrees")

    def angle(self, index: int) -> float:
        """World-frame direction (rad) of push ``index`` (1 at ``interval`` s, 2 at twice that, ...)."""
        return push_angle(self.seed, index, self.directions)

    def schedule(self, run_duration: float) -> list[tuple[float, float]]:
        """(start time s, world-frame angle rad) of every push a run of ``run_duration`` s receives, in order."""
        count = int(np.ceil(run_duration / self.interval)) - 1  # pushes start at interval, 2 interval, ... before the end
        return [(self.interval * k, self.angle(k)) for k in range(1, count + 1)]


def push_angle(seed: int, index: int, directions: tuple[float, ...] = ()) -> float:
    """World-frame direction (rad) of push ``index`` of a run whose pushes have ``seed``: uniform on the
    circle, or one of ``directions`` (deg). A function of its arguments alone, so any run's pushes can be
    recomputed without running it."""
    rng = np.random.default_rng((seed, index))
    if directions:
        return float(np.radians(directions[int(rng.integers(len(directions)))]))
    return float(rng.uniform(0, 2 * np.pi))


Loop = Literal["sync", "async"]
Compensation = Literal["none", "predict"]


@dataclass(frozen=True)
class SimConfig:
    """The closed loop: how long, how fast, what disturbs it, what happens after a fall.

    Attributes:
        loop: sync: the plant waits for each plan (deterministic; ``latency`` delays each plan's effect);
            async: the plant steps in wall-clock time in its own thread and runs the newest plan that has
            reached it (:mod:`g1mpc.running.async_loop`).
        latency: sync loop: a plan computed from the state at t takes effect at t + latency (s); until
            then the previous plan keeps running.
        compensation: none: a plan starts at the time of its state and reaches the plant late; predict:
            it is planned from the state predicted at the time it takes effect, and starts there.
        adapt_samples: async loop: roll out fewer of the compiled samples when plans miss their deadline,
            and more again when they fit (:mod:`g1mpc.running.sample_count`). Off by default: on a slow
            machine it met the deadlines and fell more (docs/realtime.md).
        calm_samples: real-time loops: the share of the sample count rolled out while the robot is calm (the noise
            schedule's pushed measure 0); the whole count once it counts pushed (1: always the whole count).
        calm_floor: the fewest samples such a calm plan rolls out while three in four plans of that many fit the period (0: no
            floor; :class:`~g1mpc.running.sample_count.CalmFloor`).
        plant: the robot the simulation steps: ``nominal`` (the planner's own model) or one of the robot's
            plant variants (:attr:`g1mpc.robots.base.Robot.plants`).
        perturb: factors applied to that plant, drawn from the push seed (:mod:`g1mpc.robots.perturbation`).
    """

    duration: float = 10.0
    realtime: bool = True  # sleep when ahead so the simulation runs at wall-clock pace
    pushes: PushConfig = PushConfig()
    reset_on_fall: bool = False  # False: a fall ends the run; True: reset to the reference and go on
    print_every: float = 1.0  # seconds of simulated time between rolling reports (0: never)
    loop: Loop = "sync"
    latency: float = 0.0
    compensation: Compensation = "predict"
    adapt_samples: bool = False
    calm_samples: float = 1.0
    calm_floor: int = FEWEST_CALM_SAMPLES
    plant: str = NOMINAL
    perturb: PerturbationRanges = PerturbationRanges()

    def __post_init__(self) -> None:
        if not (math.isfinite(self.duration) and self.duration > 0):
            raise ConfigError("--duration must be > 0 seconds")
        if self.loop not in get_args(Loop):
            raise ConfigError(f"--loop: '{self.loop}' is not one of {', '.join(get_args(Loop))}")
        if self.compensation not in get_args(Compensation):
            raise ConfigError(f"--compensation: '{self.compensation}' is not one of {', '.join(get_args(Compensation))}")
        if not (math.isfinite(self.latency) and 0 <= self.latency <= 1.0):
            raise ConfigError("--latency_ms must be between 0 and 1000")
        if self.loop == "async" and not self.realtime:
            raise ConfigError("--loop async runs in wall-clock time: drop --no_realtime, or use --loop sync")
        if self.loop == "async" and self.latency > 0:
            raise ConfigError("--latency_ms is for --loop sync: the asynchronous loop has the planner's real latency")
        check_calm_share(self.calm_samples)
        check_calm_floor(self.calm_floor)


@dataclass
class CycleRecord:
    sim_time: float
    total: float
    nn: float
    cem: float
    other: float
    joint_rms: float
    base_height: float
    pushing: bool
    ctrl: list[float] = field(default_factory=list)  # servo targets applied at the cycle's first plant step
    latency: float | None = None  # s from the plan's state to its first plant step (None: superseded unapplied)
    samples: int | None = None  # samples rolled out for this plan (None: not recorded, or no sampling)


@dataclass
class RunResult:
    cycles: list[CycleRecord] = field(default_factory=list)
    falls: list[float] = field(default_factory=list)  # simulated times of falls
    wall_time: float = 0.0
    sim_time: float = 0.0
    target_frequency: float = 50.0
    push_times: list[float] = field(default_factory=list)
    interrupted: bool = False
    planner_faults: int = 0  # cycles whose plan was non-finite (the last finite plan was held instead)
    plant_faults: int = 0  # plant divergences (MuJoCo's bad-acceleration reset)
    loop: str = "sync"
    plant_overruns: int = 0  # async: plant steps taken later than their wall-clock time by over one replan period
    sample_changes: list[tuple[float, int]] = field(default_factory=list)  # (simulated time, samples from then on)
    plant: dict = field(default_factory=dict)  # the simulated plant: name and the run's perturbation
    collector: CollectorPauses = field(default_factory=CollectorPauses)  # real-time loops: the collector's pauses

    def summary(self) -> dict:
        planning = np.array([c.total for c in self.cycles]) if self.cycles else np.zeros(1)
        rms = np.array([c.joint_rms for c in self.cycles]) if self.cycles else np.zeros(1)
        achieved = len(self.cycles) / self.wall_time if self.wall_time > 0 else 0.0
        ms = lambda x: float(x) * 1e3
        latencies = np.array([c.latency for c in self.cycles if c.latency is not None])
        latency_ms = lambda q: ms(np.percentile(latencies, q)) if latencies.size else None
        return {
            "cycles": len(self.cycles),
            "sim_time_s": self.sim_time,
            "wall_time_s": self.wall_time,
            "planning_mean_ms": ms(planning.mean()),
            "planning_p50_ms": ms(np.percentile(planning, 50)),
            "planning_p95_ms": ms(np.percentile(planning, 95)),
            "planning_max_ms": ms(planning.max()),
            "nn_mean_ms": ms(np.mean([c.nn for c in self.cycles])) if self.cycles else 0.0,
            "cem_mean_ms": ms(np.mean([c.cem for c in self.cycles])) if self.cycles else 0.0,
            "other_mean_ms": ms(np.mean([c.other for c in self.cycles])) if self.cycles else 0.0,
            "achieved_frequency_hz": achieved,
            "target_frequency_hz": self.target_frequency,
            "target_share": achieved / self.target_frequency,
            "planning_limited_frequency_hz": 1.0 / max(float(planning.mean()), 1e-9),
            "joint_rms_rad": float(np.sqrt(np.mean(rms**2))),
            "falls": len(self.falls),
            "planner_faults": self.planner_faults,
            "plant_faults": self.plant_faults,
            "fall_times_s": list(self.falls),
            "interrupted": self.interrupted,
            "loop": self.loop,
            "latency_p50_ms": latency_ms(50),
            "latency_p95_ms": latency_ms(95),
            "missed_deadlines": int(np.sum(planning > 1.0 / self.target_frequency)) if self.cycles else 0,
            "plans_never_applied": sum(c.latency is None for c in self.cycles),
            "plant_overruns": self.plant_overruns,
            "samples_by_cycles": samples_by_cycles(self.cycles),
            "sample_changes": [[float(t), int(n)] for t, n in self.sample_changes],
            "plant": self.plant,
            **self.collector.summary(),
        }


def samples_per_plan(controller) -> int | None:
    """Samples each of ``controller``'s plans rolls out (its ``active_samples``); None where the network plans alone
    (``config.mode`` "nn") or the controller does not sample (a learned policy, a test's stand-in)."""
    config = getattr(controller, "config", None)
    if config is None or config.mode == "nn" or not hasattr(controller, "active_samples"):
        return None
    return controller.active_samples


def samples_by_cycles(cycles: list[CycleRecord]) -> dict[str, int]:
    """How many plans rolled out each sample count, {count: plans} (counts as strings, for JSON)."""
    counts: dict[str, int] = {}
    for c in cycles:
        if c.samples is not None:
            counts[str(c.samples)] = counts.get(str(c.samples), 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -int(kv[0])))


def joint_rms(qpos: np.ndarray, ref_qpos: np.ndarray) -> float:
    return float(np.sqrt(np.mean((qpos[FreeBase.JOINTS] - ref_qpos[FreeBase.JOINTS]) ** 2)))


def frame_index(reference: Reference, t: float, loop: bool = True) -> int:
    """Index of the reference frame at clip time ``t`` (nearest earlier frame; looped or held)."""
    idx = int(np.floor(t * reference.fps + 1e-9))
    n = len(reference.qpos)
    return idx % n if loop else min(idx, n - 1)


def reference_frame(reference: Reference, t: float, loop: bool = True) -> np.ndarray:
    """The reference qpos at clip time ``t``."""
    return reference.qpos[frame_index(reference, t, loop)]


_DIVERGENCE_WARNINGS = (mujoco.mjtWarning.mjWARN_BADQPOS, mujoco.mjtWarning.mjWARN_BADQVEL, mujoco.mjtWarning.mjWARN_BADQACC)


class Simulation:
    """Steps the plant under a controller at the replan frequency.

    ``fall_test`` (from the task) judges the state against the reference; ``push_body`` is pushed. The
    clip plays from simulated time ``clip_start`` on; :meth:`request_clip` switches to another at the end of
    a cycle (the loops then hand it to the controller: :func:`follow_clip`). The controller sees the state
    ``sensor_delay`` s late, or through ``observer`` (:meth:`observed_state`); ``plant_info`` describes the
    plant for reports.
    """

    def __init__(self, model: mujoco.MjModel, reference: Reference, config: SimConfig, *, frequency: float,
                 fall_test: FallTest, push_body: str, loop_reference: bool = True, sensor_delay: float = 0.0,
                 plant_info: dict | None = None, observer: StateObserver | None = None):
        if not (math.isfinite(frequency) and frequency > 0):
            raise ConfigError("--frequency must be a positive number of Hz")
        self.model, self.reference, self.config = model, reference, config
        self.fall_test, self.loop_reference, self.frequency = fall_test, loop_reference, frequency
        self.data = mujoco.MjData(model)
        self.period = 1.0 / frequency
        self.steps_per_cycle = max(1, int(round(self.period / model.opt.timestep)))
        if not (math.isfinite(sensor_delay) and sensor_delay >= 0):
            raise ConfigError("the sensor delay must be >= 0 s")
        if observer is not None and sensor_delay > 0:
            raise ConfigError("a sensor delay and an estimated base together are not supported: drop one of them")
        self.plant_info = plant_info or {"name": NOMINAL}
        self.observer = observer
        self._delay_steps = int(round(sensor_delay / model.opt.timestep))
        self._observed: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=self._delay_steps + 1)
        self.push_body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, push_body)
        self.fall_count = 0
        self._requested_push: tuple[np.ndarray, float, float | None] | None = None  # force, duration, start
        self._reset_requested = False
        self.clip_start, self.clip_name, self.clip_changes = 0.0, "the run's clip", 0
        self._requested_clip: tuple[Reference, str] | None = None
        self.reset(0.0)

    def request_push(self, force: np.ndarray, duration: float) -> None:
        """Push the root body with world-frame ``force`` (3,) N for ``duration`` s from the next step on
        (a push from outside the schedule, e.g. from the browser view); safe from another thread."""
        self._requested_push = (np.asarray(force, float), float(duration), None)

    def request_reset(self) -> None:
        """Reset to the reference at the end of the current cycle, as after a fall but not counted as one."""
        self._reset_requested = True

    def request_clip(self, reference: Reference, name: str) -> None:
        """Switch to ``reference`` at the end of the current cycle: the robot is put in its first pose and it
        plays from then on (safe from another thread)."""
        self._requested_clip = (reference, name)
        self._reset_requested = True

    def take_reset_request(self) -> bool:
        requested, self._reset_requested = self._reset_requested, False
        return requested

    def reference_qpos(self, t: float) -> np.ndarray:
        """The reference qpos at simulated time ``t``."""
        return reference_frame(self.reference, t - self.clip_start, self.loop_reference)

    def reset(self, t: float) -> None:
        """Put the robot in the reference pose of time ``t`` at rest (a requested clip starts at ``t``)."""
        requested, self._requested_clip = self._requested_clip, None
        if requested is not None:
            self.reference, self.clip_name = requested
            self.clip_start, self.clip_changes = t, self.clip_changes + 1
        mujoco.mj_resetData(self.model, self.data)
        self._bad_seen = 0
        self.data.qpos[:] = self.reference_qpos(t)
        self.data.time = t
        mujoco.mj_forward(self.model, self.data)
        self._observed.clear()
        if self._delay_steps:
            self._observed.extend([(self.data.qpos.copy(), self.data.qvel.copy())] * self._observed.maxlen)
        if self.observer is not None:
            self.observer.reset(self.data)

    def observed_state(self) -> tuple[np.ndarray, np.ndarray]:
        """(qpos (nq,), qvel (nv,)) as the controller sees them now: the plant's, ``sensor_delay`` late, or as the
        observer has them (copies)."""
        if self.observer is not None:
            qpos, qvel = self.observer.state()
        else:
            qpos, qvel = self._observed[0] if self._delay_steps else (self.data.qpos, self.data.qvel)
        return qpos.copy(), qvel.copy()

    def _push_force(self, t: float) -> np.ndarray | None:
        requested = self._requested_push
        if requested is not None:
            force, duration, start = requested
            if start is None:
                self._requested_push = requested = (force, duration, t)
                start = t
            if t < start + duration - 1e-9:
                return force
            self._requested_push = None
        p = self.config.pushes
        if p.force <= 0 or t < p.interval:
            return None
        phase = t % p.interval
        if phase < p.duration:
            angle = p.angle(int(t // p.interval))
            return p.force * np.array([np.cos(angle), np.sin(angle), 0.0])
        return None

    def _diverged(self) -> bool:
        """MuJoCo resets the state itself when qpos, qvel or qacc blow up; its warning counters tell."""
        counts = sum(int(self.data.warning[w].number) for w in _DIVERGENCE_WARNINGS)
        diverged = counts > self._bad_seen
        self._bad_seen = counts
        return diverged

    def step(self, ctrl: np.ndarray, result: RunResult) -> bool:
        """One plant step under servo targets ``ctrl`` (nu,), pushing when a push is due; True while pushed."""
        d = self.data
        d.ctrl[:] = ctrl
        force = self._push_force(d.time)
        d.xfrc_applied[self.push_body, :3] = 0.0 if force is None else force
        if force is not None and (not result.push_times or d.time - result.push_times[-1] > self.config.pushes.duration):
            result.push_times.append(d.time)
        mujoco.mj_step(self.model, d)
        if self._delay_steps:
            self._observed.append((d.qpos.copy(), d.qvel.copy()))
        if self.observer is not None:
            self.observer.observe(d)
        return force is not None

    def judge(self, result: RunResult, cycle_end_time: float, log: Callable[[str], None] | None) -> tuple[np.ndarray, bool]:
        """After a cycle's plant steps: (reference qpos now, fell). A diverged plant counts as a fall, its
        clock set to ``cycle_end_time`` (MuJoCo's reset zeroed it); a fall is recorded and logged."""
        d = self.data
        diverged = self._diverged()
        if diverged:
            d.time = cycle_end_time
            result.plant_faults += 1
        ref = self.reference_qpos(d.time)
        why = "the plant diverged (MuJoCo reset it)" if diverged else self.fall_test(d, ref)
        if why:
            self.fall_count += 1
            result.falls.append(d.time)
            if log:
                log(f"[fall] at t={d.time:.2f}s: {why}")
        return ref, bool(why)

    def initial_plan(self) -> Plan:
        """What the plant runs before the first plan: the reference's servo targets now, held."""
        ctrl = self.reference.ctrl[frame_index(self.reference, self.data.time - self.clip_start, self.loop_reference)]
        return hold_plan(ctrl, self.data.time, self.model.opt.timestep)

    def run(
        self,
        controller,
        on_cycle: Callable[[mujoco.MjData, np.ndarray], bool] | None = None,
        log: Callable[[str], None] | None = print,
    ) -> RunResult:
        """The synchronous loop, until ``duration`` (or a fall, or ``on_cycle`` returning False, or Ctrl-C):
        plan from the state, then step the plant one replan period (:func:`g1mpc.running.loop.run_loop` picks the
        configured loop).

        With ``latency`` L each plan is published to arrive at t + L; the plant runs the newest arrived
        plan at every step. With compensation the plan starts at t + L, from the predicted state.
        """
        cfg, d = self.config, self.data
        result = RunResult(target_frequency=self.frequency, loop="sync", plant=self.plant_info)
        dt = self.model.opt.timestep
        latency = round(cfg.latency / dt) * dt
        t_end = d.time + cfg.duration
        next_report = d.time + cfg.print_every if cfg.print_every > 0 else np.inf
        wall_start = time.perf_counter()
        window: list[CycleRecord] = []
        initial = self.initial_plan()
        schedule, pending = PlanSchedule(initial), FirstApplications()
        applied_ctrl = initial.control_at(d.time).copy()
        clips_seen = self.clip_changes
        try:
            while d.time < t_end - 1e-9:
                cycle_start = time.perf_counter()
                t = d.time
                cycle_end_time = t + self.steps_per_cycle * dt
                start = t + latency if cfg.compensation == "predict" and latency > 0 else None
                qpos, qvel = self.observed_state()
                plan, timing = replan(controller, t, qpos, qvel, start, schedule.controls, dt)
                plan = finite_or_held(plan, applied_ctrl, controller, result, dt, log)
                record = CycleRecord(t, timing.total, timing.nn, timing.cem, timing.other, 0.0, 0.0, False,
                                     samples=samples_per_plan(controller))
                pending.expect(plan, record)
                schedule.publish(plan, arrival=t + latency)
                pushing = False
                for k in range(self.steps_per_cycle):
                    current = schedule.current(d.time)
                    pending.applying(current, d.time)
                    applied_ctrl = current.control_at(d.time)
                    if k == 0:
                        record.ctrl = [float(x) for x in applied_ctrl]
                    pushing |= self.step(applied_ctrl, result)
                applied_ctrl = applied_ctrl.copy()
                ref, fell = self.judge(result, cycle_end_time, log)
                record.sim_time, record.joint_rms, record.base_height, record.pushing = (
                    d.time, joint_rms(d.qpos, ref), float(d.qpos[2]), pushing)
                result.cycles.append(record)
                window.append(record)
                if on_cycle is not None and on_cycle(d, ref) is False:
                    break
                requested = self.take_reset_request()
                if fell or requested:
                    if fell and not cfg.reset_on_fall:
                        break
                    self.reset(d.time)
                    controller.reset(d.ctrl.copy())
                    clips_seen = follow_clip(controller, self, clips_seen)
                    schedule.reset(hold_plan(d.ctrl.copy(), d.time, dt))
                    pending.clear()
                if d.time >= next_report and log:
                    log(_rolling_line(window, self.period, d.time))
                    window = []
                    next_report += cfg.print_every
                if cfg.realtime:
                    remaining = self.period - (time.perf_counter() - cycle_start)
                    if remaining > 0:
                        time.sleep(remaining)
        except KeyboardInterrupt:
            result.interrupted = True
            if log:
                log("[interrupted] Ctrl-C: finishing with the cycles run so far")
        result.wall_time = time.perf_counter() - wall_start
        result.sim_time = d.time
        return result


def follow_clip(controller, sim: Simulation, seen: int) -> int:
    """Hand ``sim``'s clip to ``controller`` if it changed since the count ``seen``; the count now.

    A controller without ``use_reference`` (a baseline) plans from its own reference and is left as it is.
    """
    if sim.clip_changes != seen and hasattr(controller, "use_reference"):
        controller.use_reference(sim.reference, sim.clip_start)
    return sim.clip_changes


def replan(controller, t: float, qpos: np.ndarray, qvel: np.ndarray, start_time: float | None,
           applied: Callable[[float, int, float], np.ndarray], dt: float):
    """(Plan, timing) from ``controller``: a :class:`~g1mpc.planning.controller.Controller` (``replan``), or any
    object whose ``plan(t, qpos, qvel)`` returns (controls (S, nu), timing) for the period from ``t``
    (a baseline, a recording wrapper). Those plan from the state they get: ``start_time`` needs ``replan``.
    """
    if hasattr(controller, "replan"):
        return controller.replan(t, qpos, qvel, start_time=start_time, applied=applied)
    if start_time is not None:
        raise ConfigError("--compensation predict needs a controller that plans ahead (g1mpc.planning.controller.Controller)")
    ctrl, timing = controller.plan(t, qpos, qvel)
    ctrl = np.asarray(ctrl, np.float64)
    return Plan(start_time=t, state_time=t, controls=ctrl, dt=dt, knots=np.zeros((1, ctrl.shape[-1]))), timing


def finite_or_held(plan: Plan, last_ctrl: np.ndarray, controller, result: RunResult, dt: float,
                   log: Callable[[str], None] | None) -> Plan:
    """``plan`` if its servo targets are finite; else a plan holding ``last_ctrl`` (nu,) from the same start,
    with the fault counted and logged and the planner reset."""
    if np.all(np.isfinite(plan.controls)):
        return plan
    result.planner_faults += 1
    if log:
        log(f"[fault] non-finite plan at t={plan.state_time:.2f}s: holding the last finite controls and resetting the planner")
    controller.reset(last_ctrl)
    return hold_plan(last_ctrl, plan.start_time, dt)


def _rolling_line(window: list[CycleRecord], period: float, t: float) -> str:
    tot = np.array([c.total for c in window]) * 1e3
    return (
        f"t={t:6.2f}s  plan {tot.mean():6.2f} ms (p95 {np.percentile(tot, 95):6.2f}, "
        f"nn {np.mean([c.nn for c in window]) * 1e3:5.2f}, cem {np.mean([c.cem for c in window]) * 1e3:6.2f}, "
        f"other {np.mean([c.other for c in window]) * 1e3:5.2f})  budget {period * 1e3:.0f} ms  "
        f"joint rms {np.sqrt(np.mean([c.joint_rms**2 for c in window])):.3f} rad  height {window[-1].base_height:.2f} m"
    )

