"""The controller behind the G1's own topics: ``rt/lowstate`` in, ``rt/lowcmd`` out.

Two threads, as in the asynchronous loop (:mod:`g1mpc.running.async_loop`), with the robot in place of the plant:

- the command loop (the main thread) wakes on every ``rt/lowstate``, estimates the floating base
  (:mod:`.estimator`), hands the state to the planner, and answers with a command: the newest plan's
  servo targets at the current time, ramped in from the measured pose at the start and clamped
  (:mod:`.safety`), with the gains the planner model assumes;
- the planner thread plans once per replan period from the newest estimate, ahead by its expected delay
  (``--compensation predict``), and publishes each plan to the command loop.

Time is the controller's wall clock from its first command, which is also when a simulated robot's run
starts. The motors go to damping, and the controller exits, when the state goes stale (no
``rt/lowstate`` for ``stale_after``), when the estimate diverges, at the end of ``duration``, and on
Ctrl-C or SIGTERM; every such action is logged and kept in the report.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import get_args

import numpy as np

from g1mpc.common.collector import collector_frozen
from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.dds import DdsConfig, lowcmd_writer, lowstate_reader, open_participant, truth_reader
from g1mpc.lowlevel.estimator import BASE_SOURCES, EstimatorConfig, robot_estimator
from g1mpc.lowlevel.motors import commanded_servos
from g1mpc.lowlevel.safety import SafetyConfig, clamp_targets, damping_command, divergence, ramp, servo_command
from g1mpc.planning.plan import FirstApplications, PlanSchedule, hold_plan
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.async_loop import GIL_SWITCH_INTERVAL, LATENCY_WINDOW, Mailbox, Snapshot, plan_and_publish
from g1mpc.running.sample_count import FEWEST_CALM_SAMPLES, check_calm_floor, check_calm_share, sample_count_rules
from g1mpc.running.sim import Compensation, RunResult, frame_index, reference_frame

Log = Callable[[str], None]
_RING = 2048  # estimates kept per state tick, to meet the debug truth of the same tick
STATE_BACKLOG = 16  # rt/lowstate samples kept between two takes (32 ms at 500 Hz): the estimator folds in every one


@dataclass(frozen=True)
class DeployConfig:
    """Attributes:
        duration: s to run; None: until the robot stops publishing (a simulated robot's run ends).
        wait_for_state: s to wait for the first ``rt/lowstate``.
    """

    dds: DdsConfig = DdsConfig()
    duration: float | None = None
    safety: SafetyConfig = SafetyConfig()
    estimator: EstimatorConfig = EstimatorConfig()
    compensation: Compensation = "predict"
    wait_for_state: float = 60.0
    print_every: float = 1.0
    base: str = "estimate"  # estimate: from the IMU and leg kinematics; truth*: a robot-sim's debug truth (diagnostics)
    adapt_samples: bool = False  # roll out fewer samples when plans miss their deadline (g1mpc.running.sample_count)
    calm_samples: float = 1.0  # the share of the samples rolled out while the robot is calm (1: all, always)
    calm_floor: int = FEWEST_CALM_SAMPLES  # the fewest samples a calm plan rolls out (g1mpc.running.sample_count)
    command_every: int = 1  # states per command: 1 answers each state (500 Hz on a G1), 2 every other one (250 Hz)
    servo_plant: str = NOMINAL  # whose servo gains to command (g1mpc.lowlevel.motors.commanded_servos): the planner model's
    lockstep: bool = False  # against robot-sim --lockstep: the robot's clock (ticks), each plan made in the command loop
    latency: float = 0.02  # s, with lockstep: each plan takes effect this long after its state (as --loop sync's)

    def __post_init__(self) -> None:
        if self.duration is not None and not (math.isfinite(self.duration) and self.duration > 0):
            raise ConfigError("--duration must be > 0 seconds")
        if self.compensation not in get_args(Compensation):
            raise ConfigError(f"--compensation: '{self.compensation}' is not one of {', '.join(get_args(Compensation))}")
        if not self.wait_for_state > 0:
            raise ConfigError("--wait must be > 0 seconds")
        check_calm_share(self.calm_samples)
        check_calm_floor(self.calm_floor)
        if not 1 <= self.command_every <= STATE_BACKLOG:
            raise ConfigError(f"--command_every must be a whole number of states from 1 to {STATE_BACKLOG}, got {self.command_every}")
        if self.base not in BASE_SOURCES:
            raise ConfigError(f"--base: '{self.base}' is not one of {', '.join(BASE_SOURCES)}")
        if self.lockstep and (self.command_every != 1 or self.adapt_samples):
            raise ConfigError("--lockstep answers every state and plans at a fixed sample count: drop --command_every "
                              "and --adapt_samples")
        if not (math.isfinite(self.latency) and 0 <= self.latency <= 1.0):
            raise ConfigError("--latency_ms must be between 0 and 1000")


def check_command_every(command_every: int, frequency: float, state_dt: float) -> None:
    """Plans start at a command's state, so ``command_every`` must divide the states of a plan period (1 / ``frequency``
    s of states ``state_dt`` s apart): else each plan waits for the next command and the plans fall behind their rate."""
    states_per_plan = round(1.0 / (frequency * state_dt))
    if states_per_plan % command_every:
        raise ConfigError(f"--command_every {command_every} does not divide the {states_per_plan} states of a plan period "
                          f"(--frequency {frequency:g}): choose one of "
                          f"{', '.join(str(n) for n in range(1, min(states_per_plan, STATE_BACKLOG) + 1) if states_per_plan % n == 0)}")


def source_stamp(state) -> int | None:
    """The DDS source timestamp (ns, the publisher's clock: the robot's) of a taken ``state``; None without one."""
    info = getattr(state, "sample_info", None)
    return info.source_timestamp if info is not None and info.source_timestamp > 0 else None


def state_intervals(batch: list, last_stamp: int | None, wall_interval: float, longest: float) -> tuple[list[float], int | None]:
    """(seconds from each state of ``batch`` to the one before it, the newest's stamp) by the states' source
    timestamps (the robot's clock, which a loaded controller's wake-ups do not jitter), the first measured from
    ``last_stamp``; where a stamp is missing, or an interval is not in (0, ``longest``], every state gets
    ``wall_interval`` (the loop's time over the batch's states)."""
    stamps = [source_stamp(s) for s in batch]
    if last_stamp is not None and None not in stamps:  # plain ints: one to three states, 500 times a second
        intervals = [(newer - older) * 1e-9 for older, newer in zip([last_stamp, *stamps[:-1]], stamps, strict=True)]
        if all(0 < interval <= longest for interval in intervals):
            return intervals, stamps[-1]
    return [wall_interval] * len(batch), stamps[-1]


@dataclass
class DeployResult:
    """The run as the controller saw it; ``run`` holds the planning cycles as in-process runs keep them."""

    run: RunResult = field(default_factory=lambda: RunResult(loop="deploy"))
    states_received: int = 0
    commands_sent: int = 0
    command_latency: list[float] = field(default_factory=list)  # s from a state's source stamp to its command's write
    safety_events: list[dict] = field(default_factory=list)
    joint_limit_clamps: int = 0
    torque_clamps: int = 0
    height_errors: list[float] = field(default_factory=list)  # m, estimate - truth, where the robot published truth
    velocity_errors: list[list[float]] = field(default_factory=list)  # m/s (3,), estimate - truth
    # per matched truth sample: time (s), the estimator's stance point, velocity error x y z (m/s), true speed (m/s)
    estimator_trace: list[list[float]] = field(default_factory=list)
    error: str | None = None  # the exception that ended the run, if one did
    command_loop_cpu_s: float = 0.0  # CPU time of the command loop's thread (estimator, commands, DDS), for its share

    def event(self, t: float, kind: str, detail: str, log: Log | None) -> None:
        self.safety_events.append({"time_s": round(t, 4), "kind": kind, "detail": detail})
        if log:
            log(f"[safety] t={t:.2f}s {kind}: {detail}")

    def summary(self) -> dict:
        lat = np.array(self.command_latency) * 1e3
        pct = lambda x, q: float(np.percentile(x, q)) if len(x) else None
        vel = np.array(self.velocity_errors).reshape(-1, 3)
        height = np.array(self.height_errors)
        return {
            **self.run.summary(),
            "states_received": self.states_received, "commands_sent": self.commands_sent,
            "command_latency_p50_ms": pct(lat, 50), "command_latency_p95_ms": pct(lat, 95),
            "joint_limit_clamps": self.joint_limit_clamps, "torque_clamps": self.torque_clamps,
            "safety_actions": [e["kind"] for e in self.safety_events],
            "error": self.error,
            "command_loop_cpu_share": self.command_loop_cpu_s / self.run.wall_time if self.run.wall_time > 0 else None,
            "estimator_samples": int(len(height)),
            "estimator_height_rms_m": float(np.sqrt(np.mean(height**2))) if height.size else None,
            "estimator_velocity_rms_mps": [float(x) for x in np.sqrt(np.mean(vel**2, axis=0))] if vel.size else None,
            "estimator_speed_error_rms_mps": float(np.sqrt(np.mean(np.sum(vel**2, axis=1)))) if vel.size else None,
        }


class _Lockstep:
    """``--lockstep`` (against ``robot-sim --lockstep``): the robot's clock from the states' ticks, and each plan made
    in the command loop when due, from the state it answers, taking effect ``latency`` after it with the prediction
    of ``--compensation predict``: the synchronous loop's timing over DDS, deterministic but for DDS itself."""

    def __init__(self, deployment: Deployment, schedule: PlanSchedule, pending: FirstApplications, first_tick: int):
        self.deployment, self.schedule, self.pending, self.first_tick = deployment, schedule, pending, first_tick
        self.delays = deque([deployment.config.latency], maxlen=1)
        _, self.calm_share, _ = sample_count_rules(deployment.controller, deployment.period, False,
                                                   deployment.config.calm_samples, deployment.log)
        self.last_plan = -np.inf
        self.last_ctrl: np.ndarray | None = None  # the newest command's targets, held should a plan not be finite
        self.last_tick = first_tick

    def fresh(self, batch: list, states, timeout: float) -> list:
        """``batch`` without the states of ticks already handled (the robot-sim repeats its first state until the
        first command), taking more until a new tick comes or none came within ``timeout`` s ([]: stale)."""
        fresh = [s for s in batch if s.tick > self.last_tick]
        while batch and not fresh:
            batch = Deployment._next_states(states, timeout)
            fresh = [s for s in batch if s.tick > self.last_tick]
        if fresh:
            self.last_tick = fresh[-1].tick
        return fresh

    def plan_at(self, tick: int, qpos: np.ndarray, qvel: np.ndarray) -> float:
        """The robot's time (s) at ``tick``, planning first from (``qpos``, ``qvel``) when a plan is due."""
        dep = self.deployment
        t = (tick - self.first_tick) * dep.dt
        if t >= self.last_plan + dep.period - dep.dt / 2:
            self.last_plan = t
            ctrl = self.last_ctrl if self.last_ctrl is not None else self.schedule.current(t).control_at(t)
            dep._plan(Snapshot(t, qpos, qvel, False, 0, ctrl), self.schedule, self.pending, self.delays, None,
                      self.calm_share, None)
        return t


class Deployment:
    """Drives a robot (or ``g1mpc robot-sim``) through its topics with ``controller`` (see the module docstring)."""

    def __init__(self, assembly, controller, config: DeployConfig, log: Log | None = print):
        self.assembly, self.controller, self.config, self.log = assembly, controller, config, log
        self.motors = commanded_servos(assembly.robot, config.servo_plant, assembly.config.gains, assembly.plant)
        self.estimator = robot_estimator(assembly.plant, assembly.robot, config.estimator)
        self.result = DeployResult(run=RunResult(target_frequency=assembly.config.frequency, loop="deploy"))
        self.dt = assembly.plant.opt.timestep
        self.period = 1.0 / assembly.config.frequency
        check_command_every(config.command_every, assembly.config.frequency, self.dt)
        self._estimates = np.full((_RING, 7), np.nan)  # tick, height, velocity (3), time, stance point
        self._truth = None  # the newest debug truth (--base truth)
        self._planner_error: BaseException | None = None

    def run(self) -> DeployResult:
        cfg, result, log = self.config, self.result, self.log
        participant = open_participant(cfg.dds)
        states = lowstate_reader(participant, depth=STATE_BACKLOG)
        commands, truth = lowcmd_writer(participant), truth_reader(participant)
        if log:
            log(f"[deploy] waiting for rt/lowstate on interface {cfg.dds.interface}, domain {cfg.dds.domain}")
        first = self._first_state(states)
        ref = self.assembly.reference
        loop_ref = self.assembly.config.loop_reference
        initial = hold_plan(ref.ctrl[frame_index(ref, 0.0, loop_ref)], 0.0, self.dt)
        schedule, pending, mailbox = PlanSchedule(initial), FirstApplications(), Mailbox()
        self.controller.reset(initial.control_at(0.0))
        planner = threading.Thread(target=self._plan_loop, args=(schedule, pending, mailbox), name="g1mpc-planner", daemon=True)
        n = self.motors.count
        q_start = first.q[:n].copy()
        with collector_frozen(result.run.collector):
            switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(GIL_SWITCH_INTERVAL)
            t0, cpu0 = time.perf_counter(), time.thread_time()
            state, batch, last_t, damping_since, next_report = first, [first], 0.0, None, cfg.print_every
            last_stamp: int | None = None  # the newest folded-in state's source timestamp (ns), where it had one
            last_q, last_tick = q_start, first.tick
            try:
                planner_started = False
                lockstep = _Lockstep(self, schedule, pending, first.tick) if cfg.lockstep else None
                while True:
                    t = time.perf_counter() - t0
                    if damping_since is not None and t - damping_since >= cfg.safety.exit_after:
                        break
                    if state is None:  # stale: damp at the state period until states return or the exit
                        if damping_since is None:
                            damping_since = t
                            result.event(t, "stale state", f"no rt/lowstate for {cfg.safety.stale_after * 1e3:.0f} ms: damping", log)
                        commands.write(damping_command(last_q, self.motors, cfg.safety.damping_kd, last_tick, first.mode_machine))
                        result.commands_sent += 1
                        batch = self._next_states(states, self.dt)
                        state = batch[-1] if batch else None
                        continue
                    first_update = result.states_received == 0
                    result.states_received += len(batch)
                    last_q, last_tick = state.q[:n].copy(), state.tick
                    # every state that came since the last update, each over its own interval by the robot's clock (its
                    # share of the loop's time where the states carry no stamps)
                    wall = 0.0 if first_update else max(t - last_t, 0.0) / len(batch)
                    intervals, last_stamp = state_intervals(batch, last_stamp, wall, cfg.safety.stale_after)
                    qpos, qvel = self.estimator.fold_in(batch, intervals)  # the first update: no stamp before it, so 0.0 each
                    last_t = t
                    self._remember(state.tick, qpos, qvel, t)
                    if cfg.base != "estimate":
                        qpos, qvel = self._with_truth(truth.take(64), qpos, qvel)
                    if damping_since is None:
                        why = divergence(qpos, qvel, cfg.safety)
                        if why:
                            damping_since = t
                            result.event(t, "estimate diverged", f"{why}: damping", log)
                        elif cfg.duration is not None and t >= cfg.duration:
                            damping_since = t
                            result.event(t, "end of run", f"{cfg.duration:g} s done: damping", log)
                    if damping_since is not None:
                        commands.write(damping_command(last_q, self.motors, cfg.safety.damping_kd, state.tick, state.mode_machine))
                    else:
                        if lockstep is not None:  # the robot's time, and the plan due at it made before answering
                            t = lockstep.plan_at(state.tick, qpos, qvel)
                        plan = schedule.current(t)
                        pending.applying(plan, t)
                        target = ramp(q_start, plan.control_at(t), t, cfg.safety.ramp_time)
                        target, joint_clamps, torque_clamps = clamp_targets(target, last_q, state.dq[:n], self.motors,
                                                                            cfg.safety.torque_clamp)
                        result.joint_limit_clamps += joint_clamps
                        result.torque_clamps += torque_clamps
                        commands.write(servo_command(target, self.motors, state.tick, state.mode_machine))
                        if lockstep is not None:
                            lockstep.last_ctrl = target
                        else:
                            mailbox.put(Snapshot(t, qpos, qvel, False, 0, target))
                        if not planner_started and lockstep is None:
                            planner.start()
                            planner_started = True
                    result.commands_sent += 1
                    if last_stamp is not None:
                        result.command_latency.append((time.time_ns() - last_stamp) * 1e-9)
                    if cfg.base == "estimate" and result.states_received % 25 < len(batch):  # every 25th state was in this batch
                        self._match_truth(truth.take(64))
                    if self._planner_error is not None:
                        raise self._planner_error
                    if t >= next_report and log and damping_since is None:
                        log(self._report_line(t, qpos))
                        next_report += cfg.print_every
                    batch = self._next_batch(states, t0, t)
                    if lockstep is not None:
                        batch = lockstep.fresh(batch, states, cfg.safety.stale_after)
                    state = batch[-1] if batch else None
            except KeyboardInterrupt:
                result.run.interrupted = True
                result.event(time.perf_counter() - t0, "interrupted", "Ctrl-C or SIGTERM: damping, then exiting", log)
                self._damp_briefly(commands, last_q, last_tick, first.mode_machine)
            except Exception as exc:  # the planner or the estimator failed: damp, keep the report, say why
                result.error = f"{type(exc).__name__}: {exc}"
                result.event(time.perf_counter() - t0, "error", f"{result.error}: damping, then exiting", log)
                self._damp_briefly(commands, last_q, last_tick, first.mode_machine)
            finally:
                mailbox.stop()
                if planner.is_alive():
                    planner.join(timeout=5.0)
                sys.setswitchinterval(switch_interval)
        self._match_truth(truth.take(64))
        result.run.wall_time = time.perf_counter() - t0
        result.command_loop_cpu_s = time.thread_time() - cpu0
        result.run.sim_time = result.run.wall_time
        return result

    def _damp_briefly(self, commands, q: np.ndarray, tick: int, mode_machine: int, count: int = 10) -> None:
        """``count`` damping commands one state period apart (the last words to the motors before exiting)."""
        for _ in range(count):
            commands.write(damping_command(q, self.motors, self.config.safety.damping_kd, tick, mode_machine))
            self.result.commands_sent += 1
            time.sleep(self.dt)

    def _next_batch(self, states, t0: float, t: float) -> list:
        """The states for the next command (oldest first): the ``command_every`` that come after the command of loop
        time ``t`` (s since ``t0``), slept through but for the last; fewer if the robot goes quiet, [] if none came
        within ``stale_after`` (stale)."""
        every = self.config.command_every
        if every > 1:
            wait = t0 + t + (every - 1.5) * self.dt - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        batch = self._next_states(states, self.config.safety.stale_after)
        while 0 < len(batch) < every:
            more = self._next_states(states, self.config.safety.stale_after)
            if not more:
                break
            batch += more
        return batch

    def _first_state(self, states):
        deadline = time.perf_counter() + self.config.wait_for_state
        while time.perf_counter() < deadline:
            if states.wait(min(0.5, self.config.wait_for_state)):
                taken = states.take()
                if taken:
                    return taken[-1]
        raise ConfigError(f"deploy: no rt/lowstate within {self.config.wait_for_state:g} s on interface "
                          f"{self.config.dds.interface}, domain {self.config.dds.domain}: is the robot (or g1mpc robot-sim) running "
                          "and on that interface?")

    @staticmethod
    def _next_states(states, timeout: float) -> list:
        """The states that came since the last call, oldest first, waiting up to ``timeout`` s for one; [] if none
        came (stale)."""
        taken = states.take()
        if not taken and states.wait(timeout):
            taken = states.take()
        return taken

    def _plan_loop(self, schedule: PlanSchedule, pending: FirstApplications, mailbox: Mailbox) -> None:
        try:
            delays: deque[float] = deque(maxlen=LATENCY_WINDOW)
            last = -np.inf
            samples, calm_share, calm_floor = sample_count_rules(self.controller, self.period, self.config.adapt_samples,
                                                                 self.config.calm_samples, self.log, self.config.calm_floor)
            while True:
                snap = mailbox.at_least(last + self.period - self.dt / 2)
                if snap is None:
                    if mailbox.stopped:
                        return
                    continue
                last = snap.time
                self._plan(snap, schedule, pending, delays, samples, calm_share, calm_floor)
                delays.append(mailbox.newest_time() + self.dt - snap.time)
        except BaseException as exc:  # re-raised by the command loop
            self._planner_error = exc

    def _plan(self, snap: Snapshot, schedule: PlanSchedule, pending: FirstApplications, delays: deque, samples,
              calm_share: float, calm_floor) -> None:
        """One plan from ``snap``, published to ``schedule``: the planner thread's, and ``--lockstep``'s in the command loop."""
        ref = reference_frame(self.assembly.reference, snap.time, self.assembly.config.loop_reference)
        plan_and_publish(self.controller, snap, self.config.compensation == "predict", delays, self.period, schedule, pending,
                         self.result.run, ref, self.log, samples, calm_share, calm_floor)

    def _remember(self, tick: int, qpos: np.ndarray, qvel: np.ndarray, t: float) -> None:
        self._estimates[tick % _RING] = (tick, qpos[2], *qvel[:3], t, self.estimator.stance)

    def _with_truth(self, samples: list, qpos: np.ndarray, qvel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(qpos, qvel) with the floating base, or the part ``--base`` names, replaced by the newest debug truth."""
        self._match_truth(samples)
        if samples:
            self._truth = samples[-1]
        truth = self._truth
        if truth is None:
            return qpos, qvel
        qpos, qvel = qpos.copy(), qvel.copy()
        base = self.config.base
        if base in ("truth", "truth_position"):
            qpos[0:3] = truth.position
        if base in ("truth", "truth_velocity"):
            qvel[0:3] = truth.linear_velocity
        if base == "truth":
            qpos[3:7], qvel[3:6] = truth.quaternion, truth.angular_velocity
        return qpos, qvel

    def _match_truth(self, samples: list) -> None:
        for truth in samples:
            row = self._estimates[truth.tick % _RING]
            if row[0] == truth.tick:
                self.result.height_errors.append(float(row[1] - truth.position[2]))
                error = [float(row[2 + i] - truth.linear_velocity[i]) for i in range(3)]
                self.result.velocity_errors.append(error)
                self.result.estimator_trace.append([round(float(row[5]), 4), int(row[6]), *(round(e, 4) for e in error),
                                                    round(float(np.linalg.norm(truth.linear_velocity[:2])), 4)])

    def _report_line(self, t: float, qpos: np.ndarray) -> str:
        recent = self.result.run.cycles[-int(1 / self.period):]
        plan_ms = np.mean([c.total for c in recent]) * 1e3 if recent else float("nan")
        seen = [c.latency for c in recent if c.latency is not None]
        lat = self.result.command_latency[-500:]
        return (f"t={t:6.2f}s  plan {plan_ms:6.2f} ms  plan latency p50 {np.median(seen) * 1e3 if seen else float('nan'):5.1f} ms  "
                f"command latency p50 {np.median(lat) * 1e3 if lat else float('nan'):4.2f} ms  "
                f"height estimate {qpos[2]:.3f} m  {len(recent)} plans/s")
