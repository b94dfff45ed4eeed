"""Sampling noise that widens when the robot is pushed: narrow while the floating base moves as the
reference's does, the full spread once it moves faster than that by ``pushed_speed``.

Wide samples hold pushes and shake a standing robot (their weighted mean carries some of their noise into
the plan); the schedule keeps them for the cycles that need them. The gain multiplies the sampling spread
inside the compiled propose stage, so JIT, precompiled and MJX runs share this one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from g1mpc.common.errors import ConfigError


@dataclass(frozen=True)
class NoiseSchedule:
    """The noise multiplier as a function of the base's horizontal speed relative to the reference's (m/s).

    Settings have no defaults here: :class:`~g1mpc.planning.controller.ControllerConfig` holds the one default
    of each (``calm_noise``, ``calm_speed``, ``pushed_speed``).

    Attributes:
        calm: multiplier at or below ``calm_speed`` (1: the schedule changes nothing).
        calm_speed, pushed_speed: the ramp from ``calm`` up to 1, linear in the speed.
    """

    calm: float
    calm_speed: float
    pushed_speed: float

    def __post_init__(self) -> None:
        if not 0 < self.calm <= 1:
            raise ConfigError(f"--calm_noise must be in (0, 1], got {self.calm}")
        if not 0 <= self.calm_speed < self.pushed_speed:
            raise ConfigError(f"--calm_speed ({self.calm_speed}) must be >= 0 and below --pushed_speed ({self.pushed_speed})")

    @property
    def active(self) -> bool:
        return self.calm < 1

    def pushed(self, speed: jnp.ndarray) -> jnp.ndarray:
        """() how pushed the state is, from 0 (calm) to 1, for a relative base speed ``speed`` (m/s, ())."""
        return jnp.clip((speed - self.calm_speed) / (self.pushed_speed - self.calm_speed), 0.0, 1.0)

    def gain(self, speed: jnp.ndarray) -> jnp.ndarray:
        """() multiplier on the sampling noise for a relative base speed ``speed`` (m/s, ())."""
        return self.calm + (1.0 - self.calm) * self.pushed(speed)


def relative_base_speed(qvel: jnp.ndarray, ref_base_now: jnp.ndarray, ref_base_next: jnp.ndarray,
                        dt: float) -> jnp.ndarray:
    """() horizontal speed (m/s) of the floating base (``qvel[:2]``, world frame) relative to the reference's,
    whose base positions (2,) are ``ref_base_now`` and, ``dt`` seconds later, ``ref_base_next``."""
    reference_velocity = (ref_base_next - ref_base_now) / dt
    return jnp.linalg.norm(qvel[:2] - reference_velocity)
