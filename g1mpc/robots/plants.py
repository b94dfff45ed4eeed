"""Plants a robot may be simulated as besides its planner's model, and the servo gains it may run.

A robot's planner always plans with the robot's own scene (``Robot.scene``). The simulation may instead
step a *plant variant*: the same robot with another build (motor armature, joint friction, foot contacts,
linkages), made by editing the scene's :class:`mujoco.MjSpec` so names, joint order and sensors stay the
planner's. ``nominal`` is the scene itself.

A *gain set* replaces the position servos' gains (kp, kd per actuator) in every model of the run, the
planner's and the plant's alike: they are what the controller commands the motors with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import mujoco

NOMINAL = "nominal"  # the plant is the planner's own model
MODEL_GAINS = "model"  # the servos as the scene ships them


@dataclass(frozen=True)
class PlantVariant:
    """A build of the robot other than its scene's.

    Attributes:
        description: one line for ``--help`` and reports (where the build comes from).
        edit: edits the scene's spec in place (before the task sensors are compiled in).
    """

    description: str
    edit: Callable[[mujoco.MjSpec], None]


@dataclass(frozen=True)
class GainSet:
    """Position-servo gains by actuator name pattern (shell-style; the first match wins).

    Attributes:
        description: one line for ``--help`` and the docs (where the gains come from).
        gains: pattern -> (kp N m/rad, kd N m s/rad); every actuator must match one.
        cpu_preset: settings of the robot's cpu preset that differ under these gains (``PRESET_FIELDS``; flags win).
    """

    description: str
    gains: Mapping[str, tuple[float, float]]
    cpu_preset: Mapping[str, float | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pattern, (kp, kd) in self.gains.items():
            if not (kp > 0 and kd >= 0):
                raise ValueError(f"gain set: '{pattern}' needs kp > 0 and kd >= 0")

    def of(self, actuator: str) -> tuple[float, float] | None:
        """(kp, kd) of an actuator, or None if no pattern matches it."""
        for pattern, gains in self.gains.items():
            if fnmatchcase(actuator, pattern):
                return gains
        return None


def set_joint_values(spec: mujoco.MjSpec, attribute: str, by_pattern: Mapping[str, float]) -> None:
    """Set a joint attribute (``armature``, ``frictionloss``, ...) on every joint whose name matches a pattern
    (the first that matches); the free joint and unmatched joints keep theirs."""
    for joint in spec.joints:
        for pattern, value in by_pattern.items():
            if joint.name and fnmatchcase(joint.name, pattern):
                setattr(joint, attribute, value)
                break
