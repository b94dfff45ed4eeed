"""The browser's scene graph: body poses relative to their parents, composed back along the tree, are the
world poses MuJoCo computed, on the real G1 in a bent, tilted pose."""

import mujoco
import numpy as np

from g1mpc.viewing.web.poses import local_poses, scene_paths


def _posed(plant, reference, seed=0):
    data = mujoco.MjData(plant)
    rng = np.random.default_rng(seed)
    data.qpos[:] = reference.qpos[0]
    data.qpos[3:7] = [0.96, 0.1, -0.2, 0.15]
    data.qpos[3:7] /= np.linalg.norm(data.qpos[3:7])
    data.qpos[7:] += rng.uniform(-0.4, 0.4, plant.nq - 7)
    mujoco.mj_kinematics(plant, data)
    return data


def _compose(plant, bodies, local_pose) -> tuple[dict, dict]:
    """World (position, quaternion) per body, each composed with MuJoCo's own quaternion functions from its
    parent's and its ``local_pose(b)`` -> (position (3,), quaternion (4,)); ``bodies`` parents first."""
    world_pos, world_quat = {0: np.zeros(3)}, {0: np.array([1.0, 0.0, 0.0, 0.0])}
    for b in map(int, bodies):
        p = int(plant.body_parentid[b])
        pos, quat = (np.asarray(x, float) for x in local_pose(b))
        rotated, composed = np.zeros(3), np.zeros(4)
        mujoco.mju_rotVecQuat(rotated, pos, world_quat[p])
        mujoco.mju_mulQuat(composed, world_quat[p], quat)
        world_pos[b], world_quat[b] = world_pos[p] + rotated, composed
    return world_pos, world_quat


def test_local_poses_compose_back_to_the_world_poses(plant, reference):
    data = _posed(plant, reference)
    pos, quat = local_poses(plant.body_parentid, data.xpos, data.xquat)
    bodies = range(1, plant.nbody)  # MuJoCo numbers parents before children
    world_pos, world_quat = _compose(plant, bodies, lambda b: (pos[b], quat[b]))
    np.testing.assert_allclose([world_pos[b] for b in bodies], data.xpos[1:], atol=1e-9)
    np.testing.assert_allclose([world_quat[b] for b in bodies], data.xquat[1:], atol=1e-9)


def test_a_hinge_child_keeps_its_position_in_its_parent_as_the_joints_turn(plant, reference):
    """What makes the tree cheap to send: of a moving robot only the root changes position."""
    a, b = (local_poses(plant.body_parentid, d.xpos, d.xquat) for d in (_posed(plant, reference, 0), _posed(plant, reference, 1)))
    hinged = [i for i in range(2, plant.nbody) if plant.body_jntnum[i] == 1 and plant.jnt_type[plant.body_jntadr[i]] == 3]
    assert len(hinged) >= 20
    np.testing.assert_allclose(a[0][hinged], b[0][hinged], atol=1e-9)
    assert np.abs(a[1][hinged] - b[1][hinged]).max() > 0.05  # their orientations did change


def test_scene_paths_nest_each_body_under_its_ancestors_parents_first(plant):
    foot = plant.body("left_ankle_roll_link").id
    paths = scene_paths(plant, [foot], "/robot")
    chain, b = [], foot
    while b != 0:
        chain.append(b)
        b = plant.body_parentid[b]
    assert list(paths) == chain[::-1]
    assert paths[foot] == "/robot" + "".join(f"/b{i}" for i in chain[::-1])


def test_the_pages_scene_nodes_compose_to_the_robots_and_the_ghosts_world_poses(plant, reference):
    """A real viser server: after one drawn frame, each body's node pose, composed down the scene's tree, is
    where MuJoCo put that body, for the robot (bent, tilted, moved) and for the reference ghost."""
    from g1mpc.running.config import RunConfig
    from g1mpc.running.sim import SimConfig, Simulation
    from g1mpc.viewing.web.viewer import WebViewer

    config = RunConfig()
    sim = Simulation(plant, reference, SimConfig(), frequency=50.0, fall_test=config.task.fall_test(plant, config.robot_description),
                     push_body="pelvis")
    viewer = WebViewer(sim, plant, [], config.task.weight_values(), port=0, log=None)
    try:
        posed = _posed(plant, reference)
        sim.data.qpos[:] = posed.qpos
        sim.data.qpos[0] += 0.3
        mujoco.mj_kinematics(plant, sim.data)
        viewer.update(sim.data, reference.qpos[0])
        viewer._draw_scene(None)
        ghost = mujoco.MjData(plant)
        ghost.qpos[:] = reference.qpos[0]
        mujoco.mj_kinematics(plant, ghost)
        for frames, truth in ((viewer._robot, sim.data), (viewer._ghost, ghost)):
            world_pos, _ = _compose(plant, viewer._tree, lambda b, frames=frames: (frames[b].position, frames[b].wxyz))
            assert len(world_pos) > 25
            for b in map(int, viewer._tree):
                np.testing.assert_allclose(world_pos[b], truth.xpos[b], atol=1e-6)
    finally:
        viewer.close()


def test_a_frame_sends_only_the_joint_that_turned_and_nothing_for_a_held_ghost(plant, reference):
    """What a frame costs the page: with one knee turned since the last frame, the robot sends that shin's
    orientation alone (its children keep their poses in it) and the ghost, in the same held frame, sends nothing;
    the nodes then still compose to MuJoCo's world poses."""
    from g1mpc.running.config import RunConfig
    from g1mpc.running.sim import SimConfig, Simulation
    from g1mpc.viewing.web.viewer import WebViewer

    config = RunConfig()
    sim = Simulation(plant, reference, SimConfig(), frequency=50.0, fall_test=config.task.fall_test(plant, config.robot_description),
                     push_body="pelvis")
    viewer = WebViewer(sim, plant, [], config.task.weight_values(), port=0, log=None)
    try:
        sim.data.qpos[:] = _posed(plant, reference).qpos
        mujoco.mj_kinematics(plant, sim.data)
        viewer.update(sim.data, reference.qpos[0])
        viewer._draw_scene(None)
        sim.data.qpos[plant.joint("left_knee_joint").qposadr[0]] += 0.2
        mujoco.mj_kinematics(plant, sim.data)
        viewer.update(sim.data, reference.qpos[0])
        frame = viewer._frame
        robot = viewer._moves("robot", viewer._robot, frame.xpos, frame.xquat)
        ghost = viewer._moves("ghost", viewer._ghost, *viewer._ghost_poses(frame.ref_qpos))
        shin = viewer._robot[plant.body("left_knee_link").id]
        assert [(node, attribute) for node, attribute, _ in robot] == [(shin, "wxyz")]
        assert ghost == []
        for node, attribute, value in robot:
            setattr(node, attribute, value)
        world_pos, _ = _compose(plant, viewer._tree, lambda b: (viewer._robot[b].position, viewer._robot[b].wxyz))
        for b in map(int, viewer._tree):
            np.testing.assert_allclose(world_pos[b], sim.data.xpos[b], atol=1e-6)
    finally:
        viewer.close()
