"""Model-predictive path integral: exponentially cost-weighted average of the samples."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from g1mpc.planning.planners.base import PlannerState, SamplingPlanner


@dataclass(frozen=True, kw_only=True)
class MPPI(SamplingPlanner):
    temperature: float  # relative to the cost spread of the batch

    def update(self, state: PlannerState, knots: jnp.ndarray, costs: jnp.ndarray) -> PlannerState:
        highest = jnp.max(jnp.where(jnp.isfinite(costs), costs, -jnp.inf))  # samples not rolled out cost +inf
        spread = jnp.maximum(highest - jnp.min(costs), 1e-9)
        weights = jax.nn.softmax(-(costs - jnp.min(costs)) / (self.temperature * spread))
        mean = jnp.einsum("n,nku->ku", weights, knots)
        return PlannerState(mean, state.sigma)
