"""Cross-entropy method: refit mean and sigma to the lowest-cost samples."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from g1mpc.planning.planners.base import PlannerState, SamplingPlanner


@dataclass(frozen=True, kw_only=True)
class CEM(SamplingPlanner):
    num_elites: int
    sigma_min: float  # noise floor

    def update(self, state: PlannerState, knots: jnp.ndarray, costs: jnp.ndarray, pushed=1.0) -> PlannerState:
        _, elite_idx = jax.lax.top_k(-costs, self.num_elites)
        elites = knots[elite_idx]
        mean = jnp.mean(elites, axis=0)
        return PlannerState(mean, self.floored(jnp.std(elites, axis=0), self.sigma_min))
