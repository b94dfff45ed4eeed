"""Booster T1, 23 position servos (Menagerie ``booster_t1/scene.xml``, keyframe ``home``)."""

from g1mpc.robots.base import ActuatorGroup, Frame, Robot

_SIDES = ("Left", "Right")
# Offsets from ``home`` (rad). Knee bends keep the feet flat (hip pitch + knee + ankle pitch = 0); the
# trunk is the root body and the T1's waist only yaws, so it has no forward lean.
KEY_POSES = {
    "stand": {},
    "knees_bent": {f"{s}_{j}": v for s in _SIDES for j, v in (("Hip_Pitch", -0.3), ("Knee_Pitch", 0.6), ("Ankle_Pitch", -0.3))},
    "shift_left": {"Left_Hip_Roll": -0.06, "Right_Hip_Roll": -0.06, "Left_Ankle_Roll": 0.06, "Right_Ankle_Roll": 0.06},
    "shift_right": {"Left_Hip_Roll": 0.06, "Right_Hip_Roll": 0.06, "Left_Ankle_Roll": -0.06, "Right_Ankle_Roll": -0.06},
    "arms_forward": {"Left_Shoulder_Pitch": -1.0, "Right_Shoulder_Pitch": -1.0},
    "arms_out": {"Left_Shoulder_Roll": 0.8, "Right_Shoulder_Roll": -0.8},
    "twist": {"Waist": 0.4, "Left_Shoulder_Pitch": -0.4, "Right_Shoulder_Pitch": 0.2},
}
CLIP = (
    ("stand", 1.0), ("knees_bent", 1.0), ("stand", 0.5), ("shift_left", 1.0), ("shift_right", 1.0),
    ("stand", 0.5), ("arms_forward", 1.0), ("arms_out", 1.0), ("twist", 1.0), ("knees_bent", 0.5), ("stand", 1.0),
)

POSE_RANGES = {
    "knees_bent": (0.0, 2.0), "shift_left": (0.0, 1.5), "shift_right": (0.0, 1.5), "arms_forward": (0.0, 1.5),
    "arms_out": (0.0, 1.2), "twist": (-1.0, 1.0),
}

T1 = Robot(
    name="t1",
    scene="booster_t1/scene.xml",
    root_body="Trunk",
    feet=(Frame("body", "left_foot_link"), Frame("body", "right_foot_link")),
    hands=(Frame("body", "left_hand_link"), Frame("body", "right_hand_link")),
    actuator_groups={
        "legs": ActuatorGroup(("*_Hip_*", "*_Knee_*", "*_Ankle_*"), 1.0),
        "waist": ActuatorGroup(("Waist",), 0.5),
        "arms": ActuatorGroup(("*_Shoulder_*", "*_Elbow_*"), 0.3),
        "head": ActuatorGroup(("*Head_*",), 0.1),
    },
    keyframe="home",
    key_poses=KEY_POSES,
    clip=CLIP,
    pose_ranges=POSE_RANGES,
    experimental="falls under 100-150 N pushes, with its network as under CEM alone (docs/robots.md)",
)
