"""Assemble models, reference, planning stages and controller from one configuration."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import mujoco

from g1mpc.backends.native import NativeRollout
from g1mpc.controller import Controller, ControllerConfig, StageFunctions, jit_stages, make_planner, stage_functions
from g1mpc.cost import CostWeights
from g1mpc.planners import PlannerState
from g1mpc.pipeline import PlanSpec, TaskArrays, task_arrays
from g1mpc.reference import Reference, default_reference, load_reference
from g1mpc.robot import PlannerModelConfig, load_planner_model, load_plant_model, robot_xml_path, sensor_layout


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines the planner's behaviour (hashed for AOT artifacts)."""

    robot: str = "g1"
    reference: str | None = None  # path to a .npz; None: the generated default clip
    frequency: float = 50.0
    spline: str = "cubic"
    num_knots: int = 4
    plan_horizon: float = 0.5
    planner_model: PlannerModelConfig = PlannerModelConfig()
    controller: ControllerConfig = ControllerConfig()
    weights: CostWeights = CostWeights()
    loop_reference: bool = True

    def as_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Assembly:
    config: RunConfig
    plant: mujoco.MjModel
    planner_model: mujoco.MjModel
    reference: Reference
    spec: PlanSpec
    task: TaskArrays
    stages: StageFunctions
    rollout: NativeRollout | None = None
    initial_state: PlannerState | None = None

    def controller(self, network_params: dict | None = None) -> Controller:
        return Controller(self.spec, self.config.controller, self.stages, self.task, self.initial_state,
                          self.rollout, network_params)

    def close(self) -> None:
        if self.rollout is not None:
            self.rollout.close()


def make_spec(config: RunConfig, plant: mujoco.MjModel) -> PlanSpec:
    return PlanSpec(
        nq=plant.nq,
        nv=plant.nv,
        nu=plant.nu,
        layout=sensor_layout(plant),
        spline=config.spline,
        num_knots=config.num_knots,
        horizon=config.plan_horizon,
        planner_dt=config.planner_model.timestep,
        replan_period=1.0 / config.frequency,
        plant_dt=plant.opt.timestep,
        weights=config.weights,
        loop_reference=config.loop_reference,
    )


class TaskModels(NamedTuple):
    """The compiled MuJoCo models and the reference derived from them."""

    plant: mujoco.MjModel
    planner_model: mujoco.MjModel
    reference: Reference


def load_task(config: RunConfig) -> TaskModels:
    """Compile the models from the robot XML and build the reference (the AOT path loads them instead)."""
    plant = load_plant_model(config.robot)
    planner_model = load_planner_model(config.robot, config.planner_model)
    reference = load_reference(config.reference, plant) if config.reference else default_reference(plant)
    return TaskModels(plant, planner_model, reference)


def assemble(
    config: RunConfig, nthread: int | None = None, jit: bool = True,
    models: TaskModels | None = None, stages: StageFunctions | None = None,
) -> Assembly:
    """Build everything; the stages are jitted (JIT path) or left plain for export (AOT path).

    ``models`` and ``stages``, when given (a loaded AOT artifact), are used as they are.
    """
    plant, planner_model, reference = models if models is not None else load_task(config)
    spec = make_spec(config, plant)
    actuator_names = [plant.actuator(i).name for i in range(plant.nu)]
    planner = make_planner(config.controller, actuator_names)
    if stages is None:
        mjx_rollout = None
        if config.controller.backend == "mjx":
            from g1mpc.backends.mjx_backend import make_mjx_rollout

            mjx_rollout = make_mjx_rollout(load_planner_model(config.robot, config.planner_model, for_mjx=True))
        stages = stage_functions(spec, planner, mjx_rollout, anchor_sample=config.controller.mode == "hybrid")
        if jit:
            stages = jit_stages(stages)
    rollout = None
    if config.controller.backend == "mujoco" and config.controller.mode != "nn":
        rollout = NativeRollout(planner_model, nthread)
    return Assembly(config, plant, planner_model, reference, spec, task_arrays(reference, plant), stages, rollout,
                    planner.init(spec.num_knots, spec.nu))


def robot_file_digest(robot: str) -> str:
    """Hash of the robot's scene XML and the XML files next to it (the scene includes them)."""
    scene = Path(robot_xml_path(robot))
    h = hashlib.sha256(scene.read_bytes())
    for path in sorted(scene.parent.glob("*.xml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]
