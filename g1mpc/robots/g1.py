"""Unitree G1, 29 position servos (MuJoCo Menagerie ``unitree_g1/scene.xml``)."""

from g1mpc.robots.base import ActuatorGroup, Frame, Robot
from g1mpc.robots.g1_build import AS_BUILT, AS_BUILT_HOLOSOMA, BUILD_PART_PLANTS, MOTOR_GAINS, UNITREE_GAINS

# Joint offsets from the ``stand`` keyframe (rad). Leg offsets keep the feet flat: hip pitch + knee +
# ankle pitch sum to zero, and hip roll is compensated by ankle roll.
_KNEES_BENT = {"hip_pitch": -0.35, "knee": 0.70, "ankle_pitch": -0.35}
KEY_POSES = {
    "stand": {},
    "knees_bent": {f"{s}_{j}_joint": v for s in ("left", "right") for j, v in _KNEES_BENT.items()},
    "shift_left": {
        "left_hip_roll_joint": -0.08, "right_hip_roll_joint": -0.08,
        "left_ankle_roll_joint": 0.08, "right_ankle_roll_joint": 0.08,
    },
    "shift_right": {
        "left_hip_roll_joint": 0.08, "right_hip_roll_joint": 0.08,
        "left_ankle_roll_joint": -0.08, "right_ankle_roll_joint": -0.08,
    },
    "lean_forward": {"waist_pitch_joint": 0.25},
    "lean_side": {"waist_roll_joint": 0.2},
    "arms_forward": {"left_shoulder_pitch_joint": -1.0, "right_shoulder_pitch_joint": -1.0},
    "arms_out": {"left_shoulder_roll_joint": 1.0, "right_shoulder_roll_joint": -1.0},
    "twist": {"waist_yaw_joint": 0.4, "left_shoulder_pitch_joint": -0.4, "right_shoulder_pitch_joint": 0.2},
}
CLIP = (
    ("stand", 1.0), ("knees_bent", 1.0), ("stand", 0.5), ("shift_left", 1.0), ("shift_right", 1.0),
    ("stand", 0.5), ("lean_forward", 1.0), ("arms_forward", 1.0), ("arms_out", 1.0), ("twist", 1.0),
    ("knees_bent", 0.5), ("stand", 1.0),
)
# Amplitudes the motion generator draws each pose with: squats to a pelvis height of about 0.58 m (2.4x),
# bends to the waist's limits, both weight shifts and arm motions beyond the default clip's.
POSE_RANGES = {
    "knees_bent": (0.0, 2.4), "shift_left": (0.0, 1.5), "shift_right": (0.0, 1.5), "lean_forward": (0.0, 2.0),
    "lean_side": (-2.0, 2.0), "arms_forward": (0.0, 1.6), "arms_out": (0.0, 1.3), "twist": (-1.2, 1.2),
}
# Legs explore most; the waist, arms and wrists carry less mass and disturb the balance when they swing.
ACTUATOR_GROUPS = {
    "legs": ActuatorGroup(("*_hip_*", "*_knee_*", "*_ankle_*"), 1.0),
    "waist": ActuatorGroup(("waist_*",), 0.5),
    "arms": ActuatorGroup(("*_shoulder_*", "*_elbow_*"), 0.3),
    "wrists": ActuatorGroup(("*_wrist_*",), 0.1),
}

G1 = Robot(
    name="g1",
    scene="unitree_g1/scene.xml",
    root_body="pelvis",
    feet=(Frame("site", "left_foot"), Frame("site", "right_foot")),
    hands=(Frame("body", "left_wrist_yaw_link"), Frame("body", "right_wrist_yaw_link")),
    actuator_groups=ACTUATOR_GROUPS,
    keyframe="stand",
    key_poses=KEY_POSES,
    clip=CLIP,
    pose_ranges=POSE_RANGES,
    # docs/realtime.md, "Balance against compute", "Sampling around the plan it holds", "A planner model without
    # joint friction" and "The planner's constraint solver, and collision hulls"
    preset_settings={"cpu": {"planner": "mppi", "calm_noise": 0.25, "anchor_fraction": 1.0, "temperature_samples": 16,
                             "planner_dt": 0.02, "planner_frictionloss": 0.0, "planner_solver": "pgs", "calm_samples": 0.5,
                             "calm_speed": 0.15, "pushed_speed": 0.3}},
    plants={"as_built": AS_BUILT, "as_built_holosoma": AS_BUILT_HOLOSOMA, **BUILD_PART_PLANTS},
    sim_plant="as_built",
    gain_sets={"motor": MOTOR_GAINS, "unitree": UNITREE_GAINS},
)
