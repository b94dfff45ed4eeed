"""The Unitree G1 as built: its motors' rotor inertia, joint friction, foot contacts and ankle linkage.

The planner's G1 (MuJoCo Playground's Menagerie model) gives every joint the same armature (0.01 kg m^2)
and friction loss (0.3 N m), four small spheres per foot and no ankle linkage. The numbers below are
Unitree's own model of the G1 29-DoF as holosoma ships it (PyPI ``holosoma`` 0.0.3,
``holosoma/data/robots/g1/g1_29dof.xml``, Apache-2.0; derived from Unitree's ``unitree_description``).
Bodies, masses, inertias and joint ranges are the same in both models, so the as-built plant is the
planner's scene with these properties applied: same names, joint order, sensors and keyframe.

The motor gains (``MOTOR_GAINS``) follow the same rotor inertias: each motor is a servo of natural
frequency 10 Hz and damping ratio 2, ``kp = I w^2`` and ``kd = 2 zeta I w`` with ``w = 2 pi 10`` (the gains
holosoma's G1 policies run on the robot; ``holosoma/config_values/robot.py``). ``UNITREE_GAINS`` are the
gains of Unitree's own G1 29-DoF training configuration (``unitree_rl_lab``,
``assets/robots/unitree.py``, ``UNITREE_G1_29DOF_CFG``).
"""

from __future__ import annotations

import functools
import math

import mujoco

from g1mpc.robots.plants import GainSet, PlantVariant, set_joint_values

# Reflected rotor inertia (kg m^2) by motor type, as joint armature.
MOTOR_ARMATURE = {
    "*_hip_roll_joint": 0.025101925, "*_knee_joint": 0.025101925,  # 7520-22
    "*_hip_pitch_joint": 0.01017752004, "*_hip_yaw_joint": 0.01017752004, "waist_yaw_joint": 0.01017752004,  # 7520-14
    "*_ankle_*_joint": 0.00721945, "waist_roll_joint": 0.00721945, "waist_pitch_joint": 0.00721945,  # two 5020
    "*_wrist_pitch_joint": 0.00425, "*_wrist_yaw_joint": 0.00425,  # 4010
    "*_shoulder_*_joint": 0.003609725, "*_elbow_joint": 0.003609725, "*_wrist_roll_joint": 0.003609725,  # 5020
}
JOINT_FRICTIONLOSS = 0.1  # N m, every joint
JOINT_SOLIMP_LIMIT = (0.97, 0.995, 0.001, 0.5, 2.0)

# Seven capsules along each sole (radius m, from (x, y, z), to (x, y, z) in the ankle-roll frame), in contact with
# the floor through explicit pairs. Both feet alike, as in mjlab 1.6.0's G1 (``asset_zoo/robots/unitree_g1/xmls/g1.xml``,
# from Unitree's model). holosoma 0.0.3 gives the right foot's two outer full-length capsules radius 0.008, which
# lifts them 2 mm off the floor and leaves that heel 10 mm either side of its centre line (the left: 18 mm);
# ``HOLOSOMA_RIGHT_SOLE`` keeps that published variant as the plant ``as_built_holosoma``.
_SOLE = (
    (0.01, (0.1, -0.026, -0.025), (0.05, -0.027, -0.025)),
    (0.01, (-0.044, -0.018, -0.025), (0.123, -0.018, -0.025)),
    (0.01, (-0.052, -0.01, -0.025), (0.13, -0.01, -0.025)),
    (0.01, (-0.054, 0.0, -0.025), (0.132, 0.0, -0.025)),
    (0.01, (-0.052, 0.01, -0.025), (0.13, 0.01, -0.025)),
    (0.01, (-0.044, 0.018, -0.025), (0.123, 0.018, -0.025)),
    (0.01, (0.1, 0.026, -0.025), (0.05, 0.026, -0.025)),
)
HOLOSOMA_RIGHT_SOLE = (
    (0.01, (0.1, -0.026, -0.025), (0.05, -0.026, -0.025)),
    (0.008, (-0.044, -0.018, -0.025), (0.123, -0.018, -0.025)),
    *_SOLE[2:5],
    (0.008, (-0.044, 0.018, -0.025), (0.123, 0.018, -0.025)),
    (0.01, (0.1, 0.026, -0.025), (0.05, 0.026, -0.025)),
)
SOLES = {"left_ankle_roll_link": _SOLE, "right_ankle_roll_link": _SOLE}
HOLOSOMA_SOLES = {"left_ankle_roll_link": _SOLE, "right_ankle_roll_link": HOLOSOMA_RIGHT_SOLE}
SOLE_FLOOR_PAIR = {"solref": (0.01, 1.0), "friction": (0.8, 0.8, 0.005, 0.0001, 0.0001)}
FLOOR_GEOM = "floor"

# The ankle's parallel linkage limits combinations of pitch and roll: four fixed tendons per ankle
# (roll coefficient, pitch coefficient, upper limit), each limited from -100 to the value given.
ANKLE_LINKAGE = (
    (-0.2618, 0.2618, 0.13708), (0.2618, 0.2618, 0.13708), (-0.14967, -0.2618, 0.22846), (0.14967, -0.2618, 0.22846),
)
LINKAGE_SOLREF = (0.003, 1.0)
LINKAGE_SOLIMP = (0.99, 0.999, 0.0005, 0.0, 2.0)


def replace_soles(spec: mujoco.MjSpec, soles: dict[str, tuple] = SOLES) -> None:
    """Swap the scene's foot spheres for Unitree's seven sole capsules per foot, paired with the floor."""
    for body_name, capsules in soles.items():
        body = spec.body(body_name)
        for geom in list(body.geoms):
            if geom.contype or geom.conaffinity:
                spec.delete(geom)
        for k, (radius, start, end) in enumerate(capsules, start=1):
            name = f"{body_name.split('_')[0]}_sole{k}"
            body.add_geom(name=name, type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=[radius, 0, 0], fromto=[*start, *end],
                          contype=1, conaffinity=1, group=3, density=0)
            spec.add_pair(name=f"{name}_floor", geomname1=name, geomname2=FLOOR_GEOM, condim=3, **SOLE_FLOOR_PAIR)


def add_ankle_linkage(spec: mujoco.MjSpec) -> None:
    for side in ("left", "right"):
        for roll, pitch, upper in ANKLE_LINKAGE:
            tendon = spec.add_tendon(limited=True, range=[-100.0, upper], solref_limit=list(LINKAGE_SOLREF),
                                     solimp_limit=list(LINKAGE_SOLIMP))
            tendon.wrap_joint(f"{side}_ankle_roll_joint", roll)
            tendon.wrap_joint(f"{side}_ankle_pitch_joint", pitch)


def set_motor_armature(spec: mujoco.MjSpec) -> None:
    set_joint_values(spec, "armature", MOTOR_ARMATURE)


def set_joint_friction(spec: mujoco.MjSpec) -> None:
    set_joint_values(spec, "frictionloss", {"*_joint": JOINT_FRICTIONLOSS})
    set_joint_values(spec, "solimp_limit", {"*_joint": list(JOINT_SOLIMP_LIMIT)})


# The build's parts, each alone a plant of its own, so a benchmark can say which difference costs what.
BUILD_PARTS = {
    "armature": (set_motor_armature, "rotor armature by motor type (0.0036-0.025 kg m^2; the scene: 0.01)"),
    "friction": (set_joint_friction, "joint friction loss 0.1 N m (the scene: 0.3) and Unitree's joint-limit softness"),
    "soles": (replace_soles, "seven sole capsules per foot, paired with the floor (the scene: four spheres)"),
    "linkage": (add_ankle_linkage, "the ankle linkage's limits on pitch and roll together (the scene: none)"),
}


def as_built(spec: mujoco.MjSpec, soles: dict[str, tuple] = SOLES) -> None:
    """Apply the G1's build to the planner's scene (in place), with ``soles`` for its sole capsules."""
    for part, (edit, _) in BUILD_PARTS.items():
        if part == "soles":
            replace_soles(spec, soles)
        else:
            edit(spec)


AS_BUILT = PlantVariant(
    "Unitree's G1 build (holosoma 0.0.3's g1_29dof.xml, soles as in mjlab 1.6.0's G1): rotor armature by motor "
    "type, joint friction 0.1 N m, seven sole capsules per foot, ankle linkage limits",
    as_built,
)
AS_BUILT_HOLOSOMA = PlantVariant(
    "the G1 build with holosoma 0.0.3's right sole as published (two capsules of radius 0.008 that never touch "
    "the floor; the as_built plant before 2026-12-05 06:10 UTC)",
    functools.partial(as_built, soles=HOLOSOMA_SOLES),
)
BUILD_PART_PLANTS = {f"as_built_{part}": PlantVariant(f"only the G1 build's {text}", edit)
                     for part, (edit, text) in BUILD_PARTS.items()}

NATURAL_FREQUENCY_HZ = 10.0
DAMPING_RATIO = 2.0


def motor_gains(armature: dict[str, float], frequency_hz: float = NATURAL_FREQUENCY_HZ,
                damping_ratio: float = DAMPING_RATIO) -> dict[str, tuple[float, float]]:
    """(kp, kd) per joint pattern for servos of the given natural frequency on the rotor inertia."""
    w = 2 * math.pi * frequency_hz
    return {pattern: (inertia * w**2, 2 * damping_ratio * inertia * w) for pattern, inertia in armature.items()}


# The Menagerie G1 names each actuator after its joint, so the armature patterns name the actuators too.
MOTOR_GAINS = GainSet(
    "per motor from its rotor inertia, 10 Hz, damping ratio 2 (holosoma's G1 gains: kp 14-99, kd 0.9-6.3)",
    motor_gains(MOTOR_ARMATURE),
)


UNITREE_GAINS = GainSet(
    "Unitree's G1 29-DoF training gains (unitree_rl_lab): hips 100, knees 150, waist yaw 200, the rest 40",
    {
        "*_knee_joint": (150.0, 4.0), "*_hip_*_joint": (100.0, 2.0), "waist_yaw_joint": (200.0, 5.0),
        "waist_*_joint": (40.0, 5.0), "*_ankle_*_joint": (40.0, 2.0),
        "*_shoulder_*_joint": (40.0, 1.0), "*_elbow_joint": (40.0, 1.0), "*_wrist_*_joint": (40.0, 1.0),
    },
    # under these soft servos the real-time run needs the samples more than the finer step
    # (docs/plants.md, "The planner's step under Unitree's gains"); Newton, since with PGS the start-up sizing
    # overshoots under them ("The PGS solver under Unitree's gains")
    cpu_preset={"planner_dt": 0.04, "calm_samples": 1.0, "calm_speed": 0.05, "pushed_speed": 0.2, "planner_solver": "newton"},
)
