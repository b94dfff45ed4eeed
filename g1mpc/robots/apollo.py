"""Apptronik Apollo, 32 position servos (Menagerie ``apptronik_apollo/scene.xml``, keyframe ``stand``)."""

from g1mpc.robots.base import ActuatorGroup, Frame, Robot

_SIDES = ("l", "r")
# Offsets from ``stand`` (rad). Knee bends keep the feet flat (hip flexion + knee + ankle pitch = 0); a
# weight shift tilts both hips and both ankles the same way (hip_aa and ankle_ie have mirrored ranges).
KEY_POSES = {
    "stand": {},
    "knees_bent": {f"{s}_{j}": v for s in _SIDES for j, v in (("hip_fe", -0.3), ("knee_fe", 0.6), ("ankle_pd", -0.3))},
    "shift_left": {"l_hip_aa": -0.06, "r_hip_aa": -0.06, "l_ankle_ie": 0.06, "r_ankle_ie": 0.06},
    "shift_right": {"l_hip_aa": 0.06, "r_hip_aa": 0.06, "l_ankle_ie": -0.06, "r_ankle_ie": -0.06},
    "lean_forward": {"torso_pitch": 0.2},
    "arms_forward": {"l_shoulder_fe": -1.0, "r_shoulder_fe": -1.0},
    "arms_out": {"l_shoulder_aa": 0.8, "r_shoulder_aa": -0.8},
    "twist": {"torso_yaw": 0.3, "l_shoulder_fe": -0.4, "r_shoulder_fe": 0.2},
}
CLIP = (
    ("stand", 1.0), ("knees_bent", 1.0), ("stand", 0.5), ("shift_left", 1.0), ("shift_right", 1.0),
    ("stand", 0.5), ("lean_forward", 1.0), ("arms_forward", 1.0), ("arms_out", 1.0), ("twist", 1.0),
    ("knees_bent", 0.5), ("stand", 1.0),
)
POSE_RANGES = {
    "knees_bent": (0.0, 2.0), "shift_left": (0.0, 1.5), "shift_right": (0.0, 1.5), "lean_forward": (0.0, 1.5),
    "arms_forward": (0.0, 1.5), "arms_out": (0.0, 1.2), "twist": (-1.0, 1.0),
}

APOLLO = Robot(
    name="apollo",
    scene="apptronik_apollo/scene.xml",
    root_body="base_link",
    feet=(Frame("body", "l_foot_link"), Frame("body", "r_foot_link")),
    hands=(Frame("body", "l_wrist_pitch_link"), Frame("body", "r_wrist_pitch_link")),
    actuator_groups={
        "legs": ActuatorGroup(("*_hip_*", "*_knee_*", "*_ankle_*"), 1.0),
        "torso": ActuatorGroup(("torso_*",), 0.5),
        "arms": ActuatorGroup(("*_shoulder_*", "*_elbow_*"), 0.3),
        "wrists_neck": ActuatorGroup(("*_wrist_*", "neck_*"), 0.1),
    },
    keyframe="stand",
    key_poses=KEY_POSES,
    clip=CLIP,
    pose_ranges=POSE_RANGES,
    experimental="no network; stands and holds 100 N pushes under CEM alone (docs/robots.md)",
)
