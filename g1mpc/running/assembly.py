"""Assemble a run from its configuration: models, reference, planning stages, controller, simulation."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import mujoco

from g1mpc.motion.reference import Reference, build_reference, load_reference
from g1mpc.planning.backends.native import NativeRollout
from g1mpc.planning.controller import Controller, make_planner
from g1mpc.planning.pipeline import PlanSpec, RunArrays, run_arrays, with_clip
from g1mpc.planning.planners import PlannerState, SamplingPlanner
from g1mpc.planning.prediction import StatePredictor
from g1mpc.planning.stages import StageFunctions, declare_stages, jit_stages
from g1mpc.robots.base import Robot
from g1mpc.robots.models import far_planner_model, load_plant_model, planner_model_from, sensor_layout
from g1mpc.robots.perturbation import simulated_plant
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.config import RunConfig
from g1mpc.running.sim import SimConfig, Simulation, StateObserver
from g1mpc.tasks.base import Task

# (the plant stepped, the robot's own model, the robot, the push seed) -> what the controller sees the plant through
ObserverFactory = Callable[[mujoco.MjModel, mujoco.MjModel, Robot, int], StateObserver]


class TaskModels(NamedTuple):
    """The compiled MuJoCo models and the reference derived from them."""

    plant: mujoco.MjModel
    planner_model: mujoco.MjModel
    reference: Reference


def default_reference(plant: mujoco.MjModel, robot: Robot, task: Task) -> Reference:
    """The task's default clip for this robot, with its derived targets and sensor values."""
    qpos, fps = task.reference_clip(plant, robot)
    return build_reference(plant, robot, qpos, fps)


def load_task_models(config: RunConfig) -> TaskModels:
    """Compile the models from the robot XML and build the reference (the AOT path loads them instead)."""
    robot = config.robot_description
    plant = load_plant_model(robot, gains=config.gains)
    planner_model = planner_model_for(config, plant)
    reference = load_reference(config.reference, plant, robot) if config.reference else default_reference(plant, robot, config.task)
    return TaskModels(plant, planner_model, reference)


def planner_model_for(config: RunConfig, plant: mujoco.MjModel) -> mujoco.MjModel:
    """The planner's model: a copy of ``plant`` (the robot's own model), or of the plant variant
    ``config.planner_plant``, with the planner settings applied."""
    robot = config.robot_description
    hulls = config.planner_model.hull_vertices
    if config.planner_plant == NOMINAL and hulls is None:
        base = plant
    else:
        base = load_plant_model(robot, config.planner_plant, config.gains, hull_vertices=hulls)
    return planner_model_from(copy.deepcopy(base), config.planner_model, robot)


def make_spec(config: RunConfig, plant: mujoco.MjModel, robot: Robot) -> PlanSpec:
    return PlanSpec(
        nq=plant.nq, nv=plant.nv, nu=plant.nu, layout=sensor_layout(plant, robot), task=config.task,
        spline=config.spline, num_knots=config.num_knots, horizon=config.plan_horizon,
        planner_dt=config.planner_model.timestep, replan_period=1.0 / config.frequency, plant_dt=plant.opt.timestep,
        loop_reference=config.loop_reference, far_dt=config.planner_model.far_timestep,
        far_after=config.planner_model.far_after,
    )


def native_rollout(config: RunConfig, planner_model: mujoco.MjModel, spec: PlanSpec, nthread: int | None) -> NativeRollout:
    """The run's native rollouts: ``planner_model``, and its copy at the far step where the planner model has one."""
    far = far_planner_model(planner_model, config.planner_model, config.robot_description)
    return NativeRollout(planner_model, nthread, far, spec.near_steps)


@dataclass
class Assembly:
    """A run's parts; :func:`assemble` builds one."""

    config: RunConfig
    robot: Robot
    plant: mujoco.MjModel
    planner_model: mujoco.MjModel
    reference: Reference
    spec: PlanSpec
    arrays: RunArrays
    planner: SamplingPlanner
    stages: StageFunctions
    rollout: NativeRollout | None
    mjx_rollout: Callable | None

    @property
    def initial_state(self) -> PlannerState:
        return self.planner.init(self.spec.num_knots, self.spec.nu)

    def declared_stages(self, network_params: dict | None = None) -> StageFunctions:
        """The stages with example arguments (for export, ``network_params`` gives the network's shapes)."""
        return declare_stages(self.spec, self.planner, self.arrays, self.plant.nsensordata, network_params,
                              self.mjx_rollout, anchor_sample=self.config.controller.mode == "hybrid")

    def with_reference(self, reference: Reference) -> Assembly:
        """The same run tracking another clip (shares models, stages and rollouts: no compilation for a clip
        that fits the run's clip capacity; :class:`~g1mpc.planning.pipeline.ClipTooLong` for one that does not)."""
        return replace(self, reference=reference, arrays=with_clip(self.arrays, reference, 0.0))

    def controller(self, network_params: dict | None = None) -> Controller:
        return Controller(self.spec, self.config.controller, self.stages, self.arrays, self.initial_state,
                          self.rollout, network_params, StatePredictor(self.plant))

    def simulated_plant(self, config: SimConfig) -> tuple[mujoco.MjModel, dict]:
        """The model the simulation steps (``config.plant``, perturbed by ``config.perturb`` drawn from the push
        seed) and its description for reports; the planner's own model when neither is set."""
        model, _, info = simulated_plant(self.robot, config.plant, config.perturb, config.pushes.seed,
                                         self.config.gains, nominal_model=self.plant)
        return model, info

    def simulation(self, config: SimConfig, observer: ObserverFactory | None = None) -> Simulation:
        """The closed loop on the simulated plant at this run's frequency, falls judged by the task; the controller
        sees the plant through ``observer(plant, the robot's own model, robot, push seed)`` when one is given (an
        estimated base: ``g1mpc.lowlevel.estimated_base``), else its true state."""
        plant, info = self.simulated_plant(config)
        delay = info["perturbation"]["delay_ms"] / 1e3
        seen = None if observer is None else observer(plant, self.plant, self.robot, config.pushes.seed)
        return Simulation(plant, self.reference, config, frequency=self.config.frequency,
                          fall_test=self.config.task.fall_test(plant, self.robot), push_body=self.robot.root_body,
                          loop_reference=self.config.loop_reference, sensor_delay=delay, plant_info=info, observer=seen)

    def network_spec(self) -> dict:
        """What a network must have been trained for to drive this run (checked against checkpoints)."""
        s = self.spec
        return {"robot": self.config.robot, "nq": s.nq, "nv": s.nv, "nu": s.nu, "num_knots": s.num_knots,
                "plan_horizon": s.horizon, "spline": s.spline, "feature_size": s.feature_size}

    def close(self) -> None:
        if self.rollout is not None:
            self.rollout.close()


def assemble(config: RunConfig, nthread: int | None = None, models: TaskModels | None = None,
             stages: StageFunctions | None = None) -> Assembly:
    """Build everything. ``models`` and ``stages``, when given (a loaded AOT artifact), are used as they
    are; otherwise the models are compiled from XML and the stages jitted."""
    robot = config.robot_description
    plant, planner_model, reference = models if models is not None else load_task_models(config)
    spec = make_spec(config, plant, robot)
    planner = make_planner(config.controller, robot.noise_scale([plant.actuator(i).name for i in range(plant.nu)]),
                           spec.num_knots)
    mjx_rollout = None
    if config.controller.backend == "mjx" and stages is None:
        from g1mpc.planning.backends.mjx_backend import make_mjx_rollout

        far = far_planner_model(planner_model, config.planner_model, robot)
        mjx_rollout = make_mjx_rollout(planner_model, config.controller.mjx_unroll, far, spec.near_steps)
    rollout = None
    if config.controller.backend == "mujoco" and config.controller.mode != "nn":
        rollout = native_rollout(config, planner_model, spec, nthread)
    arrays = run_arrays(reference, plant, len(config.task.weight_values()),
                        capacity=config.clip_frames(len(reference.qpos), reference.fps))
    assembly = Assembly(config, robot, plant, planner_model, reference, spec, arrays, planner, stages, rollout, mjx_rollout)
    if stages is None:
        assembly.stages = jit_stages(assembly.declared_stages())
    return assembly
