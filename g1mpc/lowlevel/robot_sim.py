"""A simulated G1 that is reachable only through its low-level topics, for sim-to-sim tests.

The MuJoCo plant steps in wall-clock time (2 ms). After every step it publishes ``rt/lowstate``: the pelvis
IMU with noise and bias, each motor's encoder and torque, a tick and the CRC, stamped with the robot's
clock at its tick (as a G1 stamps what it measured when it measured it, also when the loop was held up and
catches up). Before every step it applies the newest valid ``rt/lowcmd`` as the G1's motor drivers do:
``tau + kp (q - q_meas) + kd (dq - dq_meas)`` per motor, within the joint's torque limit (a motor whose mode
is 0 gives no torque). A command with a bad CRC, a non-finite value, or one answering an older state than the
command already applied (out of order) is ignored and counted.

Until the first command arrives the robot hangs still in the reference's first pose (a gantry) and only
publishes; the run's clock starts with that command. Pushes, falls (judged against the reference at the
run's time, as in-process runs judge them) and the report are those of :class:`~g1mpc.running.sim.Simulation`.
The true floating base goes out on a debug topic so a controller can report its estimator's error.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import mujoco
import numpy as np

from g1mpc.common.collector import collector_frozen
from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.dds import DdsConfig, lowcmd_reader, lowstate_writer, open_participant, truth_writer
from g1mpc.lowlevel.messages import LowCommand, LowState
from g1mpc.lowlevel.motors import MotorMap, imu_ids
from g1mpc.lowlevel.truth_msg import BaseTruth
from g1mpc.running.sim import PushConfig, RunResult, SimConfig, Simulation, joint_rms

Log = Callable[[str], None]
_TICK_RING = 4096  # publication times kept per tick, for the round-trip latency
_AGE_BINS = 64  # command ages counted one robot tick apart; older ones count in the last bin


@dataclass(frozen=True)
class SensorNoise:
    """What the robot's sensors add to the truth; ``*_bias`` are drawn once per run, ``*_std`` every sample."""

    attitude_std: float = 0.002  # rad, the IMU's attitude estimate
    gyro_std: float = 0.01  # rad/s
    gyro_bias: float = 0.005  # rad/s
    accel_std: float = 0.05  # m/s^2
    accel_bias: float = 0.05  # m/s^2
    q_std: float = 0.0005  # rad, encoders
    dq_std: float = 0.01  # rad/s
    tau_std: float = 0.2  # N m

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) and v >= 0 for v in asdict(self).values()):
            raise ConfigError("sensor noise levels must be finite and >= 0")

    def scaled(self, factor: float) -> SensorNoise:
        if not (math.isfinite(factor) and factor >= 0):
            raise ConfigError("--sensor_noise must be a factor >= 0")
        return SensorNoise(**{k: v * factor for k, v in asdict(self).items()})


class Sensors:
    """Turns the plant's state into an ``rt/lowstate`` message, noise included."""

    def __init__(self, model: mujoco.MjModel, motors: MotorMap, noise: SensorNoise, seed: int):
        self.motors, self.noise = motors, noise
        self.site, self.gyro_adr, self.acc_adr = imu_ids(model)
        self.rng = np.random.default_rng((seed, 0x1A7E))
        self.gyro_bias = self.rng.normal(0, noise.gyro_bias, 3)
        self.accel_bias = self.rng.normal(0, noise.accel_bias, 3)

    def measure(self, data: mujoco.MjData, tick: int, crc: bool = True) -> LowState:
        """The state as the robot reports it at ``tick``; ``crc`` False leaves its checksum unset (an in-process
        reader that never sends it: the checksum costs about half of a measurement)."""
        n, rng, m = self.noise, self.rng, self.motors
        quat = np.empty(4)
        mujoco.mju_mat2Quat(quat, data.site_xmat[self.site])
        if n.attitude_std > 0:
            mujoco.mju_quatIntegrate(quat, rng.normal(0, n.attitude_std, 3), 1.0)
        count = m.count
        pad = lambda x: np.concatenate([x, np.zeros(35 - count)])
        state = LowState(
            tick=tick, quaternion=quat,
            gyroscope=data.sensordata[self.gyro_adr:self.gyro_adr + 3] + self.gyro_bias + rng.normal(0, n.gyro_std, 3),
            accelerometer=data.sensordata[self.acc_adr:self.acc_adr + 3] + self.accel_bias + rng.normal(0, n.accel_std, 3),
            q=pad(data.qpos[m.qpos_adr] + rng.normal(0, n.q_std, count)),
            dq=pad(data.qvel[m.dof_adr] + rng.normal(0, n.dq_std, count)),
            tau_est=pad(data.actuator_force[:count] + rng.normal(0, n.tau_std, count)),
        )
        return state.with_crc() if crc else state


def motor_drive_model(plant: mujoco.MjModel) -> mujoco.MjModel:
    """A copy of the plant whose actuators apply ``ctrl - kp q - kd dq`` with gains set every step
    (:func:`apply_command`): the motor drivers' PD law, integrated as MuJoCo integrates the position servos."""
    model = copy.deepcopy(plant)
    model.actuator_gainprm[:] = 0.0
    model.actuator_gainprm[:, 0] = 1.0
    model.actuator_biasprm[:] = 0.0
    model.actuator_ctrllimited[:] = 0
    return model


def apply_command(model: mujoco.MjModel, motors: MotorMap, command: LowCommand | None) -> np.ndarray:
    """Set the drive model's gains for ``command`` (None: every motor off); returns the (nu,) ctrl to apply."""
    n = motors.count
    if command is None:
        model.actuator_biasprm[:, 1:3] = 0.0
        return np.zeros(n)
    on = command.mode[:n] != 0
    kp, kd = np.where(on, command.kp[:n], 0.0), np.where(on, command.kd[:n], 0.0)
    model.actuator_biasprm[:, 1] = -kp
    model.actuator_biasprm[:, 2] = -kd
    return np.where(on, kp * command.q[:n] + kd * command.dq[:n] + command.tau[:n], 0.0)


def is_damping(command: LowCommand, count: int) -> bool:
    """kp 0 and kd > 0 on every enabled motor: the damping mode a controller falls back to."""
    on = command.mode[:count] != 0
    return bool(on.any() and np.all(command.kp[:count][on] == 0) and np.all(command.kd[:count][on] > 0))


@dataclass(frozen=True)
class RobotSimConfig:
    """The simulated robot: run length, pushes (as in-process runs), sensor noise, DDS, how long to wait."""

    duration: float = 20.0
    pushes: PushConfig = PushConfig()
    noise: SensorNoise = SensorNoise()
    dds: DdsConfig = DdsConfig()
    seed: int = 0
    wait_for_command: float = 300.0  # s to wait for the controller's first command
    publish_truth_every: int = 5  # plant steps between debug truth messages
    judge_every: int = 10  # plant steps between fall checks (20 ms, as in-process runs)
    lockstep: bool = False  # from the first command on, step only once a command answers the last state (deterministic)
    lockstep_timeout: float = 5.0  # s to wait for that command before stopping with an error

    def __post_init__(self) -> None:
        if not (math.isfinite(self.duration) and self.duration > 0):
            raise ConfigError("--duration must be > 0 seconds")
        if not (self.wait_for_command > 0):
            raise ConfigError("--wait must be > 0 seconds")
        if not (self.lockstep_timeout > 0):
            raise ConfigError("the lockstep timeout must be > 0 seconds")


@dataclass
class RobotSimResult:
    """What the simulated robot saw; ``run`` holds the falls and pushes as in-process runs keep them."""

    run: RunResult = field(default_factory=RunResult)
    step_s: float = 0.002  # the plant's step (s), one robot tick
    steps: int = 0
    states_published: int = 0
    commands_received: int = 0
    commands_applied: int = 0
    damping_commands_applied: int = 0  # commands with kp 0 and kd > 0 on every enabled motor
    rejected_crc: int = 0
    rejected_out_of_order: int = 0
    rejected_invalid: int = 0
    steps_without_new_command: int = 0
    overruns: int = 0
    roundtrip: list[float] = field(default_factory=list)  # s from a state's publication to the command answering it applied
    # steps by ticks from the state their command answered (but the steps on the command that started the run)
    command_ages: np.ndarray = field(default_factory=lambda: np.zeros(_AGE_BINS, dtype=np.int64))
    joint_rms: list[float] = field(default_factory=list)
    started: bool = False
    loop_cpu_s: float = 0.0  # CPU time of the loop's thread from the first command (physics, sensors, DDS)
    stopped_by: str = ""

    def summary(self) -> dict:
        rt = np.array(self.roundtrip) * 1e3
        pct = lambda q: float(np.percentile(rt, q)) if rt.size else None
        rms = np.array(self.joint_rms)
        return {
            "falls": len(self.run.falls), "fall_times_s": list(self.run.falls), "sim_time_s": self.run.sim_time,
            "wall_time_s": self.run.wall_time, "steps": self.steps, "states_published": self.states_published,
            "commands_received": self.commands_received, "commands_applied": self.commands_applied,
            "damping_commands_applied": self.damping_commands_applied,
            "rejected_crc": self.rejected_crc, "rejected_out_of_order": self.rejected_out_of_order,
            "rejected_invalid": self.rejected_invalid, "steps_without_new_command": self.steps_without_new_command,
            "plant_overruns": self.overruns, "roundtrip_p50_ms": pct(50), "roundtrip_p95_ms": pct(95),
            **command_age_summary(self.command_ages, self.step_s),
            "joint_rms_rad": float(np.sqrt(np.mean(rms**2))) if rms.size else None,
            "push_times": list(self.run.push_times), "started": self.started, "stopped_by": self.stopped_by,
            "interrupted": self.run.interrupted,
            "loop_cpu_share": self.loop_cpu_s / self.run.wall_time if self.run.wall_time > 0 else None,
            **self.run.collector.summary(),
        }


class CommandGate:
    """Accepts the newest valid command and counts the rest (bad CRC, non-finite, out of order)."""

    def __init__(self, result: RobotSimResult):
        self.result = result
        self.last_tick = -1

    def newest(self, commands: list[LowCommand]) -> LowCommand | None:
        chosen = None
        for cmd in commands:
            self.result.commands_received += 1
            if not cmd.crc_ok():
                self.result.rejected_crc += 1
            elif not all(np.all(np.isfinite(a)) for a in (cmd.q, cmd.dq, cmd.tau, cmd.kp, cmd.kd)):
                self.result.rejected_invalid += 1
            elif cmd.reserve[0] < self.last_tick:
                self.result.rejected_out_of_order += 1
            else:
                self.last_tick = cmd.reserve[0]
                chosen = cmd
        return chosen


def command_age_summary(counts: np.ndarray, dt: float) -> dict:
    """Percentiles (ms of robot time) of the age of the command each step applied: ticks from the state it
    answered to the step, ``counts`` (bins,) steps per age in ticks (the last bin: that age or older)."""
    total = int(counts.sum())
    if total == 0:
        return {"command_age_p50_ms": None, "command_age_p95_ms": None, "command_age_p99_ms": None,
                "command_age_max_ms": None, "steps_on_commands_over_10ms": 0.0}
    cumulative = np.cumsum(counts) / total
    age_ms = lambda q: round(float(np.searchsorted(cumulative, q / 100.0) * dt * 1e3), 3)
    over = int(counts[int(round(0.010 / dt)) + 1:].sum())
    return {"command_age_p50_ms": age_ms(50), "command_age_p95_ms": age_ms(95), "command_age_p99_ms": age_ms(99),
            "command_age_max_ms": round(float(np.flatnonzero(counts)[-1] * dt * 1e3), 3), "steps_on_commands_over_10ms": over / total,
            "steps_by_command_age_ticks": [int(c) for c in counts]}


class RobotSim:
    """The simulated robot process's loop (see the module docstring)."""

    def __init__(self, plant: mujoco.MjModel, reference, fall_test, push_body: str, config: RobotSimConfig,
                 log: Log | None = print):
        self.config, self.log = config, log
        self.motors = MotorMap.from_model(plant)
        self.model = motor_drive_model(plant)
        sim_config = SimConfig(duration=config.duration, pushes=config.pushes, print_every=0.0)
        self.sim = Simulation(self.model, reference, sim_config, frequency=1.0 / (config.judge_every * plant.opt.timestep),
                              fall_test=fall_test, push_body=push_body)
        self.sensors = Sensors(self.model, self.motors, config.noise, config.seed)
        self.result = RobotSimResult(step_s=self.model.opt.timestep)
        self._published_at = np.full(_TICK_RING, np.nan)

    def run(self) -> RobotSimResult:
        cfg, result = self.config, self.result
        participant = open_participant(cfg.dds)
        states, commands, truth = lowstate_writer(participant), lowcmd_reader(participant), truth_writer(participant)
        gate = CommandGate(result)
        d, dt = self.sim.data, self.model.opt.timestep
        mujoco.mj_forward(self.model, d)
        tick, command, applied_tick, first_answered = 0, None, -1, -1
        wall_start = time.perf_counter()
        anchor = wall_start
        epoch_ns = time.time_ns() - round(wall_start * 1e9)  # perf_counter seconds -> ns since the epoch
        dt_ns, anchor_ns = round(dt * 1e9), epoch_ns + round(anchor * 1e9)  # stamps anchor_ns + tick * dt_ns: whole ns
        gantry: LowState | None = None  # --lockstep: the one state published until the first command
        with collector_frozen(result.run.collector):
            try:
                while True:
                    if cfg.lockstep and result.started:  # the robot's clock waits for the controller, no wall clock
                        newest = self._answer_to(tick - 1, gate, commands)
                    else:
                        lag = time.perf_counter() - (anchor + tick * dt)
                        if lag < 0:
                            time.sleep(-lag)
                        elif lag > 10 * dt:  # far behind wall-clock time: count it and carry on from now
                            result.overruns += 1
                            anchor += lag
                            anchor_ns = epoch_ns + round(anchor * 1e9)
                        newest = gate.newest(commands.take())
                    if newest is not None:
                        command = newest
                    if not result.started:
                        if command is None:
                            if time.perf_counter() - wall_start > cfg.wait_for_command:
                                result.stopped_by = "no command"
                                raise ConfigError(f"robot-sim: no valid rt/lowcmd within {cfg.wait_for_command:g} s on "
                                                  f"interface {cfg.dds.interface}, domain {cfg.dds.domain}")
                            if cfg.lockstep:  # one state, tick 0, until the controller answers: the run then
                                if gantry is None:  # starts the same however long that took
                                    gantry = self.sensors.measure(d, 0)
                                self._publish(states, truth, 0, anchor_ns, gantry)
                            else:
                                self._publish(states, truth, tick, anchor_ns + tick * dt_ns)
                            tick += 1
                            continue
                        result.started, run_wall_start, run_cpu_start = True, time.perf_counter(), time.thread_time()
                        first_answered = command.reserve[0]
                        if cfg.lockstep:
                            tick = 1  # the state after the first step, one step after the gantry's tick 0
                        if self.log:
                            self.log(f"[robot-sim] first command at tick {tick}: the run starts")
                    if newest is None:
                        result.steps_without_new_command += 1
                    else:
                        result.damping_commands_applied += is_damping(newest, self.motors.count)
                    if newest is not None and newest.reserve[0] != applied_tick:
                        applied_tick = newest.reserve[0]
                        result.commands_applied += 1
                        sent = self._published_at[applied_tick % _TICK_RING]
                        if np.isfinite(sent):
                            result.roundtrip.append(time.perf_counter() - sent)
                    if command.reserve[0] != first_answered:  # the command that started the run answers an old state
                        result.command_ages[min(tick - command.reserve[0], _AGE_BINS - 1)] += 1
                    self.sim.step(apply_command(self.model, self.motors, command), result.run)
                    result.steps += 1
                    if result.steps % cfg.judge_every == 0:
                        ref, fell = self.sim.judge(result.run, d.time, self.log)
                        result.joint_rms.append(joint_rms(d.qpos, ref))
                        if fell:
                            result.stopped_by = "fall"
                            break
                    if d.time >= cfg.duration - 1e-9:
                        result.stopped_by = "duration"
                        break
                    self._publish(states, truth, tick, anchor_ns + tick * dt_ns)
                    tick += 1
            except KeyboardInterrupt:
                result.run.interrupted, result.stopped_by = True, "interrupted"
        result.run.sim_time = d.time
        result.run.wall_time = time.perf_counter() - run_wall_start if result.started else 0.0
        result.loop_cpu_s = time.thread_time() - run_cpu_start if result.started else 0.0
        return result

    def _answer_to(self, tick: int, gate: CommandGate, commands) -> LowCommand:
        """(``--lockstep``) The newest valid command once one answers the state of ``tick``, waiting for it."""
        newest = gate.newest(commands.take())
        while newest is None or newest.reserve[0] < tick:
            if not commands.wait(self.config.lockstep_timeout):
                self.result.stopped_by = "no command"
                raise ConfigError(f"robot-sim --lockstep: no rt/lowcmd answering tick {tick} within "
                                  f"{self.config.lockstep_timeout:g} s (does the controller answer every state, in lockstep too?)")
            newest = gate.newest(commands.take()) or newest
        return newest

    def _publish(self, states, truth, tick: int, stamp_ns: int, measured: LowState | None = None) -> None:
        """Publish the state of ``tick`` (``measured``, or measured now) stamped ``stamp_ns``: the robot's clock at its
        tick, not the time of writing, which lags it after the loop was held up and steps through the ticks it owes."""
        d = self.sim.data
        states.write(measured if measured is not None else self.sensors.measure(d, tick), stamp_ns)
        self._published_at[tick % _TICK_RING] = time.perf_counter()
        self.result.states_published += 1
        if tick % self.config.publish_truth_every == 0:
            truth.write(BaseTruth(tick=tick, time=float(d.time), position=tuple(d.qpos[0:3]), quaternion=tuple(d.qpos[3:7]),
                                  linear_velocity=tuple(d.qvel[0:3]), angular_velocity=tuple(d.qvel[3:6])))
