"""Sampling noise that widens when the robot is pushed: narrow while the floating base moves as the
reference's does, the full spread once it moves faster than that by ``pushed_speed`` (or, where
``pushed_joint_speed`` is set, once the joints move that much faster than the reference's: a robot still
stepping after its base has slowed counts as pushed). With a ``hold``, a pushed state fades over that many
seconds instead of ending when the base slows: the robot still recovering keeps its wide samples, while a
threshold high enough to leave small pushes to narrow samples does not cut a large push's recovery short.

Wide samples hold pushes and shake a standing robot (their weighted mean carries some of their noise into
the plan); the schedule keeps them for the cycles that need them. The gain multiplies the sampling spread
inside the compiled propose stage, so JIT, precompiled and MJX runs share this one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from g1mpc.common.errors import ConfigError


@dataclass(frozen=True)
class NoiseSchedule:
    """The noise multiplier as a function of how much faster than the reference's the robot moves.

    Settings have no defaults here: :class:`~g1mpc.planning.controller.ControllerConfig` holds the one default
    of each (``calm_noise``, ``calm_speed``, ``pushed_speed``, ``calm_joint_speed``, ``pushed_joint_speed``).

    Attributes:
        calm: multiplier at or below ``calm_speed`` (1: the schedule changes nothing).
        calm_speed, pushed_speed: the ramp from ``calm`` up to 1, linear in the base's horizontal speed relative
            to the reference's (m/s).
        calm_joint_speed, pushed_joint_speed: the same ramp in the joints' RMS speed relative to the reference's
            (rad/s); the state is as pushed as the larger of the two ramps says. None: the base's alone.
        hold: seconds over which a pushed state fades linearly to calm (:meth:`fade`); 0: no memory.
        calm_accel, pushed_accel: the same ramp in the base's measured horizontal acceleration (m/s^2,
            :meth:`pushed_by_acceleration`); pushed_accel 0: off.
    """

    calm: float
    calm_speed: float
    pushed_speed: float
    calm_joint_speed: float = 0.5
    pushed_joint_speed: float | None = None
    hold: float = 0.0
    calm_accel: float = 0.0
    pushed_accel: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.calm <= 1:
            raise ConfigError(f"--calm_noise must be in (0, 1], got {self.calm}")
        if not 0 <= self.calm_speed < self.pushed_speed:
            raise ConfigError(f"--calm_speed ({self.calm_speed}) must be >= 0 and below --pushed_speed ({self.pushed_speed})")
        if self.pushed_joint_speed is not None and not 0 <= self.calm_joint_speed < self.pushed_joint_speed:
            raise ConfigError(f"--calm_joint_speed ({self.calm_joint_speed}) must be >= 0 and below "
                              f"--pushed_joint_speed ({self.pushed_joint_speed})")
        if not (self.pushed_accel == 0 or 0 <= self.calm_accel < self.pushed_accel):
            raise ConfigError(f"--calm_accel ({self.calm_accel}) must be >= 0 and below --pushed_accel ({self.pushed_accel}),"
                              " or --pushed_accel 0 (off)")
        if not self.hold >= 0:
            raise ConfigError(f"--push_hold must be >= 0 seconds, got {self.hold}")

    @property
    def active(self) -> bool:
        return self.calm < 1

    def pushed(self, speed: jnp.ndarray, joint_speed: jnp.ndarray | None = None) -> jnp.ndarray:
        """() how pushed the state is, from 0 (calm) to 1, for a relative base speed ``speed`` (m/s, ()) and
        relative joint speed ``joint_speed`` (rad/s RMS, (); used only with a ``pushed_joint_speed``)."""
        base = jnp.clip(_ramp(speed, self.calm_speed, self.pushed_speed), 0.0, 1.0)
        if self.pushed_joint_speed is None or joint_speed is None:
            return base
        joints = _ramp(joint_speed, self.calm_joint_speed, self.pushed_joint_speed)
        return jnp.maximum(base, jnp.clip(joints, 0.0, 1.0))

    def pushed_by_acceleration(self, acceleration: float) -> float:
        """How pushed (0 to 1) a base accelerating at ``acceleration`` m/s^2 (horizontal, measured) counts; 0 without
        a ``pushed_accel`` (0). The controller takes the larger of this and the faded earlier push as ``held``."""
        if self.pushed_accel == 0:
            return 0.0
        return min(1.0, max(0.0, _ramp(float(acceleration), self.calm_accel, self.pushed_accel)))

    def gain(self, pushed: jnp.ndarray) -> jnp.ndarray:
        """() multiplier on the sampling noise in a state ``pushed`` (0 calm to 1, ())."""
        return calm_to_pushed(self.calm, 1.0, pushed)

    def fade(self, pushed: float, elapsed: float) -> float:
        """How pushed a state that was ``pushed`` (0 to 1) still counts ``elapsed`` seconds later: down by
        1 / ``hold`` per second, to 0 (at once without a hold)."""
        if self.hold <= 0:
            return 0.0
        return max(0.0, float(pushed) - max(0.0, float(elapsed)) / self.hold)


def _ramp(value, calm, pushed):
    """Where ``value`` lies on the line from ``calm`` (0) to ``pushed`` (1), unclipped; the one ramp of every signal."""
    return (value - calm) / (pushed - calm)


def calm_to_pushed(calm: float | None, pushed_value: float, pushed) -> jnp.ndarray:
    """() a setting in a state ``pushed`` (0 calm to 1 pushed, ()): the line from ``calm`` to ``pushed_value``, or
    ``pushed_value`` in every state where ``calm`` is None. The one ramp every calm setting follows."""
    if calm is None:
        return jnp.asarray(pushed_value)
    return calm + (pushed_value - calm) * pushed


def base_acceleration(velocity: np.ndarray, previous_velocity: np.ndarray | None, interval: float) -> float:
    """Horizontal acceleration (m/s^2) of a floating base whose world velocity (``qvel[:2]``, (2,)) went from
    ``previous_velocity`` to ``velocity`` in ``interval`` s; 0 without an earlier velocity or a positive interval."""
    if previous_velocity is None or not interval > 0:
        return 0.0
    return float(np.linalg.norm(np.asarray(velocity[:2], float) - np.asarray(previous_velocity[:2], float)) / interval)


def relative_base_speed(qvel: jnp.ndarray, ref_base_now: jnp.ndarray, ref_base_next: jnp.ndarray,
                        dt: float) -> jnp.ndarray:
    """() horizontal speed (m/s) of the floating base (``qvel[:2]``, world frame) relative to the reference's,
    whose base positions (2,) are ``ref_base_now`` and, ``dt`` seconds later, ``ref_base_next``."""
    reference_velocity = (ref_base_next - ref_base_now) / dt
    return jnp.linalg.norm(qvel[:2] - reference_velocity)


def relative_joint_speed(joint_velocity: jnp.ndarray, ref_joints_now: jnp.ndarray, ref_joints_next: jnp.ndarray,
                         dt: float) -> jnp.ndarray:
    """() RMS speed (rad/s) of the joints (``joint_velocity`` (J,)) relative to the reference's, whose joint
    positions (J,) are ``ref_joints_now`` and, ``dt`` seconds later, ``ref_joints_next``."""
    return jnp.sqrt(jnp.mean((joint_velocity - (ref_joints_next - ref_joints_now) / dt) ** 2))
