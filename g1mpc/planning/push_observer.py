"""A push observer: the horizontal acceleration of the floating base that the state prediction missed.

Latency compensation predicts where the robot will be when a plan reaches it by stepping the model under
the servo targets already sent (:mod:`g1mpc.planning.prediction`). The model knows no push, so while one
acts each plan starts from a state that is too slow. The next measured state tells by how much: the
base's measured velocity less the one the last prediction passed through at that moment (its last one,
where the prediction ended sooner), over the time between the two states, is the acceleration the
prediction missed. Assuming the push goes on for as long again, the next prediction's end state gets that
acceleration over its own span. Estimates below a deadband are taken as model error and ignored; each
estimate comes from an unforced prediction, so it follows a push's start and end with one cycle of lag and
does not feed back on itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from g1mpc.common.errors import ConfigError


def missed_acceleration(measured_velocity: np.ndarray, predicted_velocity: np.ndarray, interval: float) -> np.ndarray:
    """(2,) base acceleration (m/s^2) the prediction lacked: measured less predicted (2,) velocity over ``interval`` s."""
    return (np.asarray(measured_velocity, float) - np.asarray(predicted_velocity, float)) / interval


def corrected_state(qpos: np.ndarray, qvel: np.ndarray, acceleration: np.ndarray, span: float,
                    lead: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The predicted state (qpos (nq,), qvel (nv,)) with the base's horizontal ``acceleration`` (2,) m/s^2 applied
    over the prediction's ``span`` s (a floating base: qpos[:2] and qvel[:2] are its world position and velocity);
    the velocity gets it for ``lead`` s more, the push assumed to go on that long past the plan's start."""
    qpos, qvel = np.array(qpos, float), np.array(qvel, float)
    qvel[:2] += acceleration * (span + lead)
    qpos[:2] += 0.5 * acceleration * span**2
    return qpos, qvel


@dataclass(frozen=True)
class PushObserverConfig:
    """Settings of the observer; the defaults live in
    :class:`~g1mpc.planning.controller.ControllerConfig` (``push_observer``, ``push_deadband``).

    Attributes:
        deadband: smaller missed accelerations (m/s^2) are taken as model error.
        lead: how long (s) past a plan's start a push is assumed to go on: the plan's start velocity gets the
            missed acceleration over that time too (0: only up to the start).
        limit: the largest acceleration applied (m/s^2), whatever the estimate.
    """

    deadband: float
    lead: float = 0.0
    limit: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.deadband < self.limit:
            raise ConfigError(f"--push_deadband must be >= 0 and below {self.limit} m/s^2, got {self.deadband}")
        if not 0 <= self.lead <= 1.0:
            raise ConfigError(f"--push_lead must be between 0 and 1 s, got {self.lead}")


class PushObserver:
    """Keeps the base velocities the last prediction passed through, to estimate from them what it missed."""

    def __init__(self, config: PushObserverConfig):
        self.config = config
        self.reset()

    def reset(self) -> None:
        self._path_time = 0.0
        self._path_dt = 0.0
        self._path: np.ndarray | None = None  # (n + 1, 2) base velocity at path_time + i dt

    def remember(self, time: float, dt: float, base_velocities: np.ndarray) -> None:
        """The prediction just made: from ``time`` in steps of ``dt``, the base's horizontal velocity (n + 1, 2)."""
        self._path_time, self._path_dt, self._path = float(time), float(dt), np.asarray(base_velocities, float)

    def update(self, time: float, base_velocity: np.ndarray) -> np.ndarray:
        """The missed acceleration (2,) from the state measured at ``time`` (base velocity (2,)).

        The estimate compares with the velocity the last prediction passed through at ``time``. A state
        measured after the prediction's end (a plan expected sooner than one period ahead, or a planner that
        ran late) is compared with its last velocity, for up to as long again as the prediction spanned;
        without a prediction (the first plan, a reset), or further from it, the estimate is zero.
        """
        if self._path is None:
            return np.zeros(2)
        step = int(round((time - self._path_time) / self._path_dt))
        last = len(self._path) - 1
        if not 1 <= step <= 2 * last:
            return np.zeros(2)
        estimate = missed_acceleration(base_velocity, self._path[min(step, last)], step * self._path_dt)
        magnitude = float(np.linalg.norm(estimate))
        if magnitude < self.config.deadband:
            return np.zeros(2)
        return estimate * min(1.0, self.config.limit / magnitude)
