"""Steps taken and distance walked in a run, from the feet's and the root's positions once per cycle.

A foot is in stance while it is within ``lift`` of the height it stood at in the first cycle; a step is a
foot that leaves stance and lands again at least ``min_move`` (horizontally) from where it took off.
Shuffles (a foot sliding without lifting) and hops in place are not steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.robots.base import Robot
from g1mpc.robots.models import frame_positions


@dataclass(frozen=True)
class StepRule:
    """What counts as a step: ``lift`` (m) above the standing height to leave stance, a landing at least
    ``min_move`` (m) from the take-off."""

    lift: float = 0.02
    min_move: float = 0.05

    def __post_init__(self) -> None:
        if not (self.lift > 0 and self.min_move > 0):
            raise ConfigError("step rule: lift and min_move must be positive")


def count_steps(feet: np.ndarray, rule: StepRule = StepRule()) -> int:
    """Steps in ``feet`` (T, F, 3): the feet's world positions, one row per cycle (the first: standing)."""
    feet = np.asarray(feet, float)
    if feet.ndim != 3 or feet.shape[-1] != 3:
        raise ValueError(f"feet must be (T, F, 3), got {feet.shape}")
    if len(feet) == 0:
        return 0
    stance = feet[:, :, 2] <= feet[0, :, 2] + rule.lift  # (T, F)
    steps = 0
    for f in range(feet.shape[1]):
        take_off = None
        for t in range(1, len(feet)):
            if stance[t - 1, f] and not stance[t, f]:
                take_off = feet[t - 1, f, :2]
            elif take_off is not None and stance[t, f] and not stance[t - 1, f]:
                steps += int(np.linalg.norm(feet[t, f, :2] - take_off) >= rule.min_move)
                take_off = None
    return steps


def walked(root_xy: np.ndarray) -> float:
    """The farthest the root got (m, horizontally) from where it started: ``root_xy`` (T, 2)."""
    root_xy = np.asarray(root_xy, float)
    return float(np.max(np.linalg.norm(root_xy - root_xy[0], axis=1))) if len(root_xy) else 0.0


@dataclass
class FootTrack:
    """An ``on_cycle`` callback of the simulation loops that records the feet and the root each cycle."""

    model: mujoco.MjModel
    robot: Robot
    times: list[float] = field(default_factory=list)
    feet: list[np.ndarray] = field(default_factory=list)
    root_xy: list[np.ndarray] = field(default_factory=list)

    def __call__(self, data: mujoco.MjData, reference_qpos: np.ndarray) -> bool:
        self.times.append(float(data.time))
        self.feet.append(frame_positions(self.model, data, self.robot.feet).copy())
        self.root_xy.append(data.qpos[:2].copy())
        return True

    def arrays(self) -> dict[str, np.ndarray]:
        """{"t": (T,) s, "feet": (T, 2, 3) m, "root_xy": (T, 2) m}."""
        return {"t": np.array(self.times), "feet": np.array(self.feet).reshape(-1, len(self.robot.feet), 3),
                "root_xy": np.array(self.root_xy).reshape(-1, 2)}

    def summary(self, rule: StepRule = StepRule()) -> dict:
        """{"steps": steps taken, "walked_m": the farthest the root got from its start}."""
        a = self.arrays()
        return {"steps": count_steps(a["feet"], rule), "walked_m": walked(a["root_xy"])}
