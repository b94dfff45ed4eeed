"""The sampling-planner interface: sample knots around a mean, update from costs.

Knots are residuals added to the reference's actuator targets, so a zero mean
means "track the reference open loop" and the samples explore around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from g1mpc.planning.noise_schedule import NoiseSchedule, calm_to_pushed


def mirrored_pairs(noise: jnp.ndarray) -> jnp.ndarray:
    """Noise (M, ...) as antithetic pairs: rows 2, 4, ... become minus rows 1, 3, ...; row 0 (the anchor's slot
    among the samples after the mean) stays alone. Under a cost that is locally symmetric the two halves of a pair
    weigh alike and their noise cancels in a weighted mean; under a slope the better half carries the step."""
    index = jnp.arange(noise.shape[0])
    second = ((index >= 2) & (index % 2 == 0)).reshape(-1, *([1] * (noise.ndim - 1)))
    return jnp.where(second, -jnp.roll(noise, 1, axis=0), noise)


class PlannerState(NamedTuple):
    """What a planner carries from one replan to the next."""

    mean: jnp.ndarray  # (K, nu) knot residuals
    sigma: jnp.ndarray  # (K, nu) sampling standard deviation


@dataclass(frozen=True, kw_only=True)
class SamplingPlanner:
    """Common sampling: sample 0 is the mean itself, a fraction explores wide, the rest use sigma.

    Settings have no defaults here: :class:`~g1mpc.planning.controller.ControllerConfig` holds the one default of each.
    """

    num_samples: int
    sigma_start: float  # initial and exploration noise
    explore_fraction: float  # share of the samples drawn with sigma_start
    anchor_fraction: float  # share of the samples centred on the anchor, when one is given
    calm_anchor_fraction: float | None = None  # that share in a calm state, rising to anchor_fraction when pushed
    noise_scale: tuple[float, ...] | None = None  # per-actuator multiplier on every sigma (None: all 1)
    # (K*nu, K*nu) lower-triangular factor of the noise's correlation across knots and actuators, rows of unit
    # norm so each value keeps its spread (None: independent noise)
    noise_factor: np.ndarray | None = field(default=None, compare=False)
    noise_schedule: NoiseSchedule | None = None  # narrower noise while nothing pushes (None or calm 1: off)
    antithetic: bool = False  # noisy samples in mirrored pairs, +e and -e around one centre (:func:`mirrored_pairs`)

    def _scale(self, nu: int) -> np.ndarray:
        return np.ones(nu, np.float32) if self.noise_scale is None else np.asarray(self.noise_scale, np.float32)

    def floored(self, spread: jnp.ndarray, floor: float) -> jnp.ndarray:
        """A refitted spread (K, nu), no lower than ``floor`` (rad) times each actuator's noise scale."""
        return jnp.maximum(spread, floor * self._scale(spread.shape[-1]))

    def init(self, num_knots: int, nu: int) -> PlannerState:
        """The starting state, as host numpy float32 (creating it runs no JAX op, so compiles nothing)."""
        sigma = np.broadcast_to(np.float32(self.sigma_start) * self._scale(nu), (num_knots, nu))
        return PlannerState(np.zeros((num_knots, nu), np.float32), sigma.copy())

    def anchor_share(self, pushed=1.0) -> jnp.ndarray:
        """() share of the samples centred on the anchor in a state ``pushed`` (0 calm to 1 pushed, ()):
        ``anchor_fraction``, or with a ``calm_anchor_fraction`` the line from it (calm) to ``anchor_fraction``."""
        return calm_to_pushed(self.calm_anchor_fraction, self.anchor_fraction, pushed)

    def sample(self, state: PlannerState, key: jax.Array, anchor: jnp.ndarray | None = None, noise_scale=1.0,
               active=None, pushed=1.0) -> jnp.ndarray:
        """Knots (N, K, nu): the mean, then mean + noise (its spread times ``noise_scale``; correlated across knots
        and actuators by ``noise_factor`` when the planner has one).

        With an ``anchor`` (K, nu), samples 1 to round(:meth:`anchor_share` (``pushed``) x (N - 1)) (at least 1) are centred on it instead
        (sample 1 is the anchor itself, the wide exploration samples come next): a mixture of two
        proposals, so the plan the anchor carries keeps being refined however far off the mean is.

        ``active`` (a scalar, at most N; None: N) is how many samples will be rolled out: the mixture is laid
        out over the first ``active``, in the same shares as over all N, so a run can roll out fewer samples
        than it was compiled for. With ``active`` N the samples are exactly those of the plain layout.

        ``antithetic``: samples 3, 5, ... take the noise of samples 2, 4, ... with the sign flipped
        (:func:`mirrored_pairs`), so every even ``active`` count rolls out whole pairs.
        """
        n_rest = self.num_samples - 1
        rest = n_rest if active is None else jnp.clip(jnp.asarray(active, jnp.int32), 1, self.num_samples) - 1
        index = jnp.arange(n_rest)[:, None, None]
        n_explore = jnp.round(self.explore_fraction * rest)
        noise = jax.random.normal(key, (n_rest, *state.mean.shape))
        if self.noise_factor is not None:
            noise = (noise.reshape(n_rest, -1) @ jnp.asarray(self.noise_factor).T).reshape(noise.shape)
        if self.antithetic:
            noise = mirrored_pairs(noise)
        wide = jnp.broadcast_to(self.sigma_start * self._scale(state.mean.shape[-1]), state.mean.shape)
        scale = jnp.where(index < n_explore, wide, state.sigma)
        centres = jnp.broadcast_to(state.mean, (n_rest, *state.mean.shape))
        if anchor is not None:
            n_anchor = jnp.minimum(jnp.maximum(1, jnp.round(self.anchor_share(pushed) * rest)), rest)
            centres = jnp.where(index < n_anchor, anchor, centres)
            noise = noise.at[0].set(0.0)
        return jnp.concatenate([state.mean[None], centres + (scale * noise_scale) * noise])

    def update(self, state: PlannerState, knots: jnp.ndarray, costs: jnp.ndarray, pushed=1.0) -> PlannerState:
        """The next state from samples ``knots`` (N, K, nu) and their ``costs`` (N,), in a state ``pushed`` (0 calm
        to 1 pushed, (); :func:`~g1mpc.planning.pipeline.pushed_state`)."""
        raise NotImplementedError
