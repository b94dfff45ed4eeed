"""The MPC controller: runs the planning stages each cycle and times them.

The stages are declared in :mod:`g1mpc.planning.stages`; how they were compiled (``jax.jit`` or exported
artifacts loaded by :mod:`g1mpc.precompiled.aot`) is the only thing that differs between the JIT and AOT paths.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal, get_args

import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.planning import pipeline as P
from g1mpc.planning.correlated_noise import load_noise_factor
from g1mpc.planning.noise_schedule import NoiseSchedule, base_acceleration
from g1mpc.planning.plan import Plan
from g1mpc.planning.planners import PLANNERS, PlannerState, SamplingPlanner
from g1mpc.planning.prediction import StatePredictor, prediction_steps
from g1mpc.planning.push_observer import PushObserver, PushObserverConfig, corrected_state
from g1mpc.planning.stages import StageFunctions

Mode = Literal["cem", "nn", "hybrid"]
PlannerName = Literal["cem", "mppi", "ps"]
Backend = Literal["mujoco", "mjx"]
MppiSigma = Literal["fixed", "refit"]
Switch = Literal["off", "on"]


def _choice(flag: str, value: str, kind) -> None:
    if value not in get_args(kind):
        raise ConfigError(f"--{flag}: '{value}' is not one of {', '.join(get_args(kind))}")


@dataclass(frozen=True)
class ControllerConfig:
    """Sampling-planner settings: the one place each has its default (the spline and horizon live in
    :class:`~g1mpc.running.config.RunConfig`).

    Attributes:
        mode: cem (sampling only), nn (network only) or hybrid (network knots refined by sampling).
        planner: cem, mppi or ps (predictive sampling).
        num_samples, num_elites, iterations: per replan.
        sigma_start, sigma_min: initial/exploration noise and CEM's floor (rad, before the robot's
            per-actuator noise scale).
        explore_fraction: share of the samples drawn with sigma_start.
        anchor_fraction: hybrid: share of the samples drawn around the previous refined plan.
        calm_anchor_fraction: hybrid: that share while nothing pushes, rising linearly to anchor_fraction as the
            base's speed relative to the reference's goes from calm_speed to pushed_speed (None: anchor_fraction always).
        temperature: MPPI temperature, relative to the cost spread.
        calm_temperature: MPPI's temperature while nothing pushes, rising linearly to temperature as the state gets
            pushed (the noise schedule's ramp; None: temperature always).
        temperature_samples: the sample count MPPI's temperatures are meant for: with N samples rolled out, more than
            this, they scale by temperature_samples / N, so the weighted average keeps about as many samples
            (0: the temperatures as given at every count).
        mppi_sigma: MPPI's sampling spread: fixed (sigma_start) or refit (the weighted spread of the samples,
            floored at sigma_min, as CEM refits it to the elites).
        backend: mujoco (native threaded rollouts, CPU) or mjx (rollouts inside the compiled stage).
        seed: sampling seed.
        nn_weight: hybrid: weight of the network's knots in the CEM start (the rest: previous plan).
        mjx_unroll: mjx: planner steps per iteration of the compiled rollout loop (fewer loop trips, a
            larger program).
        noise_correlation: an ``.npz`` with the correlation of the sampling noise across knots and actuators
            (:mod:`g1mpc.planning.correlated_noise`); empty: independent noise.
        noise_shrinkage: weight of independence blended into that correlation (0: as measured, 1: none).
        antithetic: on: the noisy samples come in mirrored pairs, +e and -e around one centre
            (:func:`~g1mpc.planning.planners.base.mirrored_pairs`).
        calm_noise, calm_speed, pushed_speed: the sampling noise's multiplier while the floating base moves as
            the reference's (1: always the full spread), rising linearly to 1 as the base's horizontal speed
            relative to the reference's goes from calm_speed to pushed_speed (m/s;
            :mod:`g1mpc.planning.noise_schedule`).
        calm_joint_speed, pushed_joint_speed: the same ramp in the joints' RMS speed relative to the reference's
            (rad/s), for the noise and calm_anchor_fraction alike; the larger of the two ramps counts (None: the
            base's alone).
        push_hold: seconds over which a pushed state fades to calm once the speeds above no longer say pushed
            (0: no memory; :meth:`~g1mpc.planning.noise_schedule.NoiseSchedule.fade`).
        calm_accel, pushed_accel: the same ramp in the base's measured horizontal acceleration between two states
            (m/s^2): a hard push counts as pushed from its first cycle, however slow the base still is (pushed_accel 0:
            off).
        push_observer: on: plans that start ahead of their state (latency compensation) are predicted with the
            base acceleration the last prediction missed (:mod:`g1mpc.planning.push_observer`).
        push_deadband: the observer's smallest missed base acceleration (m/s^2); smaller ones are taken as model error.
        push_lead: how long (s) past the plan's start the observer assumes a push goes on.
    """

    mode: Mode = "cem"
    planner: PlannerName = "cem"
    num_samples: int = 64
    num_elites: int = 8
    iterations: int = 1
    sigma_start: float = 0.2
    sigma_min: float = 0.02
    explore_fraction: float = 0.4
    anchor_fraction: float = 0.8
    calm_anchor_fraction: float | None = None
    temperature: float = 0.1
    calm_temperature: float | None = None
    temperature_samples: int = 0
    mppi_sigma: MppiSigma = "fixed"
    backend: Backend = "mujoco"
    seed: int = 0
    nn_weight: float = 1.0
    mjx_unroll: int = 1
    noise_correlation: str = ""
    noise_shrinkage: float = 0.0
    antithetic: Switch = "off"
    calm_noise: float = 1.0
    calm_speed: float = 0.05
    pushed_speed: float = 0.2
    calm_joint_speed: float = 0.5
    pushed_joint_speed: float | None = None
    push_hold: float = 0.0
    calm_accel: float = 0.0
    pushed_accel: float = 0.0
    push_observer: Switch = "on"
    push_deadband: float = 3.0
    push_lead: float = 0.0

    @property
    def fewest_active_samples(self) -> int:
        """The fewest samples a plan may roll out: room for the elites, and at least two."""
        return max(2, self.num_elites)

    def __post_init__(self) -> None:
        _choice("mode", self.mode, Mode)
        _choice("planner", self.planner, PlannerName)
        _choice("backend", self.backend, Backend)
        _choice("mppi_sigma", self.mppi_sigma, MppiSigma)
        _choice("push_observer", self.push_observer, Switch)
        _choice("antithetic", self.antithetic, Switch)
        checks = [
            (self.num_samples >= 2, "--num_samples must be at least 2"),
            (1 <= self.num_elites <= self.num_samples, f"--num_elites must be between 1 and --num_samples ({self.num_samples})"),
            (self.iterations >= 1, "--iterations must be at least 1"),
            (self.sigma_start > 0 and 0 < self.sigma_min <= self.sigma_start, "--sigma_min must be in (0, --sigma_start]"),
            (0 <= self.explore_fraction <= 1, "--explore_fraction must be in [0, 1]"),
            (self.temperature > 0, "--temperature must be > 0"),
            (self.calm_temperature is None or self.calm_temperature > 0, "--calm_temperature must be > 0"),
            (self.temperature_samples >= 0, "--temperature_samples must be a whole number >= 0 (0: off)"),
            (0 <= self.nn_weight <= 1, "--nn_weight must be in [0, 1]"),
            (0 <= self.anchor_fraction <= 1, "--anchor_fraction must be in [0, 1]"),
            (self.calm_anchor_fraction is None or 0 <= self.calm_anchor_fraction <= 1,
             "--calm_anchor_fraction must be in [0, 1]"),
            (self.mjx_unroll >= 1, "--mjx_unroll must be at least 1"),
            (0 <= self.noise_shrinkage <= 1, "noise_shrinkage must be in [0, 1]"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        for name in ("sigma_start", "sigma_min", "explore_fraction", "temperature", "nn_weight", "anchor_fraction",
                     "noise_shrinkage", "calm_noise", "calm_speed", "pushed_speed", "calm_joint_speed",
                     "push_hold", "calm_accel", "pushed_accel", "push_deadband", "push_lead"):
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(f"--{name} must be a finite number")
        _ = self.noise_schedule  # its constructor checks the schedule's settings
        _ = self.push_observer_config  # and the observer's

    @property
    def noise_schedule(self) -> NoiseSchedule:
        return NoiseSchedule(self.calm_noise, self.calm_speed, self.pushed_speed, self.calm_joint_speed,
                             self.pushed_joint_speed, self.push_hold, self.calm_accel, self.pushed_accel)

    @property
    def push_observer_config(self) -> PushObserverConfig:
        return PushObserverConfig(self.push_deadband, self.push_lead)

    def as_dict(self) -> dict:
        return asdict(self)


def make_planner(config: ControllerConfig, noise_scale: tuple[float, ...] | None = None,
                 num_knots: int | None = None) -> SamplingPlanner:
    """The configured sampling planner; ``noise_scale`` is the robot's per-actuator noise multiplier,
    ``num_knots`` the plan's knots (needed with a ``noise_correlation``)."""
    factor = None
    if config.noise_correlation:
        if noise_scale is None or num_knots is None:
            raise ValueError("a noise correlation needs the actuators' noise scale and the number of knots")
        factor = load_noise_factor(config.noise_correlation, num_knots, len(noise_scale), config.noise_shrinkage)
    common = dict(
        num_samples=config.num_samples, sigma_start=config.sigma_start, explore_fraction=config.explore_fraction,
        anchor_fraction=config.anchor_fraction, calm_anchor_fraction=config.calm_anchor_fraction,
        noise_scale=noise_scale, noise_factor=factor,
        noise_schedule=config.noise_schedule, antithetic=config.antithetic == "on",
    )
    if config.planner == "cem":
        return PLANNERS["cem"](**common, num_elites=config.num_elites, sigma_min=config.sigma_min)
    if config.planner == "mppi":
        return PLANNERS["mppi"](**common, temperature=config.temperature, calm_temperature=config.calm_temperature,
                                temperature_samples=config.temperature_samples,
                                sigma_min=config.sigma_min if config.mppi_sigma == "refit" else None)
    return PLANNERS["ps"](**common)


@dataclass
class CycleTiming:
    """Seconds of one replan: all of it, the network, the sampling planner (``rollout``: its native rollouts)."""

    total: float
    nn: float
    cem: float
    other: float
    rollout: float = 0.0


class Controller:
    """Plans servo targets for the next replan period from the current state."""

    def __init__(
        self,
        spec: P.PlanSpec,
        config: ControllerConfig,
        stages: StageFunctions,
        arrays: P.RunArrays,
        initial_state: PlannerState,
        rollout: Callable | None = None,
        network_params: dict | None = None,
        predictor: StatePredictor | None = None,
    ):
        if config.mode in ("nn", "hybrid") and network_params is None:
            raise ValueError(f"mode '{config.mode}' needs network parameters")
        if config.mode != "nn" and config.backend == "mujoco" and rollout is None:
            raise ValueError("the mujoco backend needs a native rollout")
        self.spec, self.config, self.stages, self.arrays = spec, config, stages, arrays
        self.rollout = rollout
        self.network_params = network_params
        self.predictor = predictor  # for plans that start ahead of their state (latency compensation)
        self.schedule = config.noise_schedule
        self.initial_state = initial_state  # the planner's init(): zero residuals, sigma_start x noise scale
        self.observer = (PushObserver(config.push_observer_config)
                         if config.push_observer == "on" and predictor is not None and predictor.floating_base else None)
        self.reset()

    def reset(self, initial_ctrl: np.ndarray | None = None) -> None:
        self.forget_plan()
        self.cycle = 0
        self.prev_ctrl = np.asarray(initial_ctrl if initial_ctrl is not None else np.zeros(self.spec.nu), np.float32)
        self.last_costs: np.ndarray | None = None
        self.last_warm_start: np.ndarray | None = None  # (K, nu): the carried plan one period on, the last update's start
        if self.observer is not None:
            self.observer.reset()

    def forget_plan(self) -> None:
        """Drop the plan carried from earlier cycles (mean and sigma back to the planner's start); the cycle
        counter, so the sampling noise, and the previous control stay."""
        # Host-side state is numpy float32: no eager JAX ops, so nothing compiles outside the stages.
        self.mean, self.sigma = (np.array(x, np.float32) for x in self.initial_state)
        self.last_start = None
        self.pushed = 0.0  # how pushed the last plan's state counted (0 calm to 1), faded into the next plan's
        self.last_measured: tuple[float, np.ndarray] | None = None  # (t, base velocity (2,)) of the last state planned from

    def tune(self, cost_scale: np.ndarray | None = None, noise_scale: float | None = None) -> None:
        """Multipliers on the task's cost weights ((W,), in the order of ``task.weight_values()``) and on the
        sampling noise, from the next replan on: they are inputs of the compiled stages, so nothing rebuilds."""
        self.arrays = P.tuned(self.arrays, cost_scale, noise_scale)

    @property
    def active_samples(self) -> int:
        """Samples rolled out per replan: the first of the ``num_samples`` the stages were compiled for."""
        return min(int(self.arrays.active_samples), self.config.num_samples)

    def set_active_samples(self, count: int | None) -> None:
        """Roll out only the first ``count`` samples from the next replan on (None: all); the others are left out
        of the update. An input of the compiled stages, so nothing rebuilds; it must leave room for the elites."""
        fewest = self.config.fewest_active_samples
        if count is not None and not fewest <= count <= self.config.num_samples:
            raise ConfigError(f"active samples must be between max(2, --num_elites) ({fewest}) "
                              f"and --num_samples ({self.config.num_samples}), got {count}")
        self.arrays = P.with_active_samples(self.arrays, count)

    def use_reference(self, reference, clip_start: float) -> None:
        """Track ``reference`` (a :class:`~g1mpc.motion.reference.Reference`) from simulated time ``clip_start`` on,
        from the next replan: an input of the compiled stages like the tuning, so nothing rebuilds for a clip
        that fits the run's capacity (:class:`~g1mpc.planning.pipeline.ClipTooLong` otherwise)."""
        self.arrays = P.with_clip(self.arrays, reference, clip_start)

    def _roll_out(self, time_: float, qpos: np.ndarray, qvel: np.ndarray, controls: np.ndarray):
        """Native rollouts of the first ``active_samples`` of ``controls`` (N, H, nu), as float32 arrays of all N
        rows (the rest repeat the first rollout: the score stage masks them out)."""
        active = self.active_samples
        tic = time.perf_counter()
        q, v, s = self.rollout(time_, qpos, qvel, controls[:active])
        self._rollout_time += time.perf_counter() - tic
        if active == len(controls):
            return tuple(np.asarray(x, np.float32) for x in (q, v, s))
        padded = []
        for x in (q, v, s):
            full = np.empty((len(controls), *x.shape[1:]), np.float32)
            full[:active] = x
            full[active:] = x[:1]
            padded.append(full)
        return tuple(padded)

    def _pushed_by_acceleration(self, t: float, qvel: np.ndarray) -> float:
        """How pushed (0 to 1) the schedule counts the base's measured acceleration since the last state planned
        from (``qvel[:2]``, world frame); remembers this state's."""
        previous_t, previous_velocity = self.last_measured or (float(t), None)
        self.last_measured = (float(t), np.array(qvel[:2], float))
        return self.schedule.pushed_by_acceleration(base_acceleration(qvel, previous_velocity, float(t) - previous_t))

    def warmup(self, t: float, qpos: np.ndarray, qvel: np.ndarray, rounds: int = 3) -> None:
        """Run every code path ``rounds`` times (compiling or loading it), then reset."""
        for _ in range(rounds):
            self.plan(t, qpos, qvel)
        self.reset()

    def plan(self, t: float, qpos: np.ndarray, qvel: np.ndarray) -> tuple[np.ndarray, CycleTiming]:
        """One replan from the state at ``t``, applied at once: plant controls (S, nu) for one replan period
        and the timing split."""
        plan, timing = self.replan(t, qpos, qvel)
        return plan.controls[: self.spec.steps_per_replan], timing

    def replan(self, t: float, qpos: np.ndarray, qvel: np.ndarray, start_time: float | None = None,
               applied: Callable[[float, int, float], np.ndarray] | None = None) -> tuple[Plan, CycleTiming]:
        """One replan from the state (qpos (nq,), qvel (nv,)) at ``t``; returns the :class:`Plan` and the timing split.

        ``start_time`` (> t): compensate for the plan's delay. The state at ``start_time`` is predicted by
        rolling the nominal model forward under ``applied(t, steps, dt)`` -> (steps, nu), the servo targets
        the plant runs meanwhile, and the plan starts there. The carried plan is shifted by as many replan
        periods as separate its start from the previous plan's.
        """
        S, cfg, spec = self.stages, self.config, self.spec
        start = time.perf_counter()
        plan_time = t if start_time is None else float(start_time)
        steps = prediction_steps(t, start_time, spec.plant_dt)
        accelerating = self._pushed_by_acceleration(t, qvel)
        if plan_time > t + 1e-9:
            if self.predictor is None or applied is None:
                raise ValueError("planning ahead of the state needs a state predictor and the applied controls")
            measured_base_velocity = np.array(qvel[:2])
            qpos, qvel = self.predictor.predict(t, qpos, qvel, applied(t, steps, spec.plant_dt))
            if self.observer is not None:
                missed = self.observer.update(t, measured_base_velocity)
                self.observer.remember(t, spec.plant_dt, self.predictor.base_velocities)
                qpos, qvel = corrected_state(qpos, qvel, missed, steps * spec.plant_dt, self.observer.config.lead)
        shifts = 1 if self.last_start is None else max(0, int(round((plan_time - self.last_start) / spec.replan_period)))
        faded = 0.0 if self.last_start is None else self.schedule.fade(self.pushed, plan_time - self.last_start)
        held = np.float32(max(faded, accelerating))
        t0 = np.float32(plan_time)
        qpos32, qvel32 = np.asarray(qpos, np.float32), np.asarray(qvel, np.float32)
        nn_time = cem_time = self._rollout_time = 0.0
        tic = time.perf_counter()
        # the previous plan at this plan's start: CEM's start, the hybrid's anchor, a plan-conditioned network's input
        shifted, sigma = np.asarray(self.mean), np.asarray(self.sigma)
        for _ in range(shifts):
            shifted, sigma = (np.asarray(x) for x in S.warm_start(shifted, sigma))
        mean = shifted
        warm_time = time.perf_counter() - tic
        if cfg.mode in ("nn", "hybrid"):
            tic = time.perf_counter()
            features = S.features(qpos32, qvel32, t0, self.arrays)
            mean = np.asarray(S.network(self.network_params, features, shifted))
            nn_time = time.perf_counter() - tic + (warm_time if cfg.mode == "nn" else 0.0)
        if cfg.mode in ("cem", "hybrid"):
            if cfg.mode == "hybrid":  # start from a blend of the prediction and the previous refined plan
                mean = (cfg.nn_weight * mean + (1 - cfg.nn_weight) * shifted).astype(np.float32)
            anchor = shifted  # hybrid: the previous refined plan stays a candidate (sample 1); unused by CEM
            tic = time.perf_counter() - warm_time
            for it in range(cfg.iterations):
                counter = np.int32(self.cycle * cfg.iterations + it)
                seed = np.int32(cfg.seed)
                if S.iterate is not None:
                    mean, sigma, costs, pushed = S.iterate(mean, sigma, anchor, seed, counter, t0, qpos32, qvel32,
                                                           self.prev_ctrl, held, self.arrays)
                    mean, sigma = np.asarray(mean), np.asarray(sigma)
                else:
                    knots, controls, pushed = S.propose(mean, sigma, anchor, seed, counter, t0, qvel32, held, self.arrays)
                    q, v, s = self._roll_out(plan_time, qpos, qvel, np.asarray(controls))
                    mean, sigma, costs = S.score(
                        mean, sigma, knots, controls, q, v, s, t0, self.prev_ctrl, pushed, self.arrays
                    )
                    # host numpy in, host numpy out: every stage sees one argument signature (one compile)
                    mean, sigma = np.asarray(mean), np.asarray(sigma)
            self.last_costs = np.asarray(costs)
            self.pushed = float(pushed)
            cem_time = time.perf_counter() - tic
        ctrl = np.asarray(S.plant(mean, t0, self.arrays), dtype=np.float64)
        self.last_warm_start = shifted
        self.mean, self.sigma = mean, sigma
        self.last_start = plan_time
        self.prev_ctrl = np.asarray(ctrl[spec.steps_per_replan - 1], np.float32)
        self.cycle += 1
        total = time.perf_counter() - start
        plan = Plan(start_time=plan_time, state_time=t, controls=ctrl, dt=spec.plant_dt, knots=mean)
        return plan, CycleTiming(total, nn_time, cem_time, max(total - nn_time - cem_time, 0.0), self._rollout_time)
