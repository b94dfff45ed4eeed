"""Predictive sampling: keep the single best sample (the mean is always a candidate)."""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from g1mpc.planning.planners.base import PlannerState, SamplingPlanner


@dataclass(frozen=True, kw_only=True)
class PredictiveSampling(SamplingPlanner):
    def update(self, state: PlannerState, knots: jnp.ndarray, costs: jnp.ndarray, pushed=1.0) -> PlannerState:
        return PlannerState(knots[jnp.argmin(costs)], state.sigma)
