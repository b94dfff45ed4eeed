"""The run configuration: robot, task, reference, timing, spline, planner model and controller.

Every setting has its one default in a config dataclass and is validated there (raising
:class:`~g1mpc.common.errors.ConfigError`); the command line reads its defaults from them. Presets are named
sets of the five sizing settings that differ from those defaults.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, fields
from typing import get_args

from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import ControllerConfig
from g1mpc.planning.splines import SplineKind, min_knots
from g1mpc.registry import get_robot
from g1mpc.robots.base import Robot
from g1mpc.robots.models import PLANNER_MODELS, PlannerModelConfig
from g1mpc.robots.plants import MODEL_GAINS, NOMINAL
from g1mpc.running.sim import SimConfig
from g1mpc.tasks.balance import BalanceTask
from g1mpc.tasks.base import Task

# The settings a preset sizes, and the presets: cpu is the defaults (real time at 50 Hz on 2 CPU cores),
# gpu the familiar 500-sample configuration (the mjx default), expert the data-collection planner.
PRESET_FIELDS = ("num_samples", "num_elites", "plan_horizon", "num_knots", "iterations",  # sizes
                 "planner", "mppi_sigma", "noise_correlation", "noise_shrinkage", "antithetic", "calm_noise",  # how drawn
                 "anchor_fraction", "calm_anchor_fraction",  # around what
                 "calm_speed", "pushed_speed", "pushed_joint_speed", "calm_accel", "pushed_accel", "push_hold",  # when
                 "calm_temperature", "temperature_samples",  # how they are weighed
                 "planner_dt", "planner_frictionloss", "planner_solver",  # the planner model's step, joint friction, solver
                 "calm_samples")  # the real-time loops' share while calm
PRESETS: dict[str, dict[str, float | str]] = {
    "cpu": {},
    "gpu": {"num_samples": 500, "num_elites": 20},
    "expert": {"num_samples": 128, "num_elites": 16},
}


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines the planner's behaviour (hashed into AOT manifests).

    Attributes:
        robot: a registered robot name or a scene XML path (see :mod:`g1mpc.registry`).
        task: the task and its settings.
        reference: a reference ``.npz``; None: the task's default clip for the robot.
        frequency: replans per second.
        spline, num_knots, plan_horizon: the control parameterisation (knots over the horizon, s).
        planner_model: how the planner's model differs from the plant.
        controller: the sampling planner.
        loop_reference: the reference loops (else it holds its last frame).
        clip_capacity: seconds of clip the compiled stages hold (at the reference's frame rate; at least the
            reference's own length), so a run can switch to another clip up to this long without a rebuild.
        gains: the servo gains the controller commands: ``model`` (the scene's) or one of the robot's gain
            sets (:attr:`g1mpc.robots.base.Robot.gain_sets`); the planner's model and the plant both get them.
        planner_plant: the build the planner's model is made from: ``nominal`` (the robot's scene) or one of
            the robot's plant variants (a planner nearer the robot as built).
    """

    robot: str = "g1"
    task: Task = BalanceTask()
    reference: str | None = None
    frequency: float = 50.0
    spline: SplineKind = "cubic"
    num_knots: int = 4
    plan_horizon: float = 0.5
    planner_model: PlannerModelConfig = PlannerModelConfig()
    controller: ControllerConfig = ControllerConfig()
    loop_reference: bool = True
    clip_capacity: float = 30.0
    gains: str = MODEL_GAINS
    planner_plant: str = NOMINAL

    def __post_init__(self) -> None:
        if not (math.isfinite(self.frequency) and self.frequency > 0):
            raise ConfigError("--frequency must be a positive number of Hz")
        if self.spline not in get_args(SplineKind):
            raise ConfigError(f"--spline: '{self.spline}' is not one of {', '.join(get_args(SplineKind))}")
        if self.num_knots < min_knots(self.spline):
            raise ConfigError(f"--num_knots must be >= {min_knots(self.spline)} for --spline {self.spline}")
        dt = self.planner_model.timestep
        if not (math.isfinite(self.plan_horizon) and self.plan_horizon >= dt):
            raise ConfigError(f"--plan_horizon ({self.plan_horizon}) must be at least one planner step (--planner_dt {dt})")
        if self.controller.backend == "mjx" and self.planner_model.contacts == "all":
            raise ConfigError("--planner_contacts all is for native rollouts only (MJX lacks mesh-mesh contacts): use floor or feet")
        if self.controller.backend == "mjx" and self.planner_model.solver == "pgs":
            raise ConfigError("--planner_solver pgs is for native rollouts only (MJX has newton and cg)")
        if not (math.isfinite(self.clip_capacity) and self.clip_capacity >= 0):
            raise ConfigError("clip_capacity must be a finite number of seconds >= 0")
        robot = get_robot(self.robot)  # a known robot or an existing XML file
        robot.require_gains(self.gains)
        robot.require_plant(self.planner_plant, "--planner_plant")

    def clip_frames(self, reference_frames: int, fps: float) -> int:
        """Frames the compiled stages' reference arrays hold for a reference of ``reference_frames`` at ``fps``."""
        return max(reference_frames, math.ceil(self.clip_capacity * fps - 1e-9))

    @property
    def robot_description(self) -> Robot:
        return get_robot(self.robot)

    def as_dict(self) -> dict:
        return {**asdict(self), "task_name": self.task.name}

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:16]


def named_planner_model(name: str | None, backend: str) -> PlannerModelConfig:
    """A named planner model (``PLANNER_MODELS``); None: the backend's default (coarse, coarse_feet for mjx)."""
    name = name or ("coarse_feet" if backend == "mjx" else "coarse")
    if name not in PLANNER_MODELS:
        raise ConfigError(f"--planner_model: '{name}' is not one of {', '.join(PLANNER_MODELS)}")
    return PLANNER_MODELS[name]


def preset(name: str, robot: Robot | None = None, gains: str | None = None) -> dict[str, float | str]:
    """The settings of a preset (``PRESET_FIELDS``): the config defaults, overridden by the preset's values, then
    by the robot's own settings for that preset (``Robot.preset_settings``), then, for the cpu preset, by those of
    the robot's gain set ``gains`` (``GainSet.cpu_preset``)."""
    if name not in PRESETS:
        raise ConfigError(f"--preset: '{name}' is not one of {', '.join(PRESETS)}")
    gain_set = robot.gain_sets.get(gains) if robot is not None and gains and name == "cpu" else None
    defaults = {f.name: f.default for cls in (ControllerConfig, RunConfig, SimConfig) for f in fields(cls) if f.name in PRESET_FIELDS}
    defaults["planner_dt"] = None  # the named planner model's own step
    defaults["planner_frictionloss"] = None  # the plant's joint friction
    defaults["planner_solver"] = None  # the model's constraint solver
    robot_settings = robot.preset_settings.get(name, {}) if robot is not None else {}
    return {**defaults, **PRESETS[name], **robot_settings, **(gain_set.cpu_preset if gain_set else {})}
