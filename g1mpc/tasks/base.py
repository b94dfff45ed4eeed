"""The task interface: what the robot should do and how a rollout is judged.

A task is a frozen dataclass of its settings (weights, fall margins) with four jobs:

- :meth:`Task.reference_clip`: the default reference motion for a robot;
- :meth:`Task.cost`: the cost of rollouts, on the arrays every backend produces
  (``qpos (N,H,nq)``, ``qvel (N,H,nv)``, ``ctrl (N,H,nu)``, ``sensordata (N,H,ns)``), pure JAX;
- :meth:`Task.features`: the network input from the state and the reference ahead, pure JAX;
- :meth:`Task.fall_test`: when the simulated robot has fallen, judged against the reference.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, NamedTuple

if TYPE_CHECKING:
    import jax.numpy as jnp
    import mujoco
    import numpy as np

    from g1mpc.robots.base import Robot
    from g1mpc.robots.models import SensorLayout

FallTest = Callable[["mujoco.MjData", "np.ndarray"], "str | None"]  # (data, reference qpos) -> why it fell, or None


class ReferenceWindow(NamedTuple):
    """Reference values at the planned times (H steps)."""

    qpos: jnp.ndarray  # (H, nq)
    ctrl: jnp.ndarray  # (H, nu)
    sensordata: jnp.ndarray  # (H, ns)


class Task(ABC):
    """Base class of tasks; subclasses are frozen dataclasses registered in :mod:`g1mpc.registry`."""

    name: ClassVar[str]
    feature_lookahead: tuple[float, ...]  # seconds ahead at which the network sees the reference

    @abstractmethod
    def reference_clip(self, model: mujoco.MjModel, robot: Robot) -> tuple[np.ndarray, float]:
        """The default reference: qpos frames (T, nq) and their frame rate."""

    @abstractmethod
    def weight_values(self) -> dict[str, float]:
        """The cost weights by name, in the order of ``cost_scale``: what can be tuned while the robot runs."""

    @abstractmethod
    def cost(
        self, layout: SensorLayout, qpos: jnp.ndarray, qvel: jnp.ndarray, ctrl: jnp.ndarray, sensordata: jnp.ndarray,
        reference: ReferenceWindow, previous_ctrl: jnp.ndarray, cost_scale: jnp.ndarray,
        step_durations: jnp.ndarray | None = None,
    ) -> jnp.ndarray:
        """Total cost per rollout (N,) from rollout arrays (N, H, ·) and the reference at the same times, each
        weight times its entry of ``cost_scale`` (W,) (an input: tuning it needs no rebuild); ``step_durations``
        (H,) the planner steps' lengths (None: all equal), so a longer step counts for the time it covers."""

    @abstractmethod
    def features(self, qpos: jnp.ndarray, qvel: jnp.ndarray, reference_ahead: jnp.ndarray) -> jnp.ndarray:
        """Network input (F,) from the state and the reference qpos at ``feature_lookahead`` (L, nq)."""

    @abstractmethod
    def feature_size(self, nq: int, nv: int) -> int:
        """F, the length of :meth:`features`."""

    @abstractmethod
    def fall_test(self, model: mujoco.MjModel, robot: Robot) -> FallTest:
        """A function of (data, reference qpos now) that says why the robot has fallen, or None."""
