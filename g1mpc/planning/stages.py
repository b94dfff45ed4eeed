"""The planning stages, each declared once: its function and example arguments.

The JIT path jits the functions, the AOT path exports them with the example arguments' shapes and loads
them back by name; all three read this one declaration. Arguments are arrays only (the static
:class:`~g1mpc.planning.pipeline.PlanSpec` and planner are closed over), so one compiled stage serves any
reference clip up to the run's clip capacity and any network weights of the right shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np

from g1mpc.network.jax_mlp import mlp_apply
from g1mpc.planning import pipeline as P
from g1mpc.planning.planners import PlannerState, SamplingPlanner


class Stage(NamedTuple):
    """A stage function and example arguments whose shapes and dtypes define its exported signature."""

    fn: Callable
    example_args: tuple[Any, ...] | None  # None: not exportable as declared (no network weights given)


class StageFunctions(NamedTuple):
    """One entry per stage (a :class:`Stage`, a jitted function or a loaded one); ``iterate`` only for MJX."""

    warm_start: Any  # (mean, sigma) -> mean, sigma
    propose: Any  # (mean, sigma, anchor, seed, counter, t0, qvel, held, arrays) -> knots (N,K,nu), controls (N,H,nu), pushed ()
    score: Any  # (mean, sigma, knots, controls, qpos, qvel, sens, t0, prev_ctrl, pushed, arrays) -> mean, sigma, costs (N,)
    plant: Any  # (mean, t0, arrays) -> plant controls over the plan's horizon (P, nu)
    features: Any  # (qpos, qvel, t0, arrays) -> (F,)
    network: Any  # (params, features, warm-started mean) -> knots (K, nu)
    iterate: Any  # MJX: (mean, sigma, anchor, seed, counter, t0, qpos, qvel, prev_ctrl, held, arrays) -> mean, sigma, costs, pushed


def _key(seed, counter):
    return jax.random.fold_in(jax.random.PRNGKey(seed), counter)


def declare_stages(
    spec: P.PlanSpec, planner: SamplingPlanner, arrays: P.RunArrays, nsensordata: int,
    network_params: dict | None = None, mjx_rollout: Callable | None = None, anchor_sample: bool = False,
) -> StageFunctions:
    """Every stage with its example arguments.

    ``anchor_sample`` (hybrid mode): the ``anchor`` argument of ``propose`` becomes sample 1.
    ``mjx_rollout``: declares ``iterate``, which fuses propose, the MJX rollout and score.
    """

    def warm_start(mean, sigma):
        return tuple(P.warm_start(spec, PlannerState(mean, sigma)))

    def propose(mean, sigma, anchor, seed, counter, t0, qvel, held, arrays):
        return P.propose(spec, planner, PlannerState(mean, sigma), _key(seed, counter), t0, qvel, arrays,
                         anchor if anchor_sample else None, held)

    def score(mean, sigma, knots, controls, qpos, qvel, sens, t0, prev_ctrl, pushed, arrays):
        state, costs = P.score_and_update(
            spec, planner, PlannerState(mean, sigma), knots, controls, qpos, qvel, sens, t0, prev_ctrl, arrays, pushed
        )
        return state.mean, state.sigma, costs

    def plant(mean, t0, arrays):
        return P.plant_controls(spec, mean, t0, arrays)

    def features(qpos, qvel, t0, arrays):
        return P.network_features(spec, qpos, qvel, t0, arrays)

    def network(params, feats, shifted_mean):
        return mlp_apply(params, feats, shifted_mean, spec.num_knots, spec.nu)

    def iterate(mean, sigma, anchor, seed, counter, t0, qpos, qvel, prev_ctrl, held, arrays):
        knots, controls, pushed = propose(mean, sigma, anchor, seed, counter, t0, qvel, held, arrays)
        q, v, s = mjx_rollout(t0, qpos, qvel, controls)
        return (*score(mean, sigma, knots, controls, q, v, s, t0, prev_ctrl, pushed, arrays), pushed)

    f32, n, h = np.float32, planner.num_samples, spec.horizon_steps
    mean = np.zeros((spec.num_knots, spec.nu), f32)
    qpos, qvel, prev = np.zeros(spec.nq, f32), np.zeros(spec.nv, f32), np.zeros(spec.nu, f32)
    t0, held, seed, counter = f32(0), f32(0), np.int32(0), np.int32(0)
    rollout = (np.zeros((n, h, spec.nq), f32), np.zeros((n, h, spec.nv), f32), np.zeros((n, h, nsensordata), f32))
    knots, controls = np.zeros((n, spec.num_knots, spec.nu), f32), np.zeros((n, h, spec.nu), f32)
    return StageFunctions(
        warm_start=Stage(warm_start, (mean, mean)),
        propose=Stage(propose, (mean, mean, mean, seed, counter, t0, qvel, held, arrays)),
        score=Stage(score, (mean, mean, knots, controls, *rollout, t0, prev, held, arrays)),
        plant=Stage(plant, (mean, t0, arrays)),
        features=Stage(features, (qpos, qvel, t0, arrays)),
        network=Stage(network, None if network_params is None else (network_params, np.zeros(spec.feature_size, f32), mean)),
        iterate=None if mjx_rollout is None else Stage(iterate, (mean, mean, mean, seed, counter, t0, qpos, qvel, prev, held,
                                                                 arrays)),
    )


def jit_stages(stages: StageFunctions) -> StageFunctions:
    """The JIT path: each declared function under ``jax.jit`` (compiled on its first call)."""
    return StageFunctions(*[None if s is None else jax.jit(s.fn) for s in stages])
