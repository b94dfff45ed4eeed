"""Robot descriptions and the registry: every robot loads, wrong names fail loudly, the T1 and the Apollo stand."""

from dataclasses import replace

import mujoco
import numpy as np
import pytest

from g1mpc.common.errors import RobotError, UserError
from g1mpc.registry import ROBOTS, get_robot
from g1mpc.robots.base import ActuatorGroup
from g1mpc.robots.g1 import G1
from g1mpc.robots.models import load_plant_model, sensor_layout
from g1mpc.tasks.balance import BalanceTask


@pytest.mark.parametrize("name, nu", [("g1", 29), ("g1_hands", 43), ("t1", 23), ("apollo", 32)])
def test_registered_robots_load_with_their_sensors_and_noise(name, nu):
    robot = get_robot(name)
    model = load_plant_model(robot)
    assert model.nu == nu
    layout = sensor_layout(model, robot)
    assert {"com", "left_foot_world", "right_foot_pos", "left_hand_quat"} <= set(layout.slices)
    scale = robot.noise_scale([model.actuator(i).name for i in range(model.nu)])
    assert len(scale) == nu and min(scale) > 0 and max(scale) == 1.0


def test_g1_noise_groups_match_the_per_actuator_scales_used_before_robot_files():
    """Before robot files, the scale came from substrings: waist 0.5, wrist/hand 0.1, shoulder/elbow 0.3, rest 1."""

    def by_substring(name):
        if "waist" in name:
            return 0.5
        if "wrist" in name or "hand" in name:
            return 0.3 / 3
        return 0.3 if "shoulder" in name or "elbow" in name else 1.0

    for robot in (ROBOTS["g1"], ROBOTS["g1_hands"]):
        model = load_plant_model(robot)
        names = [model.actuator(i).name for i in range(model.nu)]
        np.testing.assert_allclose(robot.noise_scale(names), [by_substring(n) for n in names])


def test_wrong_names_in_a_description_fail_loudly():
    with pytest.raises(RobotError, match="'torso_link'"):
        load_plant_model(replace(G1, root_body="torso_link"))
    with pytest.raises(RobotError, match="knee_jiont"):
        load_plant_model(replace(G1, key_poses={**G1.key_poses, "bad": {"left_knee_jiont": 0.1}}))
    groups = {k: v for k, v in G1.actuator_groups.items() if k != "wrists"}
    with pytest.raises(RobotError, match=r"left_wrist_roll_joint.*no actuator group"):
        load_plant_model(replace(G1, actuator_groups=groups))
    with pytest.raises(UserError, match="does not fit"):
        load_plant_model(replace(G1, feet=(G1.feet[0], G1.feet[0]._replace(name="no_such_site"))))
    with pytest.raises(RobotError, match="clip pose 'moonwalk'"):
        replace(G1, clip=(("moonwalk", 1.0),))
    with pytest.raises(RobotError, match="noise scale"):
        replace(G1, actuator_groups={"all": ActuatorGroup(("*",), 0.0)})
    with pytest.raises(UserError, match="--robot: 'nope'"):
        get_robot("nope")


@pytest.mark.parametrize("name", ["t1", "apollo"])
def test_key_poses_keep_their_feet_on_the_ground(name):
    from g1mpc.motion.reference import key_pose_clip

    robot = ROBOTS[name]
    model = load_plant_model(robot)
    data = mujoco.MjData(model)
    lowest, heights = [], []
    for pose in robot.key_poses:
        q = key_pose_clip(model, robot, [(pose, 1.0)])[0]
        data.qpos[:] = q
        mujoco.mj_kinematics(model, data)
        lowest.append(min(data.xpos[robot.frame_body(model, f)][2] for f in robot.feet))
        heights.append(q[2])
    assert np.ptp(lowest) < 1e-9  # every pose is placed with the lower foot where the keyframe has it
    assert np.ptp(heights) > 0.02  # and the poses differ (knees bend)
    qpos, fps = BalanceTask().reference_clip(model, robot)
    assert fps == 30.0 and qpos.shape[1] == model.nq and len(qpos) / fps > 10


def test_fall_test_is_judged_against_the_reference(small_assembly):
    a = small_assembly
    fallen = a.config.task.fall_test(a.plant, a.robot)
    data = mujoco.MjData(a.plant)
    squat = a.reference.qpos[int(1.5 * a.reference.fps)]  # the clip's knees-bent pose
    data.qpos[:] = squat
    mujoco.mj_forward(a.plant, data)
    assert fallen(data, squat) is None  # the reference itself is never a fall
    low = squat.copy()
    low[2] -= 0.35
    data.qpos[:] = low
    assert "pelvis at" in fallen(data, squat)
    lying = squat.copy()
    lying[3:7] = [np.cos(0.7), np.sin(0.7), 0, 0]  # rolled 1.4 rad about x
    data.qpos[:] = lying
    assert "tilted" in fallen(data, squat)
    kneel = a.reference.qpos[0].copy()  # drop the robot 0.25 m: knees and hands reach the floor first
    kneel[2] -= 0.25
    data.qpos[:] = kneel
    mujoco.mj_forward(a.plant, data)
    why = fallen(data, a.reference.qpos[0])
    assert why is not None and "touched the floor" in why


@pytest.mark.parametrize("name", ["t1", "apollo"])
def test_robot_stands_under_cem_with_no_code_outside_its_robot_file(name):
    """The second and third robots: CEM keeps each up through its default clip's first 4 s (holding the
    shipped keyframe alone, the T1 falls)."""
    from g1mpc.running.assembly import assemble
    from g1mpc.running.config import RunConfig
    from g1mpc.running.sim import SimConfig

    a = assemble(RunConfig(robot=name), nthread=2)
    try:
        ctl = a.controller()
        sim = a.simulation(SimConfig(duration=4.0, realtime=False, print_every=0))
        ctl.reset(a.reference.ctrl[0])
        result = sim.run(ctl, log=None)
    finally:
        a.close()
    assert result.falls == [] and len(result.cycles) == 200
    assert result.summary()["joint_rms_rad"] < 0.1
    assert result.cycles[-1].base_height > 0.8 * a.reference.qpos[0][2]
