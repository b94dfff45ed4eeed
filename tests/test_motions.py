"""Generated reference motions: reproducible, within joint limits, balanced over the feet, loadable."""

from dataclasses import replace

import mujoco
import numpy as np
import pytest

from g1mpc.cli import main
from g1mpc.common.errors import UserError
from g1mpc.motion.generated import MotionConfig, com_over_feet, random_motion
from g1mpc.registry import ROBOTS
from g1mpc.robots.models import frame_positions, load_plant_model


@pytest.fixture(scope="module")
def g1():
    robot = ROBOTS["g1"]
    return robot, load_plant_model(robot)


def test_a_seed_gives_the_same_motion_and_seeds_differ(g1):
    robot, model = g1
    a, b, c = (random_motion(model, robot, s, MotionConfig(duration=8)) for s in (11, 11, 12))
    np.testing.assert_array_equal(a, b)
    assert a.shape[1] == model.nq and len(a) >= 8 * 30
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_motions_respect_joint_limits_keep_balance_and_feet_and_really_move(g1):
    robot, model = g1
    data = mujoco.MjData(model)
    limited = [j for j in range(model.njnt) if model.jnt_limited[j] and model.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE]
    lowest_heights = []
    for seed in range(4):
        qpos = random_motion(model, robot, seed, MotionConfig(duration=10))
        for q in qpos[::3]:
            for j in limited:
                lo, hi = model.jnt_range[j]
                assert lo - 1e-9 <= q[model.jnt_qposadr[j]] <= hi + 1e-9
            assert com_over_feet(model, robot, q, MotionConfig.support_margin + 0.01)  # blends stay near their ends
            data.qpos[:] = q
            mujoco.mj_kinematics(model, data)
            lowest_heights.append(frame_positions(model, data, robot.feet)[:, 2].min())
        assert np.ptp(qpos[:, 7:], axis=0).max() > 0.3  # joints really move
    assert np.ptp(lowest_heights) < 1e-6  # the lower foot stays on the floor in every frame, blends included
    squats = [random_motion(model, robot, s, MotionConfig(duration=20))[:, 2].min() for s in range(6)]
    assert min(squats) < 0.66  # some motions squat well below the default clip's 0.75 m


def test_a_generated_motion_round_trips_through_the_command_line(tmp_path, g1, capsys):
    from g1mpc.motion.reference import load_reference

    robot, model = g1
    path = tmp_path / "motion.npz"
    assert main(["reference", "--motion", "7", "--motion_duration", "6", "--out", str(path)]) == 0
    ref = load_reference(path, model, robot)
    np.testing.assert_array_equal(ref.qpos, random_motion(model, robot, 7, MotionConfig(duration=6)))
    assert ref.fps == 30.0
    code = main(["run", "--cem_only", "--reference", str(path), "--headless", "--no_realtime", "--duration", "0.3",
                 "--num_samples", "8", "--num_elites", "2", "--plan_horizon", "0.2"])
    assert code == 0 and "[summary] 15 cycles" in capsys.readouterr().out


def test_a_robot_without_pose_ranges_cannot_generate(g1):
    robot, model = g1
    with pytest.raises(UserError, match="no pose ranges"):
        random_motion(model, replace(robot, pose_ranges={}), 0)


def test_a_motion_has_exactly_its_duration_in_frames(g1):
    robot, model = g1
    for seed in range(5):
        assert len(random_motion(model, robot, seed, MotionConfig(duration=8))) == 240


@pytest.mark.slow
def test_collection_on_generated_motions_gives_each_episode_its_own_clip(tmp_path):
    from g1mpc.learning.collect import CollectConfig, collect
    from g1mpc.learning.dataset import read_shard
    from g1mpc.planning.controller import ControllerConfig
    from g1mpc.running.config import RunConfig

    run = RunConfig(plan_horizon=0.2, controller=ControllerConfig(num_samples=8, num_elites=2))
    config = CollectConfig(episodes=2, episode_duration=0.3, seed=3, motions=True, motion_duration=6)
    stats = collect(tmp_path / "motions", run, config, progress=False)
    collect(tmp_path / "clip", run, CollectConfig(episodes=2, episode_duration=0.3, seed=3), progress=False)
    assert stats["episodes"] == 2
    shards = [read_shard(tmp_path / "motions" / f"shard-0000{i}.npz") for i in range(2)]
    seeds = [meta["motion_seed"] for _, _, meta in shards]
    assert seeds == [3 * 100_003, 3 * 100_003 + 101]
    default = read_shard(tmp_path / "clip" / "shard-00000.npz")
    assert default[2]["motion_seed"] is None
    assert not np.array_equal(shards[0][0], default[0])  # same episode seed, another clip: other features
