"""Model-predictive path integral: exponentially cost-weighted average of the samples.

A low temperature follows the best few samples, a high one averages many: the latter holds large pushes (the
plan keeps what many samples agree on), the former tracks a calm robot closely (an average of samples carries
their noise into the plan). ``calm_temperature`` gives each state its own, by how pushed it is.

The weighted average keeps about N x temperature of N samples whose costs spread evenly, so one temperature is
a different average at another sample count; ``temperature_samples`` keeps that count as N grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from g1mpc.planning.noise_schedule import calm_to_pushed
from g1mpc.planning.planners.base import PlannerState, SamplingPlanner


def sample_count_scale(temperature_samples: int, rolled_out) -> jnp.ndarray:
    """() factor on temperatures meant for ``temperature_samples`` samples with ``rolled_out`` (()) rolled out:
    temperature_samples / rolled_out where more are rolled out, else 1 (and 1 with temperature_samples 0, off)."""
    if not temperature_samples:
        return jnp.asarray(1.0)
    return jnp.minimum(1.0, temperature_samples / jnp.maximum(rolled_out, 1))


@dataclass(frozen=True, kw_only=True)
class MPPI(SamplingPlanner):
    temperature: float  # relative to the cost spread of the batch
    # None: sigma stays as it started; a floor (rad): sigma is refitted to the weighted spread of the samples
    # about the new mean, no lower than this floor (times the noise scale)
    sigma_min: float | None = None
    # the temperature in a calm state, rising linearly to ``temperature`` when pushed (None: ``temperature`` always)
    calm_temperature: float | None = None
    # the sample count the temperatures are meant for: with more samples rolled out, they scale by this / that
    # count (0: as given at every count; fewer samples than this: as given)
    temperature_samples: int = 0

    def temperature_in(self, pushed=1.0, rolled_out=None) -> jnp.ndarray:
        """() the temperature in a state ``pushed`` (0 calm to 1 pushed, ()) with ``rolled_out`` samples (())."""
        temperature = calm_to_pushed(self.calm_temperature, self.temperature, pushed)
        if not self.temperature_samples or rolled_out is None:
            return temperature
        return temperature * sample_count_scale(self.temperature_samples, rolled_out)

    def update(self, state: PlannerState, knots: jnp.ndarray, costs: jnp.ndarray, pushed=1.0) -> PlannerState:
        rolled_out = jnp.isfinite(costs)  # samples not rolled out cost +inf
        highest = jnp.max(jnp.where(rolled_out, costs, -jnp.inf))
        spread = jnp.maximum(highest - jnp.min(costs), 1e-9)
        temperature = self.temperature_in(pushed, jnp.sum(rolled_out))
        weights = jax.nn.softmax(-(costs - jnp.min(costs)) / (temperature * spread))
        mean = jnp.einsum("n,nku->ku", weights, knots)
        if self.sigma_min is None:
            return PlannerState(mean, state.sigma)
        spread_sq = jnp.einsum("n,nku->ku", weights, jnp.square(knots - mean))
        return PlannerState(mean, self.floored(jnp.sqrt(spread_sq), self.sigma_min))
