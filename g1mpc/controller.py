"""The MPC controller: runs the planning stages each cycle and times them.

The stages are the pure functions of :mod:`g1mpc.pipeline`; how they were
compiled (``jax.jit`` here, exported artifacts in :mod:`g1mpc.aot`) is the
only thing that differs between the JIT and AOT paths.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, NamedTuple

import jax
import numpy as np

from g1mpc import pipeline as P
from g1mpc.network_jax import mlp_apply
from g1mpc.planners import PLANNERS, PlannerState, SamplingPlanner

MODES = ("cem", "nn", "hybrid")


@dataclass(frozen=True)
class ControllerConfig:
    """Planner settings (the spline/horizon settings live in :class:`~g1mpc.pipeline.PlanSpec`)."""

    mode: str = "cem"  # cem: sampling only; nn: network only; hybrid: network mean refined by sampling
    planner: str = "cem"  # cem | mppi | ps
    num_samples: int = 16
    num_elites: int = 2
    iterations: int = 1
    sigma_start: float = 0.1  # measured: 0.1 keeps CEM-16 up under 150 N pushes where 0.05 did not
    sigma_min: float = 0.02
    explore_fraction: float = 0.2
    anchor_fraction: float = 0.8  # hybrid: share of the samples drawn around the previous refined plan
    temperature: float = 0.1
    backend: str = "mujoco"
    seed: int = 0
    nn_weight: float = 1.0  # hybrid: weight of the network's knots in the CEM start (rest: previous plan)
    arm_noise_scale: float = 0.3  # sampling noise on shoulders/elbows relative to legs (wrists/hands get a third of it)
    waist_noise_scale: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)


def noise_scale(actuator_names: list[str], config: ControllerConfig) -> tuple[float, ...]:
    """Per-actuator sampling-noise multiplier: legs explore most, arms and wrists less."""

    def scale(name: str) -> float:
        if "waist" in name:
            return config.waist_noise_scale
        if "wrist" in name or "hand" in name:
            return config.arm_noise_scale / 3
        if "shoulder" in name or "elbow" in name:
            return config.arm_noise_scale
        return 1.0

    return tuple(scale(n) for n in actuator_names)


def make_planner(config: ControllerConfig, actuator_names: list[str] | None = None) -> SamplingPlanner:
    common = dict(
        num_samples=config.num_samples, sigma_start=config.sigma_start, explore_fraction=config.explore_fraction,
        anchor_fraction=config.anchor_fraction,
        noise_scale=noise_scale(actuator_names, config) if actuator_names else None,
    )
    if config.planner == "cem":
        return PLANNERS["cem"](**common, num_elites=config.num_elites, sigma_min=config.sigma_min)
    if config.planner == "mppi":
        return PLANNERS["mppi"](**common, temperature=config.temperature)
    return PLANNERS["ps"](**common)


def _key(seed, counter):
    return jax.random.fold_in(jax.random.PRNGKey(seed), counter)


class StageFunctions(NamedTuple):
    """The planning stages with the static spec bound; arguments are arrays only."""

    warm_start: Callable  # (mean, sigma) -> mean, sigma
    propose: Callable  # (mean, sigma, anchor, seed, counter, t0, task) -> knots, controls
    score: Callable  # (mean, sigma, knots, controls, qpos, qvel, sens, t0, prev_ctrl, task) -> mean, sigma, costs
    plant: Callable  # (mean, t0, task) -> plant controls (S, nu)
    features: Callable  # (qpos, qvel, t0, task) -> (F,)
    network: Callable  # (params, features) -> (K, nu)
    iterate: Callable | None  # mjx only: (mean, sigma, anchor, seed, counter, t0, qpos, qvel, prev_ctrl, task) -> ...


def stage_functions(
    spec: P.PlanSpec, planner: SamplingPlanner, mjx_rollout: Callable | None = None, anchor_sample: bool = False
) -> StageFunctions:
    """Plain (uncompiled) stage functions; compile them with :func:`jit_stages` or export them.

    ``anchor_sample`` (hybrid mode): the ``anchor`` argument of ``propose`` becomes sample 1.
    """

    def warm_start(mean, sigma):
        return tuple(P.warm_start(spec, PlannerState(mean, sigma)))

    def propose(mean, sigma, anchor, seed, counter, t0, task):
        return P.propose(spec, planner, PlannerState(mean, sigma), _key(seed, counter), t0, task,
                         anchor if anchor_sample else None)

    def score(mean, sigma, knots, controls, qpos, qvel, sens, t0, prev_ctrl, task):
        state, costs = P.score_and_update(
            spec, planner, PlannerState(mean, sigma), knots, controls, qpos, qvel, sens, t0, prev_ctrl, task
        )
        return state.mean, state.sigma, costs

    def plant(mean, t0, task):
        return P.plant_controls(spec, mean, t0, task)

    def features(qpos, qvel, t0, task):
        return P.network_features(spec, qpos, qvel, t0, task)

    def network(params, feats):
        return mlp_apply(params, feats, spec.num_knots, spec.nu)

    iterate = None
    if mjx_rollout is not None:

        def iterate(mean, sigma, anchor, seed, counter, t0, qpos, qvel, prev_ctrl, task):
            knots, controls = propose(mean, sigma, anchor, seed, counter, t0, task)
            q, v, s = mjx_rollout(t0, qpos, qvel, controls)
            return score(mean, sigma, knots, controls, q, v, s, t0, prev_ctrl, task)

    return StageFunctions(warm_start, propose, score, plant, features, network, iterate)


def jit_stages(stages: StageFunctions) -> StageFunctions:
    return StageFunctions(*[jax.jit(f) if f is not None else None for f in stages])


@dataclass
class CycleTiming:
    total: float
    nn: float
    cem: float
    other: float


class Controller:
    """Plans servo targets for the next replan period from the current state."""

    def __init__(
        self,
        spec: P.PlanSpec,
        config: ControllerConfig,
        stages: StageFunctions,
        task: P.TaskArrays,
        initial_state: PlannerState,
        rollout: Callable | None = None,
        network_params: dict | None = None,
    ):
        if config.mode in ("nn", "hybrid") and network_params is None:
            raise ValueError(f"mode '{config.mode}' needs network parameters")
        if config.mode != "nn" and config.backend == "mujoco" and rollout is None:
            raise ValueError("the mujoco backend needs a native rollout")
        self.spec, self.config, self.stages, self.task = spec, config, stages, task
        self.rollout = rollout
        self.network_params = network_params
        self.initial_state = initial_state  # the planner's init(): zero residuals, sigma_start x noise scale
        self.reset()

    def reset(self, initial_ctrl: np.ndarray | None = None) -> None:
        # Host-side state is numpy float32: no eager JAX ops, so nothing compiles outside the stages.
        self.mean, self.sigma = (np.array(x, np.float32) for x in self.initial_state)
        self.cycle = 0
        self.prev_ctrl = np.asarray(initial_ctrl if initial_ctrl is not None else np.zeros(self.spec.nu), np.float32)
        self.last_costs: np.ndarray | None = None

    def warmup(self, t: float, qpos: np.ndarray, qvel: np.ndarray, rounds: int = 3) -> None:
        """Run every code path ``rounds`` times (compiling or loading it), then reset."""
        for _ in range(rounds):
            self.plan(t, qpos, qvel)
        self.reset()

    def plan(self, t: float, qpos: np.ndarray, qvel: np.ndarray) -> tuple[np.ndarray, CycleTiming]:
        """One replan: returns plant controls (S, nu) and the timing split."""
        S, cfg = self.stages, self.config
        start = time.perf_counter()
        t0 = np.float32(t)
        qpos32, qvel32 = np.asarray(qpos, np.float32), np.asarray(qvel, np.float32)
        nn_time = cem_time = 0.0
        mean, sigma = self.mean, self.sigma
        if cfg.mode in ("nn", "hybrid"):
            tic = time.perf_counter()
            mean = np.asarray(S.network(self.network_params, S.features(qpos32, qvel32, t0, self.task)))
            nn_time = time.perf_counter() - tic
        if cfg.mode in ("cem", "hybrid"):
            tic = time.perf_counter()
            shifted, shifted_sigma = (np.asarray(x) for x in S.warm_start(self.mean, sigma))
            if cfg.mode == "cem":
                mean, sigma = shifted, shifted_sigma
            else:  # hybrid: start from a blend of the prediction and the previous refined plan
                mean = (cfg.nn_weight * mean + (1 - cfg.nn_weight) * shifted).astype(np.float32)
            anchor = shifted  # hybrid: the previous refined plan stays a candidate (sample 1); unused by CEM
            cem_time += time.perf_counter() - tic
        if cfg.mode in ("cem", "hybrid"):
            tic = time.perf_counter()
            for it in range(cfg.iterations):
                counter = np.int32(self.cycle * cfg.iterations + it)
                seed = np.int32(cfg.seed)
                if S.iterate is not None:
                    mean, sigma, costs = S.iterate(mean, sigma, anchor, seed, counter, t0, qpos32, qvel32, self.prev_ctrl, self.task)
                    mean, sigma = np.asarray(mean), np.asarray(sigma)
                else:
                    knots, controls = S.propose(mean, sigma, anchor, seed, counter, t0, self.task)
                    q, v, s = self.rollout(t, qpos, qvel, np.asarray(controls))
                    q, v, s = (np.asarray(x, np.float32) for x in (q, v, s))
                    mean, sigma, costs = S.score(
                        mean, sigma, knots, controls, q, v, s, t0, self.prev_ctrl, self.task
                    )
                    # host numpy in, host numpy out: every stage sees one argument signature (one compile)
                    mean, sigma = np.asarray(mean), np.asarray(sigma)
            self.last_costs = np.asarray(costs)
            cem_time = time.perf_counter() - tic + cem_time
        ctrl = np.asarray(S.plant(mean, t0, self.task), dtype=np.float64)
        self.mean, self.sigma = mean, sigma
        self.prev_ctrl = np.asarray(ctrl[-1], np.float32)
        self.cycle += 1
        total = time.perf_counter() - start
        return ctrl, CycleTiming(total, nn_time, cem_time, max(total - nn_time - cem_time, 0.0))
